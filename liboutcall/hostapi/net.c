/* Host API: networks and containers. */
#include "hostapi/hostapi.h"
#include "identity/registry.h"
#include "bridges/networks.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *oc_hostapi_network_json(const oc_network_info *n)
{
	char subnet[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], cidr[32];
	inet_ntop(AF_INET, &n->subnet, subnet, sizeof(subnet));
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	snprintf(cidr, sizeof(cidr), "%s/24", subnet);
	return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", n->name, "bridge", n->bridge,
		"subnet", cidr, "gateway", gw, "index", n->index);
}

json_t *oc_hostapi_container_json(oc_container *c)
{
	char ip[INET_ADDRSTRLEN], mac[18];
	struct in_addr a = oc_container_ip(c);
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	const uint8_t *m = oc_container_mac(c);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	json_t *labels = json_object();
	oc_map lm = oc_container_labels(c);
	for (size_t i = 0; i < lm.count; i++)
		json_object_set_new(labels, lm.items[i].key, json_string(lm.items[i].value));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I}",
		"name", oc_container_name(c), "agent", oc_container_agent_name(c),
		"network", oc_container_network(c), "ip", ip, "mac", mac,
		"veth", oc_container_veth(c), "netns", oc_container_netns(c),
		"container_id", oc_container_id(c), "image", oc_container_image(c),
		"labels", labels, "attached_at", (json_int_t)oc_container_attached_at(c));
}

void oc_hostapi_networks_list(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	oc_network_info *nets = NULL;
	size_t n = 0;
	if (oc_networks_snapshot(d->nets, &nets, &n) != 0) {
		oc_hostapi_fail(r);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, oc_hostapi_network_json(&nets[i]));
	free(nets);
	oc_api_respond_json(r->conn, 200, json_pack("{s:o}", "networks", arr));
}

void oc_hostapi_networks_create(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	json_t *body = oc_hostapi_body(r);
	if (!body)
		return;
	const char *net = json_string_value(json_object_get(body, "name"));
	if (!net || json_object_size(body) != 1) {
		json_decref(body);
		oc_api_respond_error(r->conn, 400, "invalid", "expected {\"name\": NETWORK}");
		return;
	}
	if (d->docker) {
		oc_hostapi_docker_network_create(d, r, net);
		json_decref(body);
		return;
	}
	oc_network_info info;
	if (oc_daemon_network_create(d, net, &info) != 0)
		oc_hostapi_fail(r);
	else
		oc_api_respond_json(r->conn, 201, oc_hostapi_network_json(&info));
	json_decref(body);
}

void oc_hostapi_networks_delete(oc_daemon *d, oc_api_request *r, const char *name)
{
	if (d->docker) {
		oc_hostapi_docker_network_delete(d, r, name);
		return;
	}
	if (oc_daemon_network_delete(d, name) != 0)
		oc_hostapi_fail(r);
	else
		oc_api_respond_json(r->conn, 200, json_pack("{s:s}", "deleted", name));
}

void oc_hostapi_containers_list(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	oc_container **cs = NULL;
	size_t n = 0;
	if (oc_registry_snapshot(oc_networks_registry(d->nets), &cs, &n) != 0) {
		oc_hostapi_fail(r);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, oc_hostapi_container_json(cs[i]));
	oc_containers_release(cs, n);
	oc_api_respond_json(r->conn, 200, json_pack("{s:o}", "containers", arr));
}

/* {"name": N, "netns": PATH | "pid": PID, "network": NET}, or {"docker": CONTAINER,
 * "network": NET} for a Docker container (docker.c) */
void oc_hostapi_containers_attach(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	json_t *body = oc_hostapi_body(r);
	if (!body)
		return;
	if (json_object_get(body, "docker")) {
		oc_hostapi_docker_attach(d, r, body);
		json_decref(body);
		return;
	}
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		if (strcmp(k, "name") && strcmp(k, "netns") && strcmp(k, "pid") && strcmp(k, "network")) {
			oc_api_respond_error(r->conn, 400, "invalid", "unknown field '%s' (expected "
				"name, netns or pid, network; or docker, network)", k);
			json_decref(body);
			return;
		}
	}
	oc_attach_options o = {
		.name = json_string_value(json_object_get(body, "name")),
		.network = json_string_value(json_object_get(body, "network")),
		.netns_path = json_string_value(json_object_get(body, "netns")),
		.pid = (pid_t)json_integer_value(json_object_get(body, "pid")),
	};
	if (!o.name || (!o.netns_path == !o.pid)) {
		oc_api_respond_error(r->conn, 400, "invalid", "attach needs \"name\" and exactly one "
			"of \"netns\" (a path) or \"pid\"");
		json_decref(body);
		return;
	}
	oc_container *c = NULL;
	if (oc_daemon_attach(d, &o, &c) != 0) {
		oc_hostapi_fail(r);
	} else {
		oc_api_respond_json(r->conn, 201, oc_hostapi_container_json(c));
		oc_container_unref(c);
	}
	json_decref(body);
}

void oc_hostapi_containers_detach(oc_daemon *d, oc_api_request *r, const char *name)
{
	if (oc_daemon_detach(d, name) != 0)
		oc_hostapi_fail(r);
	else
		oc_api_respond_json(r->conn, 200, json_pack("{s:s}", "detached", name));
}
