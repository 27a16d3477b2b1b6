/* GET /v1/whoami: who the socket says the caller is, and how to reach the
 * world through Outcall. */
#include "agent/internal.h"

#include <arpa/inet.h>
#include <stdio.h>

#define AGENT_SOCKET "/run/outcall/agent.sock"
#define NO_PROXY "localhost,127.0.0.1,::1"

void oc_agent_request_command(const oc_agents *a, const char *host, int port, char *buf,
	size_t size)
{
	const char *cmd = a->svc.request_command ? a->svc.request_command : "outcall-shim request";
	char portbuf[24] = " --port PORT";
	if (port)
		snprintf(portbuf, sizeof(portbuf), " --port %d", port);
	snprintf(buf, size, "%s --host %s%s --why \"...\"", cmd, host ? host : "HOST",
		host && !port ? "" : portbuf);
}

/* Proxy and DNS addresses on the container's gateway, when known. */
static void add_gateway(oc_agent_call *k, json_t *o, json_t *usage)
{
	oc_network_info net;
	if (!k->a->cfg.networks ||
	    oc_network_get(k->a->cfg.networks, oc_container_network(k->c), &net) != 0)
		return;
	char gw[INET_ADDRSTRLEN], proxy[64], dns[64], line[512];
	inet_ntop(AF_INET, &net.gateway, gw, sizeof(gw));
	snprintf(proxy, sizeof(proxy), "http://%s:%u", gw, k->a->cfg.proxy_port);
	snprintf(dns, sizeof(dns), "%s:%u", gw, k->a->cfg.dns_port);
	json_object_set_new(o, "gateway", json_string(gw));
	json_object_set_new(o, "proxy", json_string(proxy));
	json_object_set_new(o, "dns", json_string(dns));
	json_object_set_new(o, "env", json_pack("{s:s, s:s, s:s}", "HTTP_PROXY", proxy,
		"HTTPS_PROXY", proxy, "NO_PROXY", NO_PROXY));
	snprintf(line, sizeof(line), "Send HTTP and HTTPS through the proxy: export HTTP_PROXY=%s "
		"HTTPS_PROXY=%s NO_PROXY=%s (eval \"$(outcall-shim env)\" does it). Connections that "
		"ignore it are redirected to it anyway.", proxy, proxy, NO_PROXY);
	json_array_append_new(usage, json_string(line));
	snprintf(line, sizeof(line), "Resolve names with %s (port %u). A blocked name answers "
		"NXDOMAIN whose extended error text names the rule.", gw, k->a->cfg.dns_port);
	json_array_append_new(usage, json_string(line));
}

void oc_agent_whoami(oc_agent_call *k)
{
	if (!oc_agent_take(k, k->a->checks_rl, "calls", k->a->cfg.checks_per_second))
		return;
	struct in_addr addr = oc_container_ip(k->c);
	char ip[INET_ADDRSTRLEN], line[512], cmd[256];
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	oc_agent_request_command(k->a, NULL, 0, cmd, sizeof(cmd));
	json_t *usage = json_array();
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "agent",
		oc_container_agent_name(k->c), "container", oc_container_name(k->c), "network",
		oc_container_network(k->c), "ip", ip, "socket", AGENT_SOCKET, "request_command", cmd,
		"usage", usage);
	if (!o) {
		oc_agent_reply_error(k, 500, "internal", "out of memory");
		return;
	}
	add_gateway(k, o, usage);
	struct oc_lock l;
	if (oc_agent_locked(k, &l)) {
		oc_agent_lockdown_text(&l, line, sizeof(line));
		json_object_set_new(o, "locked_down", json_pack("{s:s, s:I}", "reason", l.reason,
			"since", (json_int_t)l.since));
		json_array_insert_new(usage, 0, json_string(line));
	}
	json_array_append_new(usage, json_string("Check before trying: outcall-shim check "
		"https://HOST/ (exit 0 allowed, 1 blocked) or POST /v1/check on this socket."));
	snprintf(line, sizeof(line), "Ask for access: %s [--for 2h] [--wait 300]; the operator "
		"approves or rejects, and `outcall-shim status ID` tells which.", cmd);
	json_array_append_new(usage, json_string(line));
	oc_api_respond_json(k->req->conn, 200, o);
}
