/* Pool caps from the descriptor limit (fdbudget.h, docs/limits.md). */
#include "daemon/fdbudget.h"

#include <stdio.h>

/* Descriptors kept out of the pools: the loop, netlink, inotify, the
 * decision log, Docker, state writes, the proxy's pipe pool (128), the
 * listeners of each network (5) and each container's agent socket (1). */
static uint64_t reserve(uint64_t nofile)
{
	uint64_t r = nofile / 4;
	return r > 512 ? 512 : r;
}

/* Lowers *cap to room (at least 1). */
static void fit(size_t *cap, uint64_t room)
{
	if (room < 1)
		room = 1;
	if (*cap > room)
		*cap = (size_t)room;
}

/* A container may take at most a quarter of a pool. */
static void fit_per(size_t *per, size_t total)
{
	fit(per, total / 4);
}

void oc_fd_budget_fit(oc_daemon_config *cfg, uint64_t nofile, char *summary, size_t size)
{
	uint64_t avail = nofile - reserve(nofile);
	/* Shares of what is left, in percent: the proxy holds the most per
	 * connection; DNS and the agent sockets hold one each. */
	fit(&cfg->proxy.max_conns, avail * 60 / 100 / OC_FD_PER_PROXY_CONN);
	fit_per(&cfg->proxy.max_conns_per_container, cfg->proxy.max_conns);
	fit(&cfg->dns.max_pending, avail * 10 / 100);
	fit(&cfg->dns.max_tcp_clients, avail * 10 / 100);
	fit_per(&cfg->dns.max_tcp_clients_per_container, cfg->dns.max_tcp_clients);
	fit(&cfg->agents.max_conns, avail * 15 / 100);
	fit(&cfg->agents.max_conns_per_socket, cfg->agents.max_conns / 4);
	fit(&cfg->host_api_max_conns, avail * 5 / 100);
	snprintf(summary, size, "descriptor limit %llu: proxy %zu connections (%zu per container), "
		"DNS over TCP %zu (%zu per container), DNS queries at upstreams %zu, agent sockets "
		"%zu (%zu per container), host API %zu", (unsigned long long)nofile,
		cfg->proxy.max_conns, cfg->proxy.max_conns_per_container, cfg->dns.max_tcp_clients,
		cfg->dns.max_tcp_clients_per_container, cfg->dns.max_pending, cfg->agents.max_conns,
		cfg->agents.max_conns_per_socket, cfg->host_api_max_conns);
}
