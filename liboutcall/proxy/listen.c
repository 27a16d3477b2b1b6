/*
 * Listeners, accepting, and the connection caps. A connection over a cap
 * is still accepted, answered 503 with Retry-After at once and drained
 * briefly, so the client gets an answer rather than a hang or a reset; at
 * most linger_max() such connections drain at a time, beyond that they are
 * closed at once. When the process is out of descriptors, the listeners
 * stop for a moment (loop/accept.h) instead of spinning on a pending
 * connection they cannot take.
 */
#include "proxy/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

#define LINGER_MAX 1024
#define ACCEPTS_PER_EVENT 64

/* Connections refused over a cap that drain their 503 at once: a share of
 * the cap, so they too fit in the descriptors the caps were sized for. */
static size_t linger_max(const oc_proxy *p)
{
	return p->cfg.max_conns / 16 + 1;
}

void px_listen_release(oc_proxy *p, uint32_t ip, bool lingering)
{
	if (lingering)
		p->nlingering--;
	else
		oc_peercount_release(&p->peers, ip);
}

void px_listen_refuse(struct px_conn *c, const char *which)
{
	if (c->kind == OC_PROXY_TRANSPARENT_HTTPS) {
		px_conn_close(c, NULL); /* no HTTP answer fits inside TLS */
		return;
	}
	px_reply_error(c, 503, which, "too many connections; retry later", false);
}

void px_listen_set(void *arg, bool on)
{
	oc_proxy *p = arg;
	for (struct px_listener *l = p->listeners; l; l = l->next)
		oc_loop_mod_fd(p->loop, l->fd, on ? OC_LOOP_READ : 0);
}

static void on_accept(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct px_listener *l = arg;
	oc_proxy *p = l->p;
	for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
		oc_sockaddr peer;
		int c = oc_sock_accept(fd, &peer);
		if (c < 0) {
			if (!oc_accept_failed(&p->accept, errno))
				return;
			continue;
		}
		oc_sock_set_nodelay(c);
		uint32_t ip = oc_sockaddr_family(&peer) == AF_INET ? peer.u.in4.sin_addr.s_addr : 0;
		const char *which = NULL;
		oc_peercount_result r = oc_peercount_take(&p->peers, ip,
			p->cfg.max_conns_per_container, p->cfg.max_conns);
		if (r != OC_PEERCOUNT_TAKEN) {
			which = r == OC_PEERCOUNT_FULL ?
				"the proxy is at its limit of connections in total" :
				oc_peercount_why(r);
			px_count(&p->n.conns_refused, 1);
			if (p->nlingering >= linger_max(p)) {
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
	rc = oc_loop_add_fd(p->loop, l->fd, oc_accept_paused(&p->accept) ? 0 : OC_LOOP_READ, on_accept, l);
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
	oc_accept_gate_stop(&p->accept);
	while (p->listeners) {
		struct px_listener *l = p->listeners;
		p->listeners = l->next;
		listener_free(p, l);
	}
	oc_peercount_clear(&p->peers);
}
