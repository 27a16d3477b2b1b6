/*
 * Micro-benchmark of the DNS filter's per-packet work, without sockets:
 * what one query costs in CPU on each path the server takes. Run it on
 * an idle machine: `build/bench/dns/bench-dns-micro [iterations]`.
 * The policy decision itself (the engine) is not included; the cached and
 * blocked paths add it once per query (and once per CNAME link on hits).
 */
/* before ldns, which otherwise defines its own bool */
#include <stdbool.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <outcall/error.h>
#include "core/ratelimit.h"
#include "dns/cache.h"
#include "dns/filter.h"
#include "dns/respond.h"
#include "dns/upstream.h"

static volatile size_t sink;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#define BENCH(label, iters, body)                                                    \
	do {                                                                             \
		double t0_ = now_ns();                                                       \
		for (long i_ = 0; i_ < (iters); i_++) {                                      \
			body;                                                                    \
		}                                                                            \
		printf("%-44s %8.1f ns/op\n", label, (now_ns() - t0_) / (double)(iters));  \
	} while (0)

static bool allow_all(void *arg, const char *name)
{
	sink += (size_t)name[0];
	return true;
}

/* Copies p's wire form to out (512 bytes are enough here) and frees p. */
static size_t to_wire(ldns_pkt *p, uint8_t *out)
{
	uint8_t *w;
	size_t len;
	ldns_pkt2wire(&w, p, &len);
	memcpy(out, w, len);
	free(w);
	ldns_pkt_free(p);
	return len;
}

/* A query for name/A with EDNS, as dig sends it. */
static size_t make_query(const char *name, uint8_t *out)
{
	ldns_pkt *p = NULL;
	ldns_pkt_query_new_frm_str(&p, name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_pkt_set_id(p, 0x4242);
	ldns_pkt_set_edns_udp_size(p, 1232);
	return to_wire(p, out);
}

/* What an upstream answers for www.example.com: a CNAME and two addresses. */
static size_t make_upstream_answer(uint8_t *out)
{
	const char *rrs[] = { "www.example.com. 300 IN CNAME edge.example.net.",
		"edge.example.net. 60 IN A 93.184.216.34", "edge.example.net. 60 IN A 93.184.216.35" };
	ldns_pkt *p = NULL;
	ldns_pkt_query_new_frm_str(&p, "www.example.com", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_pkt_set_id(p, 0x4242);
	ldns_pkt_set_qr(p, true);
	for (size_t i = 0; i < 3; i++) {
		ldns_rr *rr = NULL;
		ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	return to_wire(p, out);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	uint8_t query[512], blocked[512], upstream[512], out[OC_DNS_TCP_MAX];
	size_t qlen = make_query("www.example.com", query);
	size_t blen = make_query("paste.evil.example", blocked);
	size_t ulen = make_upstream_answer(upstream);

	oc_addr_policy *policy;
	oc_dns_cache *cache;
	oc_ratelimit *rl;
	if (oc_addr_policy_new(NULL, &policy) || oc_dns_cache_new(10000, 1 << 24, &cache) ||
		oc_ratelimit_new(1e12, 1e12, 1024, &rl)) {
		fprintf(stderr, "bench-dns-micro: setup failed: %s\n", oc_error_last()->message);
		return 1;
	}
	oc_dns_filter_config cfg = { policy, 3600, 300 };
	oc_dns_query q;
	oc_dns_query_parse(query, qlen, &q);
	oc_dns_filter_result res;
	oc_dns_filter(&cfg, &q, false, upstream, ulen, &res);
	oc_dns_cache_key key = oc_dns_cache_key_of(&q, false);
	oc_dns_cache_insert(cache, &key, res.answer, 0);
	uint8_t public_v4[4] = { 93, 184, 216, 34 }, public_v6[16] = { 0x26, 0x06, 0x47 };

	printf("bench-dns-micro: %ld iterations, CPU time per operation\n", n);
	BENCH("parse query (A, EDNS)", n, sink += oc_dns_query_parse(query, qlen, &q));
	BENCH("private-range check, public IPv4", n,
		sink += oc_addr_policy_is_private(policy, AF_INET, public_v4));
	BENCH("private-range check, public IPv6", n,
		sink += oc_addr_policy_is_private(policy, AF_INET6, public_v6));
	BENCH("rate limit take", n, sink += oc_ratelimit_take(rl, "10.200.0.5", 10, (uint64_t)i_));
	BENCH("blocked: parse + NXDOMAIN/SOA/EDE", n, {
		oc_dns_query_parse(blocked, blen, &q);
		sink += (size_t)oc_dns_respond_blocked(&q, "no-paste", NULL, NULL, 60, out,
			oc_dns_response_limit(&q, false));
	});
	BENCH("cached: parse + lookup + chain + write", n, {
		oc_dns_query_parse(query, qlen, &q);
		oc_dns_cache_key k = oc_dns_cache_key_of(&q, false);
		uint32_t elapsed;
		const oc_dns_answer *a = oc_dns_cache_lookup(cache, &k, 1000 + (uint64_t)i_ / 1000,
			&elapsed);
		sink += (size_t)oc_dns_answer_write(a, &q, elapsed, oc_dns_answer_links(a, allow_all, NULL),
			NULL, out, oc_dns_response_limit(&q, false));
	});
	BENCH("upstream: build forwarded query", n,
		sink += (size_t)oc_dns_upstream_query(&q, (uint16_t)i_, out, sizeof(out)));
	BENCH("upstream: accept answer (id, question)", n,
		sink += oc_dns_upstream_check(&q, 0x4242, upstream, ulen, false));
	BENCH("upstream: filter answer (ldns) + free", n / 20, {
		oc_dns_filter(&cfg, &q, false, upstream, ulen, &res);
		sink += res.answer->len;
		oc_dns_answer_free(res.answer);
	});
	oc_dns_cache_free(cache);
	oc_ratelimit_free(rl);
	oc_addr_policy_free(policy);
	return 0;
}
