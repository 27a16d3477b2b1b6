/*
 * Token buckets per peer (a container's address or id): `rate` tokens per
 * second up to `burst`, one token per request. The table holds at most
 * `max_keys` peers; a new peer beyond that takes the place of the one seen
 * least recently (whose bucket has most likely refilled, so little is lost).
 *
 * Time is the caller's: every call takes `now_ms` from a monotonic clock,
 * so tests drive the clock and a clock step backwards refills nothing.
 *
 * Ownership: created and freed by one owner. Thread-safety: none.
 */
#ifndef OC_CORE_RATELIMIT_H
#define OC_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_RATELIMIT_KEY_MAX 64

typedef struct oc_ratelimit oc_ratelimit;

typedef struct oc_ratelimit_stats {
	uint64_t allowed;   /* requests that got a token */
	uint64_t refused;   /* requests over the limit */
	uint64_t evicted;   /* peers dropped to make room */
	size_t peers;       /* peers in the table now */
} oc_ratelimit_stats;

/* rate > 0 tokens per second, burst >= 1, max_keys >= 1. Returns 0,
 * OC_EINVAL (naming the bad value), OC_ENOMEM or OC_EOS. */
int oc_ratelimit_new(double rate, double burst, size_t max_keys, oc_ratelimit **out);
void oc_ratelimit_free(oc_ratelimit *rl);

/* Takes one token from the peer's bucket: true if the request may go on,
 * false if it is over the limit (counted in `refused`). keylen is at most
 * OC_RATELIMIT_KEY_MAX; longer keys are cut to that length. */
bool oc_ratelimit_take(oc_ratelimit *rl, const void *key, size_t keylen, uint64_t now_ms);

/* Refills the peer's bucket, if the table has one: the peer is gone (a
 * container detached), and whoever gets its key next (a new container on
 * the same address) starts with a full burst, not with its debts. */
void oc_ratelimit_reset(oc_ratelimit *rl, const void *key, size_t keylen);

void oc_ratelimit_stats_get(const oc_ratelimit *rl, oc_ratelimit_stats *st);

#endif
