/* UDP: datagrams are read and answered in batches (recvmmsg/sendmmsg), so
 * a busy server pays two system calls per batch rather than per query. */
#include "dns/server.h"
#include "core/error.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define BATCH 32
/* Largest query read; no standard query comes near it (a longer datagram
 * is cut here and answered FORMERR by the parser). */
#define IN_SLOT 2048

struct oc_dns_udp_batch {
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec iov_in[BATCH], iov_out[BATCH];
	oc_sockaddr peer[BATCH];
	uint8_t in_buf[BATCH][IN_SLOT];
	uint8_t out_buf[BATCH][OC_DNS_UDP_MAX];
};

int oc_dns_udp_batch_new(struct oc_dns_udp_batch **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : oc_error_nomem();
}

void oc_dns_udp_batch_free(struct oc_dns_udp_batch *b)
{
	free(b);
}

static void udp_send(struct oc_dns_sink *sink, const oc_sockaddr *peer, const uint8_t *msg,
	size_t len)
{
	struct oc_dns_listener *l = (struct oc_dns_listener *)sink;
	/* best effort, as UDP is: a full socket buffer drops the answer and
	 * the client asks again */
	(void)sendto(l->udp_fd, msg, len, MSG_DONTWAIT, &peer->u.sa, peer->len);
}

static void on_udp(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct oc_dns_listener *l = arg;
	oc_dns_server *s = l->s;
	struct oc_dns_udp_batch *b = s->batch;
	for (int i = 0; i < BATCH; i++) {
		b->iov_in[i] = (struct iovec){ b->in_buf[i], IN_SLOT };
		b->in[i].msg_hdr = (struct msghdr){ .msg_name = &b->peer[i].u,
			.msg_namelen = sizeof(b->peer[i].u), .msg_iov = &b->iov_in[i], .msg_iovlen = 1 };
	}
	int got = recvmmsg(fd, b->in, BATCH, MSG_DONTWAIT, NULL);
	if (got <= 0)
		return; /* EAGAIN, or an error queued by an earlier send: nothing to read */
	struct oc_dns_rules rules = { 0 };
	unsigned nout = 0;
	for (int i = 0; i < got; i++) {
		b->peer[i].len = b->in[i].msg_hdr.msg_namelen;
		size_t n = oc_dns_srv_query(s, &rules, &l->sink, &b->peer[i], b->in_buf[i],
			b->in[i].msg_len, b->out_buf[nout], OC_DNS_UDP_MAX);
		if (n == 0)
			continue;
		b->iov_out[nout] = (struct iovec){ b->out_buf[nout], n };
		b->out[nout].msg_hdr = (struct msghdr){ .msg_name = &b->peer[i].u,
			.msg_namelen = b->peer[i].len, .msg_iov = &b->iov_out[nout], .msg_iovlen = 1 };
		nout++;
	}
	oc_dns_rules_release(&rules);
	for (unsigned sent = 0; sent < nout;) {
		int r = sendmmsg(fd, b->out + sent, nout - sent, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* full buffer: the rest is dropped as above */
		sent += (unsigned)r;
	}
}

int oc_dns_udp_open(struct oc_dns_listener *l)
{
	oc_dns_sink_init(&l->sink, udp_send, false);
	l->udp_fd = oc_sock_bind_udp(&l->addr, OC_SOCK_FREEBIND);
	if (l->udp_fd < 0)
		return l->udp_fd;
	/* bursts from many containers at once; the kernel caps it at rmem_max */
	(void)oc_sock_set_buffers(l->udp_fd, 1 << 20, 1 << 20);
	int rc = oc_sock_local(l->udp_fd, &l->addr); /* the port, when 0 was asked */
	if (rc == 0)
		rc = oc_loop_add_fd(l->s->loop, l->udp_fd, OC_LOOP_READ, on_udp, l);
	if (rc < 0) {
		close(l->udp_fd);
		l->udp_fd = -1;
	}
	return rc;
}

void oc_dns_udp_close(struct oc_dns_listener *l)
{
	if (l->udp_fd < 0)
		return;
	oc_dns_sink_detach(&l->sink);
	oc_loop_del_fd(l->s->loop, l->udp_fd);
	close(l->udp_fd);
	l->udp_fd = -1;
}
