/*
 * libFuzzer target for the DNS filter's packet paths. Each input is used
 * twice:
 * - as a query from a container: parse, then the answer the server would
 *   give (error, blocked under a toy policy where names ending ".blocked"
 *   are blocked, or from the cache), and the query it would forward;
 * - as an upstream answer to the question it carries: the acceptance
 *   check, the filter, a cache insert and lookup, and the write for an
 *   agent that may not see CNAME targets ending ".blocked".
 * Every written answer must parse back as DNS with ldns.
 */
/* before ldns, which otherwise defines its own bool */
#include <stdbool.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dns/cache.h"
#include "dns/filter.h"
#include "dns/respond.h"
#include "dns/upstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static oc_addr_policy *policy;
static oc_dns_cache *cache;
static uint64_t now_ms;
static uint8_t out[OC_DNS_TCP_MAX];

static bool ends_blocked(const char *name)
{
	size_t n = strlen(name);
	return n >= 7 && strcmp(name + n - 7, "blocked") == 0 && (n == 7 || name[n - 8] == '.');
}

static bool toy_allowed(void *arg, const char *name)
{
	return !ends_blocked(name);
}

/* Whatever we send must be a DNS message ldns can read. */
static void must_parse(int n)
{
	if (n < 0)
		abort();
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, out, (size_t)n) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(p);
}

static void as_query(const uint8_t *data, size_t size)
{
	oc_dns_query q;
	oc_dns_verdict v = oc_dns_query_parse(data, size, &q);
	if (v == OC_DNS_QUERY_ERROR)
		must_parse(oc_dns_respond(&q, q.rcode, NULL, NULL, out, oc_dns_response_limit(&q, false)));
	if (v != OC_DNS_QUERY_OK)
		return;
	if (ends_blocked(q.name)) {
		must_parse(oc_dns_respond_blocked(&q, size & 1 ? "toy" : NULL, NULL, NULL, 60, out,
			oc_dns_response_limit(&q, false)));
		return;
	}
	oc_dns_cache_key k = oc_dns_cache_key_of(&q, false);
	uint32_t elapsed;
	const oc_dns_answer *a = oc_dns_cache_lookup(cache, &k, now_ms, &elapsed);
	if (a)
		must_parse(oc_dns_answer_write(a, &q, elapsed, oc_dns_answer_links(a, toy_allowed, NULL),
			NULL, out, oc_dns_response_limit(&q, false)));
	must_parse(oc_dns_upstream_query(&q, 0x1234, out, sizeof(out)));
}

/* The query whose answer data would be: data's own question, if any. */
static bool question_of(const uint8_t *data, size_t size, oc_dns_query *q)
{
	if (size < OC_DNS_HEADER_LEN)
		return false;
	size_t end = oc_dns_skip_name(data, size, OC_DNS_HEADER_LEN);
	if (end == 0 || size - end < 4)
		return false;
	uint8_t pkt[OC_DNS_HEADER_LEN + OC_DNS_QUESTION_MAX] = { data[0], data[1], 1, 0, 0, 1 };
	size_t qlen = end + 4 - OC_DNS_HEADER_LEN;
	if (qlen > OC_DNS_QUESTION_MAX)
		return false;
	memcpy(pkt + OC_DNS_HEADER_LEN, data + OC_DNS_HEADER_LEN, qlen);
	return oc_dns_query_parse(pkt, OC_DNS_HEADER_LEN + qlen, q) == OC_DNS_QUERY_OK;
}

static void as_answer(const uint8_t *data, size_t size)
{
	oc_dns_query q;
	if (!question_of(data, size, &q))
		return;
	oc_dns_upstream_check(&q, q.id, data, size, size & 2);
	oc_dns_filter_config cfg = { policy, 3600, 300 };
	oc_dns_filter_result res;
	bool allow_private = size & 4;
	if (oc_dns_filter(&cfg, &q, allow_private, data, size, &res) < 0 || !res.answer)
		return;
	oc_dns_answer *a = res.answer;
	size_t links = oc_dns_answer_links(a, toy_allowed, NULL);
	must_parse(oc_dns_answer_write(a, &q, 0, links, NULL, out, OC_DNS_TCP_MAX));
	must_parse(oc_dns_answer_write(a, &q, 7, links, NULL, out, OC_DNS_UDP_MIN));
	oc_dns_cache_key k = oc_dns_cache_key_of(&q, allow_private);
	oc_dns_cache_insert(cache, &k, a, now_ms);
	uint32_t elapsed;
	const oc_dns_answer *hit = oc_dns_cache_lookup(cache, &k, now_ms + 1500, &elapsed);
	if (hit)
		must_parse(oc_dns_answer_write(hit, &q, elapsed, hit->nlinks, NULL, out,
			OC_DNS_UDP_MAX));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!policy && (oc_addr_policy_new(NULL, &policy) < 0 ||
			oc_dns_cache_new(64, 64 * 1024, &cache) < 0))
		abort();
	now_ms += 1000;
	as_query(data, size);
	as_answer(data, size);
	return 0;
}
