/* Networks: a bridge with the gateway address, carved from the pool. */
#include "bridges/networks.h"
#include "identity/registry.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "identity/names.h"
#include "kernel/netns.h"
#include "kernel/rtnl.h"

#define DEFAULT_NETWORK "default"

void oc_net_info(const struct oc_kcfg *cfg, const struct oc_nft_net *net, oc_network_info *out)
{
	memset(out, 0, sizeof(*out));
	oc_copy(out->name, sizeof(out->name), net->name);
	oc_copy(out->bridge, sizeof(out->bridge), net->bridge);
	out->subnet.s_addr = htonl(net->gateway & ~0xffu);
	out->gateway.s_addr = htonl(net->gateway);
	out->index = (int)(((net->gateway & ~0xffu) - cfg->pool.addr) >> 8);
}

int oc_net_find(oc_networks *n, const char *name, struct oc_nft_net *out)
{
	struct oc_nft_net *nets;
	size_t nn;
	int rc = oc_firewall_nets(n->fw, &nets, &nn);
	if (rc)
		return rc;
	rc = oc_error_set(OC_ENOTFOUND, "no network named '%s'; create it first", name);
	for (size_t i = 0; i < nn; i++) {
		if (strcmp(nets[i].name, name) == 0) {
			*out = nets[i];
			rc = 0;
		}
	}
	free(nets);
	return rc;
}

int oc_net_no_ipv6(const char *ifname)
{
	char key[96];
	snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", ifname);
	int rc = oc_sysctl_set(key, "1");
	return rc == OC_ENOTFOUND ? 0 : rc;  /* no IPv6 in this kernel at all */
}

int oc_net_ipv4_conf(const char *ifname, const char *key, const char *value)
{
	char path[96];
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/%s", ifname, key);
	return oc_sysctl_set(path, value);
}

/* Recreates registry records from the containers the tables list. */
static int adopt_containers(oc_networks *n)
{
	struct oc_nft_member *m;
	struct oc_nft_net *nets;
	size_t nm, nn;
	int rc = oc_firewall_members(n->fw, &m, &nm);
	if (rc)
		return rc;
	rc = oc_firewall_nets(n->fw, &nets, &nn);
	for (size_t i = 0; !rc && i < nm; i++) {
		const char *network = "";
		for (size_t j = 0; j < nn; j++)
			if ((nets[j].gateway & ~0xffu) == (m[i].ip & ~0xffu))
				network = nets[j].name;
		struct oc_link l;
		int ifindex = oc_rtnl_link_get(&n->rt, m[i].port, &l) == 0 ? l.ifindex : 0;
		oc_container_spec s = { .name = m[i].name, .network = network, .veth = m[i].port,
			.ifindex = ifindex };
		s.ip.s_addr = htonl(m[i].ip);
		memcpy(s.mac, m[i].mac, 6);
		oc_container *c;
		rc = oc_container_new(&s, &c);
		if (!rc) {
			rc = oc_registry_put(n->reg, c);
			oc_container_unref(c);
		}
	}
	free(m);
	free(nets);
	return rc;
}

int oc_networks_open(const oc_kernel_config *cfg, oc_networks **out)
{
	*out = NULL;
	oc_networks *n = calloc(1, sizeof(*n));
	if (!n)
		return oc_error_nomem();
	pthread_mutex_init(&n->lock, NULL);
	int rc = oc_firewall_open(cfg, &n->fw);
	if (!rc)
		rc = oc_registry_new(&n->reg);
	if (!rc)
		rc = oc_nl_open(&n->rt, NETLINK_ROUTE, -1);
	if (!rc)
		rc = adopt_containers(n);
	if (rc) {
		oc_networks_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

void oc_networks_free(oc_networks *n)
{
	if (!n)
		return;
	oc_nl_close(&n->rt);
	oc_registry_free(n->reg);
	oc_firewall_free(n->fw);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

oc_firewall *oc_networks_firewall(oc_networks *n)
{
	return n->fw;
}

oc_registry *oc_networks_registry(oc_networks *n)
{
	return n->reg;
}

/* "default" is number 0; any other network the lowest free number >= 1. */
static int pick_index(oc_networks *n, const char *name, int *index)
{
	const struct oc_kcfg *cfg = oc_firewall_cfg(n->fw);
	int count = 1 << (24 - cfg->pool.len);
	struct oc_nft_net *nets;
	size_t nn;
	int rc = oc_firewall_nets(n->fw, &nets, &nn);
	if (rc)
		return rc;
	bool *used = calloc((size_t)count, sizeof(bool));
	if (!used) {
		free(nets);
		return oc_error_nomem();
	}
	for (size_t i = 0; i < nn; i++) {
		oc_network_info info;
		oc_net_info(cfg, &nets[i], &info);
		if (info.index >= 0 && info.index < count)
			used[info.index] = true;
	}
	bool is_default = strcmp(name, DEFAULT_NETWORK) == 0;
	*index = -1;
	for (int i = is_default ? 0 : 1; i < (is_default ? 1 : count) && *index < 0; i++)
		if (!used[i])
			*index = i;
	free(used);
	free(nets);
	if (*index < 0 && is_default)
		return oc_error_set(OC_EEXIST, "network 'default' needs the first /24 of the pool, "
			"which another network uses");
	if (*index < 0)
		return oc_error_set(OC_ELIMIT, "network '%s': all %d /24s of the subnet pool are in "
			"use", name, count - 1);
	return 0;
}

/* 02:00 and the IPv4 address: locally administered, unicast, and the
 * same IP always gets the same MAC (a gateway too, across restarts and
 * re-creation of its bridge). */
void oc_net_mac_for(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(ip >> 24);
	mac[3] = (uint8_t)(ip >> 16);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
}

static int bring_up_bridge(oc_networks *n, const struct oc_nft_net *net)
{
	struct oc_link br;
	uint8_t mac[6];
	oc_net_mac_for(net->gateway, mac);
	int rc = oc_rtnl_bridge_ensure(&n->rt, net->bridge, &br);
	if (!rc)
		rc = oc_rtnl_addr_add(&n->rt, br.ifindex, net->bridge, net->gateway, 24);
	if (!rc)
		rc = oc_net_no_ipv6(net->bridge);
	/* containers must not be told about each other by ICMP redirects */
	if (!rc)
		rc = oc_net_ipv4_conf(net->bridge, "send_redirects", "0");
	if (!rc)
		rc = oc_net_ipv4_conf(net->bridge, "rp_filter", "1");
	if (!rc)
		rc = oc_rtnl_bridge_harden(&n->rt, br.ifindex, net->bridge, mac);
	/* the tables learn the bridge before it carries a packet */
	if (!rc)
		rc = oc_firewall_add_net(n->fw, net);
	if (!rc)
		rc = oc_rtnl_link_up(&n->rt, br.ifindex, net->bridge);
	return rc;
}

int oc_network_create(oc_networks *n, const char *name, oc_network_info *out)
{
	if (!n || !oc_name_valid(name))
		return oc_error_set(OC_EINVAL, "network name '%s' must be 1 to 64 characters of "
			"[A-Za-z0-9._-]", name ? name : "(null)");
	const struct oc_kcfg *cfg = oc_firewall_cfg(n->fw);
	pthread_mutex_lock(&n->lock);
	struct oc_nft_net net;
	int rc = oc_net_find(n, name, &net);
	if (rc == OC_ENOTFOUND) {
		int index;
		rc = pick_index(n, name, &index);
		if (!rc) {
			memset(&net, 0, sizeof(net));
			oc_copy(net.name, sizeof(net.name), name);
			/* the config keeps the prefix short enough for 3 digits */
			char bridge[32];
			snprintf(bridge, sizeof(bridge), "%s%d", cfg->bridge_prefix, index);
			oc_copy(net.bridge, sizeof(net.bridge), bridge);
			net.gateway = cfg->pool.addr + ((uint32_t)index << 8) + 1;
		}
	}
	if (!rc)
		rc = bring_up_bridge(n, &net);
	if (!rc && out)
		oc_net_info(cfg, &net, out);
	pthread_mutex_unlock(&n->lock);
	return rc;
}

int oc_network_get(oc_networks *n, const char *name, oc_network_info *out)
{
	pthread_mutex_lock(&n->lock);
	struct oc_nft_net net;
	int rc = oc_net_find(n, name, &net);
	if (!rc)
		oc_net_info(oc_firewall_cfg(n->fw), &net, out);
	pthread_mutex_unlock(&n->lock);
	return rc;
}

static int by_index(const void *a, const void *b)
{
	const oc_network_info *x = a, *y = b;
	return x->index - y->index;
}

int oc_networks_snapshot(oc_networks *n, oc_network_info **out, size_t *count)
{
	pthread_mutex_lock(&n->lock);
	struct oc_nft_net *nets = NULL;
	size_t nn = 0;
	int rc = oc_firewall_nets(n->fw, &nets, &nn);
	oc_network_info *l = NULL;
	if (!rc && !(l = calloc(nn ? nn : 1, sizeof(*l))))
		rc = oc_error_nomem();
	for (size_t i = 0; !rc && i < nn; i++)
		oc_net_info(oc_firewall_cfg(n->fw), &nets[i], &l[i]);
	free(nets);
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		free(l);
		return rc;
	}
	if (nn)
		qsort(l, nn, sizeof(*l), by_index);
	*out = l;
	*count = nn;
	return 0;
}

struct oc_network_list {
	oc_network_info *items;
	size_t n;
};

int oc_networks_list(oc_networks *n, oc_network_list **out)
{
	oc_network_list *l = calloc(1, sizeof(*l));
	if (!l)
		return oc_error_nomem();
	int rc = oc_networks_snapshot(n, &l->items, &l->n);
	if (rc) {
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

size_t oc_network_list_count(const oc_network_list *l)
{
	return l->n;
}

const oc_network_info *oc_network_list_get(const oc_network_list *l, size_t i)
{
	return i < l->n ? &l->items[i] : NULL;
}

void oc_network_list_free(oc_network_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l);
}

static size_t attached_to(oc_networks *n, const char *name)
{
	oc_container **l;
	size_t nl, count = 0;
	if (oc_registry_snapshot(n->reg, &l, &nl))
		return 0;
	for (size_t i = 0; i < nl; i++)
		count += strcmp(oc_container_network(l[i]), name) == 0;
	oc_containers_release(l, nl);
	return count;
}

int oc_network_delete(oc_networks *n, const char *name)
{
	pthread_mutex_lock(&n->lock);
	struct oc_nft_net net;
	int rc = oc_net_find(n, name, &net);
	size_t busy = rc ? 0 : attached_to(n, name);
	if (busy)
		rc = oc_error_set(OC_ESTATE, "network '%s' still has %zu container%s attached: "
			"detach them first", name, busy, busy == 1 ? "" : "s");
	struct oc_link br;
	if (!rc && oc_rtnl_link_get(&n->rt, net.bridge, &br) == 0)
		rc = oc_rtnl_link_del(&n->rt, br.ifindex, net.bridge);
	if (!rc)
		rc = oc_firewall_del_net(n->fw, name);
	pthread_mutex_unlock(&n->lock);
	return rc;
}
