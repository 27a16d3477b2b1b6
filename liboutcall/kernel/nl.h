/*
 * Netlink plumbing over libmnl, shared by rtnetlink (links, addresses,
 * routes) and nfnetlink (nftables): a socket, single requests with their
 * acknowledgement or dump, and nftables batches built in a growable buffer
 * so that one transaction can hold the whole ruleset.
 */
#ifndef OC_KERNEL_NL_H
#define OC_KERNEL_NL_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct oc_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

/* Opens a socket of `bus` (NETLINK_ROUTE, NETLINK_NETFILTER) in the calling
 * thread's network namespace, or adopts `fd` (>= 0) opened elsewhere (see
 * oc_netns_socket). */
int oc_nl_open(struct oc_nl *nl, int bus, int fd);
void oc_nl_close(struct oc_nl *nl);

/* Sends one request built in buf (its nlmsg_seq is set here) and reads the
 * answer: every data message goes to cb (may be NULL), then the ack or
 * NLMSG_DONE ends it. `what` names the request in error messages. Returns 0,
 * OC_EKERNEL with the kernel's reason, or OC_EOS. `*kerr` (may be NULL)
 * receives the kernel's errno for callers that treat e.g. EEXIST specially. */
int oc_nl_talk(struct oc_nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	const char *what, int *kerr);

/* An nftables transaction. Messages are appended between begin and end;
 * commit sends them in one sendmsg and waits for every acknowledgement, so
 * when it returns 0 the kernel has committed the whole batch. */
struct oc_nft_batch {
	oc_buf buf;
	uint32_t seq0;        /* seq of the first message */
	uint32_t seq;         /* next seq */
	char **what;          /* description per message, for errors */
	size_t nwhat, capwhat;
	int rc;               /* first error while building */
	int kerr;             /* errno the kernel refused the batch with, or 0 */
};

int oc_nft_batch_begin(struct oc_nft_batch *b, struct oc_nl *nl);
/* Room for one message of at most `max` bytes; returns its start. */
void *oc_nft_batch_room(struct oc_nft_batch *b, size_t max);
/* Accounts the message just built at the room's start. */
int oc_nft_batch_add(struct oc_nft_batch *b, struct nlmsghdr *nlh, const char *fmt, ...)
	OC_PRINTF(3, 4);
/* Number of messages between begin and end. */
size_t oc_nft_batch_count(const struct oc_nft_batch *b);
int oc_nft_batch_commit(struct oc_nft_batch *b, struct oc_nl *nl);
void oc_nft_batch_free(struct oc_nft_batch *b);

#endif
