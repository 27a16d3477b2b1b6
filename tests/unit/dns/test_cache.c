#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "dns/cache.h"
#include "dns/filter.h"
#include <outcall/error.h>

static uint8_t out[65536];

/* An answer for name/A with one record of the given TTL, cacheable for
 * `lifetime` seconds. */
static oc_dns_answer *answer(const char *name, uint32_t ttl, uint32_t lifetime)
{
	char rr[128];
	snprintf(rr, sizeof(rr), "%s %u IN A 93.184.216.34", name, ttl);
	const char *an[] = { rr, NULL };
	ldns_pkt *p = t_answer(name, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, an, NULL);
	size_t len;
	uint8_t *w = t_wire(p, &len);
	ldns_pkt_free(p);
	oc_dns_answer *a;
	cr_assert_eq(oc_dns_answer_new(w, len, lifetime, NULL, 0, &a), 0);
	free(w);
	return a;
}

static oc_dns_cache_key key(const char *name, bool allow_private)
{
	return (oc_dns_cache_key){ name, strlen(name), LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
		allow_private };
}

static oc_dns_cache *cache(size_t entries, size_t bytes)
{
	oc_dns_cache *c;
	cr_assert_eq(oc_dns_cache_new(entries, bytes, &c), 0);
	return c;
}

static bool cached(oc_dns_cache *c, const char *name, uint64_t now)
{
	oc_dns_cache_key k = key(name, false);
	uint32_t elapsed;
	return oc_dns_cache_lookup(c, &k, now, &elapsed) != NULL;
}

Test(cache, hit_counts_ttl_down_then_expires)
{
	oc_dns_cache *c = cache(100, 1 << 20);
	oc_dns_cache_key k = key("h.example", false);
	oc_dns_cache_insert(c, &k, answer("h.example", 300, 300), 1000);

	oc_dns_query q;
	t_parsed_query(&q, "h.example", LDNS_RR_TYPE_A, 0);
	k = oc_dns_cache_key_of(&q, false);
	uint32_t elapsed = 99;
	const oc_dns_answer *a = oc_dns_cache_lookup(c, &k, 1000 + 100500, &elapsed);
	cr_assert_not_null(a);
	cr_assert_eq(elapsed, 100);
	int n = oc_dns_answer_write(a, &q, elapsed, a->nlinks, NULL, out, 512);
	ldns_pkt *p = t_parse(out, (size_t)n);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 200);
	ldns_pkt_free(p);

	/* The last instant of its life, then gone. */
	cr_assert_not_null(oc_dns_cache_lookup(c, &k, 1000 + 299999, &elapsed));
	cr_assert_eq(elapsed, 299);
	cr_assert_null(oc_dns_cache_lookup(c, &k, 1000 + 300000, &elapsed));
	oc_dns_cache_stats st;
	oc_dns_cache_stats_get(c, &st);
	cr_assert_eq(st.hits, 2);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(st.expirations, 1);
	cr_assert_eq(st.entries, 0);
	cr_assert_eq(st.bytes, 0);
	oc_dns_cache_free(c);
}

Test(cache, negative_answer_lives_for_soa_minimum)
{
	const char *ns[] = { "example. 900 IN SOA ns.example. host.example. 1 2 3 4 60", NULL };
	ldns_pkt *p = t_answer("nx.example", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, 1, NULL, ns);
	size_t len;
	uint8_t *w = t_wire(p, &len);
	ldns_pkt_free(p);
	oc_dns_query q;
	t_parsed_query(&q, "nx.example", LDNS_RR_TYPE_A, 0);
	oc_addr_policy *pol;
	cr_assert_eq(oc_addr_policy_new(NULL, &pol), 0);
	oc_dns_filter_config cfg = { pol, 3600, 300 };
	oc_dns_filter_result r;
	cr_assert_eq(oc_dns_filter(&cfg, &q, false, w, len, &r), 0);
	free(w);
	cr_assert_eq(r.answer->ttl, 60);

	oc_dns_cache *c = cache(10, 1 << 20);
	oc_dns_cache_key k = oc_dns_cache_key_of(&q, false);
	oc_dns_cache_insert(c, &k, r.answer, 0);
	uint32_t elapsed;
	const oc_dns_answer *a = oc_dns_cache_lookup(c, &k, 59999, &elapsed);
	cr_assert_not_null(a);
	cr_assert_eq(a->rcode, LDNS_RCODE_NXDOMAIN);
	int n = oc_dns_answer_write(a, &q, elapsed, a->nlinks, NULL, out, 512);
	p = t_parse(out, (size_t)n);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)), 1);
	ldns_pkt_free(p);
	cr_assert_null(oc_dns_cache_lookup(c, &k, 60000, &elapsed));
	oc_dns_cache_free(c);
	oc_addr_policy_free(pol);
}

Test(cache, key_includes_type_class_and_allow_private)
{
	oc_dns_cache *c = cache(10, 1 << 20);
	oc_dns_cache_key k = key("h.example", true);
	oc_dns_cache_insert(c, &k, answer("h.example", 300, 300), 0);
	uint32_t e;
	cr_assert_not_null(oc_dns_cache_lookup(c, &k, 0, &e));
	k.allow_private = false;
	cr_assert_null(oc_dns_cache_lookup(c, &k, 0, &e));
	k.allow_private = true;
	k.qtype = LDNS_RR_TYPE_AAAA;
	cr_assert_null(oc_dns_cache_lookup(c, &k, 0, &e));
	k.qtype = LDNS_RR_TYPE_A;
	k.qclass = 3;
	cr_assert_null(oc_dns_cache_lookup(c, &k, 0, &e));
	cr_assert_not(cached(c, "h.exampl", 0));
	oc_dns_cache_free(c);
}

Test(cache, entry_bound_evicts_least_recently_used)
{
	oc_dns_cache *c = cache(2, 1 << 20);
	oc_dns_cache_key ka = key("a.example", false), kb = key("b.example", false),
		kc = key("c.example", false);
	oc_dns_cache_insert(c, &ka, answer("a.example", 300, 300), 0);
	oc_dns_cache_insert(c, &kb, answer("b.example", 300, 300), 0);
	cr_assert(cached(c, "a.example", 1)); /* a is now the most recent */
	oc_dns_cache_insert(c, &kc, answer("c.example", 300, 300), 2);
	cr_assert(cached(c, "a.example", 3));
	cr_assert_not(cached(c, "b.example", 3));
	cr_assert(cached(c, "c.example", 3));
	oc_dns_cache_stats st;
	oc_dns_cache_stats_get(c, &st);
	cr_assert_eq(st.entries, 2);
	cr_assert_eq(st.evictions, 1);
	oc_dns_cache_free(c);
}

Test(cache, byte_bound)
{
	/* What one entry costs, names being of equal length. */
	oc_dns_cache *c = cache(1000, 1 << 20);
	oc_dns_cache_key k0 = key("n0.example", false);
	oc_dns_cache_insert(c, &k0, answer("n0.example", 300, 300), 0);
	oc_dns_cache_stats one;
	oc_dns_cache_stats_get(c, &one);
	cr_assert_gt(one.bytes, 0);
	oc_dns_cache_free(c);
	c = cache(1000, 2 * one.bytes + one.bytes / 2);
	char name[32];
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		oc_dns_cache_key k = key(name, false);
		oc_dns_cache_insert(c, &k, answer(name, 300, 300), (uint64_t)i);
		oc_dns_cache_stats st;
		oc_dns_cache_stats_get(c, &st);
		cr_assert_leq(st.bytes, st.max_bytes);
	}
	oc_dns_cache_stats st;
	oc_dns_cache_stats_get(c, &st);
	cr_assert_eq(st.entries, 2);
	cr_assert_eq(st.evictions, 8);
	cr_assert(cached(c, "n9.example", 10));
	cr_assert(cached(c, "n8.example", 10));
	cr_assert_not(cached(c, "n7.example", 10));

	/* An answer bigger than the whole bound is not stored (nor leaked). */
	oc_dns_cache *tiny = cache(10, 64);
	oc_dns_cache_key k = key("a.example", false);
	oc_dns_cache_insert(tiny, &k, answer("a.example", 300, 300), 0);
	cr_assert_not(cached(tiny, "a.example", 0));
	oc_dns_cache_free(tiny);
	oc_dns_cache_free(c);
}

Test(cache, uncacheable_replace_and_flush)
{
	oc_dns_cache *c = cache(10, 1 << 20);
	oc_dns_cache_key k = key("a.example", false);
	oc_dns_cache_insert(c, &k, answer("a.example", 300, 0), 0);
	cr_assert_not(cached(c, "a.example", 0));
	oc_dns_cache_insert(c, &k, answer("a.example", 300, 10), 0);
	oc_dns_cache_insert(c, &k, answer("a.example", 300, 300), 0);
	uint32_t e;
	const oc_dns_answer *a = oc_dns_cache_lookup(c, &k, 20000, &e);
	cr_assert_not_null(a);
	cr_assert_eq(a->ttl, 300);
	oc_dns_cache_stats st;
	oc_dns_cache_stats_get(c, &st);
	cr_assert_eq(st.entries, 1);
	cr_assert_eq(st.inserts, 2);
	oc_dns_cache_flush(c);
	cr_assert_not(cached(c, "a.example", 0));
	oc_dns_cache_stats_get(c, &st);
	cr_assert_eq(st.bytes, 0);
	oc_dns_cache_free(c);
}

struct listing {
	char text[256];
	int calls, stop_at;
};

static int list_one(void *arg, const oc_dns_cache_item *it)
{
	struct listing *l = arg;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof(l->text) - n, "%s/%u/%u ", it->name, it->qtype, it->ttl_left);
	cr_assert_gt(it->bytes, 0);
	return ++l->calls == l->stop_at ? 7 : 0;
}

Test(cache, listing_skips_expired_most_recent_first)
{
	oc_dns_cache *c = cache(10, 1 << 20);
	oc_dns_cache_key ka = key("a.example", false), kb = key("b.example", false),
		kc = key("c.example", false);
	oc_dns_cache_insert(c, &ka, answer("a.example", 300, 300), 0);
	oc_dns_cache_insert(c, &kb, answer("b.example", 30, 30), 0);
	oc_dns_cache_insert(c, &kc, answer("c.example", 100, 100), 0);
	struct listing l = { "", 0, 0 };
	cr_assert_eq(oc_dns_cache_foreach(c, 50500, list_one, &l), 0);
	cr_assert_str_eq(l.text, "c.example/1/50 a.example/1/250 ");
	l = (struct listing){ "", 0, 1 };
	cr_assert_eq(oc_dns_cache_foreach(c, 0, list_one, &l), 7);
	cr_assert_eq(l.calls, 1);
	oc_dns_cache_free(c);
}

Test(cache, bad_limits)
{
	oc_dns_cache *c;
	cr_assert_eq(oc_dns_cache_new(0, 100, &c), OC_EINVAL);
	cr_assert_null(c);
	cr_assert(strstr(oc_error_last()->message, "0 entries"));
}
