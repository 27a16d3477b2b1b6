#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <outcall/addr.h>
#include <outcall/error.h>

static bool priv(const oc_addr_policy *p, const char *text)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, text, a) == 1)
		return oc_addr_policy_is_private(p, AF_INET, a);
	cr_assert_eq(inet_pton(AF_INET6, text, a), 1, "bad test address %s", text);
	return oc_addr_policy_is_private(p, AF_INET6, a);
}

static oc_addr_policy *policy(const char *ranges)
{
	oc_addr_policy *p;
	cr_assert_eq(oc_addr_policy_new(ranges, &p), 0, "%s", oc_error_last()->message);
	return p;
}

Test(addr, default_list_private)
{
	oc_addr_policy *p = policy(NULL);
	const char *yes[] = {
		"0.0.0.0", "10.1.2.3", "100.64.0.1", "100.127.255.255", "127.0.0.1",
		"169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1",
		"192.168.1.1", "198.18.1.80", "198.19.255.255", "198.51.100.7", "203.0.113.9",
		"224.0.0.251", "239.255.255.250", "255.255.255.255", "240.0.0.1",
		"::", "::1", "::ffff:10.0.0.1", "::ffff:8.8.8.8", "fc00::1", "fd12:3456::1",
		"fe80::1", "febf::1", "fec0::1", "ff02::fb", "2001:db8::1", "64:ff9b:1::1",
		"100::1", "2001:2::1",
		/* IPv6 forms carrying a private IPv4 address */
		"64:ff9b::a00:1", "2002:a00:1::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe",
	};
	const char *no[] = {
		"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.32.0.1",
		"198.17.255.255", "198.20.0.0", "192.0.1.255", "223.255.255.255",
		"2606:4700::1111", "2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1",
		"2001:0:4136:e378:8000:63bf:f7f7:f7f7", "fbff::1", "2001:db9::1",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		cr_expect(priv(p, yes[i]), "%s should be private", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		cr_expect_not(priv(p, no[i]), "%s should be public", no[i]);
	oc_addr_policy_free(p);
}

Test(addr, lab_list_leaves_benchmark_range_public_but_mapped_private_still_caught)
{
	/* The lab's list: the default without 198.18.0.0/15 and without ::ffff:0:0/96. */
	oc_addr_policy *p = policy("10.0.0.0/8, 127.0.0.0/8,169.254.0.0/16 ,100.64.0.0/10,fc00::/7");
	cr_assert_not(priv(p, "198.18.1.80"));
	cr_assert(priv(p, "10.200.0.1"));
	cr_assert(priv(p, "::ffff:10.0.0.1"));    /* judged by its IPv4 address */
	cr_assert(priv(p, "::ffff:127.0.0.1"));
	cr_assert_not(priv(p, "::ffff:198.18.0.1"));
	cr_assert_not(priv(p, "fe80::1"));
	oc_addr_policy_free(p);
}

Test(addr, bare_address_and_prefix_edges)
{
	oc_addr_policy *p = policy("203.0.113.7,0.0.0.0/0");
	cr_assert(priv(p, "8.8.8.8")); /* /0 covers everything */
	oc_addr_policy_free(p);
	p = policy("203.0.113.7, 2001:db8::5");
	cr_assert(priv(p, "203.0.113.7"));
	cr_assert_not(priv(p, "203.0.113.8"));
	cr_assert(priv(p, "2001:db8::5"));
	cr_assert_not(priv(p, "2001:db8::4"));
	oc_addr_policy_free(p);
	p = policy("2001:db8:0:0:8000::/65");
	cr_assert(priv(p, "2001:db8::8000:0:0:1"));
	cr_assert_not(priv(p, "2001:db8::7fff:0:0:1"));
	oc_addr_policy_free(p);
}

Test(addr, empty_list_has_no_private_ranges)
{
	oc_addr_policy *p = policy("  ");
	cr_assert_not(priv(p, "127.0.0.1"));
	cr_assert_not(priv(p, "::1"));
	/* Even embedded forms: nothing is private. */
	cr_assert_not(priv(p, "::ffff:127.0.0.1"));
	char *s = oc_addr_policy_format(p);
	cr_assert_str_eq(s, "");
	free(s);
	oc_addr_policy_free(p);
}

static void expect_error(const char *list, const char *needle)
{
	oc_addr_policy *p = (oc_addr_policy *)1;
	cr_assert_eq(oc_addr_policy_new(list, &p), OC_EINVAL, "%s accepted", list);
	cr_assert_null(p);
	cr_assert(strstr(oc_error_last()->message, needle), "message '%s' lacks '%s'",
		oc_error_last()->message, needle);
}

Test(addr, errors_name_the_item)
{
	expect_error("10.0.0.0/8,10.0.0.1/8", "item 2 \"10.0.0.1/8\": address has bits set");
	expect_error("10.0.0.0/33", "item 1 \"10.0.0.0/33\": prefix length must be 0 to 32");
	expect_error("fc00::/129", "prefix length must be 0 to 128");
	expect_error("10.0.0.0/", "prefix length");
	expect_error("10.0.0.0/8x", "prefix length");
	expect_error("10.0.0/8", "item 1 \"10.0.0/8\": not a valid IPv4 address");
	expect_error("fc00::zz/7", "not a valid IPv6 address");
	expect_error("10.0.0.0/8,,fc00::/7", "item 2 \"\": empty item");
	expect_error("10.0.0.0/8,", "item 2 \"\": empty item");
	expect_error("fe80::1/10", "bits set beyond");
	expect_error("/8", "item 1 \"/8\": not an IPv4 or IPv6 address");
}

Test(addr, too_many_ranges)
{
	char list[OC_ADDR_POLICY_MAX * 20 + 32] = "";
	size_t n = 0;
	for (int i = 0; i <= OC_ADDR_POLICY_MAX; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s10.%d.%d.0/24", i ? "," : "",
			i / 256, i % 256);
	expect_error(list, "more than 256 ranges");
}

Test(addr, format_round_trips_default)
{
	oc_addr_policy *p = policy(NULL);
	char *s = oc_addr_policy_format(p);
	cr_assert_str_eq(s, oc_addr_policy_default_ranges());
	free(s);
	oc_addr_policy_free(p);
	p = policy("fc00::/7, 10.0.0.0/8");
	s = oc_addr_policy_format(p);
	cr_assert_str_eq(s, "10.0.0.0/8,fc00::/7");
	free(s);
	oc_addr_policy_free(p);
}

Test(addr, sockaddr_and_other_families)
{
	oc_addr_policy *p = policy(NULL);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	inet_pton(AF_INET, "10.0.0.1", &sin.sin_addr);
	cr_assert(oc_addr_policy_is_private_sa(p, (struct sockaddr *)&sin));
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "2606:4700::1111", &sin6.sin6_addr);
	cr_assert_not(oc_addr_policy_is_private_sa(p, (struct sockaddr *)&sin6));
	struct sockaddr sun = { .sa_family = AF_UNIX };
	cr_assert_not(oc_addr_policy_is_private_sa(p, &sun));
	oc_addr_policy_free(p);
}
