/*
 * rtnetlink over libmnl: the links, addresses and routes Outcall manages.
 * Every call works in the namespace the socket was opened in (see
 * oc_netns_socket for a socket inside a container's namespace).
 */
#ifndef OC_KERNEL_RTNL_H
#define OC_KERNEL_RTNL_H

#include <net/if.h>
#include <stdint.h>

#include "kernel/nl.h"

struct oc_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[32];        /* "bridge", "veth", ... or "" */
	int master;           /* ifindex of the bridge it is a port of, or 0 */
	uint8_t mac[6];
	unsigned flags;       /* IFF_* */
};

/* OC_ENOTFOUND (no error message set) when there is no such link. */
int oc_rtnl_link_get(struct oc_nl *nl, const char *name, struct oc_link *out);

/* Creates bridge `name` (down), or adopts an existing bridge. A link of
 * that name that is not a bridge is OC_EEXIST, and the message says what it
 * is. */
int oc_rtnl_bridge_ensure(struct oc_nl *nl, const char *name, struct oc_link *out);

/* Makes link-local group frames (01:80:c2:00:00:0X) take the bridge's
 * forwarding path, where the bridge table judges them, and keeps them from
 * teaching the bridge source addresses. Pins the bridge's MAC to `mac`:
 * a bridge whose address was never set takes the lowest MAC of its ports,
 * so a port joining or leaving would change the gateway's MAC under every
 * container's ARP cache. */
int oc_rtnl_bridge_harden(struct oc_nl *nl, int ifindex, const char *name, const uint8_t mac[6]);

/* Creates a veth pair: `host` (down, a port of bridge `master`) in the
 * socket's namespace, and `peer` with MAC `peer_mac` directly in the
 * namespace of `peer_netns_fd`. */
int oc_rtnl_veth_create(struct oc_nl *nl, const char *host, int master, const char *peer,
	const uint8_t peer_mac[6], int peer_netns_fd);

int oc_rtnl_link_up(struct oc_nl *nl, int ifindex, const char *name);
/* Deletes a link (a veth takes its peer along). */
int oc_rtnl_link_del(struct oc_nl *nl, int ifindex, const char *name);
/* Adds ip/plen (host order) to a link; an address already there is fine. */
int oc_rtnl_addr_add(struct oc_nl *nl, int ifindex, const char *name, uint32_t ip, int plen);
/* Sets the default route via gw (host order) on the link, replacing any. */
int oc_rtnl_route_default(struct oc_nl *nl, int ifindex, const char *name, uint32_t gw);

#endif
