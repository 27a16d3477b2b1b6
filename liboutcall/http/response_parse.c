/*
 * The response head parser (response_parse.h). Lines are cut and header
 * lines checked by the code the request parser uses (fields.h); what is
 * particular to responses is the status line and how framing is decided.
 */
#include "http/response_parse.h"

#include <string.h>
#include <strings.h>

#include "http/chars.h"
#include "http/fields.h"

enum { ST_STATUS_LINE, ST_HEADERS, ST_DONE, ST_FAILED };

/* r->facts */
enum {
	F_CONTENT_LENGTH = 1u << 0,
	F_TRANSFER_ENCODING = 1u << 1,
	F_CLOSE = 1u << 2,
	F_KEEP_ALIVE = 1u << 3,
};

static int fail(oc_http_response_head *r, int code, const char *why)
{
	r->state = ST_FAILED;
	r->failure = (int8_t)code;
	r->error = why;
	return oc_error_set(code, "HTTP response refused: %s", why);
}

void oc_http_response_head_init(oc_http_response_head *r)
{
	memset(r, 0, offsetof(oc_http_response_head, headers));
	r->max_head = OC_HTTP_MAX_HEAD_DEFAULT;
	r->max_headers = OC_HTTP_MAX_HEADERS;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static int status_line(oc_http_response_head *r, const char *buf, uint16_t start, uint16_t n)
{
	const char *p = buf + start;
	/* "HTTP/1.1 200 " is the shortest (a relay: "HTTP/1.1 200"). */
	if (n < 12 || memcmp(p, "HTTP/", 5) != 0 || !digit(p[5]) || p[6] != '.' || !digit(p[7]) ||
	    p[8] != ' ')
		return fail(r, OC_EPARSE, "status line must be 'HTTP/1.x CODE REASON'");
	if (p[5] != '1' || p[7] > '1')
		return fail(r, OC_EPARSE, "only HTTP/1.0 and HTTP/1.1 responses are understood");
	r->version_minor = (uint8_t)(p[7] - '0');
	if (!digit(p[9]) || !digit(p[10]) || !digit(p[11]) ||
	    (n == 12 ? !r->relay : p[12] != ' '))
		return fail(r, OC_EPARSE, "status code must be three digits followed by a space");
	r->status = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
	if (r->status < 100 || r->status > 599)
		return fail(r, OC_EPARSE, "status code out of range");
	if (r->status < 200 && !r->relay)
		return fail(r, OC_EPARSE, "interim (1xx) responses are not expected");
	for (uint16_t i = 13; i < n; i++)
		if (!oc_http_is((unsigned char)p[i], OC_HTTP_C_FIELD))
			return fail(r, OC_EPARSE, "control byte in the reason phrase");
	uint16_t reason = n > 12 ? 13 : 12;
	r->reason = (oc_http_span){ (uint16_t)(start + reason), (uint16_t)(n - reason) };
	return 0;
}

/* Hop-by-hop by name; Connection may name more (connection()). */
static const char *const hop_names[] = { "connection", "proxy-connection", "keep-alive", "te",
	"upgrade", "proxy-authenticate" };

static int header_line(oc_http_response_head *r, const char *buf, uint16_t start, uint16_t n)
{
	oc_http_header h;
	const char *why = oc_http_field_line(buf, start, n, &h);
	if (why)
		return fail(r, OC_EPARSE, why);
	if (r->nheaders >= r->max_headers)
		return fail(r, OC_ELIMIT, "too many header fields");
	for (size_t k = 0; k < sizeof(hop_names) / sizeof(hop_names[0]); k++)
		if (oc_http_span_ieq(buf, h.name, hop_names[k]))
			h.flags |= OC_HTTP_HDR_HOP;
	r->headers[r->nheaders++] = h;
	if (oc_http_span_ieq(buf, h.name, "content-length")) {
		if (r->facts & F_CONTENT_LENGTH)
			return fail(r, OC_EPARSE, "Content-Length sent more than once");
		r->facts |= F_CONTENT_LENGTH;
		why = oc_http_content_length(buf + h.value.off, h.value.len, &r->content_length);
		return why ? fail(r, OC_EPARSE, why) : 0;
	}
	if (oc_http_span_ieq(buf, h.name, "transfer-encoding")) {
		r->facts |= F_TRANSFER_ENCODING;
		why = oc_http_transfer_codings(buf, h.value, &r->codings);
		return why ? fail(r, OC_EPARSE, why) : 0;
	}
	return 0;
}

/* The options of one Connection field: close, keep-alive, and the fields
 * they name, which are hop-by-hop too. Read once the head is complete, as
 * an option may name a field that comes after it. */
static int connection(oc_http_response_head *r, const char *buf, oc_http_span v)
{
	oc_http_span el;
	size_t pos = 0;
	while (oc_http_list_next(buf, v, &pos, &el)) {
		if (el.len == 0)
			continue;
		if (!oc_http_is_token(buf + el.off, el.len))
			return fail(r, OC_EPARSE, "Connection must be a list of tokens");
		if (oc_http_span_ieq(buf, el, "content-length") ||
		    oc_http_span_ieq(buf, el, "transfer-encoding"))
			return fail(r, OC_EPARSE, "Connection names Content-Length or Transfer-Encoding");
		if (oc_http_span_ieq(buf, el, "close"))
			r->facts |= F_CLOSE;
		else if (oc_http_span_ieq(buf, el, "keep-alive"))
			r->facts |= F_KEEP_ALIVE;
		for (uint8_t i = 0; i < r->nheaders; i++)
			if (r->headers[i].name.len == el.len &&
			    !strncasecmp(buf + r->headers[i].name.off, buf + el.off, el.len))
				r->headers[i].flags |= OC_HTTP_HDR_HOP;
	}
	return 0;
}

static int finish(oc_http_response_head *r, const char *buf)
{
	for (int i = oc_http_response_head_find(r, buf, "connection", 0); i >= 0;
	     i = oc_http_response_head_find(r, buf, "connection", i + 1)) {
		int rc = connection(r, buf, r->headers[i].value);
		if (rc)
			return rc;
	}
	if (r->facts & F_TRANSFER_ENCODING) {
		if (r->facts & F_CONTENT_LENGTH)
			return fail(r, OC_EPARSE, "both Content-Length and Transfer-Encoding");
		if (r->version_minor == 0)
			return fail(r, OC_EPARSE, "Transfer-Encoding in an HTTP/1.0 response");
		if (!r->relay && !r->codings.chunked_last)
			return fail(r, OC_EPARSE, "Transfer-Encoding must end with chunked");
		if (!r->relay && r->codings.other)
			return fail(r, OC_EPARSE, "transfer codings other than chunked were not asked for");
	}
	bool close = r->facts & F_CLOSE;
	r->keep_alive = r->version_minor == 1 ? !close : (r->facts & F_KEEP_ALIVE) && !close;
	if (r->head || r->status < 200 || r->status == 204 || r->status == 304) {
		r->framing = OC_HTTP_BODY_NONE;
	} else if (r->codings.chunked_last) {
		r->framing = OC_HTTP_BODY_CHUNKED;
	} else if (r->facts & F_CONTENT_LENGTH) {
		r->framing = r->content_length ? OC_HTTP_BODY_LENGTH : OC_HTTP_BODY_NONE;
	} else {
		/* No framing, or (for a relay) codings that do not end with
		 * chunked: only the server's close ends the body. */
		r->framing = OC_HTTP_BODY_UNTIL_CLOSE;
		r->keep_alive = false;
	}
	r->state = ST_DONE;
	return OC_HTTP_DONE;
}

static int line(oc_http_response_head *r, const char *buf, uint16_t start, uint16_t n)
{
	if (r->state == ST_STATUS_LINE) {
		r->state = ST_HEADERS;
		return status_line(r, buf, start, n);
	}
	if (n == 0) {
		r->head_len = (uint16_t)(start + 2);
		return finish(r, buf);
	}
	return header_line(r, buf, start, n);
}

int oc_http_response_head_parse(oc_http_response_head *r, const char *buf, size_t len)
{
	if (r->state == ST_DONE)
		return OC_HTTP_DONE;
	if (r->state == ST_FAILED)
		return r->failure;
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
		return fail(r, OC_EPARSE, why);
	if (len >= r->max_head)
		return fail(r, OC_ELIMIT, "response head too large");
	return OC_HTTP_MORE;
}

int oc_http_response_head_find(const oc_http_response_head *r, const char *buf, const char *name,
	int from)
{
	return oc_http_headers_find(r->headers, r->nheaders, buf, name, from);
}
