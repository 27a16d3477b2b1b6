/* Host API: the DNS filter and the proxy. */
#include "hostapi/hostapi.h"

#define U(x) ((json_int_t)(x))

void oc_hostapi_dns_status(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	oc_dns_stats s = OC_DNS_STATS_INIT;
	oc_dns_server_get_stats(d->dns, &s);
	oc_dns_upstream_list *ul = NULL;
	oc_dns_server_upstreams(d->dns, &ul);
	json_t *ups = json_array();
	for (size_t i = 0; i < oc_dns_upstream_list_count(ul); i++) {
		const oc_dns_upstream_stats *u = oc_dns_upstream_list_get(ul, i);
		json_array_append_new(ups, json_pack("{s:s, s:I, s:I, s:I}",
			"address", u->addr, "queries", U(u->queries),
			"timeouts", U(u->timeouts), "failures", U(u->failures)));
	}
	oc_dns_upstream_list_free(ul);
	json_t *j = json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I, s:o},"
		" s:{s:I, s:I}, s:{s:I, s:I, s:I}}",
		"queries", "total", U(s.queries), "tcp", U(s.tcp_queries), "allowed", U(s.allowed),
		"blocked", U(s.blocked), "refused_unknown_peer", U(s.refused_unknown),
		"rate_limited", U(s.rate_limited), "malformed", U(s.malformed),
		"dropped", U(s.dropped), "servfail", U(s.servfail), "cut", U(s.cut),
		"addresses_removed", U(s.addrs_removed), "pending", U(s.pending),
		"cache", "entries", U(s.cache_entries), "bytes", U(s.cache_bytes), "hits",
		U(s.cache_hits), "misses", U(s.cache_misses), "evictions", U(s.cache_evictions),
		"expirations", U(s.cache_expirations),
		"upstream", "queries", U(s.upstream_queries), "timeouts", U(s.upstream_timeouts),
		"failures", U(s.upstream_failures), "servers", ups,
		"direct_ip", "grants_added", U(s.grants_added), "grants_refused", U(s.grants_refused),
		"tcp", "open", U(s.tcp_open), "accepted", U(s.tcp_accepted), "rejected",
		U(s.tcp_rejected));
	oc_api_respond_json(r->conn, 200, j);
}

static void add_entry(const char *name, const char *type, uint32_t ttl, size_t bytes, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s, s:I, s:I}", "name", name, "type", type,
		"ttl", U(ttl), "bytes", U(bytes)));
}

void oc_hostapi_dns_cache(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	json_t *arr = json_array();
	oc_dns_server_cache_list(d->dns, add_entry, arr);
	oc_api_respond_json(r->conn, 200, json_pack("{s:o}", "entries", arr));
}

void oc_hostapi_dns_flush(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	oc_dns_server_flush(d->dns);
	oc_api_respond_json(r->conn, 200, json_pack("{s:b}", "flushed", 1));
}

void oc_hostapi_proxy_status(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	oc_proxy_stats s = OC_PROXY_STATS_INIT;
	oc_proxy_get_stats(d->proxy, &s);
	json_t *j = json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I},"
		" s:I, s:I, s:{s:I, s:I}}",
		"connections", "open", U(s.conns_open), "total", U(s.conns_total),
		"refused", U(s.conns_refused),
		"requests", "allowed", U(s.requests_allowed), "blocked", U(s.requests_blocked),
		"refused_unknown_peer", U(s.requests_refused), "invalid", U(s.requests_invalid),
		"tunnels", "open", U(s.tunnels_open), "total", U(s.tunnels_total),
		"sni_mismatches", U(s.sni_mismatches),
		"upstream_errors", U(s.upstream_errors), "timeouts", U(s.timeouts),
		"bytes", "up", U(s.bytes_up), "down", U(s.bytes_down));
	oc_api_respond_json(r->conn, 200, j);
}
