#include <criterion/criterion.h>
#include <string.h>
#include "core/lru.h"

struct item {
	oc_lru_node node;
	int key;
};

static bool item_eq(const oc_lru_node *n, const void *key)
{
	return oc_container_of(n, struct item, node)->key == *(const int *)key;
}

static struct item *find(oc_lru *l, int key)
{
	oc_lru_node *n = oc_lru_find(l, oc_lru_hash(l, &key, sizeof(key)), item_eq, &key);
	return n ? oc_container_of(n, struct item, node) : NULL;
}

Test(lru, find_touch_and_oldest)
{
	oc_lru l;
	struct item it[100];
	cr_assert_eq(oc_lru_init(&l, 8), 0); /* fewer buckets than items: chains */
	for (int i = 0; i < 100; i++) {
		it[i].key = i;
		oc_lru_add(&l, &it[i].node, oc_lru_hash(&l, &i, sizeof(i)));
	}
	cr_assert_eq(l.count, 100);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(find(&l, i), &it[i]);
	cr_assert_null(find(&l, 100));
	cr_assert_eq(oc_lru_oldest(&l), &it[0].node);
	oc_lru_touch(&l, &it[0].node);
	cr_assert_eq(oc_lru_oldest(&l), &it[1].node);
	cr_assert_eq(l.newest, &it[0].node);

	oc_lru_remove(&l, &it[50].node);
	cr_assert_null(find(&l, 50));
	cr_assert_eq(find(&l, 51), &it[51]);
	cr_assert_eq(l.count, 99);
	/* Walking the recency list from the oldest visits every entry once. */
	int seen = 0;
	for (oc_lru_node *n = oc_lru_oldest(&l); n; n = n->newer)
		seen++;
	cr_assert_eq(seen, 99);
	oc_lru_fini(&l);
}
