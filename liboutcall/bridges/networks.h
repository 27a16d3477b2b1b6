/* Inside of oc_networks, shared by networks.c (networks) and attach.c
 * (containers). */
#ifndef OC_NETWORK_NETWORKS_H
#define OC_NETWORK_NETWORKS_H

#include <outcall/network.h>
#include <pthread.h>

#include "kernel/firewall.h"
#include "kernel/nl.h"

struct oc_networks {
	pthread_mutex_t lock;
	oc_firewall *fw;
	oc_registry *reg;
	struct oc_nl rt;        /* rtnetlink in the caller's namespace */
};

/* Every network, ordered by index, as a plain array: free(*out). The
 * public oc_networks_list wraps it in an oc_network_list. */
int oc_networks_snapshot(oc_networks *n, oc_network_info **out, size_t *count);

/* The network of that name, from the firewall's record; OC_ENOTFOUND
 * (message set) when there is none. Caller holds n->lock. */
int oc_net_find(oc_networks *n, const char *name, struct oc_nft_net *out);
void oc_net_info(const struct oc_kcfg *cfg, const struct oc_nft_net *net, oc_network_info *out);
/* The MAC of an address, containers' and gateways' alike. */
void oc_net_mac_for(uint32_t ip, uint8_t mac[6]);
/* Disables IPv6 on one of Outcall's host-side interfaces. */
int oc_net_no_ipv6(const char *ifname);
/* Sets net/ipv4/conf/<ifname>/<key>. */
int oc_net_ipv4_conf(const char *ifname, const char *key, const char *value);

#endif
