/* Response heads (reshead.h): lines as they complete (oc_http_head_line),
 * each field checked by the shared field grammar; the framing facts are
 * judged when the empty line arrives. */
#include "proxy/reshead.h"

#include <string.h>
#include <strings.h>

#include "http/chars.h"

static int fail(px_response *r, const char *why)
{
	r->error = why;
	return oc_error_set(OC_EPARSE, "upstream response refused: %s", why);
}

void px_response_init(px_response *r)
{
	memset(r, 0, offsetof(px_response, headers));
}

static int status_line(px_response *r, const char *p, uint16_t n)
{
	/* "HTTP/1.x 200" and optionally " reason" */
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
		return fail(r, "status line is not HTTP/1.0 or HTTP/1.1");
	for (int i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return fail(r, "status code is not three digits");
	if (n > 12 && p[12] != ' ')
		return fail(r, "status code is not followed by a space");
	for (uint16_t i = 13; i < n; i++)
		if (!oc_http_is((unsigned char)p[i], OC_HTTP_C_FIELD))
			return fail(r, "control byte in the reason phrase");
	r->version_minor = (uint8_t)(p[7] - '0');
	r->status = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
	r->status_rest = (oc_http_span){ 9, (uint16_t)(n - 9) };
	r->close = r->version_minor == 0; /* until a keep-alive option says otherwise */
	r->started = true;
	return 0;
}

/* Transfer-Encoding is not here: the body goes on with its codings as
 * they are, so the field that names them goes with it. */
static const char *const hop_names[] = { "connection", "proxy-connection", "keep-alive", "te",
	"upgrade", "proxy-authenticate" };

static int header_line(px_response *r, const char *buf, oc_http_span line)
{
	oc_http_header h;
	const char *why = oc_http_field_line(buf, line.off, line.len, &h);
	if (why)
		return fail(r, why);
	if (r->nheaders >= OC_HTTP_MAX_HEADERS)
		return fail(r, "too many response header fields");
	for (size_t k = 0; k < sizeof(hop_names) / sizeof(hop_names[0]); k++)
		if (oc_http_span_ieq(buf, h.name, hop_names[k]))
			h.flags |= OC_HTTP_HDR_HOP;
	r->headers[r->nheaders++] = h;
	if (oc_http_span_ieq(buf, h.name, "content-length")) {
		if (r->has_length)
			return fail(r, "Content-Length sent more than once");
		r->has_length = true;
		why = oc_http_content_length(buf + h.value.off, h.value.len, &r->content_length);
	} else if (oc_http_span_ieq(buf, h.name, "transfer-encoding")) {
		why = oc_http_transfer_codings(buf, h.value, &r->codings);
	}
	return why ? fail(r, why) : 0;
}

/* Connection options: close, keep-alive (HTTP/1.0), and the fields they
 * name, which are hop-by-hop too. */
static int connection(px_response *r, const char *buf, oc_http_span v)
{
	oc_http_span el;
	size_t pos = 0;
	while (oc_http_list_next(buf, v, &pos, &el)) {
		if (el.len == 0)
			continue;
		if (!oc_http_is_token(buf + el.off, el.len))
			return fail(r, "Connection must be a list of tokens");
		if (oc_http_span_ieq(buf, el, "content-length") ||
		    oc_http_span_ieq(buf, el, "transfer-encoding"))
			return fail(r, "Connection names Content-Length or Transfer-Encoding");
		if (oc_http_span_ieq(buf, el, "close"))
			r->close = true;
		else if (oc_http_span_ieq(buf, el, "keep-alive") && r->version_minor == 0)
			r->close = false;
		for (uint8_t i = 0; i < r->nheaders; i++)
			if (r->headers[i].name.len == el.len &&
			    !strncasecmp(buf + r->headers[i].name.off, buf + el.off, el.len))
				r->headers[i].flags |= OC_HTTP_HDR_HOP;
	}
	return 0;
}

static int finish(px_response *r, const char *buf)
{
	for (int i = oc_http_headers_find(r->headers, r->nheaders, buf, "connection", 0); i >= 0;
	     i = oc_http_headers_find(r->headers, r->nheaders, buf, "connection", i + 1)) {
		int rc = connection(r, buf, r->headers[i].value);
		if (rc)
			return rc;
	}
	bool te = r->codings.chunked || r->codings.other;
	if (te && r->has_length)
		return fail(r, "both Content-Length and Transfer-Encoding");
	if (te && r->version_minor == 0)
		return fail(r, "Transfer-Encoding in an HTTP/1.0 response");
	/* Only a chunked that comes last frames the body; anything else
	 * runs until the server closes. */
	r->chunked = r->codings.chunked_last;
	r->other_coding = te && !r->chunked;
	return OC_HTTP_DONE;
}

int px_response_parse(px_response *r, const char *buf, size_t len, size_t max)
{
	if (r->head_len)
		return OC_HTTP_DONE;
	if (r->error)
		return OC_EPARSE;
	if (max > 65535)
		max = 65535;
	size_t limit = len < max ? len : max;
	oc_http_span line;
	const char *why;
	int got;
	while ((got = oc_http_head_line(buf, limit, &r->line_start, &r->scanned, &line, &why)) == 1) {
		int rc;
		if (!r->started) {
			rc = status_line(r, buf + line.off, line.len);
		} else if (line.len == 0) {
			r->head_len = r->line_start;
			rc = finish(r, buf);
			if (rc < 0)
				r->head_len = 0;
			return rc;
		} else {
			rc = header_line(r, buf, line);
		}
		if (rc)
			return rc;
	}
	if (got < 0)
		return fail(r, why);
	return len >= max ? fail(r, "response head too large") : OC_HTTP_MORE;
}
