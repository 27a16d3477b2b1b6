/*
 * A filtered answer, kept in wire format so that answering from it (fresh
 * from upstream or from the cache) is a copy plus a few patches: the
 * client's id, flags and question bytes, the TTLs counted down by the time
 * spent in the cache, and our own OPT record.
 *
 * Layout of `wire`: header, one question, then the answer section with the
 * CNAME chain first, link by link in chain order, followed by the records
 * of the chain's last name; the authority section holds at most the SOA of
 * a negative answer; there is no additional section and no OPT. Every
 * compression pointer points backwards, so the wire cut after any chain
 * link is still a valid packet: that is how an answer is cut at the first
 * CNAME target the asking agent may not resolve, without re-encoding.
 *
 * The answer does not depend on the agent: which chain links an agent may
 * see is decided at write time (oc_dns_answer_links), so one cached answer
 * serves every agent whose rules allow the name (see cache.h).
 *
 * Ownership: one allocation, freed with oc_dns_answer_free(); a cache that
 * stores it owns it. Thread-safety: immutable once built.
 */
#ifndef OC_DNS_ANSWER_H
#define OC_DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dns/query.h"
#include "dns/respond.h"

/* An address the answer gives out, for direct_ip grants. */
typedef struct oc_dns_addr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* 4 or 16 bytes, network order */
	uint32_t ttl;      /* the record's TTL as stored (already capped) */
} oc_dns_addr;

/* Decides whether the asking agent may resolve a name (normal form). The
 * DNS server passes its policy check; the filter and cache only call it. */
typedef bool (*oc_dns_name_allowed_fn)(void *arg, const char *name);

typedef struct oc_dns_answer {
	int rcode;                /* OC_DNS_RCODE_NOERROR or _NXDOMAIN */
	uint32_t ttl;             /* seconds it may be cached (the smallest TTL); 0: never */
	const uint8_t *wire;
	size_t len;
	uint16_t qlen;            /* question bytes at offset 12 */
	size_t nlinks;            /* CNAME links at the start of the answer section */
	const char *const *chain; /* chain[i]: the target of link i, in normal form */
	const size_t *link_end;   /* link_end[i]: offset just past link i */
	size_t nttl;
	const size_t *ttl_off;    /* offsets of every record's TTL field */
	size_t naddrs;
	const oc_dns_addr *addrs; /* A/AAAA records of the chain's last name */
	size_t size;              /* bytes allocated, for the cache's byte bound */
} oc_dns_answer;

/* Wraps wire bytes laid out as above (the filter makes them). chain holds
 * the normal-form target of each of the first nlinks answer records, which
 * must be CNAMEs. Returns 0, OC_EINVAL (layout broken) or OC_ENOMEM. */
int oc_dns_answer_new(const uint8_t *wire, size_t len, uint32_t ttl, const char *const *chain,
	size_t nlinks, oc_dns_answer **out);
void oc_dns_answer_free(oc_dns_answer *a);

/* How many chain links the agent may see: the index of the first link
 * whose target `allowed` refuses, or a->nlinks when it allows them all. */
size_t oc_dns_answer_links(const oc_dns_answer *a, oc_dns_name_allowed_fn allowed, void *arg);

/*
 * Writes the answer for query q: q's id, RD/CD bits and question bytes,
 * every TTL lowered by `elapsed` seconds (never below 0), and with
 * `links` < a->nlinks only the first `links` chain links, as NOERROR
 * (the rest, and the addresses, are not the agent's to see; `ede` may then
 * say why). Answers over `limit` are truncated (TC) as in respond.h.
 * Returns the length, or OC_EINVAL if q's question is not the same length
 * as the answer's (then q is not a question this answer is for).
 */
int oc_dns_answer_write(const oc_dns_answer *a, const oc_dns_query *q, uint32_t elapsed,
	size_t links, const oc_dns_ede *ede, uint8_t *out, size_t limit);

#endif
