/*
 * A bounded-use hash table with a recency list, for caches and per-peer
 * tables (DNS cache, rate limits). Intrusive: the caller embeds an
 * oc_lru_node in its own entry and recovers the entry with
 * oc_container_of(). The table never allocates or frees entries; it only
 * links them, so the owner decides what to evict (oc_lru_oldest) and when.
 *
 * Keys are hashed with SipHash under a random per-table key, so a peer
 * that picks the keys (names, addresses) cannot aim them at one bucket.
 *
 * This is the library's hash table for anything keyed by what a peer
 * sends. Four others stay, each for a need this one does not have: the
 * engine's host index (engine/index.c: built once per rule set, never
 * changed, sized exactly, probed on every decision); the firewall's grant
 * index (kernel/grantidx.c: removal with tombstones and growth to the
 * kernel's set size, no recency); the per-rule decision counts
 * (events/hub.c: string keys the operator wrote, counters that are never
 * evicted); and connections per peer (core/peercount.c: an entry must
 * live exactly as long as its peer holds a slot, and an LRU table evicts).
 * The bucket array is sized once for the expected maximum of entries.
 *
 * Thread-safety: none; one owner thread per table.
 */
#ifndef OC_CORE_LRU_H
#define OC_CORE_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/dlist.h"  /* oc_container_of */
#include "core/siphash.h"

typedef struct oc_lru_node {
	struct oc_lru_node *hnext;          /* next in the same bucket */
	struct oc_lru_node *newer, *older;  /* recency list */
	uint64_t hash;
} oc_lru_node;

typedef struct oc_lru {
	oc_lru_node **buckets;
	size_t mask;
	oc_lru_node *newest, *oldest;
	size_t count;
	uint8_t key[OC_SIPHASH_KEY_LEN];
} oc_lru;

/* Sizes the buckets for `capacity` entries and draws the hash key.
 * Returns 0, OC_ENOMEM or OC_EOS. */
int oc_lru_init(oc_lru *l, size_t capacity);
/* Frees the buckets; the entries still linked belong to the caller. */
void oc_lru_fini(oc_lru *l);

uint64_t oc_lru_hash(const oc_lru *l, const void *key, size_t len);

/* `eq` tells whether node n holds `key` (called only for equal hashes). */
typedef bool (*oc_lru_eq_fn)(const oc_lru_node *n, const void *key);
oc_lru_node *oc_lru_find(const oc_lru *l, uint64_t hash, oc_lru_eq_fn eq, const void *key);

/* Links n as the newest entry. The caller ensures the key is not present. */
void oc_lru_add(oc_lru *l, oc_lru_node *n, uint64_t hash);
void oc_lru_remove(oc_lru *l, oc_lru_node *n);
/* Marks n as the most recently used. */
void oc_lru_touch(oc_lru *l, oc_lru_node *n);

static inline oc_lru_node *oc_lru_oldest(const oc_lru *l)
{
	return l->oldest;
}

#endif
