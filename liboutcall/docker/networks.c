/* Network calls: a Docker network on an Outcall bridge, inspect, remove,
 * list. */
#include "docker/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_BRIDGE_NAME "com.docker.network.bridge.name"

static int read_network(json_t *o, bool inspected, void *out, oc_kv **items)
{
	oc_docker_network *n = out;
	memset(n, 0, sizeof(*n));
	oc_docker_jcopy(o, "Id", n->id, sizeof(n->id));
	oc_docker_jcopy(o, "Name", n->name, sizeof(n->name));
	oc_docker_jcopy(o, "Driver", n->driver, sizeof(n->driver));
	oc_docker_jcopy(json_object_get(o, "Options"), OPT_BRIDGE_NAME, n->bridge, sizeof(n->bridge));
	if (inspected)
		n->ncontainers = json_object_size(json_object_get(o, "Containers"));
	if (!n->id[0])
		return oc_error_set(OC_EPARSE, "Docker described a network without an Id");
	return oc_docker_jmap(json_object_get(o, "Labels"), &n->labels, items);
}

static const struct oc_docker_kind kind = {
	"networks", sizeof(oc_docker_network), read_network, false,
};

/*
 * The bridge driver adopts an existing bridge named by the option and
 * puts the gateway address on it if it is missing. Masquerade and
 * inter-container traffic are off, so that with iptables enabled Docker
 * adds no NAT and drops container-to-container traffic like Outcall.
 */
int oc_docker_network_create(oc_docker *d, const oc_docker_network_spec *s, oc_docker_cb cb,
	void *arg)
{
	if (!s || !s->name || !s->bridge || !s->subnet || !s->gateway || !s->outcall_network)
		return oc_error_set(OC_EINVAL, "Docker network: name, bridge, subnet, gateway and "
			"Outcall network are all needed");
	int rc = oc_docker_check_ref(s->name, "network");
	if (rc)
		return rc;
	json_t *body = json_pack("{s:s, s:s, s:b, s:b, s:b, s:{s:s, s:s, s:s}, "
		"s:{s:s, s:[{s:s, s:s}]}, s:{s:s, s:s}}",
		"Name", s->name, "Driver", "bridge", "CheckDuplicate", 1, "Internal", 0,
		"EnableIPv6", 0,
		"Options", OPT_BRIDGE_NAME, s->bridge,
		"com.docker.network.bridge.enable_ip_masquerade", "false",
		"com.docker.network.bridge.enable_icc", "false",
		"IPAM", "Driver", "default", "Config", "Subnet", s->subnet, "Gateway", s->gateway,
		"Labels", OC_DOCKER_LABEL_MANAGED, "true", OC_DOCKER_LABEL_NETWORK, s->outcall_network);
	if (!body)
		return oc_error_nomem();
	return oc_docker_call_cb(d, "POST", "/networks/create", body, oc_docker_created, cb, arg);
}

int oc_docker_network_inspect(oc_docker *d, const char *id_or_name, oc_docker_cb cb, void *arg)
{
	int rc = oc_docker_check_ref(id_or_name, "network");
	if (rc)
		return rc;
	char path[256];
	snprintf(path, sizeof(path), "/networks/%s", id_or_name);
	return oc_docker_get_objects(d, path, &kind, true, cb, arg);
}

int oc_docker_network_remove(oc_docker *d, const char *id_or_name, oc_docker_cb cb, void *arg)
{
	return oc_docker_ref_call(d, "DELETE", "/networks/%s", id_or_name, "network", cb, arg);
}

int oc_docker_networks_list(oc_docker *d, const char *label, oc_docker_cb cb, void *arg)
{
	char path[1200] = "/networks";
	int rc = oc_docker_label_query(path, sizeof(path), label);
	return rc ? rc : oc_docker_get_objects(d, path, &kind, false, cb, arg);
}
