/*
 * Asking the upstream resolvers on an oc_loop: the socket side of
 * forward.h, kept apart from any client so that every part of Outcall that
 * resolves names (the DNS server for containers, the proxy for its own
 * connections) shares it.
 *
 * Each attempt uses a fresh socket (UDP connected to the upstream, so the
 * kernel picks a random source port and delivers only datagrams from the
 * address and port asked; TCP after a truncated answer) and a fresh random
 * id from forward.h; messages that do not match id and question are
 * counted and ignored until the attempt's deadline.
 *
 * Ownership: a fetcher is owned by its creator; it owns its fetches and
 * their sockets, and frees them (without calling back) in
 * oc_dns_fetcher_free. Thread-safety: none; everything on the loop's
 * thread.
 */
#ifndef OC_DNS_FETCH_H
#define OC_DNS_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/dns.h>
#include <outcall/loop.h>
#include "dns/query.h"
#include "dns/upstream.h"

typedef struct oc_dns_fetcher oc_dns_fetcher;
typedef struct oc_dns_fetch oc_dns_fetch;

/* ups is copied. attempt_ms and total_ms bound each attempt and a fetch. */
int oc_dns_fetcher_new(oc_loop *loop, const oc_dns_upstreams *ups, uint32_t attempt_ms,
	uint32_t total_ms, oc_dns_fetcher **out);
void oc_dns_fetcher_free(oc_dns_fetcher *fr);

const oc_dns_upstreams *oc_dns_fetcher_upstreams(const oc_dns_fetcher *fr);
/* Per upstream, in the order of oc_dns_fetcher_upstreams(); addr is
 * filled in. */
const oc_dns_upstream_stats *oc_dns_fetcher_stats(const oc_dns_fetcher *fr);
/* Fetches in flight. */
size_t oc_dns_fetcher_active(const oc_dns_fetcher *fr);

typedef struct oc_dns_fetch_result {
	bool ok;            /* msg is the answer: give it to oc_dns_filter() */
	const uint8_t *msg; /* ok: valid only during the callback */
	size_t len;
	size_t upstream;    /* the upstream that answered, or the last one asked */
	int rcode;          /* ok: the answer's rcode */
	const char *why;    /* !ok: constant text, for the log and the EDE */
} oc_dns_fetch_result;

/* Called once per fetch, from the loop, unless the fetch was cancelled;
 * the fetch is freed when the callback returns. */
typedef void (*oc_dns_fetch_cb)(void *arg, const oc_dns_fetch_result *res);

/*
 * Starts asking for q, which is borrowed until the callback runs or the
 * fetch is cancelled. Returns 0 with *out set (the callback comes later),
 * 1 when no attempt could even be sent (*why says why; no callback), or
 * OC_ENOMEM.
 */
int oc_dns_fetch_start(oc_dns_fetcher *fr, const oc_dns_query *q, oc_dns_fetch_cb cb, void *arg,
	oc_dns_fetch **out, const char **why);
/* Stops a fetch before its callback; it is freed at once. */
void oc_dns_fetch_cancel(oc_dns_fetch *f);

#endif
