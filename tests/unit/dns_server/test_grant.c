/* direct_ip: the kernel grant is committed before the answer leaves. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>
#include <outcall/error.h>
#include "harness.h"
#include "../dns/helpers.h"
#include "../kernel/nstest.h"

TestSuite(grant, .fini = h_stop, .timeout = 60);

Test(grant, without_a_firewall_direct_ip_answers_are_servfail)
{
	h_start(NULL);
	ldns_pkt *p = h_ask(AGENT, "a.direct.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	cr_assert_eq(ldns_pkt_ancount(p), 0, "no address without its grant");
	uint16_t code;
	char text[512];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_eq(code, 18);
	cr_assert(strstr(text, "no kernel firewall"), "%s", text);
	ldns_pkt_free(p);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.grants_refused, 1);
	cr_assert_eq(st.grants_added, 0);
	struct h_event ev;
	h_events_wait(1, &ev);
	cr_assert_str_eq(ev.reason, text, "the refusal is logged");
}

struct seen {
	unsigned n;
	unsigned port_mask;         /* bit 0: 443, bit 1: 8443 */
	unsigned dest_mask;         /* bit 0: .40, bit 1: .41 */
	uint64_t max_timeout_ms[2]; /* per destination */
};

static void read_grants(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	oc_grant_list *l;
	cr_assert_eq(oc_firewall_grants(h_firewall(), &l), 0, "%s", oc_error_last()->message);
	for (size_t i = 0; i < oc_grant_list_count(l); i++) {
		const oc_grant_info *g = oc_grant_list_get(l, i);
		cr_assert_str_eq(g->rule_id, "dip");
		char c[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &g->container, c, sizeof(c));
		inet_ntop(AF_INET, &g->dest, d, sizeof(d));
		cr_assert_str_eq(c, AGENT);
		int k = strcmp(d, "93.184.216.40") == 0 ? 0 : strcmp(d, "93.184.216.41") == 0 ? 1 : -1;
		cr_assert_geq(k, 0, "granted %s, which the answer does not give", d);
		s->dest_mask |= 1u << k;
		s->port_mask |= g->port == 443 ? 1 : g->port == 8443 ? 2 : 4;
		if (g->timeout_ms > s->max_timeout_ms[k])
			s->max_timeout_ms[k] = g->timeout_ms;
		s->n++;
	}
	oc_grant_list_free(l);
}

Test(grant, grants_are_in_the_kernel_when_the_answer_arrives)
{
	h_start(&(struct h_opts){ .firewall = true });
	ldns_pkt *p = h_ask(AGENT, "a.direct.test", LDNS_RR_TYPE_A);
	/* read at once: the server runs on its own thread, so a grant made
	 * after sending would very likely not be there yet */
	struct seen s;
	read_grants(&s);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, "a.direct.test. A 93.184.216.40 | a.direct.test. A 93.184.216.41",
		"the private address is stripped before granting: %s", an);
	free(an);
	ldns_pkt_free(p);
	cr_assert_eq(s.n, 4, "two addresses x two ports");
	cr_assert_eq(s.dest_mask, 3);
	cr_assert_eq(s.port_mask, 3, "the rule's ports, no others");
	cr_assert_eq(s.max_timeout_ms[0], 120000, "timeout = the record's TTL");
	cr_assert_eq(s.max_timeout_ms[1], 60000);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.grants_added, 4);

	/* from the cache: granted again for the TTL left */
	p = h_ask(AGENT, "a.direct.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);
	h_stats(&st);
	cr_assert_eq(st.grants_added, 8);
	cr_assert_eq(st.cache_hits, 1);
}

Test(grant, over_the_per_container_cap_the_answer_is_servfail)
{
	oc_kernel_config kcfg;
	oc_kernel_config_init(&kcfg, OC_KERNEL_CONFIG_VERSION);
	kcfg.grant_cap = 3;
	h_start(&(struct h_opts){ .firewall = true, .kcfg = &kcfg });
	ldns_pkt *p = h_ask(AGENT, "a.direct.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(p);
	struct seen s;
	read_grants(&s);
	cr_assert_eq(s.n, 0, "all or nothing");
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.grants_refused, 1);
	struct h_event ev;
	h_events_wait(1, &ev);
	cr_assert(strstr(ev.reason, "direct_ip grant refused"), "%s", ev.reason);
}

/* A grant keeps its name in the kernel element's comment, which is what a
 * reload judges again after a restart: a name too long for it is not
 * granted at all, and the answer says why (docs/ARCHITECTURE.md). */
Test(grant, a_name_too_long_to_keep_with_its_grant_is_servfail)
{
	cr_assert_eq(strlen(LONG_DIRECT), 96);
	h_start(&(struct h_opts){ .firewall = true });
	ldns_pkt *p = h_ask(AGENT, LONG_DIRECT, LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	cr_assert_eq(ldns_pkt_ancount(p), 0, "no address without its grant");
	uint16_t code;
	char text[512];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert(strstr(text, "note longer than 95 bytes"), "%s", text);
	ldns_pkt_free(p);
	struct seen s;
	read_grants(&s);
	cr_assert_eq(s.n, 0);
}

Test(grant, ipv6_answers_need_no_grant)
{
	h_start(&(struct h_opts){ .firewall = true });
	ldns_pkt *p = h_ask(AGENT, "v6.direct.test", LDNS_RR_TYPE_AAAA);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	cr_assert_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	struct seen s;
	read_grants(&s);
	cr_assert_eq(s.n, 0);
}

/*
 * The ordering, checked by the kernel itself: a chain added to Outcall's
 * table drops every DNS answer to the agent unless the agent holds a grant
 * for (agent, the answer's source address, its source port) in the set of
 * rule dip-gw. gw.direct2.test resolves to the gateway with port 53 under
 * that rule, so its answer passes only if the grant was committed before
 * the answer was sent.
 */
Test(grant, the_kernel_sees_the_grant_before_the_answer)
{
	h_start(&(struct h_opts){ .firewall = true });
	cr_assert_eq(nstest_sh(NULL, 0, "nft add chain inet outcall answer-gate "
		"\"{ type filter hook output priority 0; policy accept; }\" && "
		"nft add rule inet outcall answer-gate ip daddr %s udp sport 53 "
		"ip daddr . ip saddr . udp sport @dip-dip-gw accept && "
		"nft add rule inet outcall answer-gate ip daddr %s udp sport 53 drop", AGENT, AGENT), 0);
	/* the gate works: an answer without a grant does not get through */
	cr_assert_null(h_ask_udp(AGENT, "paste.evil.test", LDNS_RR_TYPE_A, 1232, 500));
	ldns_pkt *p = h_ask_udp(AGENT, "gw.direct2.test", LDNS_RR_TYPE_A, 1232, 3000);
	cr_assert_not_null(p, "the answer was sent before its grant was in the kernel");
	char *an = h_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(an, "gw.direct2.test. A " GW);
	free(an);
	ldns_pkt_free(p);
}
