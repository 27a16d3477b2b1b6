/*
 * A connection's life: accept, events, the phase loop, interest, the
 * deadline, and close.
 *
 * Interest. Each phase says which fds it waits on (want_c, want_u). On
 * top, a connection keeps read interest on both sockets when nothing has
 * happened there, so a client that waits politely for its response, the
 * common case, costs no epoll_ctl per request. If one of them becomes
 * readable while the phase is not reading it (a pipelined request, an
 * idle upstream closing), the connection stops asking until its phase
 * reads that socket again (an idle kept upstream that speaks is closed).
 *
 * Hang-ups. A socket that reports HUP or ERR never blocks again: reads
 * return what is left and then 0, writes fail. Such an fd leaves the loop
 * (HUP and ERR are level-triggered and cannot be masked) and stays "ready"
 * for good, so the phase finds out by its own calls.
 *
 * Closing frees the connection from a 0 ms timer, after every callback
 * that may still hold it has returned.
 */
#include "proxy/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_timeout(oc_loop *loop, uint64_t id, void *arg);

void px_conn_deadline(struct px_conn *c, uint32_t ms)
{
	oc_proxy *p = c->p;
	if (c->timer && oc_loop_timer_rearm(p->loop, c->timer, ms) == 0)
		return;
	c->timer = 0;
	if (oc_loop_timer_add(p->loop, ms, on_timeout, c, &c->timer) < 0)
		px_conn_close(c, "out of memory (timer)");
}

static uint32_t phase_ms(struct px_conn *c, enum px_phase ph)
{
	const oc_proxy_config *cfg = &c->p->cfg;
	switch (ph) {
	case PH_HEAD:
		return c->in.len ? cfg->head_ms : cfg->idle_ms;
	case PH_RESOLVE:
		return cfg->resolve_ms + 1000; /* the resolver ends it first */
	case PH_CONNECT:
		return cfg->connect_ms;
	case PH_HELLO:
		return cfg->hello_ms;
	case PH_TUNNEL:
		return cfg->tunnel_idle_ms;
	case PH_LINGER:
		return 2000;
	case PH_EXCHANGE:
	case PH_REPLY:
		return cfg->idle_ms;
	}
	return cfg->idle_ms;
}

void px_conn_enter(struct px_conn *c, enum px_phase ph)
{
	c->phase = ph;
	if (!c->closed)
		px_conn_deadline(c, phase_ms(c, ph));
}

/* What to tell the client when its deadline passes. */
static void on_timeout(oc_loop *loop, uint64_t id, void *arg)
{
	struct px_conn *c = arg;
	oc_proxy *p = c->p;
	c->timer = 0;
	px_count(&p->n.timeouts, 1);
	switch (c->phase) {
	case PH_HEAD:
		if (c->in.len)
			px_reply_error(c, 408, "the request head did not arrive in time",
				"head timeout", false);
		else
			px_conn_close(c, NULL); /* idle keep-alive: just close */
		break;
	case PH_CONNECT:
		px_count(&p->n.upstream_errors, 1);
		px_upstream_close(c);
		px_reply_error(c, 504, "the upstream did not accept the connection in time",
			"upstream connect timeout", false);
		break;
	case PH_EXCHANGE:
		if (!c->res_started) {
			px_count(&p->n.upstream_errors, 1);
			px_upstream_close(c);
			px_reply_error(c, 504, "the upstream did not answer in time",
				"upstream response timeout", false);
		} else {
			px_conn_close(c, "idle timeout while relaying");
		}
		break;
	case PH_HELLO:
		px_conn_close(c, "no TLS ClientHello in time");
		break;
	case PH_TUNNEL:
		px_conn_close(c, "tunnel idle timeout");
		break;
	case PH_RESOLVE:
	case PH_REPLY:
	case PH_LINGER:
		px_conn_close(c, c->phase == PH_LINGER ? NULL : "client stopped reading");
		break;
	}
	px_conn_run(c);
}

static void unwatch(struct px_conn *c, int fd, unsigned *mask, bool *watched)
{
	if (*watched)
		oc_loop_del_fd(c->p->loop, fd);
	*watched = false;
	*mask = 0;
}

static void reap(oc_loop *loop, uint64_t id, void *arg)
{
	oc_proxy *p = arg;
	p->reap_timer = 0;
	while (p->dead) {
		struct px_conn *c = p->dead;
		p->dead = c->next;
		free(c);
	}
}

void px_conn_close(struct px_conn *c, const char *reason)
{
	if (c->closed)
		return;
	oc_proxy *p = c->p;
	c->closed = true;
	px_record_emit(c, reason);
	oc_loop_timer_cancel(p->loop, c->timer);
	c->timer = 0;
	if (c->rwait)
		oc_resolve_cancel(p->resolver, c->rwait);
	c->rwait = NULL;
	px_upstream_close(c);
	unwatch(c, c->cfd, &c->cmask, &c->c_watched);
	close(c->cfd);
	c->cfd = -1;
	px_dir_reset(p, &c->up);
	px_dir_reset(p, &c->down);
	px_buf_release(p, &c->in);
	px_buf_release(p, &c->uin);
	free(c->req);
	c->req = NULL;
	if (c->hello) {
		oc_tls_hello_free(c->hello);
		free(c->hello);
		c->hello = NULL;
	}
	free(c->up_host);
	c->up_host = NULL;
	if (c->tunnel_counted)
		px_uncount(&p->n.tunnels_open);
	px_uncount(&p->n.conns_open);
	px_listen_release(p, c->peer_ip, c->lingering);

	/* Off the list of live connections, onto the list to free. */
	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = p->dead;
	p->dead = c;
	if (!p->reap_timer && oc_loop_timer_add(p->loop, 0, reap, p, &p->reap_timer) < 0)
		p->reap_timer = 0; /* freed with the proxy at the latest */
}

void px_conn_free_dead(oc_proxy *p)
{
	oc_loop_timer_cancel(p->loop, p->reap_timer);
	reap(p->loop, 0, p);
}

void px_conn_after(struct px_conn *c, enum px_phase next)
{
	if (next == PH_HEAD) {
		px_head_next(c);
		return;
	}
	/* Shut our side and read until the client closes, so that a request
	 * still on its way does not turn into a reset that destroys the
	 * answer in the client's receive buffer. */
	shutdown(c->cfd, SHUT_WR);
	px_conn_enter(c, PH_LINGER);
}

/* Writes the proxy's own answer; then the continuation. */
static void reply_run(struct px_conn *c)
{
	enum px_wait w = px_flush(c, &c->down, c->cfd, R_CLIENT_WR);
	if (w == W_DST) {
		c->want_c = OC_LOOP_WRITE;
		return;
	}
	if (w == W_ERROR) {
		px_conn_close(c, "client went away");
		return;
	}
	if (c->after == PH_HELLO)
		px_tunnel_hello_start(c);
	else
		px_conn_after(c, c->after);
}

ssize_t px_read(struct px_conn *c, int fd, unsigned bit, void *buf, size_t n)
{
	ssize_t k = recv(fd, buf, n, 0);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		px_unready(c, bit);
		return PX_READ_WAIT;
	}
	if (k < 0)
		return PX_READ_ERROR;
	if ((size_t)k < n)
		px_unready(c, bit);
	return k;
}

bool px_read_client(struct px_conn *c, const char *closed)
{
	if (!(c->ready & R_CLIENT_RD))
		return true;
	if (px_buf_reserve(c->p, &c->in, 4096) < 0) {
		px_conn_close(c, "out of memory");
		return false;
	}
	ssize_t n = px_read(c, c->cfd, R_CLIENT_RD, c->in.data + c->in.len, c->in.cap - c->in.len);
	if (n > 0)
		c->in.len += (uint32_t)n;
	if (n != 0 && n != PX_READ_ERROR)
		return true;
	px_conn_close(c, closed);
	return false;
}

static void linger_run(struct px_conn *c)
{
	char sink[4096];
	c->want_c = OC_LOOP_READ;
	if (!(c->ready & R_CLIENT_RD))
		return;
	ssize_t n = px_read(c, c->cfd, R_CLIENT_RD, sink, sizeof(sink));
	if (n == 0 || n == PX_READ_ERROR)
		px_conn_close(c, NULL);
}

static void set_interest(struct px_conn *c)
{
	oc_loop *loop = c->p->loop;
	if (c->want_c & OC_LOOP_READ)
		c->client_paused = false;
	if (c->want_u & OC_LOOP_READ)
		c->up_paused = false;
	unsigned cm = c->want_c | (c->client_paused ? 0 : OC_LOOP_READ);
	if (c->c_watched && cm != c->cmask && oc_loop_mod_fd(loop, c->cfd, cm) == 0)
		c->cmask = cm;
	if (c->ufd < 0 || !c->u_watched)
		return;
	unsigned um = c->want_u | (c->up_paused ? 0 : OC_LOOP_READ);
	if (um != c->umask && oc_loop_mod_fd(loop, c->ufd, um) == 0)
		c->umask = um;
}

void px_conn_run(struct px_conn *c)
{
	for (int rounds = 0; rounds < 16 && !c->closed; rounds++) {
		enum px_phase ph = c->phase;
		c->want_c = c->want_u = 0;
		switch (ph) {
		case PH_HEAD:
			px_head_run(c);
			break;
		case PH_RESOLVE:
			if (!c->c_watched)
				px_conn_close(c, "client went away");
			break;
		case PH_CONNECT:
			px_upstream_connect_run(c);
			break;
		case PH_EXCHANGE:
			px_exchange_run(c);
			break;
		case PH_REPLY:
			reply_run(c);
			break;
		case PH_HELLO:
			px_hello_run(c);
			break;
		case PH_TUNNEL:
			px_tunnel_run(c);
			break;
		case PH_LINGER:
			linger_run(c);
			break;
		}
		if (c->phase == ph && !c->rerun)
			break;
		c->rerun = false;
	}
	if (!c->closed)
		set_interest(c);
}

/* Marks readiness from an event; a hang-up or error takes the fd out of
 * the loop for good (see the top of this file). */
static unsigned note(struct px_conn *c, int fd, unsigned events, unsigned rd, unsigned wr,
	unsigned *mask, bool *watched)
{
	if (events & (OC_LOOP_HUP | OC_LOOP_ERR)) {
		unwatch(c, fd, mask, watched);
		c->ready |= rd | wr;
		c->hung |= rd | wr;
		return events;
	}
	if (events & (OC_LOOP_READ | OC_LOOP_RDHUP))
		c->ready |= rd;
	if (events & OC_LOOP_WRITE)
		c->ready |= wr;
	return events;
}

static void on_client(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct px_conn *c = arg;
	note(c, fd, events, R_CLIENT_RD, R_CLIENT_WR, &c->cmask, &c->c_watched);
	px_conn_run(c);
	/* Readable, and the phase left it unread: stop asking for now. */
	if (!c->closed && (c->ready & R_CLIENT_RD) && !(c->want_c & OC_LOOP_READ)) {
		c->client_paused = true;
		set_interest(c);
	}
}

static void on_upstream(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct px_conn *c = arg;
	note(c, fd, events, R_UP_RD, R_UP_WR, &c->umask, &c->u_watched);
	px_conn_run(c);
	if (c->closed || !(c->ready & R_UP_RD) || (c->want_u & OC_LOOP_READ) || c->ufd != fd)
		return;
	if (c->up_idle) {
		/* A kept upstream that speaks or closes between requests is
		 * of no further use. */
		px_upstream_close(c);
	} else {
		c->up_paused = true;
		set_interest(c);
	}
}

int px_conn_watch_upstream(struct px_conn *c, unsigned events)
{
	int rc = oc_loop_add_fd(c->p->loop, c->ufd, events, on_upstream, c);
	c->u_watched = rc == 0;
	c->umask = rc == 0 ? events : 0;
	c->up_paused = false;
	return rc;
}

/* A connection on a transparent port must have been redirected there:
 * its original destination is where it was going. */
static bool redirected(struct px_conn *c)
{
	oc_sockaddr orig, local;
	if (oc_sock_original_dst(c->cfd, &orig) < 0 || oc_sock_local(c->cfd, &local) < 0 ||
	    oc_sockaddr_family(&orig) != AF_INET || oc_sockaddr_equal(&orig, &local))
		return false;
	c->orig = orig.u.in4;
	return true;
}

void px_conn_accepted(oc_proxy *p, oc_proxy_kind kind, int fd, const oc_sockaddr *peer,
	const char *refuse)
{
	struct px_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		px_listen_release(p, oc_sockaddr_family(peer) == AF_INET ?
			peer->u.in4.sin_addr.s_addr : 0, refuse != NULL);
		return;
	}
	c->p = p;
	c->kind = kind;
	c->cfd = fd;
	c->ufd = -1;
	c->lingering = refuse != NULL;
	c->up.pipe = c->down.pipe = (struct px_pipe){ -1, -1 };
	c->ready = R_CLIENT_WR | R_UP_WR;
	if (oc_sockaddr_family(peer) == AF_INET) {
		c->peer_ip = peer->u.in4.sin_addr.s_addr;
		c->peer_port = ntohs(peer->u.in4.sin_port);
	}
	c->next = p->conns;
	if (p->conns)
		p->conns->prev = c;
	p->conns = c;
	px_count(&p->n.conns_open, 1);
	px_count(&p->n.conns_total, 1);
	if (oc_loop_add_fd(p->loop, fd, OC_LOOP_READ, on_client, c) < 0) {
		px_conn_close(c, NULL);
		return;
	}
	c->c_watched = true;
	c->cmask = OC_LOOP_READ;
	if (refuse)
		px_listen_refuse(c, refuse);
	else if (kind != OC_PROXY_EXPLICIT && !redirected(c))
		px_listen_refuse(c, "this port serves only connections the kernel redirected");
	else if (kind == OC_PROXY_TRANSPARENT_HTTPS)
		px_tunnel_transparent(c);
	else
		px_head_next(c);
	px_conn_run(c);
}
