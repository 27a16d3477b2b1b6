/*
 * Upstream answers to what a container may see (PRODUCT.md §5.2), with
 * ldns. Given an answer that oc_dns_upstream_check() accepted:
 *
 * - The CNAME chain is followed from the query name through the answer
 *   section (at most OC_DNS_CHAIN_MAX links; a loop is a failure). Only the
 *   chain links and the records of the chain's last name with the asked
 *   type are kept; unrelated records, the authority section (except the SOA
 *   of a negative answer) and the additional section are dropped. A CNAME
 *   target that is not a host name ends the chain there, as no rule can
 *   allow it. Whether the asking agent may see each target is decided per
 *   agent when the answer is written (answer.h), not here. A query for
 *   type CNAME gets the first link only (its target is checked the same).
 * - A and AAAA records whose address the private-range policy calls
 *   private are removed unless `allow_private` (the matching rule's
 *   allow_private_ips). If that removes every address, the result is a
 *   SERVFAIL (not NXDOMAIN: the name exists, the agent may not have it).
 * - The `ech` SvcParam (RFC 9460 key 5) is removed from HTTPS and SVCB
 *   records, which stay otherwise intact: a client that never learns an
 *   ECH config sends its real server name in the clear, where the proxy
 *   judges it (docs/rules.md, "Encrypted ClientHello").
 * - TTLs are capped at ttl_max; a negative answer (NXDOMAIN, or NOERROR
 *   without records) keeps its SOA with TTL min(SOA TTL, SOA MINIMUM,
 *   negative_ttl_max) (RFC 2308). The answer may be cached for its
 *   smallest TTL; a negative answer without SOA is not cached.
 *
 * The result depends on the query, the answer and allow_private only, so
 * it can be cached under (name, type, class, allow_private).
 */
#ifndef OC_DNS_FILTER_H
#define OC_DNS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/addr.h>
#include "dns/answer.h"
#include "dns/query.h"

#define OC_DNS_CHAIN_MAX 16

typedef struct oc_dns_filter_config {
	const oc_addr_policy *private_ranges;
	uint32_t ttl_max;          /* cap on every TTL given out or cached */
	uint32_t negative_ttl_max; /* cap on how long a denial is cached */
} oc_dns_filter_config;

typedef struct oc_dns_filter_result {
	oc_dns_answer *answer;   /* the caller owns it; NULL: answer SERVFAIL */
	const char *why;         /* with answer NULL: constant text for the log */
	unsigned addrs_kept;     /* A/AAAA records kept */
	unsigned addrs_removed;  /* A/AAAA records removed as private */
	unsigned ech_removed;    /* HTTPS/SVCB records whose ech SvcParam was removed */
} oc_dns_filter_result;

/* Filters wire[0..len) for query q. Returns 0 with *res filled (a SERVFAIL
 * result for answers it cannot use), or OC_ENOMEM. */
int oc_dns_filter(const oc_dns_filter_config *cfg, const oc_dns_query *q, bool allow_private,
	const uint8_t *wire, size_t len, oc_dns_filter_result *res);

/* The RFC 9460 SvcParamKey of an ECH config. */
#define OC_DNS_SVC_KEY_ECH 5

/* Removes the ech SvcParam from an HTTPS or SVCB record (ldns's rdata
 * layout: priority, target, params); 1 if it had one, 0 if not (or not
 * such a record), OC_ENOMEM. */
struct ldns_struct_rr;
int oc_dns_strip_ech(struct ldns_struct_rr *rr);

#endif
