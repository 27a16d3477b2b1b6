/* The host index (index.h): open-addressed tables built once per rule set
 * and never changed, so lookups need neither locks nor tombstones (why
 * this is not core/lru.h: see there). Keys come from the operator's rules. */
#include "engine/index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* The four host fields, in the order of the index's per-field tables. */
static const oc_field host_fields[] = {
	OC_FIELD_NETWORK_HOSTNAME, OC_FIELD_DNS_QUERY, OC_FIELD_HTTP_HOST, OC_FIELD_TLS_SNI,
};
#define NHOST (sizeof(host_fields) / sizeof(host_fields[0]))
#define MAX_LITERAL 255 /* longer literals can never equal a normalised host */

struct entry {
	uint64_t hash;      /* 0: empty slot */
	const char *str;    /* borrowed from the rule's compiled expression */
	uint32_t len;
	uint32_t rule;      /* smallest evaluation index with this test */
	uint8_t slot;       /* index into host_fields */
	uint8_t kind;       /* oc_host_test_kind */
};

struct oc_engine_index {
	struct entry *table;
	size_t mask;
	size_t used;
	/* Per field: sorted distinct lengths of endsWith literals, so a lookup
	 * probes only the tails that some rule could match. */
	uint8_t suffix_lens[NHOST][MAX_LITERAL + 1];
	size_t nsuffix_lens[NHOST];
	bool has_eq[NHOST];
	size_t *scan;
	size_t nscan;
};

/* FNV-1a over the string read from its last byte backwards: the running
 * value after L bytes is the hash of the string's L-byte tail, so one pass
 * over a host yields the hash of every suffix. */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t finish(uint64_t h, unsigned slot, unsigned kind)
{
	h ^= ((uint64_t)slot << 8 | kind) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 31;
	return h ? h : 1;
}

static uint64_t hash_tail(const char *s, size_t len)
{
	uint64_t h = FNV_OFFSET;
	for (size_t i = len; i > 0; i--)
		h = (h ^ (unsigned char)s[i - 1]) * FNV_PRIME;
	return h;
}

static int slot_of(oc_field f)
{
	for (size_t i = 0; i < NHOST; i++)
		if (host_fields[i] == f)
			return (int)i;
	return -1;
}

static int grow(struct oc_engine_index *ix)
{
	size_t cap = ix->mask ? (ix->mask + 1) * 2 : 64;
	struct entry *t = calloc(cap, sizeof(*t));
	if (!t)
		return oc_error_nomem();
	for (size_t i = 0; ix->table && i <= ix->mask; i++) {
		if (!ix->table[i].hash)
			continue;
		size_t j = ix->table[i].hash & (cap - 1);
		while (t[j].hash)
			j = (j + 1) & (cap - 1);
		t[j] = ix->table[i];
	}
	free(ix->table);
	ix->table = t;
	ix->mask = cap - 1;
	return 0;
}

static const struct entry *find(const struct oc_engine_index *ix, uint64_t h,
	const char *s, size_t len, unsigned slot, unsigned kind)
{
	for (size_t j = h & ix->mask;; j = (j + 1) & ix->mask) {
		const struct entry *e = &ix->table[j];
		if (!e->hash)
			return NULL;
		if (e->hash == h && e->len == len && e->slot == slot && e->kind == kind &&
		    memcmp(e->str, s, len) == 0)
			return e;
	}
}

static void add_suffix_len(struct oc_engine_index *ix, unsigned slot, uint8_t len)
{
	uint8_t *lens = ix->suffix_lens[slot];
	size_t n = ix->nsuffix_lens[slot], i = 0;
	while (i < n && lens[i] < len)
		i++;
	if (i < n && lens[i] == len)
		return;
	memmove(lens + i + 1, lens + i, n - i);
	lens[i] = len;
	ix->nsuffix_lens[slot]++;
}

static int insert(struct oc_engine_index *ix, const oc_host_test *t, size_t rule)
{
	int slot = slot_of(t->field);
	size_t len = strlen(t->value);
	if (slot < 0 || len > MAX_LITERAL)
		return 0; /* cannot match a normalised host; a rule that is never true */
	if ((ix->used + 1) * 2 > ix->mask + 1) {
		int rc = grow(ix);
		if (rc)
			return rc;
	}
	uint64_t h = finish(hash_tail(t->value, len), (unsigned)slot, t->kind);
	if (find(ix, h, t->value, len, (unsigned)slot, t->kind))
		return 0; /* an earlier rule already answers this test */
	size_t j = h & ix->mask;
	while (ix->table[j].hash)
		j = (j + 1) & ix->mask;
	ix->table[j] = (struct entry){ h, t->value, (uint32_t)len, (uint32_t)rule,
		(uint8_t)slot, (uint8_t)t->kind };
	ix->used++;
	if (t->kind == OC_HOST_TEST_SUFFIX)
		add_suffix_len(ix, (unsigned)slot, (uint8_t)len);
	else
		ix->has_eq[slot] = true;
	return 0;
}

int oc_engine_index_build(oc_ruleset *rs)
{
	struct oc_engine_index *ix = calloc(1, sizeof(*ix));
	if (!ix)
		return oc_error_nomem();
	int rc = grow(ix);
	if (!rc && rs->nrules && !(ix->scan = malloc(rs->nrules * sizeof(*ix->scan))))
		rc = oc_error_nomem();
	for (size_t i = 0; i < rs->nrules && !rc; i++) {
		const oc_host_test *tests;
		size_t n;
		if (!oc_expr_host_tests(rs->rules[i].expr, &tests, &n)) {
			ix->scan[ix->nscan++] = i;
			continue;
		}
		for (size_t k = 0; k < n && !rc; k++)
			rc = insert(ix, &tests[k], i);
	}
	if (rc) {
		oc_engine_index_free(ix);
		return rc;
	}
	rs->index = ix;
	return 0;
}

void oc_engine_index_free(struct oc_engine_index *ix)
{
	if (!ix)
		return;
	free(ix->table);
	free(ix->scan);
	free(ix);
}

static const char *host_value(const oc_context *ctx, oc_field f)
{
	const char *v = NULL;
	switch (f) {
	case OC_FIELD_NETWORK_HOSTNAME: v = ctx->network_hostname; break;
	case OC_FIELD_DNS_QUERY: v = ctx->dns_query; break;
	case OC_FIELD_HTTP_HOST: v = ctx->http_host; break;
	case OC_FIELD_TLS_SNI: v = ctx->tls_sni; break;
	default: break;
	}
	return v ? v : "";
}

size_t oc_engine_index_best(const struct oc_engine_index *ix, const oc_context *ctx)
{
	size_t best = SIZE_MAX;
	for (unsigned slot = 0; slot < NHOST; slot++) {
		if (!(ctx->known & OC_FIELD_BIT(host_fields[slot])))
			continue;
		const char *s = host_value(ctx, host_fields[slot]);
		size_t len = strlen(s);
		const uint8_t *lens = ix->suffix_lens[slot];
		size_t nlens = ix->nsuffix_lens[slot], li = 0;
		if (nlens == 0 && !ix->has_eq[slot])
			continue;
		uint64_t h = FNV_OFFSET;
		/* Tails from length 0 up to the whole host, one byte per step. */
		for (size_t l = 0;; l++) {
			if (li < nlens && lens[li] == l) {
				const struct entry *e = find(ix, finish(h, slot, OC_HOST_TEST_SUFFIX),
					s + len - l, l, slot, OC_HOST_TEST_SUFFIX);
				if (e && e->rule < best)
					best = e->rule;
				li++;
			}
			if (l == len)
				break;
			h = (h ^ (unsigned char)s[len - l - 1]) * FNV_PRIME;
		}
		if (ix->has_eq[slot]) {
			const struct entry *e = find(ix, finish(h, slot, OC_HOST_TEST_EQ), s, len,
				slot, OC_HOST_TEST_EQ);
			if (e && e->rule < best)
				best = e->rule;
		}
	}
	return best;
}

const size_t *oc_engine_index_scan_list(const struct oc_engine_index *ix, size_t *n)
{
	*n = ix->nscan;
	return ix->scan;
}
