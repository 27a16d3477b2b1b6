#include "kernel/nl.h"

#include <errno.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"

/* The kernel answers a request while handling it, so answers are queued
 * before sendmsg returns; the deadline only guards against a kernel that
 * never answers. */
#define NL_TIMEOUT_MS 5000
/* Large enough for the acknowledgements of a whole ruleset batch. */
#define NL_RCVBUF (4 << 20)
/* Netlink sends dump parts of up to 32 KiB. */
#define NL_READ_SIZE 32768

int oc_nl_open(struct oc_nl *nl, int bus, int fd)
{
	memset(nl, 0, sizeof(*nl));
	nl->sock = fd >= 0 ? mnl_socket_fdopen(fd) : mnl_socket_open(bus);
	if (!nl->sock)
		return oc_error_os("opening a netlink socket (bus %d)", bus);
	int s = mnl_socket_get_fd(nl->sock);
	int one = 1, rcv = NL_RCVBUF;
	/* Extended acks carry the kernel's reason; capped acks keep large
	 * batches' acknowledgements small. Both are optional features. */
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) != 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int rc = oc_error_os("binding a netlink socket (bus %d)", bus);
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return rc;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void oc_nl_close(struct oc_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

static int wait_readable(struct oc_nl *nl)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
	int n;
	do
		n = poll(&p, 1, NL_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return oc_error_os("waiting for a netlink answer");
	if (n == 0)
		return oc_error_set(OC_ETIMEOUT, "the kernel did not answer a netlink request "
			"within %d ms", NL_TIMEOUT_MS);
	return 0;
}

struct ext_msg {
	const char *msg;
};

static int ext_attr_cb(const struct nlattr *a, void *data)
{
	struct ext_msg *e = data;
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		e->msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* The kernel's own words for an error, when it sent an extended ack. */
static const char *ext_ack_msg(const struct nlmsghdr *nlh)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_get_payload_len(nlh) < off)
		return NULL;
	struct ext_msg e = { NULL };
	mnl_attr_parse(nlh, off, ext_attr_cb, &e);
	return e.msg;
}

static int kernel_error(int err, const struct nlmsghdr *nlh, const char *what)
{
	const char *ext = ext_ack_msg(nlh);
	return oc_error_set(OC_EKERNEL, "the kernel refused %s: %s%s%s", what, strerror(err),
		ext ? ": " : "", ext ? ext : "");
}

int oc_nl_talk(struct oc_nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	const char *what, int *kerr)
{
	if (kerr)
		*kerr = 0;
	req->nlmsg_seq = ++nl->seq;
	/* NLM_F_DUMP is two bits, one of which means NLM_F_EXCL in a NEW request */
	if ((req->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		req->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return oc_error_os("sending %s to the kernel", what);
	static _Thread_local char buf[NL_READ_SIZE];
	for (;;) {
		int rc = wait_readable(nl);
		if (rc)
			return rc;
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return oc_error_os("reading the kernel's answer to %s", what);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != nl->seq || nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (e->error == 0)
					return 0;
				if (kerr)
					*kerr = -e->error;
				return kernel_error(-e->error, nlh, what);
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;
				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
					memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(int));
				if (err < 0) {
					if (kerr)
						*kerr = -err;
					return kernel_error(-err, nlh, what);
				}
				return 0;
			}
			if (cb && cb(nlh, data) < 0)
				return oc_error_last()->code ? oc_error_last()->code : OC_ERROR;
		}
	}
}

/* ---- nftables batches ---- */

int oc_nft_batch_begin(struct oc_nft_batch *b, struct oc_nl *nl)
{
	memset(b, 0, sizeof(*b));
	b->seq = ++nl->seq;
	void *p = oc_nft_batch_room(b, MNL_NLMSG_HDRLEN + 64);
	if (!p)
		return b->rc;
	struct nlmsghdr *nlh = nftnl_batch_begin(p, b->seq++);
	b->buf.len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->seq0 = b->seq;
	return 0;
}

void *oc_nft_batch_room(struct oc_nft_batch *b, size_t max)
{
	if (b->rc)
		return NULL;
	b->rc = oc_buf_reserve(&b->buf, max);
	if (b->rc)
		return NULL;
	memset(b->buf.data + b->buf.len, 0, max);
	return b->buf.data + b->buf.len;
}

int oc_nft_batch_add(struct oc_nft_batch *b, struct nlmsghdr *nlh, const char *fmt, ...)
{
	if (b->rc)
		return b->rc;
	if (b->nwhat == b->capwhat) {
		size_t cap = b->capwhat ? b->capwhat * 2 : 64;
		char **w = realloc(b->what, cap * sizeof(*w));
		if (!w)
			return b->rc = oc_error_nomem();
		b->what = w;
		b->capwhat = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&b->what[b->nwhat], fmt, ap);
	va_end(ap);
	if (n < 0)
		return b->rc = oc_error_nomem();
	b->nwhat++;
	nlh->nlmsg_seq = b->seq++;
	nlh->nlmsg_flags |= NLM_F_ACK;
	b->buf.len += NLMSG_ALIGN(nlh->nlmsg_len);
	return 0;
}

size_t oc_nft_batch_count(const struct oc_nft_batch *b)
{
	return b->nwhat;
}

/* Acknowledgements come after the commit (or the abort), one per message.
 * On the first error the kernel has rolled everything back and may not
 * acknowledge the rest; the remaining answers are skipped by later reads,
 * which match sequence numbers. */
static int read_acks(struct oc_nft_batch *b, struct oc_nl *nl)
{
	static _Thread_local char buf[NL_READ_SIZE];
	size_t acked = 0;
	while (acked < b->nwhat) {
		int rc = wait_readable(nl);
		if (rc)
			return rc;
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return oc_error_os("reading the kernel's answer to an nftables batch");
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq < b->seq0 ||
			    nlh->nlmsg_seq >= b->seq0 + b->nwhat)
				continue;
			acked++;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (e->error) {
				b->kerr = -e->error;
				char what[600];
				snprintf(what, sizeof(what), "%s (the whole transaction was rolled back)",
					b->what[nlh->nlmsg_seq - b->seq0]);
				return kernel_error(-e->error, nlh, what);
			}
		}
	}
	return 0;
}

int oc_nft_batch_commit(struct oc_nft_batch *b, struct oc_nl *nl)
{
	if (b->rc)
		return b->rc;
	void *p = oc_nft_batch_room(b, MNL_NLMSG_HDRLEN + 64);
	if (!p)
		return b->rc;
	struct nlmsghdr *nlh = nftnl_batch_end(p, b->seq++);
	b->buf.len += NLMSG_ALIGN(nlh->nlmsg_len);
	int fd = mnl_socket_get_fd(nl->sock);
	int snd = (int)b->buf.len;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (mnl_socket_sendto(nl->sock, b->buf.data, b->buf.len) < 0)
		return oc_error_os("sending an nftables transaction of %zu messages (%zu bytes)",
			b->nwhat, b->buf.len);
	nl->seq = b->seq;
	return read_acks(b, nl);
}

void oc_nft_batch_free(struct oc_nft_batch *b)
{
	for (size_t i = 0; i < b->nwhat; i++)
		free(b->what[i]);
	free(b->what);
	oc_buf_free(&b->buf);
	memset(b, 0, sizeof(*b));
}
