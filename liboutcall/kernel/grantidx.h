/*
 * What the firewall believes its direct_ip sets hold: live grants by
 * (rule, container, destination, port) with their expiry, and how many each
 * (rule, container) holds, so the per-container cap is checked without
 * asking the kernel. Expired entries are dropped lazily. The kernel stays
 * the truth: the index is rebuilt from a dump on open and after any failed
 * transaction.
 */
#ifndef OC_KERNEL_GRANTIDX_H
#define OC_KERNEL_GRANTIDX_H

#include <stddef.h>
#include <stdint.h>

struct oc_grant_key {
	uint32_t rule;      /* index in the firewall's rule list */
	uint32_t container;
	uint32_t dest;
	uint32_t port;
};

struct oc_grantidx {
	struct gi_slot *slots;
	size_t cap, used, tombs;
	struct gi_count *counts;
	size_t ccap, cused;
};

void oc_grantidx_clear(struct oc_grantidx *g);
/* Expiry (monotonic ms) of a live entry, or 0 when absent or expired at now. */
uint64_t oc_grantidx_get(struct oc_grantidx *g, const struct oc_grant_key *k, uint64_t now);
/* Inserts or updates; returns 0 or OC_ENOMEM. */
int oc_grantidx_put(struct oc_grantidx *g, const struct oc_grant_key *k, uint64_t expiry);
/* The earliest expiry of any entry, expired or not; 0 when empty. */
uint64_t oc_grantidx_first_expiry(const struct oc_grantidx *g);
void oc_grantidx_del(struct oc_grantidx *g, const struct oc_grant_key *k);
/* Live entries of (rule, container) at now; prunes that pair's expired
 * entries when the cached count reaches `prune_at`. */
size_t oc_grantidx_count(struct oc_grantidx *g, uint32_t rule, uint32_t container,
	uint64_t now, size_t prune_at);

#endif
