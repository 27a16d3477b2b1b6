/* Forwarding: forged answers, failover, SERVFAIL, truncation, fresh ids
 * and ports. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "../dns/helpers.h"

TestSuite(upstream, .fini = h_stop, .timeout = 30);

/* The answer for name holds exactly `want`, and never the forged one. */
static void expect_real(const char *name, const char *want)
{
	ldns_pkt *p = h_ask(AGENT, name, LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, want);
	cr_assert_null(strstr(an, FU_BOGUS_RR));
	free(an);
	ldns_pkt_free(p);
}

Test(upstream, answer_from_another_address_is_ignored)
{
	h_start(NULL);
	expect_real("spoof-src.allowed.test", "spoof-src.allowed.test. A 93.184.216.50");
}

Test(upstream, answer_with_another_id_is_ignored)
{
	h_start(NULL);
	expect_real("spoof-id.allowed.test", "spoof-id.allowed.test. A 93.184.216.51");
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(h_upstream(0).ignored, 1);
	cr_assert_eq(h_upstream(0).answers, 1);
}

Test(upstream, answer_to_another_question_is_ignored)
{
	h_start(NULL);
	expect_real("spoof-q.allowed.test", "spoof-q.allowed.test. A 93.184.216.52");
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(h_upstream(0).ignored, 1);
}

Test(upstream, silent_upstream_fails_over_to_the_next)
{
	h_start(NULL);
	expect_real("failover.allowed.test", "failover.allowed.test. A 93.184.216.53");
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.nupstreams, 2);
	cr_assert_str_eq(h_upstream(0).addr, FU_UP0 ":53");
	cr_assert_eq(h_upstream(0).timeouts, 1);
	cr_assert_eq(h_upstream(1).answers, 1);
	cr_assert_eq(st.upstream_timeouts, 1);
	struct h_event ev;
	h_events_wait(1, &ev);
	cr_assert_str_eq(ev.reason, FU_UP1 ":53");
}

Test(upstream, servfail_from_one_upstream_fails_over)
{
	h_start(NULL);
	expect_real("failover2.allowed.test", "failover2.allowed.test. A 93.184.216.54");
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(h_upstream(0).failures, 1);
	cr_assert_eq(h_upstream(0).timeouts, 0, "no waiting for an answer already had");
}

Test(upstream, all_upstreams_failing_is_servfail)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "dead.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	uint16_t code;
	char text[256];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_eq(code, 22, "No Reachable Authority");
	ldns_pkt_free(p);
	cr_assert_eq(fu_count(h_fakeup(), 0, false, "dead.allowed.test"), 1);
	cr_assert_eq(fu_count(h_fakeup(), 1, false, "dead.allowed.test"), 1);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.servfail, 1);
	cr_assert_eq(st.upstream_timeouts, 2);
	cr_assert_eq(st.pending, 0);
	struct h_event ev;
	h_events_wait(1, &ev);
	cr_assert_str_eq(ev.verdict, "allow", "the rules allowed it; the upstreams failed");
	cr_assert_eq(ev.rcode, LDNS_RCODE_SERVFAIL);
	cr_assert_str_eq(ev.reason, text);
	/* failures are not cached */
	p = h_ask(AGENT, "dead.allowed.test", LDNS_RR_TYPE_A);
	ldns_pkt_free(p);
	cr_assert_eq(fu_count(h_fakeup(), 0, false, "dead.allowed.test"), 2);
}

Test(upstream, truncated_answer_is_asked_again_over_tcp)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "big.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	cr_assert_not(ldns_pkt_tc(p));
	cr_assert_eq(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);
	cr_assert_eq(fu_count(h_fakeup(), 0, false, "big.allowed.test"), 1);
	cr_assert_eq(fu_count(h_fakeup(), 0, true, "big.allowed.test"), 1);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(h_upstream(0).truncated, 1);
	cr_assert_eq(h_upstream(0).queries, 2);
}

Test(upstream, every_query_has_its_own_source_port_and_id)
{
	h_start(NULL);
	const char *names[] = { "www.allowed.test", "chain.allowed.test", "mixed.allowed.test",
		"intranet.private.test" };
	for (size_t i = 0; i < 4; i++)
		ldns_pkt_free(h_ask(AGENT, names[i], LDNS_RR_TYPE_A));
	unsigned ports[8], ids[8];
	cr_assert_eq(fu_udp_sources(h_fakeup(), ports, ids, 8), 4);
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < i; j++)
			cr_assert_neq(ports[i], ports[j], "queries %zu and %zu share port %u", i, j,
				ports[i]);
	/* ids are random: four equal ones would be a 1 in 2^48 event */
	cr_assert(ids[0] != ids[1] || ids[1] != ids[2] || ids[2] != ids[3]);
}

/* Every query waiting for an upstream holds a socket of a budget sized from
 * the descriptor limit: one container asking for names nobody answers
 * gets a quarter of it, and the others' queries still go out. */
Test(upstream, one_container_holds_a_quarter_of_the_waiting_queries)
{
	oc_dns_config cfg;
	h_config(&cfg);
	cfg.max_pending = 8;
	struct h_opts o = { .cfg = &cfg };
	h_start(&o);
	int fds[8];
	for (int i = 0; i < 8; i++)
		fds[i] = h_send_udp(AGENT, GW, "dead.allowed.test", (uint16_t)(100 + i));
	oc_dns_stats st = OC_DNS_STATS_INIT;
	for (int i = 0; i < 100; i++) { /* until all eight were taken in (1 s at most) */
		h_stats(&st);
		if (st.pending + st.overloaded == 8)
			break;
		usleep(10000);
	}
	cr_assert_eq(st.pending, 2, "waiting: %llu", (unsigned long long)st.pending);
	cr_assert_eq(st.overloaded, 6, "refused at once: %llu", (unsigned long long)st.overloaded);
	ldns_pkt *p = h_ask(OTHER, "www.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR, "another container is served");
	ldns_pkt_free(p);
	for (int i = 0; i < 8; i++) {
		p = h_recv_udp(fds[i], 3000);
		cr_assert(p, "query %d: every one is answered (SERVFAIL)", i);
		cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
		ldns_pkt_free(p);
	}
	h_stats(&st);
	cr_assert_eq(st.pending, 0, "and nothing is left waiting");
}
