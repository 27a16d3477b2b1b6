/*
 * TCP (RFC 7766): length-prefixed messages, several queries per connection
 * and pipelined (answers may leave in any order, each with its query's id),
 * and bounds on what a client may make the server hold: connections per
 * container and in all, queries waiting per connection, unsent answer
 * bytes, and time. The timer is set when a connection opens and again
 * only when a whole query has been read, so each query must arrive whole
 * within tcp_idle_ms: bytes dribbled one at a time do not extend it. At
 * the deadline a connection with a query still at an upstream waits for
 * it (upstream_total_ms bounds that); anything else (a partial query,
 * answers the client does not read) is closed.
 */
#include "dns/server.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/lru.h"
#include "loop/accept.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* Longest query accepted over TCP; a longer one closes the connection
 * (no standard query is near it). */
#define RX_MAX 4096
/* Queries per connection waiting for upstreams; reading pauses beyond. */
#define INFLIGHT_MAX 16
/* Unsent answer bytes per connection; reading pauses beyond. */
#define TX_HIGH (256 * 1024)

struct oc_dns_tcp_conn {
	struct oc_dns_sink sink;
	oc_dns_server *s;
	struct oc_dns_listener *l;
	oc_dlist node;      /* in the server's list */
	int fd;
	oc_sockaddr peer;
	uint32_t key;       /* in s->tcp_peers */
	uint64_t timer;
	bool eof;           /* the client finished sending */
	unsigned interest;
	oc_buf tx;
	size_t tx_off;
	size_t rx_len;
	uint8_t rx[2 + RX_MAX];
};

static void conn_close(struct oc_dns_tcp_conn *c)
{
	oc_dns_server *s = c->s;
	oc_dns_sink_detach(&c->sink);
	oc_loop_timer_cancel(s->loop, c->timer);
	oc_loop_del_fd(s->loop, c->fd);
	close(c->fd);
	oc_dlist_remove(&c->node);
	oc_peercount_release(&s->tcp_peers, c->key);
	oc_buf_free(&c->tx);
	free(c);
}

static size_t unsent(const struct oc_dns_tcp_conn *c)
{
	return c->tx.len - c->tx_off;
}

/* Sends what it can; false if the connection failed (and is closed). */
static bool flush(struct oc_dns_tcp_conn *c)
{
	while (unsent(c)) {
		ssize_t n = send(c->fd, c->tx.data + c->tx_off, unsent(c), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0) {
			conn_close(c);
			return false;
		}
		c->tx_off += (size_t)n;
	}
	oc_buf_reset(&c->tx);
	c->tx_off = 0;
	return true;
}

static bool queue(struct oc_dns_tcp_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t prefix[2];
	oc_dns_put16(prefix, (uint16_t)len);
	if (oc_buf_append(&c->tx, prefix, 2) < 0 || oc_buf_append(&c->tx, msg, len) < 0) {
		conn_close(c);
		return false;
	}
	return true;
}

static bool may_take_more(const struct oc_dns_tcp_conn *c)
{
	return c->sink.inflight < INFLIGHT_MAX && unsent(c) < TX_HIGH;
}

/* Answers the complete messages buffered, as far as the bounds allow. */
static bool process(struct oc_dns_tcp_conn *c)
{
	oc_dns_server *s = c->s;
	struct oc_dns_rules rules = { 0 };
	size_t off = 0;
	bool alive = true;
	while (alive && may_take_more(c) && c->rx_len - off >= 2) {
		size_t len = oc_dns_get16(c->rx + off);
		if (len > RX_MAX) {
			oc_dns_rules_release(&rules);
			conn_close(c); /* not a query we would answer; do not read it */
			return false;
		}
		if (c->rx_len - off < 2 + len)
			break;
		size_t n = oc_dns_srv_query(s, &rules, &c->sink, &c->peer, c->rx + off + 2, len,
			s->answer, OC_DNS_TCP_MAX);
		off += 2 + len;
		oc_loop_timer_rearm(s->loop, c->timer, s->cfg.tcp_idle_ms);
		if (n)
			alive = queue(c, s->answer, n);
	}
	oc_dns_rules_release(&rules);
	if (!alive)
		return false;
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
	return flush(c);
}

/* After anything happened: new interest, or the end of the connection. */
static void settle(struct oc_dns_tcp_conn *c)
{
	bool complete = c->rx_len >= 2 && c->rx_len >= 2 + (size_t)oc_dns_get16(c->rx);
	if (c->eof && !complete && c->sink.inflight == 0 && unsent(c) == 0) {
		conn_close(c);
		return;
	}
	unsigned want = (!c->eof && may_take_more(c) && !complete ? OC_LOOP_READ : 0) |
		(unsent(c) ? OC_LOOP_WRITE : 0);
	if (want != c->interest && oc_loop_mod_fd(c->s->loop, c->fd, want) == 0)
		c->interest = want;
}

/* Reads once; false if the connection was closed. */
static bool read_some(struct oc_dns_tcp_conn *c)
{
	ssize_t n = recv(c->fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n < 0) {
		conn_close(c);
		return false;
	}
	if (n == 0) {
		c->eof = true;
		return true;
	}
	c->rx_len += (size_t)n;
	return true;
}

static void on_conn(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct oc_dns_tcp_conn *c = arg;
	if (events & (OC_LOOP_ERR | OC_LOOP_HUP)) {
		conn_close(c); /* reset, or closed both ways: nothing can be answered */
		return;
	}
	if ((events & OC_LOOP_WRITE) && !flush(c))
		return;
	if ((events & OC_LOOP_READ) && !read_some(c))
		return;
	if (process(c))
		settle(c);
}

static void on_idle(oc_loop *loop, uint64_t id, void *arg)
{
	struct oc_dns_tcp_conn *c = arg;
	c->timer = 0;
	if (c->sink.inflight == 0) {
		c->s->st.tcp_idle_closed++;
		conn_close(c);
		return;
	}
	/* a query still at an upstream: wait for it, then the idle time again */
	if (oc_loop_timer_add(loop, c->s->cfg.tcp_idle_ms, on_idle, c, &c->timer) < 0)
		conn_close(c);
}

static void tcp_send(struct oc_dns_sink *sink, const oc_sockaddr *peer, const uint8_t *msg,
	size_t len)
{
	struct oc_dns_tcp_conn *c = (struct oc_dns_tcp_conn *)sink;
	if (queue(c, msg, len) && process(c))
		settle(c);
}

/* Over a cap the connection is closed at once: a DNS client retries or
 * falls back, and a refused connection holds nothing. */
static void accept_one(struct oc_dns_listener *l, int fd, const oc_sockaddr *peer)
{
	oc_dns_server *s = l->s;
	uint32_t key = oc_sockaddr_family(peer) == AF_INET ? peer->u.in4.sin_addr.s_addr : 0;
	struct oc_dns_tcp_conn *c = NULL;
	oc_peercount_result r = oc_peercount_take(&s->tcp_peers, key,
		s->cfg.max_tcp_clients_per_container, s->cfg.max_tcp_clients);
	if (r != OC_PEERCOUNT_TAKEN || !(c = malloc(sizeof(*c)))) {
		if (r == OC_PEERCOUNT_TAKEN)
			oc_peercount_release(&s->tcp_peers, key);
		s->st.tcp_rejected++;
		close(fd);
		return;
	}
	*c = (struct oc_dns_tcp_conn){ .s = s, .l = l, .fd = fd, .peer = *peer, .key = key,
		.interest = OC_LOOP_READ, .tx = OC_BUF_INIT };
	oc_dns_sink_init(&c->sink, tcp_send, true);
	if (oc_loop_add_fd(s->loop, fd, OC_LOOP_READ, on_conn, c) < 0 ||
	    oc_loop_timer_add(s->loop, s->cfg.tcp_idle_ms, on_idle, c, &c->timer) < 0) {
		oc_loop_del_fd(s->loop, fd);
		oc_peercount_release(&s->tcp_peers, key);
		s->st.tcp_rejected++;
		close(fd);
		free(c);
		return;
	}
	oc_dlist_push(&s->conns, &c->node);
	s->st.tcp_accepted++;
}

static void set_listening(void *arg, bool on)
{
	struct oc_dns_listener *l = arg;
	oc_loop_mod_fd(l->s->loop, l->tcp_fd, on ? OC_LOOP_READ : 0);
}

static void on_accept(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct oc_dns_listener *l = arg;
	for (int i = 0; i < 32; i++) {
		oc_sockaddr peer;
		int cfd = oc_sock_accept(fd, &peer);
		if (cfd >= 0)
			accept_one(l, cfd, &peer);
		else if (!oc_accept_failed(&l->accept, errno))
			return;
	}
}

int oc_dns_tcp_open(struct oc_dns_listener *l)
{
	l->accept = (oc_accept_gate){ .loop = l->s->loop, .set = set_listening, .arg = l };
	l->tcp_fd = oc_sock_listen_tcp(&l->addr, 128, OC_SOCK_FREEBIND | OC_SOCK_NODELAY);
	if (l->tcp_fd < 0)
		return l->tcp_fd;
	int rc = oc_loop_add_fd(l->s->loop, l->tcp_fd, OC_LOOP_READ, on_accept, l);
	if (rc < 0) {
		close(l->tcp_fd);
		l->tcp_fd = -1;
	}
	return rc;
}

void oc_dns_tcp_close(struct oc_dns_listener *l)
{
	oc_dns_server *s = l->s;
	for (oc_dlist *n = s->conns.next, *next; n != &s->conns; n = next) {
		next = n->next;
		struct oc_dns_tcp_conn *c = oc_container_of(n, struct oc_dns_tcp_conn, node);
		if (c->l == l)
			conn_close(c);
	}
	if (l->tcp_fd < 0)
		return;
	oc_accept_gate_stop(&l->accept);
	s->accept_pauses += oc_accept_pauses(&l->accept);
	oc_loop_del_fd(s->loop, l->tcp_fd);
	close(l->tcp_fd);
	l->tcp_fd = -1;
}
