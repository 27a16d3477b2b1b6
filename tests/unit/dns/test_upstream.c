#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include "helpers.h"
#include "dns/upstream.h"
#include <outcall/error.h>

static char *format(const oc_dns_upstream *u)
{
	static char buf[128];
	oc_dns_upstream_format(u, buf, sizeof(buf));
	return buf;
}

Test(upstream, parse_list_forms)
{
	oc_dns_upstreams ups;
	cr_assert_eq(oc_dns_upstreams_parse(" 192.0.2.1, 192.0.2.2:5353,[2001:db8::1]:5300,"
		"2001:db8::2 ,[2001:db8::3], fe80::1%lo", &ups), 0, "%s", oc_error_last()->message);
	cr_assert_eq(ups.count, 6);
	cr_assert_str_eq(format(&ups.server[0]), "192.0.2.1:53");
	cr_assert_str_eq(format(&ups.server[1]), "192.0.2.2:5353");
	cr_assert_str_eq(format(&ups.server[2]), "[2001:db8::1]:5300");
	cr_assert_str_eq(format(&ups.server[3]), "[2001:db8::2]:53");
	cr_assert_str_eq(format(&ups.server[4]), "[2001:db8::3]:53");
	cr_assert_str_eq(format(&ups.server[5]), "[fe80::1%lo]:53");
	cr_assert_eq(ups.server[0].len, sizeof(struct sockaddr_in));
	cr_assert_eq(ups.server[2].len, sizeof(struct sockaddr_in6));
}

static void expect_bad(const char *list, const char *needle)
{
	oc_dns_upstreams ups;
	cr_assert_eq(oc_dns_upstreams_parse(list, &ups), OC_EINVAL, "%s accepted", list);
	cr_assert(strstr(oc_error_last()->message, needle), "'%s' lacks '%s'",
		oc_error_last()->message, needle);
}

Test(upstream, parse_list_errors)
{
	expect_bad("192.0.2.1,192.0.2.2:0", "item 2 \"192.0.2.2:0\": not an address");
	expect_bad("192.0.2.1:65536", "item 1");
	expect_bad("192.0.2.1:", "item 1");
	expect_bad("192.0.2.1:+53", "item 1");
	expect_bad("[2001:db8::1", "item 1");
	expect_bad("[2001:db8::1]53", "item 1");
	expect_bad("dns.example", "item 1 \"dns.example\"");
	expect_bad("192.0.2.300", "item 1");
	expect_bad(" , ", "names no server");
	expect_bad("1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9",
		"item 9 \"1.1.1.9\": more than 8");
}

static char *write_temp(const char *text)
{
	static char path[64];
	strcpy(path, "/tmp/oc-resolv-XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(upstream, resolv_conf)
{
	char *path = write_temp("# generated\nsearch lab.example\noptions rotate timeout:1\n"
		"nameserver 198.18.0.53\n; comment\nnameserver   not-an-ip\n"
		"nameserver\t2001:db8::53\n  nameserver 198.18.0.54 # trailing\n");
	oc_dns_upstreams ups;
	cr_assert_eq(oc_dns_upstreams_from_resolv_conf(path, &ups), 0);
	cr_assert_eq(ups.count, 3);
	cr_assert_str_eq(format(&ups.server[0]), "198.18.0.53:53");
	cr_assert_str_eq(format(&ups.server[1]), "[2001:db8::53]:53");
	cr_assert_str_eq(format(&ups.server[2]), "198.18.0.54:53");
	unlink(path);

	path = write_temp("search x\nnameserver bogus\n");
	cr_assert_eq(oc_dns_upstreams_from_resolv_conf(path, &ups), OC_ENOTFOUND);
	cr_assert(strstr(oc_error_last()->message, ":2: no usable nameserver"));
	cr_assert(strstr(oc_error_last()->message, "--dns-upstream"));
	unlink(path);

	path = write_temp("search x\n");
	cr_assert_eq(oc_dns_upstreams_from_resolv_conf(path, &ups), OC_ENOTFOUND);
	cr_assert(strstr(oc_error_last()->message, "has no nameserver line"));
	unlink(path);

	cr_assert_eq(oc_dns_upstreams_from_resolv_conf("/nonexistent/resolv.conf", &ups), OC_EOS);
	cr_assert(strstr(oc_error_last()->message, "/nonexistent/resolv.conf"));
}

Test(upstream, forwarded_query_carries_no_client_options)
{
	/* A client query with CD, DO and a cookie option. */
	const uint8_t client[] = "\x11\x11\x01\x10\0\1\0\0\0\0\0\1\3WwW\7example\0\0\1\0\1"
		"\0\0\x29\x04\xd0\0\0\x80\0\0\x0c\0\x0a\0\x08" "cookie!!";
	oc_dns_query q;
	cr_assert_eq(oc_dns_query_parse(client, sizeof(client) - 1, &q), OC_DNS_QUERY_OK);
	cr_assert(q.edns_do);
	uint8_t out[512];
	int n = oc_dns_upstream_query(&q, 0xa5a5, out, sizeof(out));
	cr_assert_gt(n, 0);
	ldns_pkt *p = t_parse(out, (size_t)n);
	cr_assert_eq(ldns_pkt_id(p), 0xa5a5);
	cr_assert(ldns_pkt_rd(p));
	cr_assert_not(ldns_pkt_cd(p));
	cr_assert_not(ldns_pkt_qr(p));
	cr_assert(ldns_pkt_edns(p));
	cr_assert_not(ldns_pkt_edns_do(p));
	cr_assert_eq(ldns_pkt_edns_udp_size(p), 1232);
	ldns_edns_option_list *opts = ldns_pkt_edns_get_option_list(p);
	cr_assert(!opts || ldns_edns_option_list_get_count(opts) == 0);
	ldns_pkt_free(p);
	cr_assert_eq(memcmp(out + 12, "\3WwW\7example\0\0\1\0\1", 17), 0);
	/* It is itself a query our parser accepts. */
	oc_dns_query back;
	cr_assert_eq(oc_dns_query_parse(out, (size_t)n, &back), OC_DNS_QUERY_OK);
	cr_assert_eq(oc_dns_upstream_query(&q, 1, out, 20), OC_EINVAL);
}

static oc_dns_reply check(const oc_dns_query *q, uint16_t id, const char *name,
	ldns_rr_type type, ldns_pkt_rcode rcode, bool qr, bool tc, bool tcp)
{
	const char *an[] = { NULL };
	ldns_pkt *p = t_answer(name, type, rcode, id, an, NULL);
	ldns_pkt_set_qr(p, qr);
	ldns_pkt_set_tc(p, tc);
	size_t len;
	uint8_t *w = t_wire(p, &len);
	ldns_pkt_free(p);
	oc_dns_reply r = oc_dns_upstream_check(q, 0x4242, w, len, tcp);
	free(w);
	return r;
}

Test(upstream, answer_acceptance)
{
	oc_dns_query q;
	t_parsed_query(&q, "www.example", LDNS_RR_TYPE_A, 0);
	const ldns_rr_type A = LDNS_RR_TYPE_A;
	cr_assert_eq(check(&q, 0x4242, "www.example", A, 0, true, false, false), OC_DNS_REPLY_OK);
	cr_assert_eq(check(&q, 0x4242, "WWW.EXAMPLE", A, 0, true, false, false), OC_DNS_REPLY_OK);
	cr_assert_eq(check(&q, 0x4242, "www.example", A, 3, true, false, false), OC_DNS_REPLY_OK);
	cr_assert_eq(check(&q, 0x4243, "www.example", A, 0, true, false, false), OC_DNS_REPLY_IGNORE);
	cr_assert_eq(check(&q, 0x4242, "www.example", A, 0, false, false, false), OC_DNS_REPLY_IGNORE);
	cr_assert_eq(check(&q, 0x4242, "www.exampl", A, 0, true, false, false), OC_DNS_REPLY_IGNORE);
	cr_assert_eq(check(&q, 0x4242, "wwx.example", A, 0, true, false, false), OC_DNS_REPLY_IGNORE);
	cr_assert_eq(check(&q, 0x4242, "www.example", LDNS_RR_TYPE_AAAA, 0, true, false, false),
		OC_DNS_REPLY_IGNORE);
	cr_assert_eq(check(&q, 0x4242, "www.example", A, 0, true, true, false),
		OC_DNS_REPLY_TRUNCATED);
	cr_assert_eq(check(&q, 0x4242, "www.example", A, 0, true, true, true), OC_DNS_REPLY_FAILED);
	cr_assert_eq(check(&q, 0x4242, "www.example", A, 2, true, false, false), OC_DNS_REPLY_FAILED);
	cr_assert_eq(check(&q, 0x4242, "www.example", A, 5, true, false, false), OC_DNS_REPLY_FAILED);
	/* Too short to hold our question; no question at all. */
	cr_assert_eq(oc_dns_upstream_check(&q, 0x4242, (const uint8_t *)"\x42\x42\x81\x80\0\0\0\0"
		"\0\0\0\0", 12, false), OC_DNS_REPLY_IGNORE);
}

Test(upstream, ids_vary)
{
	uint16_t first, id;
	cr_assert_eq(oc_dns_upstream_id(&first), 0);
	bool varied = false;
	for (int i = 0; i < 64 && !varied; i++) {
		cr_assert_eq(oc_dns_upstream_id(&id), 0);
		varied = id != first;
	}
	cr_assert(varied);
}
