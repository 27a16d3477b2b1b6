/* The resolver against scripted upstreams on the test's own loop, in a
 * private network namespace (nothing leaves it; 127.0.0.1 and 127.0.0.2
 * are the two upstreams). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "fakedns.h"
#include "loop/loop.h"
#include "nstest.h"
#include "resolve/resolve.h"

static oc_loop *loop;
static struct fakedns *dns1, *dns2;
static oc_resolver *res;

struct got {
	bool done;
	int calls;
	oc_resolve_result r;
};

static void on_result(void *arg, const oc_resolve_result *r)
{
	struct got *g = arg;
	g->done = true;
	g->calls++;
	g->r = *r;
}

static void run_until(const bool *flag, int max_ms)
{
	uint64_t end = oc_loop_clock_ms() + (uint64_t)max_ms;
	while (!*flag && oc_loop_clock_ms() < end)
		oc_loop_run_once(loop, 50);
}

static void setup_with(uint32_t attempt_ms, uint32_t ttl_max)
{
	nstest_enter();
	cr_assert_eq(oc_loop_new(&loop), 0);
	cr_assert_not_null(loop);
	dns1 = fakedns_new(loop, "127.0.0.1:53");
	dns2 = fakedns_new(loop, "127.0.0.2:53");
	oc_resolver_config cfg = {
		.upstreams = "127.0.0.1,127.0.0.2:53",
		.attempt_ms = attempt_ms,
		.total_ms = 4000,
		.ttl_max = ttl_max,
	};
	cr_assert_eq(oc_resolver_new(loop, &cfg, &res), 0, "%s", oc_error_last()->message);
}

static void setup(void)
{
	setup_with(1000, 300);
}

static void teardown(void)
{
	oc_resolver_free(res);
	if (dns1)
		fakedns_free(dns1);
	if (dns2)
		fakedns_free(dns2);
	oc_loop_free(loop);
}

/* Looks host up and waits for the answer; returns whether it came from
 * the cache (or a literal) at once. */
static bool lookup(const char *host, struct got *g)
{
	oc_resolve_wait *w;
	*g = (struct got){ 0 };
	int rc = oc_resolve(res, host, on_result, g, &w, &g->r);
	cr_assert_geq(rc, 0);
	if (rc == 1) {
		cr_assert_null(w);
		return true;
	}
	cr_assert_not_null(w);
	run_until(&g->done, 5000);
	cr_assert(g->done, "no answer for %s within 5 s", host);
	return false;
}

static const char *ip(const oc_resolve_result *r, size_t i)
{
	static char buf[4][INET_ADDRSTRLEN];
	return inet_ntop(AF_INET, &r->addr[i], buf[i % 4], sizeof(buf[0]));
}

TestSuite(resolve, .fini = teardown, .timeout = 20);

Test(resolve, answers_and_caches_for_the_ttl)
{
	setup();
	struct got g;
	fakedns_set(dns1, "a.test", FAKEDNS_ANSWER,
		"a.test. 60 IN A 198.18.0.10; a.test. 60 IN A 198.18.0.11");
	cr_assert_not(lookup("a.test", &g));
	cr_assert_eq(g.r.status, 0, "%s", g.r.why);
	cr_assert_eq(g.r.count, 2);
	cr_assert_str_eq(ip(&g.r, 0), "198.18.0.10");
	cr_assert_str_eq(ip(&g.r, 1), "198.18.0.11");
	cr_assert(lookup("a.test", &g), "second lookup should come from the cache");
	cr_assert_eq(g.r.count, 2);
	cr_assert_eq(fakedns_count(dns1, "a.test"), 1);
}

Test(resolve, expired_entries_are_asked_again)
{
	setup();
	struct got g;
	fakedns_set(dns1, "short.test", FAKEDNS_ANSWER, "short.test. 1 IN A 198.18.0.12");
	cr_assert_not(lookup("short.test", &g));
	cr_assert(lookup("short.test", &g));
	/* Let the loop clock pass the one-second TTL. */
	uint64_t end = oc_loop_clock_ms() + 1100;
	while (oc_loop_clock_ms() < end)
		oc_loop_run_once(loop, 100);
	cr_assert_not(lookup("short.test", &g), "a 1 s TTL must not outlive 1.1 s");
	cr_assert_eq(fakedns_count(dns1, "short.test"), 2);
}

Test(resolve, ttl_is_capped)
{
	setup_with(1000, 1);
	struct got g;
	fakedns_set(dns1, "long.test", FAKEDNS_ANSWER, "long.test. 86400 IN A 198.18.0.13");
	cr_assert_not(lookup("long.test", &g));
	uint64_t end = oc_loop_clock_ms() + 1100;
	while (oc_loop_clock_ms() < end)
		oc_loop_run_once(loop, 100);
	cr_assert_not(lookup("long.test", &g), "ttl_max 1 s must cap a one-day TTL");
}

Test(resolve, nxdomain_is_not_found_and_not_cached)
{
	setup();
	struct got g;
	fakedns_set(dns1, "nx.test", FAKEDNS_NXDOMAIN, NULL);
	cr_assert_not(lookup("nx.test", &g));
	cr_assert_eq(g.r.status, OC_ENOTFOUND);
	cr_assert_not_null(strstr(g.r.why, "NXDOMAIN"));
	cr_assert_not(lookup("nx.test", &g));
	cr_assert_eq(fakedns_count(dns1, "nx.test"), 2);
}

Test(resolve, name_without_ipv4_is_not_found)
{
	setup();
	struct got g;
	fakedns_set(dns1, "v6.test", FAKEDNS_ANSWER, "v6.test. 60 IN AAAA 2001:db8::1");
	cr_assert_not(lookup("v6.test", &g));
	cr_assert_eq(g.r.status, OC_ENOTFOUND);
}

Test(resolve, cname_chain_is_followed)
{
	setup();
	struct got g;
	fakedns_set(dns1, "alias.test", FAKEDNS_ANSWER,
		"alias.test. 60 IN CNAME target.test.; target.test. 30 IN A 198.18.0.20");
	cr_assert_not(lookup("alias.test", &g));
	cr_assert_eq(g.r.status, 0, "%s", g.r.why);
	cr_assert_eq(g.r.count, 1);
	cr_assert_str_eq(ip(&g.r, 0), "198.18.0.20");
}

Test(resolve, truncated_answer_is_asked_again_over_tcp)
{
	setup();
	struct got g;
	fakedns_set(dns1, "big.test", FAKEDNS_TRUNCATE_UDP, "big.test. 60 IN A 198.18.0.30");
	cr_assert_not(lookup("big.test", &g));
	cr_assert_eq(g.r.status, 0, "%s", g.r.why);
	cr_assert_str_eq(ip(&g.r, 0), "198.18.0.30");
	cr_assert_eq(fakedns_count(dns1, "big.test"), 2, "one UDP and one TCP query");
}

Test(resolve, silent_upstream_fails_over_to_the_next)
{
	setup_with(200, 300);
	struct got g;
	fakedns_set(dns1, "slow.test", FAKEDNS_SILENT, NULL);
	fakedns_set(dns2, "slow.test", FAKEDNS_ANSWER, "slow.test. 60 IN A 198.18.0.40");
	cr_assert_not(lookup("slow.test", &g));
	cr_assert_eq(g.r.status, 0, "%s", g.r.why);
	cr_assert_str_eq(ip(&g.r, 0), "198.18.0.40");
	cr_assert_eq(fakedns_count(dns1, "slow.test"), 1);
	cr_assert_eq(fakedns_count(dns2, "slow.test"), 1);
}

Test(resolve, no_upstream_answering_is_unreachable)
{
	setup_with(200, 300);
	fakedns_free(dns1);
	fakedns_free(dns2);
	dns1 = dns2 = NULL;
	struct got g;
	lookup("gone.test", &g);
	cr_assert_eq(g.r.status, OC_EUNREACHABLE);
	cr_assert_not_null(g.r.why);
}

Test(resolve, concurrent_lookups_share_one_query)
{
	setup();
	fakedns_set(dns1, "shared.test", FAKEDNS_ANSWER, "shared.test. 60 IN A 198.18.0.50");
	struct got a = { 0 }, b = { 0 }, c = { 0 };
	oc_resolve_wait *wa, *wb, *wc;
	oc_resolve_result now;
	cr_assert_eq(oc_resolve(res, "shared.test", on_result, &a, &wa, &now), 0);
	cr_assert_eq(oc_resolve(res, "shared.test", on_result, &b, &wb, &now), 0);
	cr_assert_eq(oc_resolve(res, "shared.test", on_result, &c, &wc, &now), 0);
	oc_resolve_cancel(res, wb);
	run_until(&a.done, 5000);
	run_until(&c.done, 1000);
	cr_assert(a.done && c.done);
	cr_assert_eq(a.calls, 1);
	cr_assert_eq(b.calls, 0, "a cancelled lookup must not be called back");
	cr_assert_eq(fakedns_count(dns1, "shared.test"), 1);
	cr_assert_str_eq(ip(&c.r, 0), "198.18.0.50");
}

Test(resolve, literals_answer_themselves)
{
	setup();
	struct got g;
	cr_assert(lookup("198.18.0.99", &g));
	cr_assert_eq(g.r.status, 0);
	cr_assert_str_eq(ip(&g.r, 0), "198.18.0.99");
	cr_assert(lookup("2001:db8::1", &g));
	cr_assert_eq(g.r.status, OC_EUNREACHABLE);
}

Test(resolve, bad_upstream_list_names_the_item)
{
	setup();
	oc_resolver *r2;
	oc_resolver_config cfg = { .upstreams = "127.0.0.1,not-an-ip" };
	cr_assert_lt(oc_resolver_new(loop, &cfg, &r2), 0);
	cr_assert_not_null(strstr(oc_error_last()->message, "not-an-ip"), "%s",
		oc_error_last()->message);
}

static struct in_addr a4(const char *s)
{
	struct in_addr a;
	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

Test(resolve_permit, private_needs_the_rule_and_metadata_never_opens)
{
	oc_addr_policy *p;
	cr_assert_eq(oc_addr_policy_new(NULL, &p), 0);
	struct in_addr in[] = { a4("10.1.2.3"), a4("8.8.8.8"), a4("169.254.169.254"),
		a4("127.0.0.1"), a4("0.0.0.0"), a4("224.0.0.1"), a4("255.255.255.255") };
	struct in_addr out[7];
	const char *why = NULL;
	size_t n = oc_resolve_permit(p, false, in, 7, out, &why);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].s_addr, in[1].s_addr);
	n = oc_resolve_permit(p, true, in, 7, out, &why);
	cr_assert_eq(n, 2, "allow_private_ips opens 10/8 but never metadata or loopback");
	cr_assert_eq(out[0].s_addr, in[0].s_addr);
	n = oc_resolve_permit(p, true, &in[2], 1, out, &why);
	cr_assert_eq(n, 0);
	cr_assert_not_null(strstr(why, "metadata"));
	n = oc_resolve_permit(p, false, &in[0], 1, out, &why);
	cr_assert_eq(n, 0);
	cr_assert_not_null(strstr(why, "allow_private_ips"));
	oc_addr_policy_free(p);
}
