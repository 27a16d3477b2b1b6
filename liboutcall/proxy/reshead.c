/* Response heads (reshead.h): the end of the head is found first (a
 * memmem from where the last call stopped); the lines are then checked
 * once, the framing facts gathered on the way. */
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

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool span_is(const char *buf, oc_http_span s, const char *name)
{
	return strlen(name) == s.len && strncasecmp(buf + s.off, name, s.len) == 0;
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
	if (r->version_minor == 0)
		r->close = true; /* until a keep-alive option says otherwise */
	return 0;
}

static int content_length(px_response *r, const char *v, uint16_t n)
{
	if (r->has_length)
		return fail(r, "Content-Length sent more than once");
	if (n == 0 || n > 18)
		return fail(r, "Content-Length must be 1 to 18 digits");
	uint64_t len = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return fail(r, "Content-Length must be digits only");
		len = len * 10 + (uint64_t)(v[i] - '0');
	}
	r->has_length = true;
	r->content_length = len;
	return 0;
}

/* Calls fn for each non-empty comma-separated element, trimmed. */
static int each_element(px_response *r, const char *buf, oc_http_span v,
	int (*fn)(px_response *, const char *, oc_http_span))
{
	size_t i = v.off, end = (size_t)v.off + v.len;
	while (i <= end) {
		const char *comma = memchr(buf + i, ',', end - i);
		size_t e = comma ? (size_t)(comma - buf) : end, s = i;
		i = e + 1;
		while (s < e && is_ows(buf[s]))
			s++;
		while (e > s && is_ows(buf[e - 1]))
			e--;
		if (e > s) {
			int rc = fn(r, buf, (oc_http_span){ (uint16_t)s, (uint16_t)(e - s) });
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int coding(px_response *r, const char *buf, oc_http_span el)
{
	/* Only a chunked that comes last frames the body. */
	r->chunked = span_is(buf, el, "chunked");
	r->other_coding = !r->chunked;
	return 0;
}

static int connection_option(px_response *r, const char *buf, oc_http_span el)
{
	for (uint16_t i = 0; i < el.len; i++)
		if (!oc_http_is((unsigned char)buf[el.off + i], OC_HTTP_C_TCHAR))
			return fail(r, "Connection must be a list of tokens");
	if (span_is(buf, el, "content-length") || span_is(buf, el, "transfer-encoding"))
		return fail(r, "Connection names Content-Length or Transfer-Encoding");
	if (span_is(buf, el, "close"))
		r->close = true;
	else if (span_is(buf, el, "keep-alive") && r->version_minor == 0)
		r->close = false;
	for (uint8_t i = 0; i < r->nheaders; i++)
		if (r->headers[i].name.len == el.len &&
		    !strncasecmp(buf + r->headers[i].name.off, buf + el.off, el.len))
			r->headers[i].hop = true;
	return 0;
}

/* Transfer-Encoding is not here: the body goes on with its codings as
 * they are, so the field that names them goes with it. */
static const char *const hop_names[] = { "connection", "proxy-connection", "keep-alive", "te",
	"upgrade", "proxy-authenticate" };

static int header_line(px_response *r, const char *buf, uint16_t start, uint16_t n)
{
	const char *p = buf + start;
	if (is_ows(p[0]))
		return fail(r, "obs-fold in a response header");
	uint16_t i = 0;
	while (i < n && oc_http_is((unsigned char)p[i], OC_HTTP_C_TCHAR))
		i++;
	if (i == 0 || i == n || p[i] != ':')
		return fail(r, "response header line is not 'name: value'");
	uint16_t vs = (uint16_t)(i + 1), ve = n;
	while (vs < ve && is_ows(p[vs]))
		vs++;
	while (ve > vs && is_ows(p[ve - 1]))
		ve--;
	for (uint16_t j = vs; j < ve; j++)
		if (!oc_http_is((unsigned char)p[j], OC_HTTP_C_FIELD))
			return fail(r, "control byte in a response header value");
	if (r->nheaders >= OC_HTTP_MAX_HEADERS)
		return fail(r, "too many response header fields");
	px_res_header *h = &r->headers[r->nheaders++];
	*h = (px_res_header){ .name = { start, i }, .value = { (uint16_t)(start + vs), (uint16_t)(ve - vs) } };
	for (size_t k = 0; k < sizeof(hop_names) / sizeof(hop_names[0]); k++)
		if (span_is(buf, h->name, hop_names[k]))
			h->hop = true;
	if (span_is(buf, h->name, "content-length"))
		return content_length(r, buf + h->value.off, h->value.len);
	return 0;
}

/* Second pass: options that refer to other fields, and the framing. */
static int finish(px_response *r, const char *buf)
{
	bool te = false;
	for (uint8_t i = 0; i < r->nheaders; i++) {
		const px_res_header *h = &r->headers[i];
		int rc = 0;
		if (span_is(buf, h->name, "transfer-encoding")) {
			te = true;
			rc = each_element(r, buf, h->value, coding);
		} else if (span_is(buf, h->name, "connection")) {
			rc = each_element(r, buf, h->value, connection_option);
		}
		if (rc)
			return rc;
	}
	if (te && r->has_length)
		return fail(r, "both Content-Length and Transfer-Encoding");
	if (te && r->version_minor == 0)
		return fail(r, "Transfer-Encoding in an HTTP/1.0 response");
	return OC_HTTP_DONE;
}

int px_response_parse(px_response *r, const char *buf, size_t len, size_t max)
{
	if (max > 65535)
		max = 65535;
	size_t limit = len < max ? len : max;
	size_t from = r->scanned > 3 ? r->scanned - 3u : 0;
	const char *end = limit > from ? memmem(buf + from, limit - from, "\r\n\r\n", 4) : NULL;
	if (!end) {
		r->scanned = (uint16_t)limit;
		return len >= max ? fail(r, "response head too large") : OC_HTTP_MORE;
	}
	r->head_len = (uint16_t)(end - buf + 4);
	uint16_t line = 0;
	for (bool first = true; line < r->head_len - 2; first = false) {
		const char *lf = memchr(buf + line, '\n', (size_t)(r->head_len - line));
		uint16_t n = (uint16_t)(lf - buf - line);
		if (n == 0 || buf[line + n - 1] != '\r')
			return fail(r, "bare LF in the response head");
		n--;
		if (memchr(buf + line, '\r', n) || memchr(buf + line, '\0', n))
			return fail(r, "bare CR or NUL in the response head");
		int rc = first ? status_line(r, buf + line, n) : header_line(r, buf, line, n);
		if (rc)
			return rc;
		line = (uint16_t)(line + n + 2);
	}
	return finish(r, buf);
}
