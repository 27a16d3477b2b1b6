#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "core/error.h"
#include "dns/respond.h"

static uint8_t out[65536];

Test(respond, limits)
{
	oc_dns_query q;
	t_parsed_query(&q, "example.com", LDNS_RR_TYPE_A, 0);
	cr_assert_eq(oc_dns_response_limit(&q, false), 512);
	cr_assert_eq(oc_dns_response_limit(&q, true), 65535);
	t_parsed_query(&q, "example.com", LDNS_RR_TYPE_A, 4096);
	cr_assert_eq(oc_dns_response_limit(&q, false), 1232);
	t_parsed_query(&q, "example.com", LDNS_RR_TYPE_A, 100);
	cr_assert_eq(oc_dns_response_limit(&q, false), 512);
	t_parsed_query(&q, "example.com", LDNS_RR_TYPE_A, 900);
	cr_assert_eq(oc_dns_response_limit(&q, false), 900);
}

Test(respond, blocked_has_soa_and_ede_naming_rule)
{
	oc_dns_query q;
	t_parsed_query(&q, "Evil.Example.", LDNS_RR_TYPE_A, 1232);
	int n = oc_dns_respond_blocked(&q, "no-paste", NULL, NULL, 60, out,
		oc_dns_response_limit(&q, false));
	cr_assert_gt(n, 0);
	ldns_pkt *p = t_parse(out, (size_t)n);
	cr_assert_eq(ldns_pkt_id(p), 0x1234);
	cr_assert(ldns_pkt_qr(p));
	cr_assert(ldns_pkt_ra(p));
	cr_assert(ldns_pkt_rd(p));
	cr_assert_not(ldns_pkt_tc(p));
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	/* The question is echoed exactly, case included. */
	cr_assert_eq(memcmp(out + 12, "\4Evil\7Example\0", 15), 0);
	cr_assert_eq(ldns_pkt_ancount(p), 0);
	cr_assert_eq(ldns_pkt_nscount(p), 1);
	ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
	cr_assert_eq(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	cr_assert_eq(ldns_rr_ttl(soa), 60);
	char *owner = ldns_rdf2str(ldns_rr_owner(soa));
	cr_assert_str_eq(owner, "Evil.Example.");
	free(owner);
	char *text = t_section(p, LDNS_SECTION_AUTHORITY);
	cr_assert_str_eq(text, "Evil.Example. SOA outcall.invalid. hostmaster.outcall.invalid. "
		"1 3600 600 86400 60");
	free(text);
	cr_assert(ldns_pkt_edns(p));
	cr_assert_eq(ldns_pkt_edns_udp_size(p), 1232);
	uint16_t code;
	char ede[1024];
	cr_assert(t_ede(p, &code, ede, sizeof(ede)));
	cr_assert_eq(code, 15);
	cr_assert_str_eq(ede, "outcall blocked evil.example: rule \"no-paste\"; ask for access: "
		"outcall-shim request --host evil.example --why \"...\"");
	ldns_pkt_free(p);
}

Test(respond, blocked_by_default_text)
{
	oc_dns_query q;
	t_parsed_query(&q, "x.test", LDNS_RR_TYPE_AAAA, 1232);
	int n = oc_dns_respond_blocked(&q, NULL, NULL, NULL, 30, out, 1232);
	ldns_pkt *p = t_parse(out, (size_t)n);
	uint16_t code;
	char ede[1024];
	cr_assert(t_ede(p, &code, ede, sizeof(ede)));
	cr_assert_str_eq(ede, "outcall blocked x.test: default (no rule allows it); "
		"ask for access: outcall-shim request --host x.test --why \"...\"");
	ldns_pkt_free(p);
}

Test(respond, blocked_text_names_the_embedders_command)
{
	char text[256];
	size_t n = oc_dns_block_text("r1", NULL, "x.test", "myorch access", text, sizeof(text));
	cr_assert_str_eq(text, "outcall blocked x.test: rule \"r1\"; ask for access: "
		"myorch access --host x.test --why \"...\"");
	cr_assert_eq(n, strlen(text));
	n = oc_dns_block_text(NULL, NULL, "x.test", "myorch access", text, 20);
	cr_assert_eq(n, 19, "cut to the buffer, NUL included");
}

/* A locked-down agent is told so, with the reason when it is short, and
 * not told to ask for access: its requests would be refused. */
Test(respond, blocked_text_of_a_lockdown)
{
	char text[512];
	oc_dns_block_text("lockdown", "exfiltration suspected", "x.test", NULL, text, sizeof(text));
	cr_assert_str_eq(text, "outcall blocked x.test: rule \"lockdown\": this agent is locked "
		"down by the operator: exfiltration suspected; nothing is allowed and access requests "
		"are refused until the operator lifts it");
	oc_dns_block_text("lockdown", "", "x.test", NULL, text, sizeof(text));
	cr_assert(strstr(text, "locked down by the operator: no reason given;"), "%s", text);
	char reason[256];
	memset(reason, 'r', 101);
	reason[101] = '\0';
	oc_dns_block_text("lockdown", reason, "x.test", NULL, text, sizeof(text));
	cr_assert_null(strstr(text, reason), "a long reason is left to whoami: %s", text);
	cr_assert(strstr(text, "locked down by the operator (`outcall-shim whoami` says why)"),
		"%s", text);
	cr_assert_null(strstr(text, "ask for access"), "%s", text);

	oc_dns_query q;
	t_parsed_query(&q, "x.test", LDNS_RR_TYPE_A, 1232);
	int n = oc_dns_respond_blocked(&q, "lockdown", "exfiltration suspected", NULL, 30, out, 1232);
	ldns_pkt *p = t_parse(out, (size_t)n);
	uint16_t code;
	char ede[1024];
	cr_assert(t_ede(p, &code, ede, sizeof(ede)));
	cr_assert(strstr(ede, "locked down by the operator: exfiltration suspected;"), "%s", ede);
	ldns_pkt_free(p);
}

Test(respond, blocked_without_opt_has_no_ede)
{
	oc_dns_query q;
	t_parsed_query(&q, "evil.example", LDNS_RR_TYPE_A, 0);
	int n = oc_dns_respond_blocked(&q, "r1", NULL, NULL, 60, out, 512);
	cr_assert_gt(n, 0);
	cr_assert_eq(out[11], 0, "ARCOUNT must be 0 without OPT in the query");
	ldns_pkt *p = t_parse(out, (size_t)n);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	cr_assert_eq(ldns_pkt_nscount(p), 1);
	cr_assert_not(ldns_pkt_edns(p));
	ldns_pkt_free(p);
}

Test(respond, do_bit_copied)
{
	size_t len;
	uint8_t *w = t_query("evil.example", LDNS_RR_TYPE_A, 1232, true, 9, &len);
	oc_dns_query q;
	cr_assert_eq(oc_dns_query_parse(w, len, &q), OC_DNS_QUERY_OK);
	free(w);
	int n = oc_dns_respond_blocked(&q, "r1", NULL, NULL, 60, out, 1232);
	ldns_pkt *p = t_parse(out, (size_t)n);
	cr_assert(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
}

Test(respond, long_blocked_answer_truncates_to_client_size)
{
	char name[300] = "";
	for (int i = 0; i < 3; i++)
		strcat(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	strcat(name, "example");
	char rule[129];
	memset(rule, 'r', 128);
	rule[128] = '\0';
	oc_dns_query q;
	t_parsed_query(&q, name, LDNS_RR_TYPE_A, 512);
	size_t limit = oc_dns_response_limit(&q, false);
	int n = oc_dns_respond_blocked(&q, rule, NULL, NULL, 60, out, limit);
	cr_assert_gt(n, 0);
	cr_assert_leq((size_t)n, limit);
	ldns_pkt *p = t_parse(out, (size_t)n);
	cr_assert(ldns_pkt_tc(p));
	cr_assert_eq(ldns_pkt_qdcount(p), 1);
	cr_assert_eq(ldns_pkt_nscount(p), 0);
	cr_assert(ldns_pkt_edns(p));
	ldns_pkt_free(p);

	/* Over TCP the whole answer fits. */
	n = oc_dns_respond_blocked(&q, rule, NULL, NULL, 60, out, oc_dns_response_limit(&q, true));
	p = t_parse(out, (size_t)n);
	cr_assert_not(ldns_pkt_tc(p));
	cr_assert_eq(ldns_pkt_nscount(p), 1);
	uint16_t code;
	char ede[1024];
	cr_assert(t_ede(p, &code, ede, sizeof(ede)));
	cr_assert(strstr(ede, rule));
	ldns_pkt_free(p);
}

Test(respond, error_answers)
{
	oc_dns_query q;
	/* FORMERR for a packet whose question could not be read: no question. */
	cr_assert_eq(oc_dns_query_parse((const uint8_t *)"\xab\xcd\x01\x00\0\2\0\0\0\0\0\0", 12, &q),
		OC_DNS_QUERY_ERROR);
	int n = oc_dns_respond(&q, q.rcode, NULL, NULL, out, 512);
	cr_assert_eq(n, 12);
	ldns_pkt *p = t_parse(out, (size_t)n);
	cr_assert_eq(ldns_pkt_id(p), 0xabcd);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	cr_assert_eq(ldns_pkt_qdcount(p), 0);
	ldns_pkt_free(p);

	/* NOTIMP keeps the opcode. */
	cr_assert_eq(oc_dns_query_parse((const uint8_t *)"\0\1\x20\0\0\0\0\0\0\0\0\0", 12, &q),
		OC_DNS_QUERY_ERROR);
	n = oc_dns_respond(&q, q.rcode, NULL, NULL, out, 512);
	p = t_parse(out, (size_t)n);
	cr_assert_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	ldns_pkt_free(p);

	/* SERVFAIL with an EDE text when the query had OPT. */
	t_parsed_query(&q, "down.example", LDNS_RR_TYPE_A, 1232);
	oc_dns_ede ede = { 22, "no upstream answered", 20 };
	n = oc_dns_respond(&q, 2, NULL, &ede, out, 1232);
	p = t_parse(out, (size_t)n);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	cr_assert_eq(ldns_pkt_qdcount(p), 1);
	uint16_t code;
	char text[64];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_eq(code, 22);
	cr_assert_str_eq(text, "no upstream answered");
	ldns_pkt_free(p);
}

Test(respond, badvers_uses_extended_rcode)
{
	const uint8_t pkt[] = "\0\7\1\0\0\1\0\0\0\0\0\1\7example\3com\0\0\1\0\1"
		"\0\0\x29\x10\0\0\1\0\0\0\0";
	oc_dns_query q;
	cr_assert_eq(oc_dns_query_parse(pkt, sizeof(pkt) - 1, &q), OC_DNS_QUERY_ERROR);
	cr_assert_eq(q.rcode, 16);
	int n = oc_dns_respond(&q, q.rcode, NULL, NULL, out, 512);
	cr_assert_gt(n, 0);
	cr_assert_eq(out[3] & 0xf, 0);
	cr_assert_eq(out[12 + 17 + 5], 1, "extended rcode byte of OPT TTL");
	ldns_pkt *p = t_parse(out, (size_t)n);
	cr_assert(ldns_pkt_edns(p));
	ldns_pkt_free(p);

	/* Without OPT the extended code cannot be sent. */
	t_parsed_query(&q, "example.com", LDNS_RR_TYPE_A, 0);
	cr_assert_eq(oc_dns_respond(&q, 16, NULL, NULL, out, 512), OC_EINVAL);
	cr_assert_eq(oc_dns_respond(&q, 2, NULL, NULL, out, 11), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "smaller than a header"));
}
