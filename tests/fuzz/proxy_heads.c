/* Fuzzes the proxy's own head handling: the two rewrites (requests to
 * origin form, responses to the client, read by the response parser in
 * relay mode, which http_response fuzzes in pieces). The first byte picks
 * the direction; the rest is the head.
 *
 * Invariants:
 * - an accepted head, rewritten, parses again (strict parsers on both
 *   sides accept what the proxy writes) with the same status or method
 *   and target, the same framing, and no hop-by-hop field left;
 * - every span lies inside the head. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/conn.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static oc_proxy proxy;

static void in_head(uint16_t head_len, oc_http_span s)
{
	CHECK((size_t)s.off + s.len <= head_len);
}

/* Hop-by-hop fields by name; the last one differs by direction
 * (Proxy-Authorization in requests, Proxy-Authenticate in responses). */
static bool is_hop(const char *buf, oc_http_span name, const char *proxy_field)
{
	static const char *const hop[] = { "connection", "proxy-connection", "keep-alive", "te",
		"upgrade" };
	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (strlen(hop[i]) == name.len && !strncasecmp(buf + name.off, hop[i], name.len))
			return true;
	return strlen(proxy_field) == name.len && !strncasecmp(buf + name.off, proxy_field, name.len);
}

/* Read as the proxy reads upstream answers (exchange.c). */
static int relay_parse(oc_http_response_head *r, const char *buf, size_t len)
{
	oc_http_response_head_init(r);
	r->relay = true;
	r->max_head = UINT16_MAX;
	return oc_http_response_head_parse(r, buf, len);
}

static void response(const char *buf, size_t len)
{
	static oc_http_response_head a, c;
	if (relay_parse(&a, buf, len) != OC_HTTP_DONE)
		return;
	in_head(a.head_len, a.reason);
	for (int i = 0; i < a.nheaders; i++) {
		in_head(a.head_len, a.headers[i].name);
		in_head(a.head_len, a.headers[i].value);
	}
	struct px_buf out = { 0 };
	CHECK(px_rewrite_response(&out, &proxy, &a, buf, !a.keep_alive, a.version_minor == 0) == 0);
	/* The proxy's own Connection field may be one field too many for a
	 * reader with the same limit (its clients allow more). */
	int kept = 0;
	for (int i = 0; i < a.nheaders; i++)
		kept += !(a.headers[i].flags & OC_HTTP_HDR_HOP);
	bool own = !a.keep_alive || a.version_minor == 0;
	int rc = relay_parse(&c, out.data, out.len);
	if (kept + own > OC_HTTP_MAX_HEADERS) {
		CHECK(rc == OC_ELIMIT);
		px_buf_release(&proxy, &out);
		return;
	}
	CHECK(rc == OC_HTTP_DONE);
	CHECK(c.head_len == out.len && c.status == a.status && c.version_minor == 1);
	CHECK(c.framing == a.framing && c.content_length == a.content_length);
	CHECK(c.keep_alive == a.keep_alive || a.framing == OC_HTTP_BODY_UNTIL_CLOSE);
	for (int i = 0; i < c.nheaders; i++)
		CHECK(!is_hop(out.data, c.headers[i].name, "proxy-authenticate") ||
			(c.headers[i].name.len == 10 && (!a.keep_alive || a.version_minor == 0)));
	px_buf_release(&proxy, &out);
}

static void request(const char *buf, size_t len)
{
	oc_http_request *r = malloc(sizeof(*r)), *s = malloc(sizeof(*s));
	oc_http_request_init(r);
	if (oc_http_request_parse(r, buf, len) != OC_HTTP_DONE || r->method == OC_HTTP_CONNECT ||
	    r->form == OC_HTTP_FORM_ASTERISK)
		goto out;
	struct px_buf out = { 0 };
	CHECK(px_rewrite_request(&out, &proxy, r, buf, "fuzz.test") == 0);
	oc_http_request_init(s);
	CHECK(oc_http_request_parse(s, out.data, out.len) == OC_HTTP_DONE);
	CHECK(s->head_len == out.len && s->form == OC_HTTP_FORM_ORIGIN);
	CHECK(s->method_text.len == r->method_text.len &&
		!memcmp(out.data + s->method_text.off, buf + r->method_text.off, r->method_text.len));
	size_t skip = r->origin.len == 0 || buf[r->origin.off] == '?';
	CHECK(s->origin.len == r->origin.len + skip &&
		!memcmp(out.data + s->origin.off + skip, buf + r->origin.off, r->origin.len));
	CHECK(s->framing == r->framing && s->content_length == r->content_length);
	CHECK(s->version_minor == r->version_minor);
	for (int i = 0; i < s->nheaders; i++)
		CHECK(!is_hop(out.data, s->headers[i].name, "proxy-authorization"));
	px_buf_release(&proxy, &out);
out:
	free(r);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!proxy.pool.bufs && px_pool_init(&proxy.pool) < 0)
		return 0;
	if (size < 1)
		return 0;
	/* An exact-size copy, so that ASan sees any read past the end. */
	char *buf = malloc(size - 1 ? size - 1 : 1);
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1)
		response(buf, size - 1);
	else
		request(buf, size - 1);
	free(buf);
	return 0;
}
