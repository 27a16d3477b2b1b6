/*
 * Request heads: reading them within head_ms of their first byte (so a
 * client trickling a head, slowloris, is cut off without holding others
 * up), parsing them strictly (http/request.h), working out which host and
 * port they are for, judging them, and sending the allowed ones on their
 * way in origin form.
 *
 * Which authority a request is for: in explicit mode the absolute-form
 * target (the parser has checked that Host agrees); in transparent mode
 * the Host header, on the port the client dialled (SO_ORIGINAL_DST).
 */
#include "proxy/conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <outcall/context.h>

void px_head_next(struct px_conn *c)
{
	oc_proxy *p = c->p;
	px_dir_reset(p, &c->up);
	px_dir_reset(p, &c->down);
	px_buf_release(p, &c->uin);
	c->head_method = c->res_started = c->res_head_done = false;
	c->head_started = false;
	if (c->hung & R_UP_RD)
		px_upstream_close(c); /* closed by the server while we answered */
	c->up_idle = c->ufd >= 0;
	/* From now on only an event says whether the idle upstream spoke. */
	px_unready(c, R_UP_RD);
	if (!c->req && !(c->req = malloc(sizeof(*c->req)))) {
		px_conn_close(c, "out of memory");
		return;
	}
	oc_http_request_init(c->req);
	c->req->max_head = (uint16_t)p->cfg.max_head_bytes;
	if (!c->in.len)
		px_buf_release(p, &c->in);
	px_conn_enter(c, PH_HEAD);
	c->rerun = c->in.len > 0; /* a pipelined request is already here */
}

/* NUL-terminated copy of a span into dst (size bytes); false if too long. */
static bool copy_span(char *dst, size_t size, const char *buf, oc_http_span s)
{
	if (s.len >= size)
		return false;
	memcpy(dst, buf + s.off, s.len);
	dst[s.len] = '\0';
	return true;
}

/* A bad request: answered and closed, with a record saying why. */
static void invalid(struct px_conn *c, int status, const char *why)
{
	if (!c->rec.active && px_record_open(c, OC_EVENT_LAYER_HTTP, "", 0, NULL, NULL) < 0) {
		px_conn_close(c, "out of memory");
		return;
	}
	px_reply_error(c, status, "the request was refused", why, false);
}

/* Host (as written) and port of the request, or an answer given. */
static bool authority(struct px_conn *c, char *raw, uint16_t *port)
{
	const oc_http_request *r = c->req;
	const char *buf = c->in.data;
	const oc_http_authority *a;
	if (c->kind == OC_PROXY_EXPLICIT) {
		if (r->form != OC_HTTP_FORM_ABSOLUTE) {
			invalid(c, 400, "this is a proxy: send absolute-form requests "
				"(GET http://host/path) or CONNECT host:port");
			return false;
		}
		a = &r->target_authority;
		*port = a->port ? a->port : 80;
	} else {
		if (!(r->flags & OC_HTTP_REQ_HAS_HOST) || r->form == OC_HTTP_FORM_ASTERISK) {
			invalid(c, 400, "a Host header and a path are needed to judge this request");
			return false;
		}
		a = &r->host;
		*port = ntohs(c->orig.sin_port);
		if (a->port && a->port != *port) {
			invalid(c, 400, "the Host header's port is not the port the connection was made to");
			return false;
		}
	}
	if (a->ipv6) {
		invalid(c, 400, "IPv6 upstream addresses are not supported");
		return false;
	}
	if (!copy_span(raw, OC_HOSTNAME_MAX, buf, a->host)) {
		invalid(c, 400, "the host is not a valid host name");
		return false;
	}
	return true;
}

/* Why a path means something else once an upstream decodes or normalises
 * it, or NULL. Rules judge http.path as sent; an upstream that decodes
 * %2F or %2E before it normalises, or folds '..' and '\\', would serve
 * /public/%2e%2e/admin as /admin and step around a rule on
 * http.path.startsWith("/admin"). So such paths are refused, not judged
 * (docs/rules.md); the query is left alone. */
static const char *ambiguous_path(const char *path)
{
	size_t n = strcspn(path, "?");
	for (size_t i = 0; i < n; i++) {
		if (path[i] == '\\')
			return "the path holds a backslash, which some servers read as '/'";
		if (path[i] == '%' && i + 2 < n) {
			char hex[3] = { path[i + 1], path[i + 2], 0 };
			if (!strcasecmp(hex, "2f") || !strcasecmp(hex, "5c"))
				return "the path holds an encoded '/' or '\\' (%2F, %5C)";
			if (!strcasecmp(hex, "2e"))
				return "the path holds an encoded '.' (%2E)";
			if (!strcasecmp(hex, "25"))
				return "the path holds an encoded '%' (%25), which decodes twice";
		}
		if (path[i] == '/' && path[i + 1] == '.' &&
		    (i + 2 == n || path[i + 2] == '/' ||
		     (path[i + 2] == '.' && (i + 3 == n || path[i + 3] == '/'))))
			return "the path holds a '.' or '..' segment";
	}
	return NULL;
}

/* The allowed request goes out: rewritten head queued upstream, body
 * framing set, the head's bytes dropped from the client buffer. */
static int forward(struct px_conn *c, const char *host, uint16_t port)
{
	const oc_http_request *r = c->req;
	char auth[OC_HOSTNAME_MAX + 8];
	snprintf(auth, sizeof(auth), port == 80 ? "%s" : "%s:%u", host, port);
	int rc = px_rewrite_request(&c->up.q, c->p, r, c->in.data, auth);
	if (rc)
		return rc;
	c->up.body = r->framing == OC_HTTP_BODY_LENGTH ? BODY_LENGTH :
		r->framing == OC_HTTP_BODY_CHUNKED ? BODY_CHUNKED : BODY_NONE;
	c->up.left = r->content_length;
	oc_http_chunked_init(&c->up.chunk);
	/* A request without a body can be sent again on a fresh connection
	 * if a reused one turns out to be dead. */
	c->up.keep_q = c->up.body == BODY_NONE;
	px_buf_consume(&c->in, r->head_len);
	return 0;
}

/* The judged request: blocked with an answer, or sent upstream. */
static void serve(struct px_conn *c, struct px_http_ctx *h, uint16_t port)
{
	const oc_http_request *r = c->req;
	const char *ambiguous = ambiguous_path(h->path);
	if (ambiguous) {
		invalid(c, 400, ambiguous);
		return;
	}
	struct px_verdict v;
	px_judge_http(c, &h->ctx, &v);
	if (!v.allow) {
		/* The connection goes on when the request had no body to skip. */
		bool keep = !v.refused && !c->close_after && r->framing == OC_HTTP_BODY_NONE;
		if (keep)
			px_buf_consume(&c->in, r->head_len);
		px_reply_blocked(c, v.refused, keep);
		return;
	}
	if (px_record_keep_http(c, &h->ctx) < 0 || forward(c, h->host, port) < 0) {
		px_conn_close(c, "out of memory");
		return;
	}
	px_upstream_open(c, h->host, port, &v);
}

static void dispatch(struct px_conn *c)
{
	oc_http_request *r = c->req;
	c->head_method = r->method == OC_HTTP_HEAD;
	c->http_minor = r->version_minor;
	c->close_after = !(r->flags & OC_HTTP_REQ_KEEP_ALIVE);
	if (r->method == OC_HTTP_CONNECT) {
		if (c->kind == OC_PROXY_EXPLICIT)
			px_tunnel_connect(c);
		else
			invalid(c, 400, "CONNECT is served on the explicit proxy port only");
		return;
	}
	struct px_http_ctx h = { .path = NULL };
	char raw[OC_HOSTNAME_MAX];
	uint16_t port;
	if (!copy_span(h.method, sizeof(h.method), c->in.data, r->method_text)) {
		invalid(c, 400, "the method is longer than 63 bytes");
		return;
	}
	if (!authority(c, raw, &port))
		return;
	int rc = px_http_ctx_build(c, raw, port, &h);
	if (!rc)
		rc = px_record_open(c, OC_EVENT_LAYER_HTTP, h.host, port, h.method, h.path);
	if (rc == OC_EINVAL)
		invalid(c, 400, "the host is not a valid host name");
	else if (rc)
		px_conn_close(c, "out of memory");
	else
		serve(c, &h, port);
	px_http_ctx_free(&h);
}

void px_head_run(struct px_conn *c)
{
	c->want_c = OC_LOOP_READ;
	/* Closed between requests: quietly; mid-head: with a record. */
	if (!px_read_client(c, c->p->cfg.max_head_bytes,
		    c->in.len ? "client closed before the request head was complete" : NULL))
		return;
	if (!c->in.len)
		return;
	if (!c->head_started) {
		/* The head's clock starts with its first byte. */
		c->head_started = true;
		px_conn_deadline(c, c->p->cfg.head_ms);
	}
	int rc = oc_http_request_parse(c->req, c->in.data, c->in.len);
	if (rc == OC_HTTP_MORE)
		return;
	if (rc < 0) {
		invalid(c, c->req->status, c->req->error);
		return;
	}
	c->want_c = 0;
	dispatch(c);
}
