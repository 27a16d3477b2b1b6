#include "dns/cache.h"
#include "core/error.h"
#include "core/lru.h"

#include <stdlib.h>

struct entry {
	oc_lru_node node;
	oc_dns_answer *answer;
	uint64_t stored_ms;
	size_t bytes;
	uint16_t qtype, qclass;
	bool allow_private;
	size_t name_len;
	char name[];
};

struct oc_dns_cache {
	oc_lru lru;
	size_t bytes;
	oc_dns_cache_stats st;
};

static bool entry_eq(const oc_lru_node *n, const void *key)
{
	const struct entry *e = oc_container_of(n, struct entry, node);
	const oc_dns_cache_key *k = key;
	return e->qtype == k->qtype && e->qclass == k->qclass &&
		e->allow_private == k->allow_private && e->name_len == k->name_len &&
		memcmp(e->name, k->name, k->name_len) == 0;
}

static uint64_t key_hash(const oc_dns_cache *c, const oc_dns_cache_key *k)
{
	uint8_t buf[OC_DNS_NAME_TEXT_MAX + 5];
	size_t n = k->name_len < OC_DNS_NAME_TEXT_MAX ? k->name_len : OC_DNS_NAME_TEXT_MAX;
	memcpy(buf, k->name, n);
	oc_dns_put16(buf + n, k->qtype);
	oc_dns_put16(buf + n + 2, k->qclass);
	buf[n + 4] = k->allow_private;
	return oc_lru_hash(&c->lru, buf, n + 5);
}

int oc_dns_cache_new(size_t max_entries, size_t max_bytes, oc_dns_cache **out)
{
	*out = NULL;
	if (max_entries < 1 || max_bytes < 1)
		return oc_error_set(OC_EINVAL, "DNS cache: limits of %zu entries and %zu bytes; "
			"both must be at least 1", max_entries, max_bytes);
	oc_dns_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return oc_error_nomem();
	int rc = oc_lru_init(&c->lru, max_entries);
	if (rc < 0) {
		free(c);
		return rc;
	}
	c->st.max_entries = max_entries;
	c->st.max_bytes = max_bytes;
	*out = c;
	return 0;
}

static void drop(oc_dns_cache *c, struct entry *e)
{
	oc_lru_remove(&c->lru, &e->node);
	c->bytes -= e->bytes;
	oc_dns_answer_free(e->answer);
	free(e);
}

void oc_dns_cache_flush(oc_dns_cache *c)
{
	while (oc_lru_oldest(&c->lru))
		drop(c, oc_container_of(oc_lru_oldest(&c->lru), struct entry, node));
}

void oc_dns_cache_free(oc_dns_cache *c)
{
	if (!c)
		return;
	oc_dns_cache_flush(c);
	oc_lru_fini(&c->lru);
	free(c);
}

static uint64_t age_ms(const struct entry *e, uint64_t now_ms)
{
	return now_ms > e->stored_ms ? now_ms - e->stored_ms : 0;
}

static bool expired(const struct entry *e, uint64_t now_ms)
{
	return age_ms(e, now_ms) >= (uint64_t)e->answer->ttl * 1000;
}

const oc_dns_answer *oc_dns_cache_lookup(oc_dns_cache *c, const oc_dns_cache_key *k,
	uint64_t now_ms, uint32_t *elapsed)
{
	oc_lru_node *n = oc_lru_find(&c->lru, key_hash(c, k), entry_eq, k);
	struct entry *e = n ? oc_container_of(n, struct entry, node) : NULL;
	if (e && expired(e, now_ms)) {
		drop(c, e);
		c->st.expirations++;
		e = NULL;
	}
	if (!e) {
		c->st.misses++;
		return NULL;
	}
	oc_lru_touch(&c->lru, n);
	c->st.hits++;
	*elapsed = (uint32_t)(age_ms(e, now_ms) / 1000);
	return e->answer;
}

void oc_dns_cache_insert(oc_dns_cache *c, const oc_dns_cache_key *k, oc_dns_answer *a,
	uint64_t now_ms)
{
	size_t bytes = sizeof(struct entry) + k->name_len + 1 + a->size;
	struct entry *e = NULL;
	if (a->ttl > 0 && bytes <= c->st.max_bytes && k->name_len < OC_DNS_NAME_TEXT_MAX)
		e = malloc(sizeof(*e) + k->name_len + 1);
	if (!e) {
		oc_dns_answer_free(a); /* not worth caching, or no memory: answer uncached */
		return;
	}
	uint64_t h = key_hash(c, k);
	oc_lru_node *old = oc_lru_find(&c->lru, h, entry_eq, k);
	if (old)
		drop(c, oc_container_of(old, struct entry, node));
	while (c->lru.count >= c->st.max_entries || c->bytes + bytes > c->st.max_bytes) {
		drop(c, oc_container_of(oc_lru_oldest(&c->lru), struct entry, node));
		c->st.evictions++;
	}
	*e = (struct entry){ .answer = a, .stored_ms = now_ms, .bytes = bytes,
		.qtype = k->qtype, .qclass = k->qclass, .allow_private = k->allow_private,
		.name_len = k->name_len };
	memcpy(e->name, k->name, k->name_len);
	e->name[k->name_len] = '\0';
	oc_lru_add(&c->lru, &e->node, h);
	c->bytes += bytes;
	c->st.inserts++;
}

int oc_dns_cache_foreach(const oc_dns_cache *c, uint64_t now_ms, oc_dns_cache_fn fn, void *arg)
{
	for (const oc_lru_node *n = c->lru.newest; n; n = n->older) {
		const struct entry *e = oc_container_of(n, struct entry, node);
		if (expired(e, now_ms))
			continue;
		oc_dns_cache_item it = { e->name, e->qtype, e->qclass, e->allow_private,
			e->answer->rcode, e->answer->ttl - (uint32_t)(age_ms(e, now_ms) / 1000), e->bytes };
		int rc = fn(arg, &it);
		if (rc)
			return rc;
	}
	return 0;
}

void oc_dns_cache_stats_get(const oc_dns_cache *c, oc_dns_cache_stats *st)
{
	*st = c->st;
	st->entries = c->lru.count;
	st->bytes = c->bytes;
}
