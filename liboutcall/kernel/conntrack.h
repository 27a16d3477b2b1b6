/*
 * Conntrack entries over ctnetlink (libmnl): listing the IPv4 flows of the
 * namespace and deleting the ones a caller picks. An accepted flow lives on
 * in conntrack after the permission that opened it is gone (a grant that
 * expired or was revoked, a container detached and its address given to
 * another), and `ct state established` keeps accepting it: whoever takes a
 * permission away cuts its flows here.
 */
#ifndef OC_KERNEL_CONNTRACK_H
#define OC_KERNEL_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/nl.h"

/* One flow: its original direction, and the reply's source, which differs
 * from dst when the flow was redirected (to the proxy or the DNS filter). */
struct oc_ct_flow {
	uint8_t proto;          /* IPPROTO_* */
	uint32_t src, dst;      /* host order */
	uint16_t sport, dport;  /* 0 for protocols without ports */
	uint32_t reply_src;     /* host order */
};

/* Returns true when the flow must go. */
typedef bool (*oc_ct_pick_fn)(const struct oc_ct_flow *f, void *arg);

/* Deletes every IPv4 flow of the socket's namespace that pick chooses, on
 * a NETLINK_NETFILTER socket. A flow that ends by itself meanwhile is not an
 * error. *cut (may be NULL) receives how many were deleted. */
int oc_ct_cut(struct oc_nl *nl, oc_ct_pick_fn pick, void *arg, size_t *cut);

/* Deletes every flow whose original source or destination is addr (host
 * order): all a container has, e.g. when it leaves or its address is
 * given to another. */
int oc_ct_cut_addr(struct oc_nl *nl, uint32_t addr, size_t *cut);

#endif
