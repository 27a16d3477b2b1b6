/* Upstream I/O for forward.h's state machine (fetch.h). */
#include "dns/fetch.h"
#include "core/dlist.h"
#include "dns/forward.h"
#include "core/error.h"
#include "core/lru.h"
#include "sockets/sock.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* A framed query: 2 length bytes and what oc_dns_upstream_query writes
 * (at most 300 bytes, see upstream.h). */
#define QUERY_CAP 320

struct oc_dns_fetch {
	oc_dns_fetcher *fr;
	oc_dlist node;
	const oc_dns_query *q;
	oc_dns_forward fw;
	oc_dns_fetch_cb cb;
	void *arg;
	int fd;                 /* the current attempt's socket, or -1 */
	uint64_t timer;
	/* TCP attempts */
	bool connected;
	uint8_t out[QUERY_CAP];
	size_t out_len, out_sent;
	uint8_t *rx;            /* 2 + OC_DNS_TCP_MAX bytes, allocated on first use */
	size_t rx_len;
};

struct oc_dns_fetcher {
	oc_loop *loop;
	oc_dns_upstreams ups;
	uint32_t attempt_ms, total_ms;
	oc_dns_upstream_stats st[OC_DNS_UPSTREAM_MAX];
	oc_dlist fetches;
	size_t active;
	uint8_t buf[OC_DNS_TCP_MAX]; /* UDP datagrams are read here */
};


int oc_dns_fetcher_new(oc_loop *loop, const oc_dns_upstreams *ups, uint32_t attempt_ms,
	uint32_t total_ms, oc_dns_fetcher **out)
{
	*out = NULL;
	if (attempt_ms == 0 || total_ms == 0)
		return oc_error_set(OC_EINVAL, "DNS upstream timeouts of %u ms per attempt and %u ms "
			"in all; both must be at least 1", attempt_ms, total_ms);
	oc_dns_fetcher *fr = calloc(1, sizeof(*fr));
	if (!fr)
		return oc_error_nomem();
	fr->loop = loop;
	fr->ups = *ups;
	fr->attempt_ms = attempt_ms;
	fr->total_ms = total_ms;
	oc_dlist_init(&fr->fetches);
	for (size_t i = 0; i < ups->count; i++)
		oc_dns_upstream_format(&ups->server[i], fr->st[i].addr, sizeof(fr->st[i].addr));
	*out = fr;
	return 0;
}

const oc_dns_upstreams *oc_dns_fetcher_upstreams(const oc_dns_fetcher *fr)
{
	return &fr->ups;
}

const oc_dns_upstream_stats *oc_dns_fetcher_stats(const oc_dns_fetcher *fr)
{
	return fr->st;
}

size_t oc_dns_fetcher_active(const oc_dns_fetcher *fr)
{
	return fr->active;
}

static oc_dns_upstream_stats *cur_stats(oc_dns_fetch *f)
{
	return &f->fr->st[f->fw.index];
}

static void close_attempt(oc_dns_fetch *f)
{
	oc_loop *loop = f->fr->loop;
	oc_loop_timer_cancel(loop, f->timer);
	f->timer = 0;
	if (f->fd >= 0) {
		oc_loop_del_fd(loop, f->fd);
		close(f->fd);
		f->fd = -1;
	}
}

static void destroy(oc_dns_fetch *f)
{
	close_attempt(f);
	oc_dlist_remove(&f->node);
	f->fr->active--;
	free(f->rx);
	free(f);
}

void oc_dns_fetch_cancel(oc_dns_fetch *f)
{
	if (f)
		destroy(f);
}

void oc_dns_fetcher_free(oc_dns_fetcher *fr)
{
	if (!fr)
		return;
	while (!oc_dlist_empty(&fr->fetches))
		destroy(oc_container_of(fr->fetches.next, oc_dns_fetch, node));
	free(fr);
}

static void finish(oc_dns_fetch *f, const uint8_t *msg, size_t len)
{
	oc_dns_fetch_result res = { .ok = msg != NULL, .msg = msg, .len = len,
		.upstream = f->fw.index, .why = f->fw.why };
	if (msg)
		res.rcode = oc_dns_get16(msg + OC_DNS_OFF_FLAGS) & OC_DNS_F_RCODE;
	close_attempt(f);
	f->cb(f->arg, &res);
	destroy(f);
}

static void on_io(oc_loop *loop, int fd, unsigned events, void *arg);
static void on_timeout(oc_loop *loop, uint64_t id, void *arg);

/* Opens the socket of the attempt forward.h asked for and sends the query.
 * Returns 0, or -1 when the attempt failed at once (counted). */
static int send_attempt(oc_dns_fetch *f)
{
	oc_dns_fetcher *fr = f->fr;
	const oc_dns_upstream *u = &fr->ups.server[f->fw.index];
	int n = oc_dns_upstream_query(f->q, f->fw.id, f->out + 2, sizeof(f->out) - 2);
	if (n < 0)
		return -1;
	cur_stats(f)->queries++;
	unsigned interest = OC_LOOP_READ;
	if (f->fw.tcp) {
		oc_sockaddr a;
		if (oc_sockaddr_from_sa(&a, (const struct sockaddr *)&u->addr, u->len) < 0 ||
			(f->fd = oc_sock_connect(&a, OC_SOCK_NODELAY)) < 0)
			goto failed;
		oc_dns_put16(f->out, (uint16_t)n);
		f->out_len = (size_t)n + 2;
		f->out_sent = 0;
		f->rx_len = 0;
		f->connected = false;
		interest = OC_LOOP_WRITE;
	} else {
		f->fd = socket(u->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		/* connect: a random source port now, and only this upstream's
		 * datagrams from here on */
		if (f->fd < 0 || connect(f->fd, (const struct sockaddr *)&u->addr, u->len) < 0 ||
			send(f->fd, f->out + 2, (size_t)n, 0) != n)
			goto failed;
	}
	uint64_t now = oc_loop_now(fr->loop);
	uint64_t wait = f->fw.deadline_ms > now ? f->fw.deadline_ms - now : 0;
	if (oc_loop_add_fd(fr->loop, f->fd, interest, on_io, f) < 0 ||
		oc_loop_timer_add(fr->loop, wait, on_timeout, f, &f->timer) < 0)
		goto failed;
	return 0;
failed:
	cur_stats(f)->failures++;
	close_attempt(f);
	return -1;
}

/* Carries out forward.h's steps until one waits for the network. Returns
 * false once the fetch is finished (and freed). */
static bool advance(oc_dns_fetch *f, oc_dns_fwd_step step, const uint8_t *msg, size_t len)
{
	for (;;) {
		switch (step) {
		case OC_DNS_FWD_WAIT:
			return true;
		case OC_DNS_FWD_SEND:
			close_attempt(f);
			if (send_attempt(f) == 0)
				return true;
			step = oc_dns_forward_error(&f->fw, oc_loop_now(f->fr->loop));
			break;
		case OC_DNS_FWD_ANSWER:
			cur_stats(f)->answers++;
			finish(f, msg, len);
			return false;
		case OC_DNS_FWD_SERVFAIL:
			finish(f, NULL, 0);
			return false;
		}
	}
}

static bool on_message(oc_dns_fetch *f, const uint8_t *msg, size_t len)
{
	oc_dns_reply r = oc_dns_upstream_check(f->q, f->fw.id, msg, len, f->fw.tcp);
	oc_dns_upstream_stats *st = cur_stats(f);
	st->ignored += r == OC_DNS_REPLY_IGNORE;
	st->truncated += r == OC_DNS_REPLY_TRUNCATED;
	st->failures += r == OC_DNS_REPLY_FAILED;
	return advance(f, oc_dns_forward_reply(&f->fw, r, oc_loop_now(f->fr->loop)), msg, len);
}

static bool socket_failed(oc_dns_fetch *f)
{
	cur_stats(f)->failures++;
	return advance(f, oc_dns_forward_error(&f->fw, oc_loop_now(f->fr->loop)), NULL, 0);
}

static void udp_readable(oc_dns_fetch *f)
{
	uint8_t *buf = f->fr->buf;
	for (;;) {
		ssize_t n = recv(f->fd, buf, OC_DNS_TCP_MAX, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* an error here is ICMP unreachable or the like for this upstream */
		if (n < 0 ? !socket_failed(f) : !on_message(f, buf, (size_t)n))
			return;
		if (f->fw.tcp || f->fd < 0)
			return; /* the next attempt has its own socket and callback */
	}
}

static bool tcp_write(oc_dns_fetch *f)
{
	if (!f->connected) {
		if (oc_sock_connect_result(f->fd) != 0)
			return socket_failed(f);
		f->connected = true;
	}
	ssize_t n = send(f->fd, f->out + f->out_sent, f->out_len - f->out_sent, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? true : socket_failed(f);
	f->out_sent += (size_t)n;
	if (f->out_sent == f->out_len)
		oc_loop_mod_fd(f->fr->loop, f->fd, OC_LOOP_READ);
	return true;
}

static void tcp_read(oc_dns_fetch *f)
{
	if (!f->rx && !(f->rx = malloc(2 + OC_DNS_TCP_MAX))) {
		socket_failed(f);
		return;
	}
	uint64_t attempt = f->fw.attempts;
	while (f->fw.attempts == attempt) {
		size_t need = f->rx_len < 2 ? 2 : 2 + (size_t)oc_dns_get16(f->rx);
		ssize_t n = recv(f->fd, f->rx + f->rx_len, need - f->rx_len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) { /* closed before the answer, or reset */
			socket_failed(f);
			return;
		}
		f->rx_len += (size_t)n;
		if (f->rx_len < 2 || f->rx_len < 2 + (size_t)oc_dns_get16(f->rx))
			continue;
		size_t len = f->rx_len - 2;
		f->rx_len = 0; /* a message that is not the answer: read the next */
		if (!on_message(f, f->rx + 2, len))
			return;
	}
}

static void on_io(oc_loop *loop, int fd, unsigned events, void *arg)
{
	oc_dns_fetch *f = arg;
	if (!f->fw.tcp) {
		udp_readable(f);
		return;
	}
	if (events & (OC_LOOP_WRITE | OC_LOOP_ERR | OC_LOOP_HUP) && f->out_sent < f->out_len) {
		tcp_write(f);
		return;
	}
	tcp_read(f);
}

static void on_timeout(oc_loop *loop, uint64_t id, void *arg)
{
	oc_dns_fetch *f = arg;
	f->timer = 0;
	cur_stats(f)->timeouts++;
	advance(f, oc_dns_forward_timeout(&f->fw, oc_loop_now(loop)), NULL, 0);
}

int oc_dns_fetch_start(oc_dns_fetcher *fr, const oc_dns_query *q, oc_dns_fetch_cb cb, void *arg,
	oc_dns_fetch **out, const char **why)
{
	*out = NULL;
	oc_dns_fetch *f = calloc(1, sizeof(*f));
	if (!f)
		return oc_error_nomem();
	*f = (oc_dns_fetch){ .fr = fr, .q = q, .cb = cb, .arg = arg, .fd = -1 };
	oc_dlist_push(&fr->fetches, &f->node);
	fr->active++;
	uint64_t now = oc_loop_now(fr->loop);
	oc_dns_fwd_step step = oc_dns_forward_start(&f->fw, &fr->ups, fr->attempt_ms,
		fr->total_ms, now);
	while (step == OC_DNS_FWD_SEND && send_attempt(f) < 0)
		step = oc_dns_forward_error(&f->fw, now);
	if (step != OC_DNS_FWD_SEND) {
		*why = f->fw.why;
		destroy(f);
		return 1;
	}
	*out = f;
	return 0;
}
