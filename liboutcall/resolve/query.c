/* One query's sockets: an attempt is a fresh UDP socket connected to the
 * upstream (so the kernel picks a new source port and drops datagrams from
 * anyone else), or a TCP connection after a truncated answer; dns/forward.h
 * says which attempt comes next. */
#include "resolve/query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/filter.h"
#include "dns/upstream.h"
#include "net/sock.h"

static void step(struct oc_resolve_query *qr, oc_dns_fwd_step s);

static void fail_with(struct oc_resolve_query *qr, int status, const char *why)
{
	oc_resolve_result res = { .status = status, .why = why };
	oc_resolve_query_done(qr, &res, 0);
}

/* The IPv4 addresses of the chain's last name in an accepted answer. */
static void answer(struct oc_resolve_query *qr, const uint8_t *msg, size_t len)
{
	oc_dns_filter_config cfg = { .ttl_max = qr->r->cfg.ttl_max };
	oc_dns_filter_result fr;
	if (oc_dns_filter(&cfg, &qr->q, true, msg, len, &fr) < 0) {
		fail_with(qr, OC_EUNREACHABLE, "out of memory while reading the DNS answer");
		return;
	}
	if (!fr.answer) {
		fail_with(qr, OC_EUNREACHABLE, fr.why);
		return;
	}
	oc_resolve_result res = { 0 };
	for (size_t i = 0; i < fr.answer->naddrs && res.count < OC_RESOLVE_ADDRS_MAX; i++)
		if (fr.answer->addrs[i].family == AF_INET)
			memcpy(&res.addr[res.count++], fr.answer->addrs[i].addr, 4);
	uint32_t ttl = fr.answer->ttl;
	bool nxdomain = fr.answer->rcode == OC_DNS_RCODE_NXDOMAIN;
	oc_dns_answer_free(fr.answer);
	if (nxdomain)
		fail_with(qr, OC_ENOTFOUND, "no such host (NXDOMAIN)");
	else if (!res.count)
		fail_with(qr, OC_ENOTFOUND, "the name has no IPv4 address");
	else
		oc_resolve_query_done(qr, &res, ttl);
}

static void reply(struct oc_resolve_query *qr, const uint8_t *msg, size_t len, bool tcp)
{
	oc_dns_reply v = oc_dns_upstream_check(&qr->q, qr->f.id, msg, len, tcp);
	oc_dns_fwd_step s = oc_dns_forward_reply(&qr->f, v, oc_loop_now(qr->r->loop));
	if (s == OC_DNS_FWD_ANSWER)
		answer(qr, msg, len);
	else
		step(qr, s);
}

static void attempt_failed(struct oc_resolve_query *qr)
{
	step(qr, oc_dns_forward_error(&qr->f, oc_loop_now(qr->r->loop)));
}

static void read_udp(struct oc_resolve_query *qr)
{
	oc_resolver *r = qr->r;
	ssize_t n = recv(qr->fd, r->rbuf, sizeof(r->rbuf), 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			attempt_failed(qr); /* ICMP unreachable surfaces as ECONNREFUSED */
		return;
	}
	reply(qr, r->rbuf, (size_t)n, false);
}

static void read_tcp(struct oc_resolve_query *qr)
{
	if (!qr->in && !(qr->in = malloc(2 + OC_DNS_TCP_MAX))) {
		fail_with(qr, OC_EUNREACHABLE, "out of memory while reading the DNS answer");
		return;
	}
	size_t want = qr->inlen < 2 ? 2 : 2 + (size_t)oc_dns_get16(qr->in);
	ssize_t n = recv(qr->fd, qr->in + qr->inlen, want - qr->inlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		attempt_failed(qr);
		return;
	}
	qr->inlen += (size_t)n;
	if (qr->inlen >= 2 && qr->inlen == 2 + (size_t)oc_dns_get16(qr->in))
		reply(qr, qr->in + 2, qr->inlen - 2, true);
}

static void write_tcp(struct oc_resolve_query *qr)
{
	ssize_t n = send(qr->fd, qr->out + qr->sent, qr->outlen + 2 - qr->sent, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		attempt_failed(qr);
		return;
	}
	qr->sent += (size_t)n;
	if (qr->sent == qr->outlen + 2 && oc_loop_mod_fd(qr->r->loop, qr->fd, OC_LOOP_READ) < 0)
		attempt_failed(qr);
}

static void on_socket(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct oc_resolve_query *qr = arg;
	if (!qr->f.tcp) {
		read_udp(qr);
		return;
	}
	if (qr->connecting) {
		if (oc_sock_connect_result(fd) != 0) {
			attempt_failed(qr);
			return;
		}
		qr->connecting = false;
	}
	if (qr->sent < qr->outlen + 2)
		write_tcp(qr);
	else if (events & (OC_LOOP_READ | OC_LOOP_HUP | OC_LOOP_ERR))
		read_tcp(qr);
}

static void on_deadline(oc_loop *loop, uint64_t id, void *arg)
{
	struct oc_resolve_query *qr = arg;
	qr->timer = 0;
	step(qr, oc_dns_forward_timeout(&qr->f, oc_loop_now(loop)));
}

void oc_resolve_query_stop(struct oc_resolve_query *qr)
{
	oc_loop *loop = qr->r->loop;
	oc_loop_timer_cancel(loop, qr->timer);
	qr->timer = 0;
	if (qr->fd >= 0) {
		oc_loop_del_fd(loop, qr->fd);
		close(qr->fd);
		qr->fd = -1;
	}
	free(qr->in);
	qr->in = NULL;
	qr->inlen = qr->sent = 0;
	qr->connecting = false;
}

/* Opens the socket of the attempt f describes and sends (UDP) or starts
 * connecting (TCP). Returns 0 or -1 (the attempt failed at once). */
static int open_attempt(struct oc_resolve_query *qr)
{
	oc_loop *loop = qr->r->loop;
	const oc_dns_upstream *u = &qr->f.ups->server[qr->f.index];
	int len = oc_dns_upstream_query(&qr->q, qr->f.id, qr->out + 2, sizeof(qr->out) - 2);
	if (len < 0)
		return -1;
	qr->outlen = (size_t)len;
	oc_dns_put16(qr->out, (uint16_t)len);
	int type = qr->f.tcp ? SOCK_STREAM : SOCK_DGRAM;
	qr->fd = socket(u->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (qr->fd < 0)
		return -1;
	if (connect(qr->fd, (const struct sockaddr *)&u->addr, u->len) < 0) {
		if (!qr->f.tcp || errno != EINPROGRESS)
			return -1;
		qr->connecting = true;
	}
	if (!qr->f.tcp && send(qr->fd, qr->out + 2, qr->outlen, 0) != (ssize_t)qr->outlen)
		return -1;
	unsigned ev = qr->f.tcp ? OC_LOOP_WRITE : OC_LOOP_READ;
	if (oc_loop_add_fd(loop, qr->fd, ev, on_socket, qr) < 0)
		return -1;
	uint64_t now = oc_loop_now(loop);
	uint64_t wait = qr->f.deadline_ms > now ? qr->f.deadline_ms - now : 0;
	return oc_loop_timer_add(loop, wait, on_deadline, qr, &qr->timer) < 0 ? -1 : 0;
}

/* Sends until an attempt is under way (OC_DNS_FWD_WAIT) or the trip is
 * over (OC_DNS_FWD_SERVFAIL). */
static oc_dns_fwd_step try_send(struct oc_resolve_query *qr, oc_dns_fwd_step s)
{
	oc_loop *loop = qr->r->loop;
	while (s == OC_DNS_FWD_SEND) {
		oc_resolve_query_stop(qr);
		qr->r->stats.queries++;
		if (open_attempt(qr) == 0)
			return OC_DNS_FWD_WAIT;
		s = oc_dns_forward_error(&qr->f, oc_loop_now(loop));
	}
	return s;
}

static void step(struct oc_resolve_query *qr, oc_dns_fwd_step s)
{
	if (try_send(qr, s) == OC_DNS_FWD_SERVFAIL)
		fail_with(qr, OC_EUNREACHABLE, qr->f.why);
}

/* The question as a client would send it, parsed back so that the
 * upstream helpers see exactly what the DNS filter would. */
static int build_question(struct oc_resolve_query *qr, const char *name)
{
	uint8_t pkt[OC_DNS_HEADER_LEN + OC_DNS_QUESTION_MAX] = { 0 };
	oc_dns_writer w = { .p = pkt, .limit = sizeof(pkt) };
	oc_dns_w_bytes(&w, "\0\0\x01\0\0\x01\0\0\0\0\0\0", OC_DNS_HEADER_LEN);
	for (const char *l = name; *l;) {
		size_t n = strcspn(l, ".");
		if (n == 0 || n > 63)
			return oc_error_set(OC_EINVAL, "cannot resolve '%s': not a host name", name);
		uint8_t len = (uint8_t)n;
		oc_dns_w_bytes(&w, &len, 1);
		oc_dns_w_bytes(&w, l, n);
		l += n + (l[n] == '.');
	}
	oc_dns_w_bytes(&w, "\0\0\x01\0\x01", 5);
	if (w.overflow || oc_dns_query_parse(pkt, w.len, &qr->q) != OC_DNS_QUERY_OK)
		return oc_error_set(OC_EINVAL, "cannot resolve '%s': not a host name", name);
	return 0;
}

int oc_resolve_query_start(struct oc_resolve_query *qr, const char *name)
{
	int rc = build_question(qr, name);
	if (rc)
		return rc;
	qr->fd = -1;
	oc_resolver *r = qr->r;
	oc_dns_fwd_step s = oc_dns_forward_start(&qr->f, &r->ups, r->cfg.attempt_ms, r->cfg.total_ms,
		oc_loop_now(r->loop));
	if (try_send(qr, s) == OC_DNS_FWD_SERVFAIL) {
		oc_resolve_query_stop(qr);
		return oc_error_set(OC_EUNREACHABLE, "cannot resolve '%s': %s", name, qr->f.why);
	}
	return 0;
}
