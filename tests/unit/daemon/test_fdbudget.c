/* Pool caps sized from the descriptor limit: together they fit in it,
 * one container never gets more than a quarter of a pool, and a limit
 * large enough leaves the configured caps alone. */
#include <criterion/criterion.h>
#include <string.h>

#include "daemon/fdbudget.h"

/* Descriptors the pools may hold at their caps. */
static uint64_t worst_case(const oc_daemon_config *c)
{
	return (uint64_t)c->proxy.max_conns * OC_FD_PER_PROXY_CONN + c->dns.max_pending +
		c->dns.max_tcp_clients + c->agents.max_conns + c->host_api_max_conns;
}

Test(fdbudget, caps_fit_in_small_limits)
{
	static const uint64_t limits[] = { 256, 1024, 4096, 20000 };
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		oc_daemon_config c;
		oc_daemon_config_init(&c, OC_DAEMON_CONFIG_VERSION);
		char summary[512];
		oc_fd_budget_fit(&c, limits[i], summary, sizeof(summary));
		/* a quarter (at most 512) stays for listeners and the daemon itself */
		uint64_t reserve = limits[i] / 4 < 512 ? limits[i] / 4 : 512;
		cr_assert_leq(worst_case(&c), limits[i] - reserve, "%s", summary);
		cr_assert_leq(c.proxy.max_conns_per_container * 4, c.proxy.max_conns, "%s", summary);
		cr_assert_leq(c.dns.max_tcp_clients_per_container * 4, c.dns.max_tcp_clients, "%s",
			summary);
		cr_assert_leq(c.agents.max_conns_per_socket * 4, c.agents.max_conns, "%s", summary);
		cr_assert_geq(c.proxy.max_conns_per_container, 1);
		cr_assert(strstr(summary, "descriptor limit"), "%s", summary);
	}
}

Test(fdbudget, the_soft_limit_of_1024_holds_one_flooding_container)
{
	oc_daemon_config c;
	oc_daemon_config_init(&c, OC_DAEMON_CONFIG_VERSION);
	char summary[512];
	oc_fd_budget_fit(&c, 1024, summary, sizeof(summary));
	/* The old defaults let one container hold 512 proxy connections, two
	 * descriptors each: the whole limit. */
	cr_assert_lt(c.proxy.max_conns_per_container * OC_FD_PER_PROXY_CONN, 1024 / 4, "%s",
		summary);
	cr_assert_lt(c.dns.max_tcp_clients_per_container, 64, "%s", summary);
}

Test(fdbudget, large_limits_keep_the_configured_caps)
{
	oc_daemon_config c, d;
	oc_daemon_config_init(&c, OC_DAEMON_CONFIG_VERSION);
	oc_daemon_config_init(&d, OC_DAEMON_CONFIG_VERSION);
	char summary[512];
	oc_fd_budget_fit(&c, 1048576, summary, sizeof(summary));
	cr_assert_eq(c.proxy.max_conns, d.proxy.max_conns);
	cr_assert_eq(c.proxy.max_conns_per_container, d.proxy.max_conns_per_container);
	cr_assert_eq(c.dns.max_tcp_clients, d.dns.max_tcp_clients);
	cr_assert_eq(c.dns.max_tcp_clients_per_container, d.dns.max_tcp_clients_per_container);
	cr_assert_eq(c.dns.max_pending, d.dns.max_pending);
	cr_assert_eq(c.agents.max_conns, d.agents.max_conns);
	cr_assert_eq(c.host_api_max_conns, d.host_api_max_conns);
}

Test(fdbudget, caps_are_only_ever_lowered)
{
	oc_daemon_config c;
	oc_daemon_config_init(&c, OC_DAEMON_CONFIG_VERSION);
	c.proxy.max_conns = 10;
	c.proxy.max_conns_per_container = 1;
	char summary[512];
	oc_fd_budget_fit(&c, 1048576, summary, sizeof(summary));
	cr_assert_eq(c.proxy.max_conns, 10);
	cr_assert_eq(c.proxy.max_conns_per_container, 1);
}
