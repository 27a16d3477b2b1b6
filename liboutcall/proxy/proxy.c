/* The proxy object: configuration, creation, statistics and teardown. */
#include "proxy/conn.h"

#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "core/error.h"
#include "core/services.h"

/* OC_PROXY_CONFIG_INIT's max_head_bytes */
_Static_assert(OC_HTTP_MAX_HEAD_DEFAULT == 16384, "the proxy's default head cap is the parser's");

OC_DEFINE_STRUCT_INIT(oc_proxy_config, OC_PROXY_CONFIG)

OC_DEFINE_STRUCT_INIT(oc_proxy_stats, OC_PROXY_STATS)

/* Zero fields take the defaults; then the ranges are checked. */
static int complete(oc_proxy_config *cfg, const oc_proxy_config *in)
{
	const oc_proxy_config d = OC_PROXY_CONFIG_INIT;
	int rc = oc_struct_version_check(in->version, OC_PROXY_CONFIG_VERSION, "oc_proxy_config");
	if (rc)
		return rc;
	*cfg = *in;
#define DEFAULT(f) if (!cfg->f) cfg->f = d.f
	DEFAULT(head_ms);
	DEFAULT(idle_ms);
	DEFAULT(connect_ms);
	DEFAULT(tunnel_idle_ms);
	DEFAULT(hello_ms);
	DEFAULT(resolve_ms);
	DEFAULT(max_conns);
	DEFAULT(max_conns_per_container);
	DEFAULT(max_head_bytes);
	DEFAULT(retry_after_s);
	DEFAULT(dns_cache_entries);
#undef DEFAULT
	if (cfg->max_head_bytes < 1024 || cfg->max_head_bytes > 65535)
		return oc_error_set(OC_EINVAL, "proxy: max_head_bytes %zu is outside 1024..65535",
			cfg->max_head_bytes);
	return 0;
}

int oc_proxy_new(oc_loop *loop, const oc_proxy_config *cfg, const oc_services *svc,
	oc_proxy **out)
{
	*out = NULL;
	int rc = oc_services_check("proxy", loop, svc, true);
	if (rc)
		return rc;
	oc_proxy *p = calloc(1, sizeof(*p));
	if (!p)
		return oc_error_nomem();
	const oc_proxy_config def = OC_PROXY_CONFIG_INIT;
	rc = complete(&p->cfg, cfg ? cfg : &def);
	p->loop = loop;
	p->accept = (oc_accept_gate){ .loop = loop, .set = px_listen_set, .arg = p };
	p->svc = *svc;
	p->request_command = svc->request_command ? svc->request_command : "outcall-shim request";
	oc_resolver_config rcfg = {
		.upstreams = p->cfg.upstreams,
		.total_ms = p->cfg.resolve_ms,
		.attempt_ms = p->cfg.resolve_ms < 1500 ? p->cfg.resolve_ms : 1500,
		.cache_entries = p->cfg.dns_cache_entries,
	};
	if (!rc)
		rc = oc_resolver_new(loop, &rcfg, &p->resolver);
	if (!rc)
		rc = px_pool_init(&p->pool);
	if (rc) {
		oc_resolver_free(p->resolver);
		free(p);
		return rc;
	}
	/* The caller's string may not outlive this call. */
	p->cfg.upstreams = NULL;
	*out = p;
	return 0;
}

int oc_proxy_get_stats(oc_proxy *p, oc_proxy_stats *out)
{
	int rc = oc_struct_version_check(out->version, OC_PROXY_STATS_VERSION, "oc_proxy_stats");
	if (rc)
		return rc;
	const struct px_counters *n = &p->n;
#define GET(f) out->f = atomic_load_explicit(&n->f, memory_order_relaxed)
	GET(conns_open);
	GET(conns_total);
	GET(conns_refused);
	GET(requests_allowed);
	GET(requests_blocked);
	GET(requests_refused);
	GET(requests_invalid);
	GET(tunnels_open);
	GET(tunnels_total);
	GET(sni_mismatches);
	GET(upstream_errors);
	GET(timeouts);
	GET(bytes_up);
	GET(bytes_down);
#undef GET
	out->accept_pauses = oc_accept_pauses(&p->accept);
	return 0;
}

void oc_proxy_set_revoked(oc_proxy *p, oc_proxy_revoked_fn fn, void *arg)
{
	p->revoked = fn;
	p->revoked_arg = arg;
}

size_t oc_proxy_close_peer(oc_proxy *p, struct in_addr ip, const char *reason)
{
	size_t n = 0;
	for (struct px_conn *c = p->conns, *next; c; c = next) {
		next = c->next;
		if (c->peer_ip != ip.s_addr || c->closed)
			continue;
		px_conn_close(c, reason);
		n++;
	}
	return n;
}

size_t oc_proxy_rejudge(oc_proxy *p)
{
	size_t n = 0;
	for (struct px_conn *c = p->conns, *next; c; c = next) {
		next = c->next;
		const char *why = c->closed ? NULL : px_no_longer_allowed(c);
		if (!why)
			continue;
		px_conn_close(c, why);
		n++;
	}
	return n;
}

void oc_proxy_free(oc_proxy *p)
{
	if (!p)
		return;
	px_listen_free_all(p);
	while (p->conns)
		px_conn_close(p->conns, "proxy stopped");
	px_conn_free_dead(p);
	oc_resolver_free(p->resolver);
	px_pool_free(&p->pool);
	free(p->scratch);
	free(p);
}
