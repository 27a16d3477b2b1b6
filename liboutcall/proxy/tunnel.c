/*
 * TLS connections: CONNECT tunnels and redirected port 443.
 *
 * CONNECT host:port is judged on host and port, the upstream is connected,
 * "200 Connection established" goes back, and then the ClientHello is
 * read (oc_tls_hello_parse: across reads and records, size-capped, within
 * hello_ms). Its SNI must be the CONNECT host: anything else closes the
 * tunnel with a security event, since the client would be talking to a
 * name nobody judged. The hello is then judged again with its SNI (rules
 * on tls.sni, and a reload in between, count); without SNI the CONNECT
 * host is what is judged. With Encrypted Client Hello the SNI read is the
 * outer, public name, and it is judged like any SNI.
 *
 * Redirected 443: the hello comes first, its SNI is the host (without SNI,
 * the address the client dialled), and the upstream is opened for it.
 *
 * A block inside TLS is a fatal access_denied alert and a close. Only the
 * hello's bytes are read in user space; the tunnel is spliced.
 */
#include "proxy/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <outcall/engine.h>

/* A fatal access_denied alert (RFC 8446 §6): record type 21, version
 * 3.3, length 2, level 2 (fatal), description 49. */
static const char access_denied[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31 };

void px_tunnel_deny(struct px_conn *c)
{
	/* Best effort: the socket's buffer takes seven bytes. */
	(void)!send(c->cfd, access_denied, sizeof(access_denied), MSG_NOSIGNAL | MSG_DONTWAIT);
	px_conn_close(c, NULL);
}

static bool start_hello(struct px_conn *c)
{
	if (!c->hello && !(c->hello = malloc(sizeof(*c->hello)))) {
		px_conn_close(c, "out of memory");
		return false;
	}
	oc_tls_hello_init(c->hello);
	px_conn_enter(c, PH_HELLO);
	c->rerun = c->in.len > 0;
	return true;
}

void px_tunnel_connect(struct px_conn *c)
{
	const oc_http_request *r = c->req;
	const oc_http_authority *a = &r->target_authority;
	char raw[OC_HOSTNAME_MAX], host[OC_HOSTNAME_MAX];
	oc_context ctx;
	if (a->ipv6) {
		if (px_record_open(c, OC_EVENT_LAYER_TLS, "", a->port, "CONNECT", NULL) < 0)
			px_conn_close(c, "out of memory");
		else
			px_reply_error(c, 400, "the request was refused",
				"IPv6 upstream addresses are not supported", false);
		return;
	}
	memcpy(raw, c->in.data + a->host.off, a->host.len);
	raw[a->host.len] = '\0';
	bool valid = oc_context_for_tls(&ctx, host, raw, a->port, NULL, NULL) == 0;
	if (px_record_open(c, OC_EVENT_LAYER_TLS, valid ? host : "", a->port, "CONNECT", NULL) < 0) {
		px_conn_close(c, "out of memory");
		return;
	}
	if (!valid) {
		px_reply_error(c, 400, "the request was refused", "the host is not a valid host name",
			false);
		return;
	}
	struct px_verdict v;
	px_judge_tls(c, &ctx, true, &v);
	px_buf_consume(&c->in, r->head_len); /* what follows is the hello */
	if (!v.allow) {
		px_reply_blocked(c, v.refused, !v.refused && !c->close_after);
		return;
	}
	c->is_connect = true;
	px_upstream_open(c, host, a->port, &v);
}

void px_tunnel_established(struct px_conn *c)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	px_reply_queue(c, ok, sizeof(ok) - 1, PH_HELLO);
}

void px_tunnel_hello_start(struct px_conn *c)
{
	start_hello(c);
}

void px_tunnel_transparent(struct px_conn *c)
{
	start_hello(c);
}

/* The hello names another server than the CONNECT did. */
static void mismatch(struct px_conn *c, const char *sni)
{
	char why[OC_HOSTNAME_MAX * 2 + 64];
	snprintf(why, sizeof(why), "sni mismatch: CONNECT to %s, TLS server name %s",
		c->rec.host, sni);
	px_count(&c->p->n.sni_mismatches, 1);
	px_record_security(c, why);
	c->rec.verdict = OC_EVENT_VERDICT_BLOCK;
	c->rec.reason = "the TLS server name (SNI) is not the CONNECT host";
	px_tunnel_deny(c);
}

static void judged(struct px_conn *c, const struct px_verdict *v)
{
	if (!v->allow) {
		px_tunnel_deny(c);
		return;
	}
	if (c->kind == OC_PROXY_TRANSPARENT_HTTPS)
		px_upstream_open(c, c->rec.host, c->rec.port, v);
	else
		px_tunnel_start(c);
}

/* Redirected 443: the record opens here, for the SNI or the address. */
static bool open_transparent(struct px_conn *c, const char *sni)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &c->orig.sin_addr, ip, sizeof(ip));
	if (px_record_open(c, OC_EVENT_LAYER_TLS, sni ? sni : ip, ntohs(c->orig.sin_port), NULL, NULL) < 0) {
		px_conn_close(c, "out of memory");
		return false;
	}
	return true;
}

void px_hello_run(struct px_conn *c)
{
	c->want_c = OC_LOOP_READ;
	if (!px_read_client(c, OC_TLS_RECORDS_MAX,
		    "client closed before its TLS ClientHello was complete"))
		return;
	if (!c->in.len)
		return;
	int rc = oc_tls_hello_parse(c->hello, (const uint8_t *)c->in.data, c->in.len);
	if (rc == OC_TLS_MORE)
		return;
	c->want_c = 0;
	if (rc < 0) {
		if (c->kind == OC_PROXY_TRANSPARENT_HTTPS && !open_transparent(c, NULL))
			return;
		c->rec.verdict = OC_EVENT_VERDICT_ERROR;
		c->rec.reason = c->hello->error;
		px_tunnel_deny(c);
		return;
	}
	/* The context, built once: a redirected connection is for its SNI,
	 * else its original address; a CONNECT's for the host it named. */
	bool transparent = c->kind == OC_PROXY_TRANSPARENT_HTTPS;
	const char *sni = c->hello->has_sni ? c->hello->sni : NULL;
	char ip[INET_ADDRSTRLEN], hostbuf[OC_HOSTNAME_MAX], snibuf[OC_HOSTNAME_MAX];
	inet_ntop(AF_INET, &c->orig.sin_addr, ip, sizeof(ip));
	const char *host = !transparent ? c->rec.host : sni ? sni : ip;
	uint16_t port = transparent ? ntohs(c->orig.sin_port) : c->rec.port;
	oc_context ctx;
	if (oc_context_for_tls(&ctx, hostbuf, host, port, sni, snibuf) < 0) {
		px_tunnel_deny(c);
		return;
	}
	struct px_verdict v;
	if (transparent) {
		if (!open_transparent(c, sni ? ctx.tls_sni : NULL))
			return;
		px_judge_tls(c, &ctx, false, &v);
	} else {
		if (sni && strcmp(ctx.tls_sni, c->rec.host) != 0) {
			mismatch(c, ctx.tls_sni);
			return;
		}
		px_judge_tls(c, &ctx, true, &v);
	}
	judged(c, &v);
}

void px_tunnel_start(struct px_conn *c)
{
	oc_proxy *p = c->p;
	oc_tls_hello_free(c->hello);
	free(c->hello);
	c->hello = NULL;
	free(c->req);
	c->req = NULL;
	free(c->res);
	c->res = NULL;
	/* The hello (and anything after it) is the first thing upstream. */
	px_buf_release(p, &c->up.q);
	c->up.q = c->in;
	c->up.qoff = 0;
	c->in = (struct px_buf){ 0 };
	c->up.body = c->down.body = BODY_TUNNEL;
	/* The record counts what the tunnel carries, not the 200. */
	c->rec.up0 = c->up.moved;
	c->rec.down0 = c->down.moved;
	c->tunnel_counted = true;
	px_count(&p->n.tunnels_open, 1);
	px_count(&p->n.tunnels_total, 1);
	px_conn_enter(c, PH_TUNNEL);
}

/* One direction of the tunnel; false if it failed. */
static bool pump(struct px_conn *c, struct px_dir *d, int src, int dst, unsigned src_ready,
	unsigned dst_ready, unsigned *src_want, unsigned *dst_want)
{
	switch (px_pump(c, d, src, dst, src_ready, dst_ready, NULL)) {
	case W_SRC:
		*src_want |= OC_LOOP_READ;
		return true;
	case W_DST:
		*dst_want |= OC_LOOP_WRITE;
		return true;
	case W_DONE:
		return true;
	case W_ERROR:
		break;
	}
	return false;
}

void px_tunnel_run(struct px_conn *c)
{
	uint64_t before = c->up.moved + c->down.moved;
	bool ok = pump(c, &c->up, c->cfd, c->ufd, R_CLIENT_RD, R_UP_WR, &c->want_c, &c->want_u) &&
		pump(c, &c->down, c->ufd, c->cfd, R_UP_RD, R_CLIENT_WR, &c->want_u, &c->want_c);
	if (!ok) {
		px_conn_close(c, "connection reset");
		return;
	}
	if (c->up.dst_shut && c->down.dst_shut) {
		px_conn_close(c, NULL);
		return;
	}
	if (c->up.moved + c->down.moved != before)
		px_conn_deadline(c, c->p->cfg.tunnel_idle_ms);
}
