/*
 * The request head parser (request.h). Lines are parsed as they complete:
 * memchr finds each LF, the line before it is checked once with table
 * lookups, and the header facts that decide framing are gathered on the
 * way; finish() judges them when the empty line arrives.
 */
#include "http/request.h"

#include <string.h>
#include <strings.h>

#include "http/authority.h"
#include "http/chars.h"
#include "http/fields.h"

enum { ST_REQUEST_LINE, ST_HEADERS, ST_DONE, ST_FAILED };

/* r->facts */
enum {
	F_CONTENT_LENGTH = 1u << 0,
	F_TRANSFER_ENCODING = 1u << 1,
	F_CHUNKED = 1u << 2,
	F_CHUNKED_LAST = 1u << 3,
	F_OTHER_CODING = 1u << 4,
	F_CONNECTION = 1u << 5,
	F_CLOSE = 1u << 6,
	F_KEEP_ALIVE = 1u << 7,
};

/* More Connection options than any client sends; bounds the hop-by-hop
 * marking (options x headers comparisons). */
#define MAX_CONNECTION_OPTIONS 32

static int fail(oc_http_request *r, uint16_t status, const char *why)
{
	r->state = ST_FAILED;
	r->status = status;
	r->error = why;
	return oc_error_set(status == 431 ? OC_ELIMIT : OC_EPARSE,
		"HTTP request refused with status %u: %s", status, why);
}

void oc_http_request_init(oc_http_request *r)
{
	/* Only the scalar part is cleared: headers[] is written before read. */
	memset(r, 0, offsetof(oc_http_request, headers));
	r->max_head = OC_HTTP_MAX_HEAD_DEFAULT;
	r->max_headers = OC_HTTP_MAX_HEADERS;
}

/* ---- request line ---- */

static const struct {
	const char *name;
	oc_http_method method;
} methods[] = {
	{ "GET", OC_HTTP_GET }, { "HEAD", OC_HTTP_HEAD }, { "POST", OC_HTTP_POST },
	{ "PUT", OC_HTTP_PUT }, { "DELETE", OC_HTTP_DELETE }, { "CONNECT", OC_HTTP_CONNECT },
	{ "OPTIONS", OC_HTTP_OPTIONS }, { "TRACE", OC_HTTP_TRACE }, { "PATCH", OC_HTTP_PATCH },
};

static oc_http_method method_of(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strlen(methods[i].name) == n && memcmp(methods[i].name, p, n) == 0)
			return methods[i].method;
	return OC_HTTP_METHOD_OTHER;
}

/* "." or ".." (each dot raw or %2e), looking only before any ';' since
 * some servers drop path parameters before resolving dots. */
static bool dot_segment(const char *s, size_t n)
{
	const char *semi = memchr(s, ';', n);
	if (semi)
		n = (size_t)(semi - s);
	size_t dots = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] == '%' && i + 2 < n && s[i + 1] == '2' && (s[i + 2] | 0x20) == 'e')
			dots++, i += 2;
		else
			return false;
	}
	return dots == 1 || dots == 2;
}

static int check_path(oc_http_request *r, const char *p, size_t n)
{
	size_t seg = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || p[i] == '/') {
			if (dot_segment(p + seg, i - seg))
				return fail(r, 400, "'.' and '..' path segments are not allowed");
			seg = i + 1;
		} else if (p[i] == '%') {
			if (i + 2 >= n || !oc_http_is((unsigned char)p[i + 1], OC_HTTP_C_HEX) ||
			    !oc_http_is((unsigned char)p[i + 2], OC_HTTP_C_HEX))
				return fail(r, 400, "bad %-escape in path");
			i += 2;
		} else if (!oc_http_is((unsigned char)p[i], OC_HTTP_C_PCHAR)) {
			return fail(r, 400, "byte not allowed in path (RFC 3986)");
		}
	}
	return 0;
}

/* Path and query of origin- and absolute-form, starting at off. */
static int path_and_query(oc_http_request *r, const char *buf, uint16_t off, uint16_t len)
{
	const char *p = buf + off;
	const char *q = memchr(p, '?', len);
	uint16_t plen = q ? (uint16_t)(q - p) : len;
	r->origin = (oc_http_span){ off, len };
	r->path = (oc_http_span){ off, plen };
	if (q) {
		r->flags |= OC_HTTP_REQ_HAS_QUERY;
		r->query = (oc_http_span){ (uint16_t)(off + plen + 1), (uint16_t)(len - plen - 1) };
		for (size_t i = 0; i < r->query.len; i++)
			if (!oc_http_is((unsigned char)q[1 + i], OC_HTTP_C_QUERY))
				return fail(r, 400, "byte not allowed in query");
	}
	return check_path(r, p, plen);
}

static int parse_target(oc_http_request *r, const char *buf)
{
	uint16_t off = r->target.off, len = r->target.len;
	const char *t = buf + off;
	const char *why;

	if (r->method == OC_HTTP_CONNECT) {
		r->form = OC_HTTP_FORM_AUTHORITY;
		if (oc_http_authority_parse(buf, off, len, true, &r->target_authority, &why))
			return fail(r, 400, why);
		return 0;
	}
	if (len == 1 && t[0] == '*') {
		r->form = OC_HTTP_FORM_ASTERISK;
		return r->method == OC_HTTP_OPTIONS ? 0 :
			fail(r, 400, "asterisk-form target is only for OPTIONS");
	}
	if (t[0] == '/') {
		r->form = OC_HTTP_FORM_ORIGIN;
		return path_and_query(r, buf, off, len);
	}
	if (len >= 7 && strncasecmp(t, "http://", 7) == 0) {
		r->form = OC_HTTP_FORM_ABSOLUTE;
		uint16_t a = 7;
		while (a < len && t[a] != '/' && t[a] != '?')
			a++;
		if (oc_http_authority_parse(buf, (uint16_t)(off + 7), (uint16_t)(a - 7), false,
			    &r->target_authority, &why))
			return fail(r, 400, why);
		return path_and_query(r, buf, (uint16_t)(off + a), (uint16_t)(len - a));
	}
	if (len >= 8 && strncasecmp(t, "https://", 8) == 0)
		return fail(r, 400, "https:// targets are not proxied as plain HTTP; use CONNECT");
	return fail(r, 400, "request-target must be /path, http://host/path, "
		"host:port (CONNECT) or * (OPTIONS)");
}

static int request_line(oc_http_request *r, const char *buf, uint16_t start, uint16_t n)
{
	const char *p = buf + start, *end = p + n;
	const char *sp1 = memchr(p, ' ', n);
	if (!sp1)
		return fail(r, 400, "request line has no target and version");
	const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2)
		return fail(r, 400, "request line has no HTTP version (HTTP/0.9 is not supported)");
	if (!oc_http_is_token(p, (size_t)(sp1 - p)))
		return fail(r, 400, "method is not a token");

	const char *v = sp2 + 1;
	size_t vlen = (size_t)(end - v);
	if (vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return fail(r, 400, memchr(v, ' ', vlen) ? "request line has extra spaces" :
			"malformed HTTP version");
	if (v[5] != '1' || v[7] > '1')
		return fail(r, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
	r->version_minor = (uint8_t)(v[7] - '0');

	r->method_text = (oc_http_span){ start, (uint16_t)(sp1 - p) };
	r->method = method_of(p, r->method_text.len);
	r->target = (oc_http_span){ (uint16_t)(sp1 + 1 - buf), (uint16_t)(sp2 - sp1 - 1) };
	if (r->target.len == 0)
		return fail(r, 400, "empty request-target (two spaces)");
	return parse_target(r, buf);
}

/* ---- header fields ---- */

enum kind { K_OTHER, K_HOST, K_CONTENT_LENGTH, K_TRANSFER_ENCODING, K_CONNECTION, K_HOP };

#define KNOWN(name, kind) { name, sizeof(name) - 1, kind }
static const struct {
	const char *name;
	uint16_t len;
	enum kind kind;
} known[] = {
	KNOWN("host", K_HOST),
	KNOWN("content-length", K_CONTENT_LENGTH),
	KNOWN("transfer-encoding", K_TRANSFER_ENCODING),
	KNOWN("connection", K_CONNECTION),
	KNOWN("proxy-connection", K_HOP),
	KNOWN("keep-alive", K_HOP),
	KNOWN("te", K_HOP),
	KNOWN("upgrade", K_HOP),
	KNOWN("proxy-authorization", K_HOP),
};

static enum kind kind_of(const char *buf, oc_http_span name)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].len == name.len && !strncasecmp(buf + name.off, known[i].name, name.len))
			return known[i].kind;
	return K_OTHER;
}

static int content_length(oc_http_request *r, const char *buf, oc_http_span v)
{
	if (r->facts & F_CONTENT_LENGTH)
		return fail(r, 400, "Content-Length sent more than once");
	r->facts |= F_CONTENT_LENGTH;
	const char *why = oc_http_content_length(buf + v.off, v.len, &r->content_length);
	return why ? fail(r, 400, why) : 0;
}

static int transfer_encoding(oc_http_request *r, const char *buf, oc_http_span v)
{
	oc_http_codings c = {
		.chunked = r->facts & F_CHUNKED,
		.chunked_last = r->facts & F_CHUNKED_LAST,
		.other = r->facts & F_OTHER_CODING,
	};
	r->facts |= F_TRANSFER_ENCODING;
	const char *why = oc_http_transfer_codings(buf, v, &c);
	if (why)
		return fail(r, 400, why);
	r->facts &= (uint8_t)~(F_CHUNKED | F_CHUNKED_LAST | F_OTHER_CODING);
	r->facts |= (uint8_t)((c.chunked ? F_CHUNKED : 0) | (c.chunked_last ? F_CHUNKED_LAST : 0) |
		(c.other ? F_OTHER_CODING : 0));
	return 0;
}

static int connection(oc_http_request *r, const char *buf, oc_http_span v)
{
	oc_http_span el;
	size_t pos = 0;
	r->facts |= F_CONNECTION;
	while (oc_http_list_next(buf, v, &pos, &el)) {
		if (el.len == 0)
			continue;
		if (!oc_http_is_token(buf + el.off, el.len))
			return fail(r, 400, "Connection must be a list of tokens");
		if (++r->conn_tokens > MAX_CONNECTION_OPTIONS)
			return fail(r, 400, "too many Connection options");
		enum kind k = kind_of(buf, el);
		if (k == K_HOST || k == K_CONTENT_LENGTH || k == K_TRANSFER_ENCODING)
			return fail(r, 400, "Connection names Host, Content-Length or Transfer-Encoding");
		if (oc_http_span_ieq(buf, el, "close"))
			r->facts |= F_CLOSE;
		else if (oc_http_span_ieq(buf, el, "keep-alive"))
			r->facts |= F_KEEP_ALIVE;
		else if (oc_http_span_ieq(buf, el, "upgrade"))
			r->flags |= OC_HTTP_REQ_UPGRADE;
	}
	return 0;
}

static int header_line(oc_http_request *r, const char *buf, uint16_t start, uint16_t n)
{
	oc_http_header field;
	const char *bad = oc_http_field_line(buf, start, n, &field);
	if (bad)
		return fail(r, 400, bad);
	if (r->nheaders >= r->max_headers)
		return fail(r, 431, "too many header fields");
	oc_http_header *h = &r->headers[r->nheaders++];
	*h = field;

	const char *why;
	switch (kind_of(buf, h->name)) {
	case K_HOST:
		if (r->flags & OC_HTTP_REQ_HAS_HOST)
			return fail(r, 400, "Host sent more than once");
		r->flags |= OC_HTTP_REQ_HAS_HOST;
		if (oc_http_authority_parse(buf, h->value.off, h->value.len, false, &r->host, &why))
			return fail(r, 400, why);
		return 0;
	case K_CONTENT_LENGTH:
		return content_length(r, buf, h->value);
	case K_TRANSFER_ENCODING:
		h->flags |= OC_HTTP_HDR_HOP;
		return transfer_encoding(r, buf, h->value);
	case K_CONNECTION:
		h->flags |= OC_HTTP_HDR_HOP;
		return connection(r, buf, h->value);
	case K_HOP:
		h->flags |= OC_HTTP_HDR_HOP;
		return 0;
	case K_OTHER:
		return 0;
	}
	return 0;
}

/* ---- the whole head ---- */

/* Marks every field named by a Connection option as hop-by-hop. */
static void mark_connection_options(oc_http_request *r, const char *buf)
{
	for (int c = oc_http_request_find(r, buf, "connection", 0); c >= 0;
	     c = oc_http_request_find(r, buf, "connection", c + 1)) {
		oc_http_span el;
		size_t pos = 0;
		while (oc_http_list_next(buf, r->headers[c].value, &pos, &el))
			for (size_t i = 0; el.len && i < r->nheaders; i++)
				if (r->headers[i].name.len == el.len &&
				    !strncasecmp(buf + r->headers[i].name.off, buf + el.off, el.len))
					r->headers[i].flags |= OC_HTTP_HDR_HOP;
	}
}

static int check_host(oc_http_request *r, const char *buf)
{
	if (!(r->flags & OC_HTTP_REQ_HAS_HOST))
		return r->version_minor == 1 ? fail(r, 400, "HTTP/1.1 request without Host") : 0;
	if (r->form == OC_HTTP_FORM_ABSOLUTE &&
	    !oc_http_authority_same(buf, &r->target_authority, &r->host, 80))
		return fail(r, 400, "Host does not match the request target");
	if (r->form == OC_HTTP_FORM_AUTHORITY &&
	    !oc_http_authority_same(buf, &r->target_authority, &r->host, 0))
		return fail(r, 400, "Host does not match the CONNECT target");
	return 0;
}

static int check_framing(oc_http_request *r)
{
	if (r->facts & F_TRANSFER_ENCODING) {
		if (r->facts & F_CONTENT_LENGTH)
			return fail(r, 400, "both Content-Length and Transfer-Encoding");
		if (r->version_minor == 0)
			return fail(r, 400, "Transfer-Encoding in an HTTP/1.0 request");
		if (r->method == OC_HTTP_CONNECT)
			return fail(r, 400, "CONNECT request with a body");
		if (!(r->facts & F_CHUNKED_LAST))
			return fail(r, 400, "Transfer-Encoding must end with chunked");
		if (r->facts & F_OTHER_CODING)
			return fail(r, 501, "transfer codings other than chunked are not supported");
		r->framing = OC_HTTP_BODY_CHUNKED;
	} else if (r->content_length) {
		if (r->method == OC_HTTP_CONNECT)
			return fail(r, 400, "CONNECT request with a body");
		r->framing = OC_HTTP_BODY_LENGTH;
	}
	return 0;
}

static int finish(oc_http_request *r, const char *buf)
{
	int rc = check_host(r, buf);
	if (!rc)
		rc = check_framing(r);
	if (rc)
		return rc;
	bool close = r->facts & F_CLOSE;
	if (r->version_minor == 1 ? !close : (r->facts & F_KEEP_ALIVE) && !close)
		r->flags |= OC_HTTP_REQ_KEEP_ALIVE;
	if (r->facts & F_CONNECTION)
		mark_connection_options(r, buf);
	r->state = ST_DONE;
	return OC_HTTP_DONE;
}

/* One complete line without its CRLF. */
static int line(oc_http_request *r, const char *buf, uint16_t start, uint16_t n)
{
	if (r->state == ST_REQUEST_LINE) {
		if (n == 0)
			return 0; /* empty line before the request line */
		r->state = ST_HEADERS;
		return request_line(r, buf, start, n);
	}
	if (n == 0) {
		r->head_len = (uint16_t)(start + 2);
		return finish(r, buf);
	}
	return header_line(r, buf, start, n);
}

int oc_http_request_parse(oc_http_request *r, const char *buf, size_t len)
{
	if (r->state == ST_DONE)
		return OC_HTTP_DONE;
	if (r->state == ST_FAILED)
		return r->status == 431 ? OC_ELIMIT : OC_EPARSE;
	size_t limit = len < r->max_head ? len : r->max_head;
	oc_http_span ln;
	const char *why;
	int got;
	while ((got = oc_http_head_line(buf, limit, &r->line_start, &r->scanned, &ln, &why)) == 1) {
		int rc = line(r, buf, ln.off, ln.len);
		if (rc)
			return rc;
	}
	if (got < 0)
		return fail(r, 400, why);
	if (len >= r->max_head)
		return fail(r, 431, "request head too large");
	return OC_HTTP_MORE;
}

int oc_http_request_find(const oc_http_request *r, const char *buf, const char *name, int from)
{
	return oc_http_headers_find(r->headers, r->nheaders, buf, name, from);
}

const oc_http_authority *oc_http_request_authority(const oc_http_request *r)
{
	if (r->form == OC_HTTP_FORM_ABSOLUTE || r->form == OC_HTTP_FORM_AUTHORITY)
		return &r->target_authority;
	return r->flags & OC_HTTP_REQ_HAS_HOST ? &r->host : NULL;
}
