/* Open addressing with linear probing; tombstones keep probe chains intact
 * and are swept by the next growth. Not core/lru.h: grants are removed one
 * by one and must never be evicted while the kernel holds them. */
#include "kernel/grantidx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

enum { EMPTY, FULL, TOMB };

struct gi_slot {
	struct oc_grant_key key;
	uint64_t expiry;
	int state;
};

struct gi_count {
	uint64_t pair;    /* rule << 32 | container; 0 marks an empty slot, so +1 */
	size_t n;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static uint64_t key_hash(const struct oc_grant_key *k)
{
	return mix(((uint64_t)k->rule << 32 | k->container) ^ mix((uint64_t)k->dest << 16 | k->port));
}

static bool key_eq(const struct oc_grant_key *a, const struct oc_grant_key *b)
{
	return a->rule == b->rule && a->container == b->container && a->dest == b->dest &&
		a->port == b->port;
}

static uint64_t pair_of(uint32_t rule, uint32_t container)
{
	return ((uint64_t)rule << 32 | container) + 1;
}

void oc_grantidx_clear(struct oc_grantidx *g)
{
	free(g->slots);
	free(g->counts);
	memset(g, 0, sizeof(*g));
}

uint64_t oc_grantidx_first_expiry(const struct oc_grantidx *g)
{
	uint64_t first = 0;
	for (size_t i = 0; i < g->cap; i++)
		if (g->slots[i].state == FULL && (!first || g->slots[i].expiry < first))
			first = g->slots[i].expiry;
	return first;
}

static struct gi_slot *find(struct oc_grantidx *g, const struct oc_grant_key *k)
{
	if (!g->cap)
		return NULL;
	for (size_t i = key_hash(k) & (g->cap - 1);; i = (i + 1) & (g->cap - 1)) {
		struct gi_slot *s = &g->slots[i];
		if (s->state == EMPTY)
			return NULL;
		if (s->state == FULL && key_eq(&s->key, k))
			return s;
	}
}

static int count_grow(struct oc_grantidx *g)
{
	size_t ncap = g->ccap ? g->ccap * 2 : 64;
	struct gi_count *nc = calloc(ncap, sizeof(*nc));
	if (!nc)
		return oc_error_nomem();
	for (size_t i = 0; i < g->ccap; i++) {
		if (!g->counts[i].pair)
			continue;
		size_t j = mix(g->counts[i].pair) & (ncap - 1);
		while (nc[j].pair)
			j = (j + 1) & (ncap - 1);
		nc[j] = g->counts[i];
	}
	free(g->counts);
	g->counts = nc;
	g->ccap = ncap;
	return 0;
}

/* Counts are never removed: there is one per (rule, container) ever seen. */
static size_t *count_slot(struct oc_grantidx *g, uint64_t pair, bool create)
{
	if (create && (g->cused + 1) * 2 > g->ccap && count_grow(g))
		return NULL;
	if (!g->ccap)
		return NULL;
	for (size_t i = mix(pair) & (g->ccap - 1);; i = (i + 1) & (g->ccap - 1)) {
		struct gi_count *c = &g->counts[i];
		if (c->pair == pair)
			return &c->n;
		if (!c->pair) {
			if (!create)
				return NULL;
			c->pair = pair;
			g->cused++;
			return &c->n;
		}
	}
}

static int grow(struct oc_grantidx *g)
{
	size_t ncap = g->cap ? g->cap * 2 : 256;
	if (g->used * 2 < g->cap)
		ncap = g->cap;  /* only tombstones to sweep */
	struct gi_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return oc_error_nomem();
	for (size_t i = 0; i < g->cap; i++) {
		if (g->slots[i].state != FULL)
			continue;
		size_t j = key_hash(&g->slots[i].key) & (ncap - 1);
		while (ns[j].state == FULL)
			j = (j + 1) & (ncap - 1);
		ns[j] = g->slots[i];
	}
	free(g->slots);
	g->slots = ns;
	g->cap = ncap;
	g->tombs = 0;
	return 0;
}

uint64_t oc_grantidx_get(struct oc_grantidx *g, const struct oc_grant_key *k, uint64_t now)
{
	struct gi_slot *s = find(g, k);
	return s && s->expiry > now ? s->expiry : 0;
}

int oc_grantidx_put(struct oc_grantidx *g, const struct oc_grant_key *k, uint64_t expiry)
{
	struct gi_slot *s = find(g, k);
	if (s) {
		s->expiry = expiry;
		return 0;
	}
	if ((g->used + g->tombs + 1) * 4 >= g->cap * 3 && grow(g))
		return OC_ENOMEM;
	size_t *cnt = count_slot(g, pair_of(k->rule, k->container), true);
	if (!cnt)
		return OC_ENOMEM;
	size_t i = key_hash(k) & (g->cap - 1);
	while (g->slots[i].state == FULL)
		i = (i + 1) & (g->cap - 1);
	if (g->slots[i].state == TOMB)
		g->tombs--;
	g->slots[i] = (struct gi_slot){ *k, expiry, FULL };
	g->used++;
	(*cnt)++;
	return 0;
}

static void remove_slot(struct oc_grantidx *g, struct gi_slot *s)
{
	size_t *cnt = count_slot(g, pair_of(s->key.rule, s->key.container), false);
	if (cnt && *cnt)
		(*cnt)--;
	s->state = TOMB;
	g->used--;
	g->tombs++;
}

void oc_grantidx_del(struct oc_grantidx *g, const struct oc_grant_key *k)
{
	struct gi_slot *s = find(g, k);
	if (s)
		remove_slot(g, s);
}

size_t oc_grantidx_count(struct oc_grantidx *g, uint32_t rule, uint32_t container,
	uint64_t now, size_t prune_at)
{
	size_t *cnt = count_slot(g, pair_of(rule, container), false);
	if (!cnt)
		return 0;
	if (*cnt >= prune_at) {
		for (size_t i = 0; i < g->cap; i++) {
			struct gi_slot *s = &g->slots[i];
			if (s->state == FULL && s->key.rule == rule && s->key.container == container &&
			    s->expiry <= now)
				remove_slot(g, s);
		}
	}
	return *cnt;
}
