/* Fuzzes the proxy's own head handling: the response head parser and the
 * two rewrites (requests to origin form, responses to the client). The
 * first byte picks the direction; the rest is the head.
 *
 * Invariants:
 * - a response head parses to the same result in one call and in pieces;
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

static void response(const char *buf, size_t len)
{
	px_response a, b;
	px_response_init(&a);
	px_response_init(&b);
	int ra = px_response_parse(&a, buf, len, 65535);
	int rb = OC_HTTP_MORE;
	for (size_t k = 1; k <= len && rb == OC_HTTP_MORE; k += 1 + k / 3)
		rb = px_response_parse(&b, buf, k, 65535);
	if (rb == OC_HTTP_MORE)
		rb = px_response_parse(&b, buf, len, 65535);
	CHECK(ra == rb);
	if (ra != OC_HTTP_DONE)
		return;
	CHECK(a.head_len == b.head_len && a.head_len <= len);
	in_head(a.head_len, a.status_rest);
	for (int i = 0; i < a.nheaders; i++) {
		in_head(a.head_len, a.headers[i].name);
		in_head(a.head_len, a.headers[i].value);
	}
	struct px_buf out = { 0 };
	CHECK(px_rewrite_response(&out, &proxy, &a, buf, a.close, a.version_minor == 0) == 0);
	px_response c;
	px_response_init(&c);
	CHECK(px_response_parse(&c, out.data, out.len, 65535) == OC_HTTP_DONE);
	CHECK(c.head_len == out.len && c.status == a.status);
	CHECK(c.has_length == a.has_length && c.content_length == a.content_length);
	CHECK(c.chunked == a.chunked && c.other_coding == a.other_coding);
	for (int i = 0; i < c.nheaders; i++)
		CHECK(!is_hop(out.data, c.headers[i].name, "proxy-authenticate") ||
			(c.headers[i].name.len == 10 && (a.close || a.version_minor == 0)));
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
