#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "dns/filter.h"
#include <outcall/error.h>

static uint8_t out[65536];
static oc_addr_policy *lab;
static oc_dns_filter_config cfg;

static void setup(void)
{
	/* The lab's list: 198.18.0.0/15 is public. */
	cr_assert_eq(oc_addr_policy_new("0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,"
		"169.254.0.0/16,172.16.0.0/12,192.168.0.0/16,::1/128,::ffff:0.0.0.0/96,fc00::/7,"
		"fe80::/10", &lab), 0);
	cfg = (oc_dns_filter_config){ lab, 3600, 60 };
}

static void teardown(void)
{
	oc_addr_policy_free(lab);
}

TestSuite(filter, .init = setup, .fini = teardown);

/* Filters an upstream answer built from records for a query of name/type. */
static oc_dns_filter_result run(oc_dns_query *q, const char *name, ldns_rr_type type,
	bool allow_private, ldns_pkt_rcode rcode, const char *const *an, const char *const *ns)
{
	t_parsed_query(q, name, type, 1232);
	ldns_pkt *p = t_answer(name, type, rcode, q->id, an, ns);
	size_t len;
	uint8_t *w = t_wire(p, &len);
	ldns_pkt_free(p);
	oc_dns_filter_result res;
	cr_assert_eq(oc_dns_filter(&cfg, q, allow_private, w, len, &res), 0);
	free(w);
	return res;
}

/* Writes the answer for q and parses it back. */
static ldns_pkt *written(const oc_dns_answer *a, const oc_dns_query *q, uint32_t elapsed,
	size_t links)
{
	int n = oc_dns_answer_write(a, q, elapsed, links, NULL, out,
		oc_dns_response_limit(q, false));
	cr_assert_gt(n, 0);
	return t_parse(out, (size_t)n);
}

static void expect_answer(const oc_dns_answer *a, const oc_dns_query *q, const char *text)
{
	ldns_pkt *p = written(a, q, 0, a->nlinks);
	char *s = t_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(s, text);
	free(s);
	ldns_pkt_free(p);
}

Test(filter, strips_private_v4_keeps_public_and_lab_range)
{
	oc_dns_query q;
	const char *an[] = {
		"h.example. 300 IN A 10.1.2.3", "h.example. 300 IN A 127.0.0.1",
		"h.example. 300 IN A 169.254.169.254", "h.example. 300 IN A 100.64.0.1",
		"h.example. 300 IN A 198.18.1.80", "h.example. 300 IN A 192.168.0.1",
		"h.example. 300 IN A 93.184.216.34", NULL,
	};
	oc_dns_filter_result r = run(&q, "h.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR, an,
		NULL);
	cr_assert_not_null(r.answer, "%s", r.why);
	cr_assert_eq(r.addrs_kept, 2);
	cr_assert_eq(r.addrs_removed, 5);
	expect_answer(r.answer, &q, "h.example. A 198.18.1.80 | h.example. A 93.184.216.34");
	cr_assert_eq(r.answer->naddrs, 2);
	uint8_t want[4];
	inet_pton(AF_INET, "198.18.1.80", want);
	cr_assert_eq(r.answer->addrs[0].family, AF_INET);
	cr_assert_eq(memcmp(r.answer->addrs[0].addr, want, 4), 0);
	cr_assert_eq(r.answer->addrs[0].ttl, 300);
	cr_assert_eq(r.answer->ttl, 300);
	oc_dns_answer_free(r.answer);
}

Test(filter, strips_private_v6_and_mapped)
{
	oc_dns_query q;
	const char *an[] = {
		"h.example. 300 IN AAAA fc00::1", "h.example. 300 IN AAAA ::ffff:10.0.0.1",
		"h.example. 300 IN AAAA fe80::1", "h.example. 300 IN AAAA ::1",
		"h.example. 300 IN AAAA 2606:4700::1111", NULL,
	};
	oc_dns_filter_result r = run(&q, "h.example", LDNS_RR_TYPE_AAAA, false, LDNS_RCODE_NOERROR,
		an, NULL);
	cr_assert_not_null(r.answer);
	cr_assert_eq(r.addrs_removed, 4);
	expect_answer(r.answer, &q, "h.example. AAAA 2606:4700::1111");
	cr_assert_eq(r.answer->addrs[0].family, AF_INET6);
	oc_dns_answer_free(r.answer);
}

Test(filter, allow_private_keeps_everything)
{
	oc_dns_query q;
	const char *an[] = { "h.example. 300 IN A 10.1.2.3", "h.example. 300 IN A 127.0.0.1", NULL };
	oc_dns_filter_result r = run(&q, "h.example", LDNS_RR_TYPE_A, true, LDNS_RCODE_NOERROR, an,
		NULL);
	cr_assert_not_null(r.answer);
	cr_assert_eq(r.addrs_kept, 2);
	cr_assert_eq(r.addrs_removed, 0);
	oc_dns_answer_free(r.answer);
}

Test(filter, all_stripped_is_servfail)
{
	oc_dns_query q;
	const char *an[] = { "h.example. 300 IN A 10.1.2.3", "h.example. 300 IN A 169.254.1.1", NULL };
	oc_dns_filter_result r = run(&q, "h.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR, an,
		NULL);
	cr_assert_null(r.answer);
	cr_assert_eq(r.addrs_removed, 2);
	cr_assert_str_eq(r.why, "every address in the answer is private");
}

static const char *const chain_an[] = {
	"c.example. 600 IN A 93.184.216.34",           /* out of order on purpose */
	"a.example. 300 IN CNAME B.example.",
	"evil.example. 300 IN A 6.6.6.6",              /* not on the chain: dropped */
	"b.example. 200 IN CNAME c.example.",
	"c.example. 600 IN AAAA 2606:4700::1",         /* other type: dropped */
	NULL,
};

static bool allow_all_but_c(void *arg, const char *name)
{
	(*(int *)arg)++;
	return strcmp(name, "c.example") != 0;
}

Test(filter, cname_chain_ordered_and_cut_per_agent)
{
	oc_dns_query q;
	const char *ns[] = { "example. 300 IN NS ns.example.", NULL };
	oc_dns_filter_result r = run(&q, "a.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR,
		chain_an, ns);
	cr_assert_not_null(r.answer, "%s", r.why);
	const oc_dns_answer *a = r.answer;
	cr_assert_eq(a->nlinks, 2);
	cr_assert_str_eq(a->chain[0], "b.example");
	cr_assert_str_eq(a->chain[1], "c.example");
	cr_assert_eq(a->ttl, 200);
	/* ldns compresses the second owner into the first target: case follows it. */
	expect_answer(a, &q, "a.example. CNAME B.example. | B.example. CNAME c.example. | "
		"c.example. A 93.184.216.34");

	int calls = 0;
	size_t links = oc_dns_answer_links(a, allow_all_but_c, &calls);
	cr_assert_eq(links, 1);
	cr_assert_eq(calls, 2);
	ldns_pkt *p = written(a, &q, 0, links);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	cr_assert_eq(ldns_pkt_nscount(p), 0);
	char *s = t_section(p, LDNS_SECTION_ANSWER);
	cr_assert_str_eq(s, "a.example. CNAME B.example.");
	free(s);
	ldns_pkt_free(p);

	/* Cut before the first link: nothing but the question. */
	p = written(a, &q, 0, 0);
	cr_assert_eq(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	oc_dns_answer_free(r.answer);
}

Test(filter, cut_answer_can_carry_ede)
{
	oc_dns_query q;
	oc_dns_filter_result r = run(&q, "a.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR,
		chain_an, NULL);
	oc_dns_ede ede = { 15, "CNAME target c.example blocked", 30 };
	int n = oc_dns_answer_write(r.answer, &q, 0, 1, &ede, out, 1232);
	ldns_pkt *p = t_parse(out, (size_t)n);
	uint16_t code;
	char text[64];
	cr_assert(t_ede(p, &code, text, sizeof(text)));
	cr_assert_str_eq(text, "CNAME target c.example blocked");
	ldns_pkt_free(p);
	oc_dns_answer_free(r.answer);
}

Test(filter, cname_query_gets_one_checked_link)
{
	oc_dns_query q;
	oc_dns_filter_result r = run(&q, "b.example", LDNS_RR_TYPE_CNAME, false, LDNS_RCODE_NOERROR,
		chain_an, NULL);
	cr_assert_not_null(r.answer, "%s", r.why);
	cr_assert_eq(r.answer->nlinks, 1);
	cr_assert_str_eq(r.answer->chain[0], "c.example");
	expect_answer(r.answer, &q, "b.example. CNAME c.example.");
	int calls = 0;
	cr_assert_eq(oc_dns_answer_links(r.answer, allow_all_but_c, &calls), 0);
	oc_dns_answer_free(r.answer);
}

Test(filter, cname_loop_and_bad_target)
{
	oc_dns_query q;
	const char *loop[] = { "a.example. 300 IN CNAME b.example.",
		"b.example. 300 IN CNAME A.example.", NULL };
	oc_dns_filter_result r = run(&q, "a.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR,
		loop, NULL);
	cr_assert_null(r.answer);
	cr_assert_str_eq(r.why, "CNAME loop in the upstream answer");

	/* A target with a space has no host-name form: the chain ends before it. */
	const char *bad[] = { "a.example. 300 IN CNAME b\\032c.example.",
		"b\\032c.example. 300 IN A 1.2.3.4", NULL };
	r = run(&q, "a.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NXDOMAIN, bad, NULL);
	cr_assert_not_null(r.answer);
	cr_assert_eq(r.answer->nlinks, 0);
	cr_assert_eq(r.answer->rcode, LDNS_RCODE_NOERROR);
	expect_answer(r.answer, &q, "");
	oc_dns_answer_free(r.answer);
}

Test(filter, long_chain_is_servfail)
{
	char *an[OC_DNS_CHAIN_MAX + 2];
	for (int i = 0; i <= OC_DNS_CHAIN_MAX; i++) {
		an[i] = malloc(64);
		snprintf(an[i], 64, "n%d.example. 300 IN CNAME n%d.example.", i, i + 1);
	}
	an[OC_DNS_CHAIN_MAX + 1] = NULL;
	oc_dns_query q;
	oc_dns_filter_result r = run(&q, "n0.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR,
		(const char *const *)an, NULL);
	cr_assert_null(r.answer);
	cr_assert_str_eq(r.why, "CNAME chain longer than 16 links");
	for (int i = 0; i <= OC_DNS_CHAIN_MAX; i++)
		free(an[i]);
}

Test(filter, ttl_capped)
{
	oc_dns_query q;
	const char *an[] = { "h.example. 86400 IN A 93.184.216.34", NULL };
	oc_dns_filter_result r = run(&q, "h.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR, an,
		NULL);
	cr_assert_eq(r.answer->ttl, 3600);
	ldns_pkt *p = written(r.answer, &q, 0, r.answer->nlinks);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 3600);
	ldns_pkt_free(p);
	oc_dns_answer_free(r.answer);
}

Test(filter, negative_answers_keep_capped_soa)
{
	oc_dns_query q;
	const char *ns[] = { "example. 900 IN SOA ns.example. host.example. 1 2 3 4 300", NULL };
	oc_dns_filter_result r = run(&q, "nx.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NXDOMAIN,
		NULL, ns);
	cr_assert_not_null(r.answer);
	cr_assert_eq(r.answer->rcode, LDNS_RCODE_NXDOMAIN);
	cr_assert_eq(r.answer->ttl, 60); /* min(900, 300, negative_ttl_max 60) */
	ldns_pkt *p = written(r.answer, &q, 0, 0);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	cr_assert_eq(ldns_pkt_nscount(p), 1);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)), 60);
	ldns_pkt_free(p);
	oc_dns_answer_free(r.answer);

	/* NODATA: NOERROR without records, SOA MINIMUM smaller than the cap. */
	const char *ns2[] = { "example. 900 IN SOA ns.example. host.example. 1 2 3 4 20", NULL };
	r = run(&q, "h.example", LDNS_RR_TYPE_AAAA, false, LDNS_RCODE_NOERROR, NULL, ns2);
	cr_assert_eq(r.answer->rcode, LDNS_RCODE_NOERROR);
	cr_assert_eq(r.answer->ttl, 20);
	oc_dns_answer_free(r.answer);

	/* Without an SOA a denial is passed on but not cached. */
	r = run(&q, "nx.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NXDOMAIN, NULL, NULL);
	cr_assert_not_null(r.answer);
	cr_assert_eq(r.answer->ttl, 0);
	oc_dns_answer_free(r.answer);
}

Test(filter, upstream_errors_and_garbage)
{
	oc_dns_query q;
	oc_dns_filter_result r = run(&q, "h.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_SERVFAIL,
		NULL, NULL);
	cr_assert_null(r.answer);
	cr_assert_str_eq(r.why, "upstream answered with an error");
	cr_assert_eq(oc_dns_filter(&cfg, &q, false, (const uint8_t *)"\0\1\x81\x80\0\1", 6, &r), 0);
	cr_assert_null(r.answer);
	cr_assert_str_eq(r.why, "upstream answer unreadable");
}

Test(filter, ttl_countdown_and_client_case)
{
	oc_dns_query q;
	const char *an[] = { "h.example. 300 IN A 93.184.216.34",
		"h.example. 100 IN A 93.184.216.35", NULL };
	oc_dns_filter_result r = run(&q, "h.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR, an,
		NULL);
	oc_dns_query q2;
	t_parsed_query(&q2, "H.EXAMPLE", LDNS_RR_TYPE_A, 0);
	q2.id = 77;
	ldns_pkt *p = written(r.answer, &q2, 40, r.answer->nlinks);
	cr_assert_eq(ldns_pkt_id(p), 77);
	cr_assert_eq(memcmp(out + 12, "\1H\7EXAMPLE\0", 11), 0);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 260);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 1)), 60);
	cr_assert_not(ldns_pkt_edns(p)); /* q2 had no OPT */
	ldns_pkt_free(p);
	/* Never below zero. */
	p = written(r.answer, &q2, 200, r.answer->nlinks);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 100);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 1)), 0);
	ldns_pkt_free(p);
	/* The stored answer itself is untouched. */
	p = written(r.answer, &q2, 0, r.answer->nlinks);
	cr_assert_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 1)), 100);
	ldns_pkt_free(p);

	/* A question of another length is not this answer's. */
	t_parsed_query(&q2, "hh.example", LDNS_RR_TYPE_A, 0);
	cr_assert_eq(oc_dns_answer_write(r.answer, &q2, 0, 0, NULL, out, 512), OC_EINVAL);
	oc_dns_answer_free(r.answer);
}

Test(filter, big_answer_truncated_to_client_payload)
{
	char *an[61];
	for (int i = 0; i < 60; i++) {
		an[i] = malloc(64);
		snprintf(an[i], 64, "big.example. 300 IN A 93.184.%d.%d", i / 200, i % 200 + 1);
	}
	an[60] = NULL;
	oc_dns_query q;
	oc_dns_filter_result r = run(&q, "big.example", LDNS_RR_TYPE_A, false, LDNS_RCODE_NOERROR,
		(const char *const *)an, NULL);
	cr_assert_not_null(r.answer);
	cr_assert_eq(r.answer->naddrs, 60);
	/* q asked with EDNS 1232: 60 compressed A records (16 bytes each) fit. */
	ldns_pkt *p = written(r.answer, &q, 0, r.answer->nlinks);
	cr_assert_not(ldns_pkt_tc(p));
	cr_assert_eq(ldns_pkt_ancount(p), 60);
	ldns_pkt_free(p);
	/* Without EDNS only 512 bytes: TC and no records. */
	oc_dns_query q2;
	t_parsed_query(&q2, "big.example", LDNS_RR_TYPE_A, 0);
	p = written(r.answer, &q2, 0, r.answer->nlinks);
	cr_assert(ldns_pkt_tc(p));
	cr_assert_eq(ldns_pkt_ancount(p), 0);
	cr_assert_eq(ldns_pkt_qdcount(p), 1);
	ldns_pkt_free(p);
	for (int i = 0; i < 60; i++)
		free(an[i]);
	oc_dns_answer_free(r.answer);
}

/* Encrypted ClientHello: an agent that learns an ECH config can hide the
 * real server name inside an outer one the proxy allows. The ech SvcParam
 * goes; the record, its other parameters and the answer stay valid. */
Test(filter, ech_is_stripped_from_https_and_svcb)
{
	oc_dns_query q;
	const char *an[] = {
		"h.example. 300 IN HTTPS 1 . alpn=h2 ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA port=8443",
		"h.example. 300 IN HTTPS 2 . alpn=h3", NULL,
	};
	oc_dns_filter_result r = run(&q, "h.example", LDNS_RR_TYPE_HTTPS, false,
		LDNS_RCODE_NOERROR, an, NULL);
	cr_assert_not_null(r.answer, "%s", r.why);
	cr_assert_eq(r.ech_removed, 1);
	ldns_pkt *p = written(r.answer, &q, 0, r.answer->nlinks);
	char *s = t_section(p, LDNS_SECTION_ANSWER);
	cr_assert_null(strstr(s, "ech="), "%s", s);
	cr_assert(strstr(s, "alpn=h2") && strstr(s, "port=8443") && strstr(s, "alpn=h3"), "%s", s);
	cr_assert_eq(ldns_pkt_ancount(p), 2);
	free(s);
	ldns_pkt_free(p);
	oc_dns_answer_free(r.answer);

	const char *svcb[] = { "_dns.h.example. 300 IN SVCB 1 h.example. alpn=dot ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA", NULL };
	r = run(&q, "_dns.h.example", LDNS_RR_TYPE_SVCB, false, LDNS_RCODE_NOERROR, svcb, NULL);
	cr_assert_not_null(r.answer, "%s", r.why);
	cr_assert_eq(r.ech_removed, 1);
	p = written(r.answer, &q, 0, r.answer->nlinks);
	s = t_section(p, LDNS_SECTION_ANSWER);
	cr_assert_null(strstr(s, "ech="), "%s", s);
	cr_assert(strstr(s, "alpn=dot"), "%s", s);
	free(s);
	ldns_pkt_free(p);
	oc_dns_answer_free(r.answer);
}
