/* Connections per peer (peercount.h). Chained buckets keyed by the peer's
 * address; not core/lru.h, whose tables evict: a peer that holds slots must
 * keep its count. Keys are container addresses, which Outcall assigns. */
#include "core/peercount.h"

#include <stdlib.h>

struct oc_peercount_entry {
	struct oc_peercount_entry *next;
	uint32_t peer;
	size_t n;
};

static struct oc_peercount_entry **slot(oc_peercount *pc, uint32_t peer)
{
	uint32_t h = peer * 2654435761u;
	struct oc_peercount_entry **s = &pc->bucket[h >> 24 & (OC_PEERCOUNT_BUCKETS - 1)];
	while (*s && (*s)->peer != peer)
		s = &(*s)->next;
	return s;
}

oc_peercount_result oc_peercount_take(oc_peercount *pc, uint32_t peer, size_t per_peer,
	size_t total)
{
	if (pc->total >= total)
		return OC_PEERCOUNT_FULL;
	struct oc_peercount_entry **s = slot(pc, peer);
	if (*s && (*s)->n >= per_peer)
		return OC_PEERCOUNT_PEER_FULL;
	if (!*s) {
		if (!per_peer)
			return OC_PEERCOUNT_PEER_FULL;
		if (!(*s = calloc(1, sizeof(**s))))
			return OC_PEERCOUNT_NOMEM;
		(*s)->peer = peer;
	}
	(*s)->n++;
	pc->total++;
	return OC_PEERCOUNT_TAKEN;
}

void oc_peercount_release(oc_peercount *pc, uint32_t peer)
{
	struct oc_peercount_entry **s = slot(pc, peer), *e = *s;
	if (!e)
		return;
	pc->total--;
	if (--e->n == 0) {
		*s = e->next;
		free(e);
	}
}

size_t oc_peercount_get(const oc_peercount *pc, uint32_t peer)
{
	struct oc_peercount_entry **s = slot((oc_peercount *)pc, peer);
	return *s ? (*s)->n : 0;
}

const char *oc_peercount_why(oc_peercount_result r)
{
	switch (r) {
	case OC_PEERCOUNT_FULL:
		return "at its limit of connections in total";
	case OC_PEERCOUNT_PEER_FULL:
		return "this container is at its limit of connections";
	case OC_PEERCOUNT_NOMEM:
		return "out of memory";
	default:
		return "taken";
	}
}

void oc_peercount_clear(oc_peercount *pc)
{
	for (size_t i = 0; i < OC_PEERCOUNT_BUCKETS; i++)
		while (pc->bucket[i]) {
			struct oc_peercount_entry *e = pc->bucket[i];
			pc->bucket[i] = e->next;
			free(e);
		}
	pc->total = 0;
}
