/* GET /metrics: Prometheus text format (version 0.0.4). */
#include "hostapi/hostapi.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "daemon/incident.h"
#include "kernel/firewall.h"

static void head(oc_buf *b, const char *name, const char *type, const char *help)
{
	oc_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric with one unlabelled sample. */
static void single(oc_buf *b, const char *name, const char *type, const char *help, uint64_t v)
{
	head(b, name, type, help);
	oc_buf_printf(b, "%s %" PRIu64 "\n", name, v);
}

/* Label values are rule ids and addresses: [A-Za-z0-9._:-], nothing to
 * escape; anything else is replaced so the output stays parseable. */
static void label_value(oc_buf *b, const char *v)
{
	for (; *v; v++)
		oc_buf_printf(b, "%c", (*v == '"' || *v == '\\' || *v == '\n') ? '_' : *v);
}

static void rule_hit(const char *rule, uint64_t hits, void *arg)
{
	oc_buf *b = arg;
	oc_buf_puts(b, "outcall_rule_hits_total{rule=\"");
	label_value(b, rule);
	oc_buf_printf(b, "\"} %" PRIu64 "\n", hits);
}

static void events_metrics(oc_daemon *d, oc_buf *b)
{
	oc_events_stats st = OC_EVENTS_STATS_INIT;
	oc_events_get_stats(d->events, &st);
	const char *const *layers = oc_events_stat_layers(), *const *verdicts = oc_events_stat_verdicts();
	head(b, "outcall_decisions_total", "counter", "Decisions by layer and verdict.");
	for (int l = 0; layers[l]; l++)
		for (int v = 0; verdicts[v]; v++)
			oc_buf_printf(b, "outcall_decisions_total{layer=\"%s\",verdict=\"%s\"} %" PRIu64 "\n",
				layers[l], verdicts[v], st.by_layer_verdict[l][v]);
	head(b, "outcall_rule_hits_total", "counter", "Decisions by deciding rule (\"default\": no rule matched).");
	oc_events_rule_hits(d->events, rule_hit, b);
	single(b, "outcall_events_total", "counter", "Records given to the decision log.", st.emitted);
	single(b, "outcall_decision_log_write_errors_total", "counter", "Decision log lines that could not be written.", st.log_write_errors);
	single(b, "outcall_decision_log_rotations_total", "counter", "Size-based rotations of the decision log (--decision-log-max-bytes).", st.log_rotations);
	single(b, "outcall_decision_log_rotate_errors_total", "counter", "Rotations of the decision log that failed (writing went on to the old file).", st.log_rotate_errors);
}

static void dns_metrics(oc_daemon *d, oc_buf *b)
{
	oc_dns_stats s = OC_DNS_STATS_INIT;
	oc_dns_server_get_stats(d->dns, &s);
	head(b, "outcall_dns_queries_total", "counter", "DNS queries by outcome.");
	const struct { const char *k; uint64_t v; } q[] = {
		{ "allowed", s.allowed }, { "blocked", s.blocked }, { "refused_unknown_peer", s.refused_unknown },
		{ "rate_limited", s.rate_limited }, { "malformed", s.malformed }, { "dropped", s.dropped },
		{ "servfail", s.servfail },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		oc_buf_printf(b, "outcall_dns_queries_total{outcome=\"%s\"} %" PRIu64 "\n", q[i].k, q[i].v);
	single(b, "outcall_dns_cache_entries", "gauge", "Answers in the DNS cache.", s.cache_entries);
	single(b, "outcall_dns_cache_bytes", "gauge", "Bytes used by the DNS cache.", s.cache_bytes);
	single(b, "outcall_dns_cache_hits_total", "counter", "DNS cache hits.", s.cache_hits);
	single(b, "outcall_dns_cache_misses_total", "counter", "DNS cache misses.", s.cache_misses);
	head(b, "outcall_dns_upstream_queries_total", "counter", "Queries sent to each upstream resolver.");
	oc_dns_upstream_list *ul = NULL;
	oc_dns_server_upstreams(d->dns, &ul);
	for (size_t i = 0; i < oc_dns_upstream_list_count(ul); i++) {
		const oc_dns_upstream_stats *u = oc_dns_upstream_list_get(ul, i);
		oc_buf_puts(b, "outcall_dns_upstream_queries_total{upstream=\"");
		label_value(b, u->addr);
		oc_buf_printf(b, "\"} %" PRIu64 "\n", u->queries);
	}
	oc_dns_upstream_list_free(ul);
	single(b, "outcall_dns_upstream_timeouts_total", "counter", "Upstream attempts that timed out.", s.upstream_timeouts);
	single(b, "outcall_dns_upstream_failures_total", "counter", "Upstream attempts that failed.", s.upstream_failures);
	single(b, "outcall_dns_grants_total", "counter", "direct_ip kernel elements added by DNS answers.", s.grants_added);
	single(b, "outcall_dns_grants_refused_total", "counter", "Answers refused because a grant was refused.", s.grants_refused);
	single(b, "outcall_dns_tcp_connections_open", "gauge", "DNS-over-TCP connections now.", s.tcp_open);
	single(b, "outcall_dns_tcp_refused_total", "counter", "DNS-over-TCP connections closed at once over a cap (in all or per container).", s.tcp_rejected);
	single(b, "outcall_dns_tcp_deadline_closed_total", "counter", "DNS-over-TCP connections closed at the query deadline.", s.tcp_idle_closed);
}

static void proxy_metrics(oc_daemon *d, oc_buf *b)
{
	oc_proxy_stats s = OC_PROXY_STATS_INIT;
	oc_proxy_get_stats(d->proxy, &s);
	single(b, "outcall_proxy_connections_open", "gauge", "Proxy client connections now.", s.conns_open);
	single(b, "outcall_proxy_connections_total", "counter", "Proxy client connections accepted.", s.conns_total);
	single(b, "outcall_proxy_connections_refused_total", "counter", "Connections refused over a cap.", s.conns_refused);
	head(b, "outcall_proxy_requests_total", "counter", "Proxy requests and tunnels by outcome.");
	oc_buf_printf(b, "outcall_proxy_requests_total{outcome=\"allowed\"} %" PRIu64 "\n"
		"outcall_proxy_requests_total{outcome=\"blocked\"} %" PRIu64 "\n"
		"outcall_proxy_requests_total{outcome=\"refused_unknown_peer\"} %" PRIu64 "\n"
		"outcall_proxy_requests_total{outcome=\"invalid\"} %" PRIu64 "\n",
		s.requests_allowed, s.requests_blocked, s.requests_refused, s.requests_invalid);
	single(b, "outcall_proxy_tunnels_open", "gauge", "Open tunnels.", s.tunnels_open);
	head(b, "outcall_proxy_bytes_total", "counter", "Bytes relayed by the proxy.");
	oc_buf_printf(b, "outcall_proxy_bytes_total{direction=\"up\"} %" PRIu64 "\n"
		"outcall_proxy_bytes_total{direction=\"down\"} %" PRIu64 "\n", s.bytes_up, s.bytes_down);
	single(b, "outcall_proxy_sni_mismatches_total", "counter", "Tunnels closed for an SNI other than the CONNECT host.", s.sni_mismatches);
	single(b, "outcall_proxy_upstream_errors_total", "counter", "Upstream failures (502/504).", s.upstream_errors);
}

static void kernel_metrics(oc_daemon *d, oc_buf *b)
{
	single(b, "outcall_containers", "gauge", "Attached containers.", oc_registry_count(oc_networks_registry(d->nets)));
	single(b, "outcall_tables_installed", "gauge", "1 when Outcall's nftables tables are in the kernel.",
		oc_firewall_installed(oc_networks_firewall(d->nets)) == 1);
	uint64_t cut, repairs;
	oc_firewall_watch_stats(oc_networks_firewall(d->nets), &cut, &repairs);
	single(b, "outcall_tables_reinstalled_total", "counter", "Reinstalls after someone else "
		"removed or changed Outcall's nftables tables.", repairs);
	single(b, "outcall_conntrack_flows_cut_total", "counter", "Conntrack entries deleted because "
		"no grant or attached container permits them any more.", cut);
	oc_grant_list *l = NULL;
	if (oc_firewall_grants(oc_networks_firewall(d->nets), &l) != 0)
		return;
	/* Set sizes: live direct_ip elements per rule. */
	head(b, "outcall_direct_ip_elements", "gauge", "Live direct_ip grants per rule's kernel set.");
	size_t n = oc_grant_list_count(l);
	bool *done = calloc(n ? n : 1, sizeof(*done));
	for (size_t i = 0; done && i < n; i++) {
		if (done[i])
			continue;
		const char *rule = oc_grant_list_get(l, i)->rule_id;
		uint64_t count = 0;
		for (size_t j = i; j < n; j++) {
			if (!done[j] && strcmp(oc_grant_list_get(l, j)->rule_id, rule) == 0) {
				done[j] = true;
				count++;
			}
		}
		oc_buf_puts(b, "outcall_direct_ip_elements{rule=\"");
		label_value(b, rule);
		oc_buf_printf(b, "\"} %" PRIu64 "\n", count);
	}
	free(done);
	oc_grant_list_free(l);
}

static void agent_metrics(oc_daemon *d, oc_buf *b)
{
	oc_agents_stats s = OC_AGENTS_STATS_INIT;
	oc_agents_get_stats(d->agents, &s);
	single(b, "outcall_agent_sockets", "gauge", "Containers with an open agent socket.", s.sockets);
	single(b, "outcall_agent_checks_total", "counter", "Checks answered on agent sockets.", s.checks);
	head(b, "outcall_agent_refused_total", "counter", "Agent socket calls refused, by reason.");
	oc_buf_printf(b, "outcall_agent_refused_total{reason=\"rate_limited\"} %" PRIu64 "\n"
		"outcall_agent_refused_total{reason=\"invalid\"} %" PRIu64 "\n", s.rate_limited,
		s.refused);
	head(b, "outcall_access_requests_total", "counter", "Access requests by event.");
	oc_buf_printf(b, "outcall_access_requests_total{event=\"submitted\"} %" PRIu64 "\n"
		"outcall_access_requests_total{event=\"approved\"} %" PRIu64 "\n"
		"outcall_access_requests_total{event=\"rejected\"} %" PRIu64 "\n"
		"outcall_access_requests_total{event=\"expired\"} %" PRIu64 "\n",
		s.submitted, s.approved, s.rejected, s.expired);
	single(b, "outcall_access_requests_pending", "gauge", "Access requests awaiting the operator.", s.pending);
	single(b, "outcall_agent_waiters", "gauge", "Agents waiting for a decision (long-polls).", s.waiters);
	single(b, "outcall_agent_connections_refused_total", "counter", "Agent socket connections over a cap (per socket or in all), answered 503 and closed at once.", s.conns_refused);
}

/* Pools: refusals are in each layer's metrics; accept pauses are here,
 * one metric with the pool as label. */
static void incident_metrics(oc_daemon *d, oc_buf *b)
{
	single(b, "outcall_lockdowns", "gauge", "Lockdowns in force (outcall lockdown); not 0 is an "
		"incident.", d->locks.n);
	single(b, "outcall_locked_containers", "gauge", "Attached containers a lockdown covers.",
		oc_daemon_locked_containers(d));
	single(b, "outcall_incident_flows_cut_total", "counter", "Conntrack flows cut by lockdowns "
		"and grant flushes.", d->incident_flows_cut);
	single(b, "outcall_audit_records_total", "counter", "Incident commands audited (revoke, "
		"flush, lockdown, grant).", d->audit_records);
}

static void pool_metrics(oc_daemon *d, oc_buf *b)
{
	oc_proxy_stats ps = OC_PROXY_STATS_INIT;
	oc_dns_stats ds = OC_DNS_STATS_INIT;
	oc_agents_stats as = OC_AGENTS_STATS_INIT;
	if (d->proxy)
		oc_proxy_get_stats(d->proxy, &ps);
	if (d->dns)
		oc_dns_server_get_stats(d->dns, &ds);
	if (d->agents)
		oc_agents_get_stats(d->agents, &as);
	single(b, "outcall_host_api_connections_refused_total", "counter", "Host API connections over --host-api-max-conns, answered 503 and closed at once.", d->api ? oc_api_server_refused(d->api) : 0);
	head(b, "outcall_accept_pauses_total", "counter", "Times accept() ran out of descriptors or memory and the pool's listeners paused for 100 ms.");
	oc_buf_printf(b, "outcall_accept_pauses_total{pool=\"proxy\"} %" PRIu64 "\n"
		"outcall_accept_pauses_total{pool=\"dns_tcp\"} %" PRIu64 "\n"
		"outcall_accept_pauses_total{pool=\"agent\"} %" PRIu64 "\n"
		"outcall_accept_pauses_total{pool=\"host_api\"} %" PRIu64 "\n", ps.accept_pauses,
		ds.tcp_accept_pauses, as.accept_pauses, d->api ? oc_api_server_accept_pauses(d->api) : 0);
}

int oc_daemon_metrics(oc_daemon *d, char **text, size_t *len)
{
	oc_buf b = OC_BUF_INIT;
	single(&b, "outcall_up", "gauge", "1 while outcalld serves.", d->ready);
	incident_metrics(d, &b);
	single(&b, "outcall_rules_generation", "gauge", "Generation of the live rule set.", oc_live_generation(d->live));
	head(&b, "outcall_reloads_total", "counter", "Rule reloads by result.");
	oc_buf_printf(&b, "outcall_reloads_total{result=\"ok\"} %" PRIu64 "\n"
		"outcall_reloads_total{result=\"failed\"} %" PRIu64 "\n", d->reloads_ok, d->reloads_failed);
	single(&b, "outcall_reload_last_ok", "gauge", "1 when the last reload succeeded (or none failed).", d->last_reload_error[0] == '\0');
	events_metrics(d, &b);
	if (d->dns)
		dns_metrics(d, &b);
	if (d->proxy)
		proxy_metrics(d, &b);
	if (d->agents)
		agent_metrics(d, &b);
	pool_metrics(d, &b);
	kernel_metrics(d, &b);
	if (!b.data)
		return oc_error_nomem();
	*len = b.len;
	*text = oc_buf_steal(&b);
	return 0;
}

void oc_hostapi_metrics(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	char *text;
	size_t len;
	if (oc_daemon_metrics(d, &text, &len) != 0) {
		oc_hostapi_fail(r);
		return;
	}
	oc_api_respond(r->conn, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, NULL);
	free(text);
}
