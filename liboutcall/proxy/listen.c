/*
 * Listeners, accepting, and the connection caps. A connection over a cap
 * is still accepted, answered 503 with Retry-After at once and drained
 * briefly, so the client gets an answer rather than a hang or a reset; at
 * most LINGER_MAX such connections are kept, beyond that they are closed.
 * When the process is out of descriptors, the listeners stop for a moment
 * instead of spinning on a pending connection they cannot take.
 */
#include "proxy/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

#define LINGER_MAX 1024
#define ACCEPTS_PER_EVENT 64
#define ACCEPT_PAUSE_MS 100

static struct px_peer_count **slot(oc_proxy *p, uint32_t ip)
{
	uint32_t h = ip * 2654435761u;
	struct px_peer_count **s = &p->peers[h >> 24 & (PX_PEER_BUCKETS - 1)];
	while (*s && (*s)->ip != ip)
		s = &(*s)->next;
	return s;
}

/* Takes one connection from ip against the caps; false if over. */
static bool take(oc_proxy *p, uint32_t ip, const char **which)
{
	if (p->nactive >= p->cfg.max_conns) {
		*which = "the proxy is at its limit of connections in total";
		return false;
	}
	struct px_peer_count **s = slot(p, ip);
	if (*s && (*s)->n >= p->cfg.max_conns_per_container) {
		*which = "this container is at its limit of connections";
		return false;
	}
	if (!*s) {
		*s = calloc(1, sizeof(**s));
		if (!*s) {
			*which = "out of memory";
			return false;
		}
		(*s)->ip = ip;
	}
	(*s)->n++;
	p->nactive++;
	return true;
}

void px_listen_release(oc_proxy *p, uint32_t ip, bool lingering)
{
	if (lingering) {
		p->nlingering--;
		return;
	}
	p->nactive--;
	struct px_peer_count **s = slot(p, ip), *pc = *s;
	if (pc && --pc->n == 0) {
		*s = pc->next;
		free(pc);
	}
}

void px_listen_refuse(struct px_conn *c, const char *which)
{
	if (c->kind == OC_PROXY_TRANSPARENT_HTTPS) {
		px_conn_close(c, NULL); /* no HTTP answer fits inside TLS */
		return;
	}
	px_reply_error(c, 503, which, "too many connections; retry later", false);
}

static void set_listening(oc_proxy *p, bool on)
{
	for (struct px_listener *l = p->listeners; l; l = l->next)
		oc_loop_mod_fd(p->loop, l->fd, on ? OC_LOOP_READ : 0);
}

static void resume(oc_loop *loop, uint64_t id, void *arg)
{
	oc_proxy *p = arg;
	p->accept_timer = 0;
	set_listening(p, true);
}

static void pause_accepting(oc_proxy *p)
{
	if (p->accept_timer)
		return;
	set_listening(p, false);
	if (oc_loop_timer_add(p->loop, ACCEPT_PAUSE_MS, resume, p, &p->accept_timer) < 0)
		set_listening(p, true);
}

static void on_accept(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct px_listener *l = arg;
	oc_proxy *p = l->p;
	for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
		oc_sockaddr peer;
		int c = oc_sock_accept(fd, &peer);
		if (c < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_accepting(p);
			if (errno != ECONNABORTED && errno != EINTR)
				return;
			continue;
		}
		oc_sock_set_nodelay(c);
		uint32_t ip = oc_sockaddr_family(&peer) == AF_INET ? peer.u.in4.sin_addr.s_addr : 0;
		const char *which = NULL;
		if (!take(p, ip, &which)) {
			px_count(&p->n.conns_refused, 1);
			if (p->nlingering >= LINGER_MAX) {
				close(c);
				continue;
			}
			p->nlingering++;
		}
		px_conn_accepted(p, l->kind, c, &peer, which);
	}
}

int oc_proxy_listen(oc_proxy *p, oc_proxy_kind kind, const char *addr)
{
	if (kind < OC_PROXY_EXPLICIT || kind > OC_PROXY_TRANSPARENT_HTTPS)
		return oc_error_set(OC_EINVAL, "proxy: unknown listener kind %d for %s", (int)kind,
			addr ? addr : "(null)");
	oc_sockaddr sa;
	int rc = oc_sockaddr_parse(&sa, addr, -1);
	if (rc)
		return rc;
	for (struct px_listener *l = p->listeners; l; l = l->next)
		if (oc_sockaddr_equal(&l->addr, &sa))
			return oc_error_set(OC_EEXIST, "proxy: already listening on %s", addr);
	struct px_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return oc_error_nomem();
	unsigned flags = OC_SOCK_FREEBIND | (p->cfg.reuseport ? OC_SOCK_REUSEPORT : 0);
	l->fd = oc_sock_listen_tcp(&sa, 1024, flags);
	if (l->fd < 0) {
		rc = l->fd;
		free(l);
		return rc;
	}
	l->p = p;
	l->kind = kind;
	l->addr = sa;
	rc = oc_loop_add_fd(p->loop, l->fd, p->accept_timer ? 0 : OC_LOOP_READ, on_accept, l);
	if (rc) {
		close(l->fd);
		free(l);
		return rc;
	}
	l->next = p->listeners;
	p->listeners = l;
	return 0;
}

static void listener_free(oc_proxy *p, struct px_listener *l)
{
	oc_loop_del_fd(p->loop, l->fd);
	close(l->fd);
	free(l);
}

int oc_proxy_unlisten(oc_proxy *p, const char *addr)
{
	oc_sockaddr sa;
	int rc = oc_sockaddr_parse(&sa, addr, -1);
	if (rc)
		return rc;
	for (struct px_listener **l = &p->listeners; *l; l = &(*l)->next) {
		if (oc_sockaddr_equal(&(*l)->addr, &sa)) {
			struct px_listener *gone = *l;
			*l = gone->next;
			listener_free(p, gone);
			return 0;
		}
	}
	return oc_error_set(OC_ENOTFOUND, "proxy: not listening on %s", addr);
}

void px_listen_free_all(oc_proxy *p)
{
	oc_loop_timer_cancel(p->loop, p->accept_timer);
	p->accept_timer = 0;
	while (p->listeners) {
		struct px_listener *l = p->listeners;
		p->listeners = l->next;
		listener_free(p, l);
	}
	for (size_t i = 0; i < PX_PEER_BUCKETS; i++)
		while (p->peers[i]) {
			struct px_peer_count *pc = p->peers[i];
			p->peers[i] = pc->next;
			free(pc);
		}
}
