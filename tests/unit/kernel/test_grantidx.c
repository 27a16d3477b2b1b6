#include <criterion/criterion.h>

#include "kernel/grantidx.h"

static struct oc_grant_key key(uint32_t rule, uint32_t c, uint32_t d, uint32_t port)
{
	struct oc_grant_key k = { rule, c, d, port };
	return k;
}

Test(grantidx, put_get_expire)
{
	struct oc_grantidx g = { 0 };
	struct oc_grant_key k = key(0, 1, 2, 443);
	cr_assert_eq(oc_grantidx_get(&g, &k, 0), 0);
	cr_assert_eq(oc_grantidx_put(&g, &k, 100), 0);
	cr_assert_eq(oc_grantidx_get(&g, &k, 50), 100);
	cr_assert_eq(oc_grantidx_get(&g, &k, 100), 0, "expired at its expiry");
	cr_assert_eq(oc_grantidx_count(&g, 0, 1, 50, 10), 1);
	oc_grantidx_del(&g, &k);
	cr_assert_eq(oc_grantidx_get(&g, &k, 50), 0);
	cr_assert_eq(oc_grantidx_count(&g, 0, 1, 50, 10), 0);
	oc_grantidx_clear(&g);
}

Test(grantidx, counts_per_rule_and_container_and_prunes)
{
	struct oc_grantidx g = { 0 };
	for (uint32_t i = 0; i < 5000; i++) {
		struct oc_grant_key k = key(i % 2, 7, i, 443);
		cr_assert_eq(oc_grantidx_put(&g, &k, i < 1000 ? 10 : 1000), 0);
	}
	cr_assert_eq(oc_grantidx_count(&g, 0, 7, 0, 100000), 2500);
	cr_assert_eq(oc_grantidx_count(&g, 1, 7, 0, 100000), 2500);
	cr_assert_eq(oc_grantidx_count(&g, 1, 8, 0, 100000), 0);
	/* at the prune threshold the expired entries of that pair go */
	cr_assert_eq(oc_grantidx_count(&g, 0, 7, 20, 2500), 2000);
	cr_assert_eq(oc_grantidx_count(&g, 1, 7, 20, 100000), 2500, "other pair untouched");
	for (uint32_t i = 1000; i < 5000; i++) {
		struct oc_grant_key k = key(i % 2, 7, i, 443);
		cr_assert_eq(oc_grantidx_get(&g, &k, 20), 1000);
	}
	oc_grantidx_clear(&g);
}
