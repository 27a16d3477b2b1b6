/* Networks and containers as the daemon sees them: each network's gateway
 * gets the DNS filter and proxy listeners, and every change is saved to
 * the state file. */
#include "daemon/internal.h"
#include "identity/registry.h"
#include "bridges/networks.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/state.h"

static void addr_of(const oc_network_info *net, uint16_t port, char out[32])
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &net->gateway, ip, sizeof(ip));
	snprintf(out, 32, "%s:%u", ip, port);
}

int oc_daemon_listen_network(oc_daemon *d, const oc_network_info *net)
{
	const oc_kernel_config *k = &d->cfg.kernel;
	char a[32];
	addr_of(net, k->dns_port, a);
	int rc = oc_dns_server_listen(d->dns, a);
	if (!rc) {
		addr_of(net, k->proxy_port, a);
		rc = oc_proxy_listen(d->proxy, OC_PROXY_EXPLICIT, a);
	}
	if (!rc) {
		addr_of(net, k->tproxy_http_port, a);
		rc = oc_proxy_listen(d->proxy, OC_PROXY_TRANSPARENT_HTTP, a);
	}
	if (!rc) {
		addr_of(net, k->tproxy_https_port, a);
		rc = oc_proxy_listen(d->proxy, OC_PROXY_TRANSPARENT_HTTPS, a);
	}
	if (rc) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
		oc_daemon_unlisten_network(d, net);
		return oc_error_set(rc, "network '%s': %s", net->name, msg);
	}
	return 0;
}

void oc_daemon_unlisten_network(oc_daemon *d, const oc_network_info *net)
{
	const oc_kernel_config *k = &d->cfg.kernel;
	char a[32];
	if (d->dns) {
		addr_of(net, k->dns_port, a);
		oc_dns_server_unlisten(d->dns, a);
	}
	if (d->proxy) {
		uint16_t ports[] = { k->proxy_port, k->tproxy_http_port, k->tproxy_https_port };
		for (size_t i = 0; i < 3; i++) {
			addr_of(net, ports[i], a);
			oc_proxy_unlisten(d->proxy, a);
		}
	}
}

static int add_container(oc_state *st, oc_container *c)
{
	char ip[INET_ADDRSTRLEN], mac[18];
	struct in_addr a = oc_container_ip(c);
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	const uint8_t *m = oc_container_mac(c);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	oc_map lm = oc_container_labels(c);
	oc_state_label *labels = lm.count ? calloc(lm.count, sizeof(*labels)) : NULL;
	for (size_t i = 0; labels && i < lm.count; i++)
		labels[i] = (oc_state_label){ (char *)lm.items[i].key, (char *)lm.items[i].value };
	oc_state_container sc = {
		.name = (char *)oc_container_name(c), .network = (char *)oc_container_network(c),
		.ip = ip, .mac = mac, .veth = (char *)oc_container_veth(c),
		.netns = (char *)oc_container_netns(c), .container_id = (char *)oc_container_id(c),
		.image = (char *)oc_container_image(c), .labels = labels,
		.nlabels = labels ? lm.count : 0, .attached_at = oc_container_attached_at(c),
		.netns_dev = oc_container_netns_dev(c), .netns_ino = oc_container_netns_ino(c),
	};
	int rc = oc_state_add_container(st, &sc);
	free(labels);
	return rc;
}

static int write_state(oc_daemon *d)
{
	oc_state st = { 0 };
	oc_network_info *nets = NULL;
	size_t n = 0;
	int rc = oc_networks_snapshot(d->nets, &nets, &n);
	for (size_t i = 0; !rc && i < n; i++)
		rc = oc_state_add_network(&st, nets[i].name, nets[i].index);
	free(nets);
	oc_container **cs = NULL;
	size_t nc = 0;
	if (!rc)
		rc = oc_registry_snapshot(oc_networks_registry(d->nets), &cs, &nc);
	for (size_t i = 0; !rc && i < nc; i++)
		rc = add_container(&st, cs[i]);
	oc_containers_release(cs, nc);
	if (!rc)
		rc = oc_state_save(d->state_path, &st);
	oc_state_free(&st);
	return rc;
}

int oc_daemon_save_state(oc_daemon *d)
{
	int rc = write_state(d);
	d->state_unsaved = rc != 0;
	if (rc)
		oc_daemon_log(d, OC_LOG_ERROR, "cannot save state: %s (saved again once it can be)",
			oc_error_last()->message);
	return rc;
}

void oc_daemon_state_retry(oc_daemon *d)
{
	if (d->state_unsaved && write_state(d) == 0) {
		d->state_unsaved = false;
		oc_daemon_log(d, OC_LOG_INFO, "state saved to %s again", d->state_path);
	}
}

static int forget(oc_daemon *d, const char *name);

/* rc and the last error: why the state could not be saved. */
static int undone(int rc, const char *what, const char *name)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
	return oc_error_set(rc, "%s '%s' was undone: the state could not be saved (%s); make room "
		"and try again", what, name, msg);
}

int oc_daemon_network_create(oc_daemon *d, const char *name, oc_network_info *out)
{
	oc_network_info info;
	if (oc_network_get(d->nets, name, &info) == 0)
		return oc_error_set(OC_EEXIST, "the network '%s' exists already (bridge %s): "
			"`outcall network list` shows it", name, info.bridge);
	int rc = oc_network_create(d->nets, name, &info);
	if (!rc && d->ready)
		rc = oc_daemon_listen_network(d, &info);
	/* A network the state file does not hold is not re-created at the
	 * next start: its bridge and containers would be orphans. */
	if (!rc && (rc = oc_daemon_save_state(d)) != 0) {
		rc = undone(rc, "creating network", name);
		oc_error_saved saved;
		oc_error_save(&saved);
		oc_daemon_unlisten_network(d, &info);
		oc_network_delete(d->nets, name);
		oc_error_restore(&saved.pub);
	}
	if (!rc && out)
		*out = info;
	return rc;
}

int oc_daemon_network_delete(oc_daemon *d, const char *name)
{
	if (strcmp(name, "default") == 0)
		return oc_error_set(OC_EPERM, "the network 'default' cannot be removed");
	oc_network_info info;
	int rc = oc_network_get(d->nets, name, &info);
	if (rc)
		return rc;
	rc = oc_network_delete(d->nets, name);
	if (rc)
		return rc;
	oc_daemon_unlisten_network(d, &info);
	return oc_daemon_save_state(d);
}

int oc_daemon_attach(oc_daemon *d, const oc_attach_options *o, oc_container **out)
{
	oc_container *c = NULL;
	int rc = oc_network_attach(d->nets, o, &c);
	if (rc)
		return rc;
	oc_log_about about = { .container = oc_container_name(c),
		.network = oc_container_network(c) };
	oc_daemon_log_about(d, OC_LOG_INFO, &about, "attached container '%s' (agent '%s') to "
		"network '%s'", oc_container_name(c), oc_container_agent_name(c),
		oc_container_network(c));
	if (d->agents && oc_agents_attach(d->agents, oc_container_name(c)) != 0)
		oc_daemon_log_about(d, OC_LOG_ERROR, &about, "container '%s' is attached without its "
			"agent socket: %s", oc_container_name(c), oc_error_last()->message);
	/* Its identity (Docker id, image, labels), which rules may test, comes
	 * back after a restart only from the state file: not saved, not
	 * attached. */
	if ((rc = oc_daemon_save_state(d)) != 0) {
		char name[256];
		snprintf(name, sizeof(name), "%s", oc_container_name(c));
		oc_container_unref(c);
		rc = undone(rc, "attaching container", name);
		oc_error_saved saved;
		oc_error_save(&saved);
		forget(d, name);
		oc_error_restore(&saved.pub);
		return rc;
	}
	if (out)
		*out = c;
	else
		oc_container_unref(c);
	return 0;
}

/* Detaches without saving the state. */
static int forget(oc_daemon *d, const char *name)
{
	oc_container *c = oc_registry_by_name(oc_networks_registry(d->nets), name);
	struct in_addr ip = c ? oc_container_ip(c) : (struct in_addr){ 0 };
	oc_container_unref(c);
	int rc = oc_network_detach(d->nets, name);
	if (rc)
		return rc;
	if (d->dns)
		oc_dns_server_forget(d->dns, ip);
	oc_daemon_log_about(d, OC_LOG_INFO, &(oc_log_about){ .container = name },
		"detached container '%s'", name);
	if (d->agents)
		oc_agents_detach(d->agents, name);
	return 0;
}

/* Done once the kernel is: a state file that cannot be saved now is saved
 * later (oc_daemon_state_retry), and a restart takes the containers from
 * the tables, so the detached one stays detached either way. */
int oc_daemon_detach(oc_daemon *d, const char *name)
{
	int rc = forget(d, name);
	if (!rc)
		oc_daemon_save_state(d);
	return rc;
}

/* The tables give back a container's name, address and veth after a
 * restart; the rest of its identity (Docker id, image, labels, how its
 * namespace was found), which rules may test, comes from the state file.
 * A record is completed only where name and address agree. */
int oc_daemon_restore_identity(oc_daemon *d, const oc_state *st)
{
	oc_registry *reg = oc_networks_registry(d->nets);
	int rc = 0;
	for (size_t i = 0; !rc && i < st->ncontainers; i++) {
		const oc_state_container *sc = &st->containers[i];
		oc_container *c = oc_registry_by_name(reg, sc->name);
		char ip[INET_ADDRSTRLEN];
		struct in_addr a = c ? oc_container_ip(c) : (struct in_addr){ 0 };
		if (!c || strcmp(inet_ntop(AF_INET, &a, ip, sizeof(ip)), sc->ip) != 0) {
			oc_container_unref(c);
			continue;
		}
		oc_kv *kv = sc->nlabels ? calloc(sc->nlabels, sizeof(*kv)) : NULL;
		for (size_t k = 0; kv && k < sc->nlabels; k++)
			kv[k] = (oc_kv){ sc->labels[k].key, sc->labels[k].value };
		oc_container_spec spec = {
			.name = sc->name, .network = oc_container_network(c), .ip = a,
			.veth = oc_container_veth(c), .ifindex = oc_container_ifindex(c),
			.netns = sc->netns, .container_id = sc->container_id, .image = sc->image,
			.labels = { kv, kv ? sc->nlabels : 0 }, .attached_at = sc->attached_at,
			.netns_dev = sc->netns_dev, .netns_ino = sc->netns_ino,
		};
		memcpy(spec.mac, oc_container_mac(c), 6);
		oc_container *full = NULL;
		int bad = oc_container_new(&spec, &full);
		if (!bad)
			bad = oc_registry_put(reg, full);
		/* One record the library refuses costs that container its
		 * Docker identity, not the daemon its start. */
		if (bad == OC_ENOMEM)
			rc = bad;
		else if (bad)
			oc_daemon_log_about(d, OC_LOG_WARN, &(oc_log_about){ .container = sc->name,
				.file = d->state_path }, "state: container %s keeps only what the kernel "
				"tables know (name, address, port): %s; attach it again for the rest",
				sc->name, oc_error_last()->message);
		oc_container_unref(full);
		oc_container_unref(c);
		free(kv);
	}
	return rc;
}
