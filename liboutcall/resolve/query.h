/* Inside the resolver: one pending query and its socket I/O (query.c),
 * the lookups, waiters and cache around it (resolver.c). */
#ifndef OC_RESOLVE_QUERY_H
#define OC_RESOLVE_QUERY_H

#include "core/lru.h"
#include "dns/fetch.h"
#include "dns/query.h"
#include "resolve/resolve.h"

struct oc_resolve_wait {
	struct oc_resolve_wait *next;
	struct oc_resolve_query *query;
	oc_resolve_cb cb;
	void *arg;
};

/* A question on its way through the upstreams. */
struct oc_resolve_query {
	struct oc_resolve_query *next, *prev; /* the resolver's pending list */
	oc_resolver *r;
	oc_resolve_wait *waiters;
	oc_dns_query q;
	oc_dns_fetch *fetch;    /* NULL once it called back */
};

/* One cached name. */
struct oc_resolve_entry {
	oc_lru_node node;
	uint64_t expires_ms;
	size_t count;
	struct in_addr addr[OC_RESOLVE_ADDRS_MAX];
	char name[];
};

struct oc_resolver {
	oc_loop *loop;
	oc_resolver_config cfg;
	oc_dns_fetcher *fetcher;
	oc_lru cache;
	size_t cache_max;
	struct oc_resolve_query *pending;
	oc_resolver_stats stats;
};

/* query.c: asks for name's A records: 0, or a negative oc_err with
 * nothing left running and *why (constant) saying why. qr->r must be set. */
int oc_resolve_query_start(struct oc_resolve_query *qr, const char *name, const char **why);
/* Cancels the fetch, if it is still running. */
void oc_resolve_query_stop(struct oc_resolve_query *qr);

/* resolver.c: the query ended with this result (cached if positive);
 * calls the waiters and frees qr. */
void oc_resolve_query_done(struct oc_resolve_query *qr, const oc_resolve_result *res,
	uint32_t ttl);

#endif
