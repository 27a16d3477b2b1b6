/* oc_dns_server: lifecycle, listening addresses, statistics (dns.h). */
#include "dns/server.h"
#include "dns/rrtype.h"
#include "core/version.h"
#include "core/error.h"
#include "core/services.h"

#include <stdlib.h>

/* Peers the rate limiter tracks at once; more containers than this share
 * the table, the least recently seen giving way. */
#define RATE_PEERS 16384

OC_DEFINE_STRUCT_INIT(oc_dns_config, OC_DNS_CONFIG)

OC_DEFINE_STRUCT_INIT(oc_dns_stats, OC_DNS_STATS)

static int check(const oc_loop *loop, const oc_dns_config *cfg, const oc_services *svc)
{
	int rc = oc_services_check("DNS server", loop, svc, true);
	if (!rc)
		rc = oc_struct_version_check(cfg->version, OC_DNS_CONFIG_VERSION, "oc_dns_config");
	if (rc)
		return rc;
	if (cfg->tcp_idle_ms == 0 || cfg->max_tcp_clients == 0 ||
	    cfg->max_tcp_clients_per_container == 0 || cfg->max_pending == 0)
		return oc_error_set(OC_EINVAL, "DNS server: tcp_idle_ms, max_tcp_clients, "
			"max_tcp_clients_per_container and max_pending must be at least 1");
	if (cfg->rate_per_sec < 0 || (cfg->rate_per_sec > 0 && cfg->rate_burst < 1))
		return oc_error_set(OC_EINVAL, "DNS server: rate of %g queries/s with a burst of %g; "
			"use a rate >= 0 (0: no limit) and a burst >= 1", cfg->rate_per_sec,
			cfg->rate_burst);
	return 0;
}

static int read_upstreams(const oc_dns_config *cfg, oc_dns_upstreams *ups)
{
	if (cfg->upstreams)
		return oc_dns_upstreams_parse(cfg->upstreams, ups);
	return oc_dns_upstreams_from_resolv_conf(cfg->resolv_conf ? cfg->resolv_conf :
		"/etc/resolv.conf", ups);
}

int oc_dns_server_new(oc_loop *loop, const oc_dns_config *cfg, const oc_services *svc,
	oc_dns_server **out)
{
	*out = NULL;
	oc_dns_upstreams ups;
	int rc = check(loop, cfg, svc);
	if (rc == 0)
		rc = read_upstreams(cfg, &ups);
	if (rc < 0)
		return rc;
	oc_dns_server *s = calloc(1, sizeof(*s));
	if (!s)
		return oc_error_nomem();
	s->loop = loop;
	oc_dlist_init(&s->pending);
	oc_dlist_init(&s->conns);
	s->cfg = *cfg;
	s->cfg.upstreams = s->cfg.resolv_conf = NULL; /* read; not kept */
	s->svc = *svc;
	s->filter = (oc_dns_filter_config){ svc->private_ranges, cfg->max_ttl, cfg->negative_ttl };
	rc = oc_dns_fetcher_new(loop, &ups, cfg->upstream_timeout_ms, cfg->upstream_total_ms,
		&s->fetcher);
	if (rc == 0)
		rc = oc_dns_cache_new(cfg->cache_entries, cfg->cache_bytes, &s->cache);
	if (rc == 0 && cfg->rate_per_sec > 0)
		rc = oc_ratelimit_new(cfg->rate_per_sec, cfg->rate_burst, RATE_PEERS, &s->rl);
	if (rc == 0)
		rc = oc_dns_udp_batch_new(&s->batch);
	if (rc < 0) {
		oc_dns_server_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static void listener_free(struct oc_dns_listener *l)
{
	oc_dns_udp_close(l);
	oc_dns_tcp_close(l);
	free(l);
}

void oc_dns_server_free(oc_dns_server *s)
{
	if (!s)
		return;
	oc_dns_srv_abandon_all(s);
	while (s->listeners) {
		struct oc_dns_listener *l = s->listeners;
		s->listeners = l->next;
		listener_free(l);
	}
	oc_peercount_clear(&s->tcp_peers);
	oc_peercount_clear(&s->pending_peers);
	oc_dns_fetcher_free(s->fetcher);
	oc_dns_cache_free(s->cache);
	oc_ratelimit_free(s->rl);
	oc_dns_udp_batch_free(s->batch);
	free(s);
}

static struct oc_dns_listener **find(oc_dns_server *s, const oc_sockaddr *a)
{
	struct oc_dns_listener **at = &s->listeners;
	while (*at && !oc_sockaddr_equal(&(*at)->addr, a))
		at = &(*at)->next;
	return at;
}

int oc_dns_server_listen(oc_dns_server *s, const char *addr)
{
	oc_sockaddr a;
	int rc = oc_sockaddr_parse(&a, addr, 53);
	if (rc < 0)
		return rc;
	if (*find(s, &a))
		return oc_error_set(OC_EEXIST, "DNS server already listens on %s", addr);
	struct oc_dns_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return oc_error_nomem();
	*l = (struct oc_dns_listener){ .s = s, .addr = a, .udp_fd = -1, .tcp_fd = -1 };
	/* UDP first: with port 0 it picks the port TCP then uses */
	rc = oc_dns_udp_open(l);
	if (rc == 0)
		rc = oc_dns_tcp_open(l);
	if (rc < 0) {
		listener_free(l);
		return rc;
	}
	l->next = s->listeners;
	s->listeners = l;
	return 0;
}

int oc_dns_server_unlisten(oc_dns_server *s, const char *addr)
{
	oc_sockaddr a;
	int rc = oc_sockaddr_parse(&a, addr, 53);
	if (rc < 0)
		return rc;
	struct oc_dns_listener **at = find(s, &a);
	if (!*at)
		return oc_error_set(OC_ENOTFOUND, "DNS server does not listen on %s", addr);
	struct oc_dns_listener *l = *at;
	*at = l->next;
	listener_free(l);
	return 0;
}

int oc_dns_server_get_stats(oc_dns_server *s, oc_dns_stats *out)
{
	int rc = oc_struct_version_check(out->version, OC_DNS_STATS_VERSION, "oc_dns_stats");
	if (rc)
		return rc;
	*out = s->st;
	out->version = OC_DNS_STATS_VERSION;
	out->pending = s->pending_peers.total;
	out->tcp_open = s->tcp_peers.total;
	out->tcp_accept_pauses = s->accept_pauses;
	for (const struct oc_dns_listener *l = s->listeners; l; l = l->next)
		out->tcp_accept_pauses += oc_accept_pauses(&l->accept);
	oc_dns_cache_stats cs;
	oc_dns_cache_stats_get(s->cache, &cs);
	out->cache_hits = cs.hits;
	out->cache_misses = cs.misses;
	out->cache_evictions = cs.evictions;
	out->cache_expirations = cs.expirations;
	out->cache_entries = cs.entries;
	out->cache_bytes = cs.bytes;
	out->nupstreams = oc_dns_fetcher_upstreams(s->fetcher)->count;
	const oc_dns_upstream_stats *us = oc_dns_fetcher_stats(s->fetcher);
	for (size_t i = 0; i < out->nupstreams; i++) {
		out->upstream_queries += us[i].queries;
		out->upstream_timeouts += us[i].timeouts;
		out->upstream_failures += us[i].failures;
	}
	return 0;
}

struct oc_dns_upstream_list {
	size_t count;
	oc_dns_upstream_stats items[];
};

int oc_dns_server_upstreams(oc_dns_server *s, oc_dns_upstream_list **out)
{
	size_t n = oc_dns_fetcher_upstreams(s->fetcher)->count;
	oc_dns_upstream_list *l = malloc(sizeof(*l) + n * sizeof(l->items[0]));
	if (!(*out = l))
		return oc_error_nomem();
	l->count = n;
	memcpy(l->items, oc_dns_fetcher_stats(s->fetcher), n * sizeof(l->items[0]));
	return 0;
}

size_t oc_dns_upstream_list_count(const oc_dns_upstream_list *l)
{
	return l ? l->count : 0;
}

const oc_dns_upstream_stats *oc_dns_upstream_list_get(const oc_dns_upstream_list *l, size_t i)
{
	return l && i < l->count ? &l->items[i] : NULL;
}

void oc_dns_upstream_list_free(oc_dns_upstream_list *l)
{
	free(l);
}

void oc_dns_server_flush(oc_dns_server *s)
{
	oc_dns_cache_flush(s->cache);
}

void oc_dns_server_forget(oc_dns_server *s, struct in_addr ip)
{
	/* the key server_query.c takes tokens with: the address as sent */
	uint32_t key = ip.s_addr;
	oc_ratelimit_reset(s->rl, &key, sizeof(key));
}

struct list_ctx {
	void (*fn)(const char *name, const char *type, uint32_t ttl_left, size_t bytes, void *arg);
	void *arg;
};

static int list_one(void *arg, const oc_dns_cache_item *it)
{
	struct list_ctx *lc = arg;
	char buf[OC_DNS_TYPE_NAME_MAX];
	lc->fn(it->name, oc_dns_type_name(it->qtype, buf), it->ttl_left, it->bytes, lc->arg);
	return 0;
}

int oc_dns_server_cache_list(oc_dns_server *s, void (*fn)(const char *name, const char *type,
	uint32_t ttl_left, size_t bytes, void *arg), void *arg)
{
	struct list_ctx lc = { fn, arg };
	return oc_dns_cache_foreach(s->cache, oc_loop_now(s->loop), list_one, &lc);
}
