/* What allowed answers look like: private addresses, CNAME chains, the
 * cache. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "../dns/helpers.h"

TestSuite(answers, .fini = h_stop, .timeout = 30);

Test(answers, private_addresses_are_stripped)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "mixed.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, "mixed.allowed.test. A 93.184.216.37");
	free(an);
	ldns_pkt_free(p);
	struct h_event ev;
	h_events_wait(1, &ev);
	cr_assert_eq(ev.kept, 1);
	cr_assert_eq(ev.removed, 1);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.addrs_removed, 1);
}

Test(answers, all_addresses_private_is_servfail)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "allprivate.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	cr_assert_eq(ldns_pkt_ancount(p), 0);
	uint16_t code;
	char text[512];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_eq(code, 15);
	ldns_pkt_free(p);
	struct h_event ev;
	h_events_wait(1, &ev);
	cr_assert_eq(ev.rcode, LDNS_RCODE_SERVFAIL);
	cr_assert_eq(ev.removed, 2);
	cr_assert_str_eq(ev.reason, text, "the record says why, as the EDE does");
}

Test(answers, allow_private_ips_keeps_them)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "intranet.private.test", LDNS_RR_TYPE_A);
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, "intranet.private.test. A 10.0.0.7");
	free(an);
	ldns_pkt_free(p);
}

Test(answers, cname_chain_of_allowed_names_is_whole)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "chain.allowed.test", LDNS_RR_TYPE_A);
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, "chain.allowed.test. CNAME edge.allowed.test. | "
		"edge.allowed.test. A 93.184.216.35");
	free(an);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 1)), 60);
	ldns_pkt_free(p);
}

Test(answers, cname_chain_is_cut_at_the_first_refused_name)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "leak.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, "leak.allowed.test. CNAME hop.allowed.test.",
		"hop.allowed.test's target is refused, so its link goes: %s", an);
	free(an);
	uint16_t code;
	char text[512];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_eq(code, 15);
	cr_assert_str_eq(text, "outcall blocked secret.evil.test: default (no rule allows it); "
		"ask for access: outcall-shim request --host secret.evil.test --why \"...\"");
	ldns_pkt_free(p);
	struct h_event ev;
	h_events_wait(1, &ev);
	cr_assert_eq(ev.kept, 0);
	/* from the cache, cut the same way */
	p = h_ask(AGENT, "leak.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.cut, 2);
	cr_assert_eq(st.cache_hits, 1);
}

Test(answers, cache_hit_counts_the_ttl_down)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "www.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 300);
	ldns_pkt_free(p);
	usleep(1100 * 1000); /* time has to pass for a TTL to count down */
	/* another container, same answer from the cache */
	p = h_ask(OTHER, "WWW.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	uint32_t ttl = ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0));
	cr_assert(ttl >= 298 && ttl <= 299, "TTL %u after a second in the cache", ttl);
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, "WWW.allowed.test. A 93.184.216.34",
		"the owner points at the question, in the client's own spelling: %s", an);
	free(an);
	ldns_pkt_free(p);
	cr_assert_eq(fu_count(h_fakeup(), 0, false, "www.allowed.test"), 1);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.cache_hits, 1);
	cr_assert_eq(st.cache_misses, 1);
	cr_assert_eq(st.cache_entries, 1);
	cr_assert_gt(st.cache_bytes, 0);
}

Test(answers, flush_empties_the_cache_and_list_shows_it)
{
	h_start(NULL);
	ldns_pkt_free(h_ask(AGENT, "chain.allowed.test", LDNS_RR_TYPE_A));
	struct h_cache_entry e[4];
	cr_assert_eq(h_cache_list(e, 4), 1);
	cr_assert_str_eq(e[0].name, "chain.allowed.test");
	cr_assert_str_eq(e[0].type, "A");
	cr_assert(e[0].ttl_left > 0 && e[0].ttl_left <= 60,
		"the chain lives as long as its shortest TTL: %u", e[0].ttl_left);
	cr_assert_gt(e[0].bytes, 0);
	h_flush();
	cr_assert_eq(h_cache_list(e, 4), 0);
	ldns_pkt_free(h_ask(AGENT, "chain.allowed.test", LDNS_RR_TYPE_A));
	cr_assert_eq(fu_count(h_fakeup(), 0, false, "chain.allowed.test"), 2);
}
