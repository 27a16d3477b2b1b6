/*
 * Connections counted per peer, against a cap per peer and a cap in all:
 * what keeps one container from taking a whole pool (proxy, DNS over TCP).
 * A peer is a 32-bit key: its IPv4 address (containers have no other).
 * Entries exist only while a peer holds a slot, so the table is as large
 * as the connections it counts. Not thread-safe: one loop owns it.
 */
#ifndef OC_CORE_PEERCOUNT_H
#define OC_CORE_PEERCOUNT_H

#include <stddef.h>
#include <stdint.h>

#define OC_PEERCOUNT_BUCKETS 256

struct oc_peercount_entry;

typedef struct oc_peercount {
	struct oc_peercount_entry *bucket[OC_PEERCOUNT_BUCKETS];
	size_t total;
} oc_peercount;

typedef enum oc_peercount_result {
	OC_PEERCOUNT_TAKEN,
	OC_PEERCOUNT_FULL,      /* `total` slots are taken */
	OC_PEERCOUNT_PEER_FULL, /* this peer holds `per_peer` */
	OC_PEERCOUNT_NOMEM,
} oc_peercount_result;

/* Takes one slot for peer, unless a cap is reached. */
oc_peercount_result oc_peercount_take(oc_peercount *pc, uint32_t peer, size_t per_peer,
	size_t total);
/* Gives back a slot taken for peer. */
void oc_peercount_release(oc_peercount *pc, uint32_t peer);
/* Slots peer holds now. */
size_t oc_peercount_get(const oc_peercount *pc, uint32_t peer);
/* Why a take failed, in words for a log line or an answer. */
const char *oc_peercount_why(oc_peercount_result r);
void oc_peercount_clear(oc_peercount *pc);

#endif
