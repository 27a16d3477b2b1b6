/*
 * Getting to the upstream: the judged name resolved by the proxy, its
 * addresses checked against the private ranges under the deciding rule
 * (oc_resolve_permit), and a connection to one of exactly those addresses,
 * so nothing can change between the check and the connect. In transparent
 * mode the packet's own destination is used when it is one of the checked
 * addresses (the client then talks to the server it looked up), and never
 * otherwise.
 *
 * Nor is an address of the host itself (see px_upstream_connect_run).
 *
 * A kept-alive upstream is reused for the next request to the same host
 * and port when its address is still permitted under the new decision.
 * If a reused connection turns out dead before any byte of the response,
 * a request without a body is sent again once on a fresh connection.
 */
#include "proxy/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void px_upstream_close(struct px_conn *c)
{
	if (c->ufd < 0)
		return;
	if (c->u_watched)
		oc_loop_del_fd(c->p->loop, c->ufd);
	close(c->ufd);
	c->ufd = -1;
	c->u_watched = c->up_idle = c->up_reused = c->up_paused = false;
	c->umask = 0;
	c->ready &= ~(R_UP_RD | R_UP_WR);
	c->hung &= ~(R_UP_RD | R_UP_WR);
}

/* The request cannot reach its upstream: 502/504 (or, inside TLS, a
 * closed connection), recorded with the reason. */
void px_upstream_fail(struct px_conn *c, int status, const char *what, const char *why)
{
	px_count(&c->p->n.upstream_errors, 1);
	px_upstream_close(c);
	if (c->kind == OC_PROXY_TRANSPARENT_HTTPS) {
		c->rec.status = status;
		c->rec.reason = why;
		px_tunnel_deny(c);
		return;
	}
	px_reply_error(c, status, what, why, false);
}

/* The addresses may not be opened under this rule: a block, not an
 * upstream failure. */
static void address_refused(struct px_conn *c, const char *why)
{
	c->rec.verdict = OC_EVENT_VERDICT_BLOCK;
	c->rec.reason = why;
	if (c->kind == OC_PROXY_TRANSPARENT_HTTPS)
		px_tunnel_deny(c);
	else
		px_reply_blocked(c, false, false);
}

static void connect_next(struct px_conn *c)
{
	oc_proxy *p = c->p;
	const char *why = "no address to connect to";
	while (c->up_next < c->up_naddr) {
		struct in_addr a = c->up_addr[c->up_next++];
		oc_sockaddr sa;
		oc_sockaddr_from_ip(&sa, &a, 4, c->up_port);
		int fd = oc_sock_connect(&sa, OC_SOCK_NODELAY);
		if (fd < 0) {
			why = "the upstream address is unreachable";
			continue;
		}
		c->ufd = fd;
		c->up_cur = a;
		c->ready &= ~(R_UP_RD | R_UP_WR);
		if (px_conn_watch_upstream(c, OC_LOOP_WRITE) < 0) {
			px_upstream_close(c);
			why = "out of memory";
			continue;
		}
		px_conn_enter(c, PH_CONNECT);
		return;
	}
	(void)p;
	px_upstream_fail(c, 502, "the proxy could not connect to the upstream", why);
}

static void resolved(struct px_conn *c, const oc_resolve_result *res)
{
	if (res->status) {
		px_upstream_fail(c, 502, "the proxy could not resolve the host", res->why);
		return;
	}
	const char *why = NULL;
	c->up_naddr = oc_resolve_permit(c->p->svc.private_ranges, c->allow_private, res->addr,
		res->count, c->up_addr, &why);
	if (!c->up_naddr) {
		address_refused(c, why);
		return;
	}
	if (c->kind != OC_PROXY_EXPLICIT) {
		for (size_t i = 1; i < c->up_naddr; i++) {
			if (c->up_addr[i].s_addr == c->orig.sin_addr.s_addr) {
				struct in_addr t = c->up_addr[0];
				c->up_addr[0] = c->up_addr[i];
				c->up_addr[i] = t;
			}
		}
	}
	c->up_next = 0;
	connect_next(c);
}

static void on_resolved(void *arg, const oc_resolve_result *res)
{
	struct px_conn *c = arg;
	c->rwait = NULL;
	resolved(c, res);
	px_conn_run(c);
}

/* The kept upstream fits the new request when it goes to the same place
 * and its address passes the new decision's check. */
static bool reusable(struct px_conn *c, const char *host, uint16_t port)
{
	struct in_addr ok;
	return c->ufd >= 0 && c->up_host && !strcmp(c->up_host, host) && c->up_port == port &&
		oc_resolve_permit(c->p->svc.private_ranges, c->allow_private, &c->up_cur, 1, &ok,
			NULL) == 1;
}

void px_upstream_open(struct px_conn *c, const char *host, uint16_t port,
	const struct px_verdict *v)
{
	c->allow_private = v->allow_private;
	if (reusable(c, host, port)) {
		c->up_reused = true;
		c->up_idle = false;
		px_upstream_ready(c);
		return;
	}
	px_upstream_close(c);
	free(c->up_host);
	c->up_host = strdup(host);
	c->up_port = port;
	if (!c->up_host) {
		px_conn_close(c, "out of memory");
		return;
	}
	oc_resolve_result res;
	int rc = oc_resolve(c->p->resolver, host, on_resolved, c, &c->rwait, &res);
	if (rc < 0)
		px_conn_close(c, "out of memory");
	else if (rc == 1)
		resolved(c, &res);
	else
		px_conn_enter(c, PH_RESOLVE);
}

void px_upstream_connect_run(struct px_conn *c)
{
	c->want_u = OC_LOOP_WRITE;
	if (!(c->ready & R_UP_WR))
		return;
	int err = oc_sock_connect_result(c->ufd);
	if (err == EINPROGRESS || err == EALREADY) {
		px_unready(c, R_UP_WR);
		return;
	}
	if (err) {
		px_upstream_close(c);
		connect_next(c);
		return;
	}
	c->want_u = 0;
	c->ready |= R_UP_WR;
	/* An address of this host is routed to itself, and the kernel then
	 * picks that same address as the source. The host's own services
	 * (the proxy itself, the API, sshd on a public address) are never
	 * an upstream, whatever a name resolves to; not a byte is sent. */
	oc_sockaddr local;
	if (oc_sock_local(c->ufd, &local) < 0 || oc_sockaddr_family(&local) != AF_INET ||
	    local.u.in4.sin_addr.s_addr == c->up_cur.s_addr) {
		px_upstream_close(c);
		address_refused(c, "the address belongs to this host, whose own services are "
			"never an upstream");
		return;
	}
	px_upstream_ready(c);
}

void px_upstream_ready(struct px_conn *c)
{
	if (c->kind == OC_PROXY_TRANSPARENT_HTTPS)
		px_tunnel_start(c);
	else if (c->is_connect)
		px_tunnel_established(c);
	else
		px_exchange_start(c);
}

bool px_upstream_retry(struct px_conn *c)
{
	if (!c->up_reused || c->res_started || !c->up.keep_q)
		return false;
	px_upstream_close(c);
	c->up.moved -= c->up.qoff; /* those bytes went nowhere */
	c->up.qoff = 0;
	c->up_addr[0] = c->up_cur;
	c->up_naddr = 1;
	c->up_next = 0;
	connect_next(c);
	return true;
}
