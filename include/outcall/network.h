/*
 * Outcall networks and attaching containers to them, without Docker.
 *
 * Model: one bridge per network. Network N is the N-th /24 of the subnet
 * pool (10.200.0.0/16: network 0 is 10.200.0.0/24), its bridge is
 * <bridge_prefix>N ("outcall0") and its gateway is .1 on that bridge. The
 * network named "default" is always number 0; others take the lowest free
 * number from 1. A container gets the first free address from .2 to .254,
 * the MAC 02:00:<its IPv4 address> (so MAC and IP are pinned together), a
 * veth whose host side "oc<N>-<last octet>" is a port of the bridge and
 * whose other side (eth0) is created directly inside the container's
 * network namespace, up, with a default route via the gateway.
 *
 * The nftables tables are the record of networks and containers: element
 * comments carry network and container names, so oc_networks_open in a new
 * process (after a restart, or a crash) finds them again. Fail closed:
 * a bridge or a container's veth comes up only after the tables know it.
 *
 * Thread-safety: create, delete, attach and detach are serialised by the
 * object; the registry and firewall it hands out are thread-safe on their
 * own (see identity.h and kernel.h).
 */
#ifndef OUTCALL_NETWORK_H
#define OUTCALL_NETWORK_H

#include <netinet/in.h>
#include <sys/types.h>
#include <outcall/common.h>
#include <outcall/context.h>
#include <outcall/identity.h>
#include <outcall/firewall.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oc_networks oc_networks;

/* Opens the firewall (see oc_firewall_open) in the calling thread's
 * namespace and registers the networks and containers its tables record.
 * Changes nothing. cfg may be NULL for the defaults. */
OC_API int oc_networks_open(const oc_kernel_config *cfg, oc_networks **out);
/* Frees the object; bridges, veths and tables stay (fail closed). */
OC_API void oc_networks_free(oc_networks *n);
/* Borrowed, valid until oc_networks_free. */
OC_API oc_firewall *oc_networks_firewall(oc_networks *n);
OC_API oc_registry *oc_networks_registry(oc_networks *n);

/* A network, as plain data. */
typedef struct oc_network_info {
	char name[65];
	char bridge[16];
	struct in_addr subnet;   /* the /24 */
	struct in_addr gateway;
	int index;               /* N: the subnet's place in the pool */
} oc_network_info;

/*
 * Creates network `name` ([A-Za-z0-9._-], 1 to 64), or adopts it when it
 * exists: re-running is not an error, and a bridge of the right name that
 * is already there is used as it is. A link of that name that is not a
 * bridge is OC_EEXIST. Installs the tables if they are not there yet.
 */
OC_API int oc_network_create(oc_networks *n, const char *name, oc_network_info *out);
/* OC_ENOTFOUND if there is no such network. */
OC_API int oc_network_get(oc_networks *n, const char *name, oc_network_info *out);
/* Every network, ordered by index, as a snapshot the caller owns. */
typedef struct oc_network_list oc_network_list;
OC_API int oc_networks_list(oc_networks *n, oc_network_list **out);
OC_API size_t oc_network_list_count(const oc_network_list *l);
/* Valid until oc_network_list_free; NULL past the end. */
OC_API const oc_network_info *oc_network_list_get(const oc_network_list *l, size_t i);
OC_API void oc_network_list_free(oc_network_list *l);
/* Deletes the bridge and forgets the network; OC_ESTATE while containers
 * are attached to it. */
OC_API int oc_network_delete(oc_networks *n, const char *name);

typedef struct oc_attach_options {
	const char *name;          /* container name, unique: [A-Za-z0-9._-], 1 to 64 */
	const char *network;       /* NULL: "default" */
	const char *netns_path;    /* the container's network namespace by path ... */
	pid_t pid;                 /* ... or by a process in it (when netns_path is NULL) */
	const char *ifname;        /* NULL: the config's container_ifname ("eth0") */
	const char *container_id;  /* optional identity details (Docker fills them) */
	const char *image;
	oc_map labels;
} oc_attach_options;

/*
 * Attaches a container: address and MAC chosen, veth made, tables told,
 * then the veth brought up; the record is put into the registry and, if
 * `out` is not NULL, returned with a reference for the caller. On failure
 * nothing is left behind.
 */
OC_API int oc_network_attach(oc_networks *n, const oc_attach_options *o, oc_container **out);
/* Removes the container's veth, its table entries and its grants, and the
 * record. OC_ENOTFOUND if no such container is attached. */
OC_API int oc_network_detach(oc_networks *n, const char *name);

#ifdef __cplusplus
}
#endif
#endif
