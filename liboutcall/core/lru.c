#include "core/lru.h"
#include "core/error.h"
#include "core/random.h"

#include <stdlib.h>

int oc_lru_init(oc_lru *l, size_t capacity)
{
	*l = (oc_lru){ 0 };
	/* About one entry per bucket when full keeps chains short. */
	size_t n = 16;
	while (n < capacity && n < ((size_t)1 << 30))
		n <<= 1;
	int rc = oc_random_bytes(l->key, sizeof(l->key));
	if (rc < 0)
		return rc;
	l->buckets = calloc(n, sizeof(*l->buckets));
	if (!l->buckets)
		return oc_error_nomem();
	l->mask = n - 1;
	return 0;
}

void oc_lru_fini(oc_lru *l)
{
	free(l->buckets);
	*l = (oc_lru){ 0 };
}

uint64_t oc_lru_hash(const oc_lru *l, const void *key, size_t len)
{
	return oc_siphash(l->key, key, len);
}

oc_lru_node *oc_lru_find(const oc_lru *l, uint64_t hash, oc_lru_eq_fn eq, const void *key)
{
	for (oc_lru_node *n = l->buckets[hash & l->mask]; n; n = n->hnext)
		if (n->hash == hash && eq(n, key))
			return n;
	return NULL;
}

static void link_newest(oc_lru *l, oc_lru_node *n)
{
	n->newer = NULL;
	n->older = l->newest;
	if (l->newest)
		l->newest->newer = n;
	else
		l->oldest = n;
	l->newest = n;
}

static void unlink_recency(oc_lru *l, oc_lru_node *n)
{
	if (n->newer)
		n->newer->older = n->older;
	else
		l->newest = n->older;
	if (n->older)
		n->older->newer = n->newer;
	else
		l->oldest = n->newer;
}

void oc_lru_add(oc_lru *l, oc_lru_node *n, uint64_t hash)
{
	oc_lru_node **b = &l->buckets[hash & l->mask];
	n->hash = hash;
	n->hnext = *b;
	*b = n;
	link_newest(l, n);
	l->count++;
}

void oc_lru_remove(oc_lru *l, oc_lru_node *n)
{
	oc_lru_node **p = &l->buckets[n->hash & l->mask];
	while (*p != n)
		p = &(*p)->hnext;
	*p = n->hnext;
	unlink_recency(l, n);
	l->count--;
}

void oc_lru_touch(oc_lru *l, oc_lru_node *n)
{
	if (l->newest == n)
		return;
	unlink_recency(l, n);
	link_newest(l, n);
}
