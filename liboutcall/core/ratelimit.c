#include "core/ratelimit.h"
#include "core/error.h"
#include "core/lru.h"

#include <stdlib.h>
#include <string.h>

struct bucket {
	oc_lru_node node;
	double tokens;
	uint64_t last_ms;
	size_t keylen;
	uint8_t key[OC_RATELIMIT_KEY_MAX];
};

struct oc_ratelimit {
	oc_lru lru;
	double rate_per_ms, burst;
	size_t max, used;
	struct bucket *slots; /* all buckets, allocated once */
	oc_ratelimit_stats st;
};

struct lookup {
	const void *key;
	size_t len;
};

static bool bucket_eq(const oc_lru_node *n, const void *k)
{
	const struct bucket *b = oc_container_of(n, struct bucket, node);
	const struct lookup *l = k;
	return b->keylen == l->len && memcmp(b->key, l->key, l->len) == 0;
}

int oc_ratelimit_new(double rate, double burst, size_t max_keys, oc_ratelimit **out)
{
	*out = NULL;
	if (!(rate > 0))
		return oc_error_set(OC_EINVAL, "rate limit: rate %g per second must be greater than 0", rate);
	if (!(burst >= 1))
		return oc_error_set(OC_EINVAL, "rate limit: burst %g must be at least 1", burst);
	if (max_keys < 1)
		return oc_error_set(OC_EINVAL, "rate limit: the table must hold at least one peer");
	oc_ratelimit *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return oc_error_nomem();
	rl->slots = calloc(max_keys, sizeof(*rl->slots));
	int rc = rl->slots ? oc_lru_init(&rl->lru, max_keys) : oc_error_nomem();
	if (rc < 0) {
		free(rl->slots);
		free(rl);
		return rc;
	}
	rl->rate_per_ms = rate / 1000.0;
	rl->burst = burst;
	rl->max = max_keys;
	*out = rl;
	return 0;
}

void oc_ratelimit_free(oc_ratelimit *rl)
{
	if (!rl)
		return;
	oc_lru_fini(&rl->lru);
	free(rl->slots);
	free(rl);
}

static struct bucket *bucket_for(oc_ratelimit *rl, const struct lookup *k, uint64_t now_ms)
{
	uint64_t h = oc_lru_hash(&rl->lru, k->key, k->len);
	oc_lru_node *n = oc_lru_find(&rl->lru, h, bucket_eq, k);
	if (n) {
		oc_lru_touch(&rl->lru, n);
		return oc_container_of(n, struct bucket, node);
	}
	struct bucket *b;
	if (rl->used < rl->max) {
		b = &rl->slots[rl->used++];
	} else {
		b = oc_container_of(oc_lru_oldest(&rl->lru), struct bucket, node);
		oc_lru_remove(&rl->lru, &b->node);
		rl->st.evicted++;
	}
	b->tokens = rl->burst;
	b->last_ms = now_ms;
	b->keylen = k->len;
	memcpy(b->key, k->key, k->len);
	oc_lru_add(&rl->lru, &b->node, h);
	return b;
}

bool oc_ratelimit_take(oc_ratelimit *rl, const void *key, size_t keylen, uint64_t now_ms)
{
	struct lookup k = { key, keylen < OC_RATELIMIT_KEY_MAX ? keylen : OC_RATELIMIT_KEY_MAX };
	struct bucket *b = bucket_for(rl, &k, now_ms);
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * rl->rate_per_ms;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->last_ms = now_ms;
	}
	if (b->tokens >= 1) {
		b->tokens -= 1;
		rl->st.allowed++;
		return true;
	}
	rl->st.refused++;
	return false;
}

void oc_ratelimit_reset(oc_ratelimit *rl, const void *key, size_t keylen)
{
	if (!rl)
		return;
	struct lookup k = { key, keylen < OC_RATELIMIT_KEY_MAX ? keylen : OC_RATELIMIT_KEY_MAX };
	oc_lru_node *n = oc_lru_find(&rl->lru, oc_lru_hash(&rl->lru, k.key, k.len), bucket_eq, &k);
	if (n)
		oc_container_of(n, struct bucket, node)->tokens = rl->burst;
}

void oc_ratelimit_stats_get(const oc_ratelimit *rl, oc_ratelimit_stats *st)
{
	*st = rl->st;
	st->peers = rl->lru.count;
}
