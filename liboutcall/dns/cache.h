/*
 * The DNS answer cache: filtered answers (answer.h) by name, type, class
 * and allow_private, bounded in entries and in bytes, least recently used
 * evicted first. Time is the caller's monotonic clock in milliseconds.
 *
 * What is cached, and why it is safe to share across agents: the answer
 * after the agent-independent part of filtering (private addresses
 * stripped or not, which is why allow_private is part of the key; TTLs
 * capped; chain ordered). The agent-dependent part, which CNAME targets the
 * agent may see, is checked on every hit (oc_dns_answer_links), so a cached
 * chain never leaks a name the agent's rules refuse. The query name itself
 * is checked by the server before the cache is consulted; the cache
 * decides nothing.
 *
 * A hit returns the answer and the whole seconds it has spent in the
 * cache, which oc_dns_answer_write() takes off every TTL; an entry
 * expires when its lifetime (answer->ttl: the smallest TTL, or the
 * negative TTL from the SOA) has passed, so no TTL given out reaches 0.
 *
 * Ownership: the cache owns the answers it stores; a pointer returned by
 * a lookup is valid until the next insert, flush or free. Thread-safety:
 * none; the DNS server's loop thread owns it.
 */
#ifndef OC_DNS_CACHE_H
#define OC_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dns/answer.h"
#include "dns/query.h"

typedef struct oc_dns_cache oc_dns_cache;

typedef struct oc_dns_cache_key {
	const char *name;      /* normal form */
	size_t name_len;
	uint16_t qtype, qclass;
	bool allow_private;
} oc_dns_cache_key;

static inline oc_dns_cache_key oc_dns_cache_key_of(const oc_dns_query *q, bool allow_private)
{
	return (oc_dns_cache_key){ q->name, q->name_len, q->qtype, q->qclass, allow_private };
}

typedef struct oc_dns_cache_stats {
	uint64_t hits, misses;
	uint64_t inserts;
	uint64_t evictions;    /* removed to respect the bounds */
	uint64_t expirations;  /* found expired on lookup */
	size_t entries, bytes; /* now */
	size_t max_entries, max_bytes;
} oc_dns_cache_stats;

/* max_entries >= 1, max_bytes >= 1. Returns 0, OC_EINVAL, OC_ENOMEM or OC_EOS. */
int oc_dns_cache_new(size_t max_entries, size_t max_bytes, oc_dns_cache **out);
void oc_dns_cache_free(oc_dns_cache *c);

/* The live answer for k, or NULL (a miss; an expired entry is dropped).
 * *elapsed gets the seconds since it was stored. */
const oc_dns_answer *oc_dns_cache_lookup(oc_dns_cache *c, const oc_dns_cache_key *k,
	uint64_t now_ms, uint32_t *elapsed);

/* Stores a (taking ownership in every case), replacing any entry for k
 * and evicting the least recently used entries to stay within bounds.
 * Answers with ttl 0 or bigger than the byte bound are freed, not stored.
 * Write the answer to the client before inserting it. */
void oc_dns_cache_insert(oc_dns_cache *c, const oc_dns_cache_key *k, oc_dns_answer *a,
	uint64_t now_ms);

void oc_dns_cache_flush(oc_dns_cache *c);

/* One live entry, for `outcall dns cache`. */
typedef struct oc_dns_cache_item {
	const char *name;
	uint16_t qtype, qclass;
	bool allow_private;
	int rcode;
	uint32_t ttl_left;  /* seconds until it expires */
	size_t bytes;       /* what it counts against the byte bound */
} oc_dns_cache_item;

/* Calls fn for each live entry, most recently used first; stops early and
 * returns fn's value if it returns non-zero. The cache must not be changed
 * from fn. */
typedef int (*oc_dns_cache_fn)(void *arg, const oc_dns_cache_item *item);
int oc_dns_cache_foreach(const oc_dns_cache *c, uint64_t now_ms, oc_dns_cache_fn fn, void *arg);

void oc_dns_cache_stats_get(const oc_dns_cache *c, oc_dns_cache_stats *st);

#endif
