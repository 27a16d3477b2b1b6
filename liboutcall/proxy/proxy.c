/* The proxy object: configuration, creation, statistics and teardown. */
#include "proxy/conn.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/services.h"

void oc_proxy_config_init(oc_proxy_config *cfg)
{
	*cfg = (oc_proxy_config){
		.head_ms = 10000,
		.idle_ms = 60000,
		.connect_ms = 10000,
		.tunnel_idle_ms = 600000,
		.hello_ms = 10000,
		.resolve_ms = 5000,
		.max_conns = 10000,
		.max_conns_per_container = 512,
		.max_head_bytes = OC_HTTP_MAX_HEAD_DEFAULT,
		.retry_after_s = 5,
		.dns_cache_entries = 1024,
	};
}

/* Zero fields take the defaults; then the ranges are checked. */
static int complete(oc_proxy_config *cfg, const oc_proxy_config *in)
{
	oc_proxy_config d;
	oc_proxy_config_init(&d);
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
	oc_proxy_config def;
	if (!cfg)
		oc_proxy_config_init(&def);
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

void oc_proxy_get_stats(oc_proxy *p, oc_proxy_stats *out)
{
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
