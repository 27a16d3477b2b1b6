/* Who may ask, and what the rules answer: identity, rate limit, malformed
 * queries, allowed and blocked names, one decision record per query. */
#include <criterion/criterion.h>
#include <string.h>
#include "harness.h"
#include "../dns/helpers.h"

TestSuite(policy, .fini = h_stop, .timeout = 30);

Test(policy, allowed_name_is_forwarded_and_answered)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "www.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	cr_assert(ldns_pkt_qr(p) && ldns_pkt_ra(p));
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, "www.allowed.test. A 93.184.216.34");
	free(an);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 300);
	ldns_pkt_free(p);
	cr_assert_eq(fu_count(h_fakeup(), 0, false, "www.allowed.test"), 1);

	struct h_event ev;
	cr_assert_eq(h_events_wait(1, &ev), 1, "one decision record per query");
	cr_assert_str_eq(ev.verdict, "allow");
	cr_assert_str_eq(ev.rule, "allow-test");
	cr_assert_str_eq(ev.host, "www.allowed.test");
	cr_assert_str_eq(ev.agent, "coder");
	cr_assert_str_eq(ev.type, "A");
	cr_assert_eq(strncmp(ev.peer, AGENT ":", strlen(AGENT) + 1), 0, "peer %s", ev.peer);
	cr_assert_gt(atoi(ev.peer + strlen(AGENT) + 1), 0, "with the client's port: %s", ev.peer);
	cr_assert_str_eq(ev.reason, FU_UP0 ":53", "the upstream that answered");
	cr_assert_eq(ev.rcode, 0);
	cr_assert_eq(ev.kept, 1);
	cr_assert_eq(ev.generation, 1);
}

Test(policy, blocked_name_is_nxdomain_with_soa_and_ede_naming_the_rule)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "Paste.Evil.Test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	cr_assert_eq(ldns_pkt_ancount(p), 0);
	char *ns = h_section(p, LDNS_SECTION_AUTHORITY);
	cr_assert_str_eq(ns, "Paste.Evil.Test. SOA outcall.invalid. hostmaster.outcall.invalid. "
		"1 3600 600 86400 10", "SOA with the blocked TTL: %s", ns);
	free(ns);
	uint16_t code;
	char text[1024];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_eq(code, 15);
	cr_assert_str_eq(text, "outcall blocked paste.evil.test: rule \"no-paste\"; ask for access: "
		"outcall-shim request --host paste.evil.test --why \"...\"");
	ldns_pkt_free(p);
	struct h_event ev;
	h_events(&ev);
	cr_assert_str_eq(ev.verdict, "block");
	cr_assert_str_eq(ev.rule, "no-paste");
	cr_assert_eq(ev.rcode, LDNS_RCODE_NXDOMAIN);
	/* A barrier: the upstream answers in order, so once an allowed name
	 * asked after it is answered, anything the blocked query sent
	 * upstream has arrived there. */
	p = h_ask(AGENT, "www.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ldns_pkt_free(p);
	cr_assert_eq(fu_count(h_fakeup(), 0, false, NULL), 1,
		"a blocked name never goes upstream: only the allowed one did");
}

Test(policy, default_block_says_so_and_without_opt_there_is_no_ede)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "unknown.example", LDNS_RR_TYPE_AAAA);
	uint16_t code;
	char text[1024];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_str_eq(text, "outcall blocked unknown.example: default (no rule allows it); "
		"ask for access: outcall-shim request --host unknown.example --why \"...\"");
	ldns_pkt_free(p);
	struct h_event ev;
	h_events(&ev);
	cr_assert_str_eq(ev.rule, "default");

	p = h_ask_udp(AGENT, "unknown.example", LDNS_RR_TYPE_A, 0, 3000);
	cr_assert_not_null(p);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	cr_assert_not(ldns_pkt_edns(p), "no OPT in the query, none in the answer");
	cr_assert_eq(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
}

Test(policy, unknown_peer_is_refused_before_any_rule)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(STRANGER, "www.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	cr_assert_eq(ldns_pkt_ancount(p), 0);
	uint16_t code;
	char text[256];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_eq(code, 18);
	ldns_pkt_free(p);
	cr_assert_eq(fu_count(h_fakeup(), 0, false, NULL), 0);
	struct h_event ev;
	h_events(&ev);
	cr_assert_str_eq(ev.verdict, "refused");
	cr_assert_str_eq(ev.rule, "", "no rule was asked");
	cr_assert_str_eq(ev.agent, "");
	cr_assert_eq(ev.generation, 0);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.refused_unknown, 1);
	cr_assert_eq(st.allowed, 0);
}

Test(policy, agent_and_container_fields_decide)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "coder.only.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	cr_assert_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	/* cached now, but the other agent is judged before the cache */
	p = h_ask(OTHER, "coder.only.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	struct h_event ev;
	h_events(&ev);
	cr_assert_str_eq(ev.agent, "other");
	cr_assert_str_eq(ev.verdict, "block");
}

Test(policy, record_type_decides)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "v4only.allowed2.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ldns_pkt_free(p);
	p = h_ask(AGENT, "v4only.allowed2.test", LDNS_RR_TYPE_AAAA);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	struct h_event ev;
	h_events(&ev);
	cr_assert_str_eq(ev.rule, "aaaa-blocked");
	cr_assert_str_eq(ev.type, "AAAA");
}

Test(policy, rate_limit_answers_refused_and_counts)
{
	oc_dns_config cfg;
	h_config(&cfg);
	cfg.rate_per_sec = 0.5;
	cfg.rate_burst = 3;
	h_start(&(struct h_opts){ .cfg = &cfg });
	for (int i = 0; i < 3; i++) {
		ldns_pkt *p = h_ask(AGENT, "paste.evil.test", LDNS_RR_TYPE_A);
		cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN, "query %d is in the burst", i);
		ldns_pkt_free(p);
	}
	ldns_pkt *p = h_ask(AGENT, "paste.evil.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED, "over the rate: REFUSED, not dropped");
	ldns_pkt_free(p);
	/* the limit is per container */
	p = h_ask(OTHER, "paste.evil.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.rate_limited, 1);
	cr_assert_eq(st.blocked, 4);
	struct h_event ev;
	cr_assert_eq(h_events(&ev), 5);
}

/* A valid query's bytes with a few header fields changed. */
static size_t mangled(uint8_t *out, uint16_t flags, uint16_t qdcount)
{
	size_t len;
	uint8_t *q = t_query("www.allowed.test", LDNS_RR_TYPE_A, 1232, false, 0x0707, &len);
	memcpy(out, q, len);
	free(q);
	out[2] = (uint8_t)(flags >> 8);
	out[3] = (uint8_t)flags;
	out[4] = (uint8_t)(qdcount >> 8);
	out[5] = (uint8_t)qdcount;
	return len;
}

Test(policy, malformed_queries_are_answered_or_dropped_never_forwarded)
{
	h_start(NULL);
	uint8_t q[512], r[4096];
	size_t len = mangled(q, 0x0100, 2);
	int n = h_udp_raw(AGENT, q, len, r, sizeof(r), 3000);
	cr_assert_geq(n, 12, "QDCOUNT 2 is answered");
	cr_assert_eq(r[3] & 0xf, LDNS_RCODE_FORMERR);
	cr_assert_eq(r[0] << 8 | r[1], 0x0707);

	len = mangled(q, 0x0100 | (4 << 11), 1); /* NOTIFY */
	n = h_udp_raw(AGENT, q, len, r, sizeof(r), 3000);
	cr_assert_geq(n, 12);
	cr_assert_eq(r[3] & 0xf, LDNS_RCODE_NOTIMPL);

	len = mangled(q, 0x8180, 1); /* a response sent to the server */
	cr_assert_lt(h_udp_raw(AGENT, q, len, r, sizeof(r), 300), 0, "responses get no answer");
	cr_assert_lt(h_udp_raw(AGENT, (const uint8_t *)"\1\2\3\4\5", 5, r, sizeof(r), 300), 0);

	uint8_t junk[40];
	memset(junk, 0xff, sizeof(junk));
	junk[2] = 0x01; /* a query header followed by garbage */
	junk[4] = 0;
	junk[5] = 1;
	n = h_udp_raw(AGENT, junk, sizeof(junk), r, sizeof(r), 3000);
	cr_assert_gt(n, 0);
	cr_assert_eq(r[3] & 0xf, LDNS_RCODE_FORMERR);

	cr_assert_eq(fu_count(h_fakeup(), 0, false, NULL), 0, "nothing malformed is forwarded");
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.malformed, 3);
	cr_assert_eq(st.dropped, 2);
	cr_assert_eq(st.queries, 3);
	cr_assert_eq(h_events(NULL), 3, "one record per answered query, none for drops");
}

Test(policy, upstream_nxdomain_keeps_its_soa)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "nx.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	cr_assert_eq(ldns_pkt_nscount(p), 1);
	ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
	cr_assert_eq(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	cr_assert_eq(ldns_rr_ttl(soa), 120, "min(SOA TTL, MINIMUM, negative_ttl)");
	ldns_pkt_free(p);
	/* negative answers are cached */
	p = h_ask(AGENT, "nx.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	cr_assert_eq(fu_count(h_fakeup(), 0, false, "nx.allowed.test"), 1);
	struct h_event ev;
	h_events(&ev);
	cr_assert_str_eq(ev.verdict, "allow");
	cr_assert_str_eq(ev.reason, "cache");
	cr_assert_eq(ev.rcode, LDNS_RCODE_NXDOMAIN);
}
