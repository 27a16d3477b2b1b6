/* Lookups: literals, the positive cache, sharing a pending query, and
 * handing results to the waiters (resolve.h). */
#include "resolve/query.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define RESOLV_CONF "/etc/resolv.conf"

int oc_resolver_new(oc_loop *loop, const oc_resolver_config *cfg, oc_resolver **out)
{
	*out = NULL;
	oc_resolver *r = calloc(1, sizeof(*r));
	if (!r)
		return oc_error_nomem();
	r->loop = loop;
	r->cfg = *cfg;
	r->cfg.attempt_ms = cfg->attempt_ms ? cfg->attempt_ms : 1500;
	r->cfg.total_ms = cfg->total_ms ? cfg->total_ms : 5000;
	r->cfg.ttl_max = cfg->ttl_max ? cfg->ttl_max : 300;
	r->cache_max = cfg->cache_entries ? cfg->cache_entries : 1024;
	oc_dns_upstreams ups;
	int rc = cfg->upstreams ? oc_dns_upstreams_parse(cfg->upstreams, &ups) :
		oc_dns_upstreams_from_resolv_conf(cfg->resolv_conf ? cfg->resolv_conf : RESOLV_CONF,
			&ups);
	if (!rc && ups.count == 0)
		rc = oc_error_set(OC_EINVAL, "upstream resolver list '%s' names no server",
			cfg->upstreams);
	if (!rc)
		rc = oc_dns_fetcher_new(loop, &ups, r->cfg.attempt_ms, r->cfg.total_ms, &r->fetcher);
	if (!rc)
		rc = oc_lru_init(&r->cache, r->cache_max);
	if (rc) {
		oc_dns_fetcher_free(r->fetcher);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static void entry_free(oc_resolver *r, struct oc_resolve_entry *e)
{
	oc_lru_remove(&r->cache, &e->node);
	free(e);
}

static void query_free(struct oc_resolve_query *qr)
{
	oc_resolver *r = qr->r;
	oc_resolve_query_stop(qr);
	if (qr->prev)
		qr->prev->next = qr->next;
	else
		r->pending = qr->next;
	if (qr->next)
		qr->next->prev = qr->prev;
	free(qr);
}

void oc_resolver_free(oc_resolver *r)
{
	if (!r)
		return;
	while (r->pending) {
		struct oc_resolve_query *qr = r->pending;
		while (qr->waiters) {
			oc_resolve_wait *w = qr->waiters;
			qr->waiters = w->next;
			free(w);
		}
		query_free(qr);
	}
	for (oc_lru_node *n; (n = oc_lru_oldest(&r->cache));)
		entry_free(r, oc_container_of(n, struct oc_resolve_entry, node));
	oc_lru_fini(&r->cache);
	oc_dns_fetcher_free(r->fetcher);
	free(r);
}

static bool entry_eq(const oc_lru_node *n, const void *key)
{
	return strcmp(oc_container_of(n, struct oc_resolve_entry, node)->name, key) == 0;
}

static struct oc_resolve_entry *cache_find(oc_resolver *r, const char *name, uint64_t *hash)
{
	*hash = oc_lru_hash(&r->cache, name, strlen(name));
	oc_lru_node *n = oc_lru_find(&r->cache, *hash, entry_eq, name);
	return n ? oc_container_of(n, struct oc_resolve_entry, node) : NULL;
}

static void cache_put(oc_resolver *r, const char *name, const oc_resolve_result *res,
	uint32_t ttl)
{
	uint64_t hash;
	struct oc_resolve_entry *e = cache_find(r, name, &hash);
	if (e)
		entry_free(r, e);
	if (r->cache.count >= r->cache_max)
		entry_free(r, oc_container_of(oc_lru_oldest(&r->cache), struct oc_resolve_entry, node));
	size_t len = strlen(name) + 1;
	e = malloc(sizeof(*e) + len);
	if (!e)
		return; /* not caching is always correct */
	e->expires_ms = oc_loop_now(r->loop) + (uint64_t)ttl * 1000u;
	e->count = res->count;
	memcpy(e->addr, res->addr, sizeof(e->addr));
	memcpy(e->name, name, len);
	oc_lru_add(&r->cache, &e->node, hash);
}

void oc_resolve_query_done(struct oc_resolve_query *qr, const oc_resolve_result *res,
	uint32_t ttl)
{
	oc_resolver *r = qr->r;
	oc_resolve_query_stop(qr);
	if (res->status)
		r->stats.failures++;
	else if (ttl)
		cache_put(r, qr->q.name, res, ttl);
	/* Popped one at a time: a callback may cancel another waiter. */
	while (qr->waiters) {
		oc_resolve_wait *w = qr->waiters;
		qr->waiters = w->next;
		oc_resolve_cb cb = w->cb;
		void *arg = w->arg;
		free(w);
		cb(arg, res);
	}
	query_free(qr);
}

/* Answers that need no query: IP literals and live cache entries. */
static bool known_now(oc_resolver *r, const char *host, oc_resolve_result *res)
{
	*res = (oc_resolve_result){ 0 };
	if (inet_pton(AF_INET, host, &res->addr[0]) == 1) {
		res->count = 1;
		return true;
	}
	if (strchr(host, ':')) {
		res->status = OC_EUNREACHABLE;
		res->why = "IPv6 upstream addresses are not supported; use a name with an IPv4 address";
		return true;
	}
	uint64_t hash;
	struct oc_resolve_entry *e = cache_find(r, host, &hash);
	if (!e)
		return false;
	if (e->expires_ms <= oc_loop_now(r->loop)) {
		entry_free(r, e);
		return false;
	}
	oc_lru_touch(&r->cache, &e->node);
	res->count = e->count;
	memcpy(res->addr, e->addr, sizeof(res->addr));
	r->stats.cache_hits++;
	return true;
}

int oc_resolve(oc_resolver *r, const char *host, oc_resolve_cb cb, void *arg,
	oc_resolve_wait **wait, oc_resolve_result *res)
{
	r->stats.lookups++;
	*wait = NULL;
	if (known_now(r, host, res))
		return 1;
	oc_resolve_wait *w = calloc(1, sizeof(*w));
	if (!w)
		return oc_error_nomem();
	struct oc_resolve_query *qr = r->pending;
	while (qr && strcmp(qr->q.name, host) != 0)
		qr = qr->next;
	if (!qr) {
		qr = calloc(1, sizeof(*qr));
		if (!qr) {
			free(w);
			return oc_error_nomem();
		}
		qr->r = r;
		const char *why = NULL;
		int rc = oc_resolve_query_start(qr, host, &why);
		if (rc) {
			*res = (oc_resolve_result){ .status = rc == OC_EINVAL ? OC_ENOTFOUND : rc,
				.why = why };
			r->stats.failures++;
			free(qr);
			free(w);
			return rc == OC_ENOMEM ? rc : 1;
		}
		qr->next = r->pending;
		if (r->pending)
			r->pending->prev = qr;
		r->pending = qr;
	}
	*w = (oc_resolve_wait){ .next = qr->waiters, .query = qr, .cb = cb, .arg = arg };
	qr->waiters = w;
	*wait = w;
	return 0;
}

void oc_resolve_cancel(oc_resolver *r, oc_resolve_wait *wait)
{
	if (!wait)
		return;
	for (oc_resolve_wait **p = &wait->query->waiters; *p; p = &(*p)->next) {
		if (*p == wait) {
			*p = wait->next;
			free(wait);
			return;
		}
	}
}

void oc_resolver_stats_get(const oc_resolver *r, oc_resolver_stats *out)
{
	*out = r->stats;
	out->cached = r->cache.count;
	const oc_dns_upstream_stats *st = oc_dns_fetcher_stats(r->fetcher);
	for (size_t i = 0; i < oc_dns_fetcher_upstreams(r->fetcher)->count; i++)
		out->queries += st[i].queries;
}
