/*
 * Heads as they leave the proxy. Requests go upstream in origin form with
 * the client's HTTP version (so the server frames its answer for what the
 * client understands) and without hop-by-hop fields; the proxy adds Host
 * where an HTTP/1.0 client sent none, and writes back the chunked coding
 * it relays. Responses go to the client as HTTP/1.1 without hop-by-hop
 * fields, with the proxy's own Connection.
 */
#include "proxy/conn.h"

#include <string.h>

struct out {
	char *p;
};

static void put(struct out *o, const char *s, size_t n)
{
	memcpy(o->p, s, n);
	o->p += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void span(struct out *o, const char *buf, oc_http_span s)
{
	put(o, buf + s.off, s.len);
}

static void field(struct out *o, const char *buf, oc_http_span name, oc_http_span value)
{
	span(o, buf, name);
	put(o, ": ", 2);
	span(o, buf, value);
	put(o, "\r\n", 2);
}

/* Extra bytes a rewritten head may need beyond the original's. */
#define EXTRA 96

int px_rewrite_request(struct px_buf *b, oc_proxy *p, const oc_http_request *r,
	const char *buf, const char *authority)
{
	int rc = px_buf_reserve(p, b, r->head_len + strlen(authority) + EXTRA);
	if (rc)
		return rc;
	struct out o = { b->data + b->len };
	span(&o, buf, r->method_text);
	put(&o, " ", 1);
	if (r->origin.len == 0 || buf[r->origin.off] == '?')
		put(&o, "/", 1);
	span(&o, buf, r->origin);
	puts_(&o, r->version_minor ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
	for (int i = 0; i < r->nheaders; i++)
		if (!(r->headers[i].flags & OC_HTTP_HDR_HOP))
			field(&o, buf, r->headers[i].name, r->headers[i].value);
	if (!(r->flags & OC_HTTP_REQ_HAS_HOST)) {
		puts_(&o, "Host: ");
		puts_(&o, authority);
		put(&o, "\r\n", 2);
	}
	if (r->framing == OC_HTTP_BODY_CHUNKED)
		puts_(&o, "Transfer-Encoding: chunked\r\n");
	put(&o, "\r\n", 2);
	b->len = (uint32_t)(o.p - b->data);
	return 0;
}

int px_rewrite_response(struct px_buf *b, oc_proxy *p, const oc_http_response_head *r,
	const char *buf, bool close, bool client_http10)
{
	int rc = px_buf_reserve(p, b, r->head_len + EXTRA);
	if (rc)
		return rc;
	struct out o = { b->data + b->len };
	char status[] = "HTTP/1.1 000 ";
	for (int i = 11, v = r->status; i >= 9; i--, v /= 10)
		status[i] = (char)('0' + v % 10);
	puts_(&o, status);
	span(&o, buf, r->reason);
	put(&o, "\r\n", 2);
	for (int i = 0; i < r->nheaders; i++)
		if (!(r->headers[i].flags & OC_HTTP_HDR_HOP))
			field(&o, buf, r->headers[i].name, r->headers[i].value);
	if (close)
		puts_(&o, "Connection: close\r\n");
	else if (client_http10)
		puts_(&o, "Connection: keep-alive\r\n");
	put(&o, "\r\n", 2);
	b->len = (uint32_t)(o.p - b->data);
	return 0;
}
