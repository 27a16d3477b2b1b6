/* Field syntax shared by the two head parsers (fields.h). */
#include "http/fields.h"

#include <string.h>
#include <strings.h>

#include "http/chars.h"

/* Here, not in request.c: the response parser needs it without the
 * request parser (the static shim builds the one and not the other). */
bool oc_http_span_ieq(const char *buf, oc_http_span s, const char *name)
{
	return strlen(name) == s.len && strncasecmp(buf + s.off, name, s.len) == 0;
}

int oc_http_head_line(const char *buf, size_t limit, uint16_t *line_start, uint16_t *scanned,
	oc_http_span *line, const char **why)
{
	size_t pos = *scanned;
	const char *lf = pos < limit ? memchr(buf + pos, '\n', limit - pos) : NULL;
	if (!lf) {
		*scanned = (uint16_t)(limit > pos ? limit : pos);
		return 0;
	}
	size_t end = (size_t)(lf - buf), start = *line_start;
	if (end == start || buf[end - 1] != '\r') {
		*why = "bare LF (lines must end with CRLF)";
		return -1;
	}
	if (memchr(buf + start, '\r', end - 1 - start)) {
		*why = "bare CR (CR not followed by LF)";
		return -1;
	}
	*line = (oc_http_span){ (uint16_t)start, (uint16_t)(end - 1 - start) };
	*line_start = *scanned = (uint16_t)(end + 1);
	return 1;
}

bool oc_http_is_token(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!oc_http_is((unsigned char)p[i], OC_HTTP_C_TCHAR))
			return false;
	return true;
}

bool oc_http_list_next(const char *buf, oc_http_span v, size_t *pos, oc_http_span *el)
{
	if (*pos > v.len)
		return false;
	const char *p = buf + v.off;
	const char *comma = memchr(p + *pos, ',', v.len - *pos);
	size_t s = *pos, e = comma ? (size_t)(comma - p) : v.len;
	*pos = e + 1;
	while (s < e && oc_http_is_ows(p[s]))
		s++;
	while (e > s && oc_http_is_ows(p[e - 1]))
		e--;
	*el = (oc_http_span){ (uint16_t)(v.off + s), (uint16_t)(e - s) };
	return true;
}

const char *oc_http_field_line(const char *buf, uint16_t start, uint16_t n, oc_http_header *out)
{
	const char *p = buf + start;
	if (oc_http_is_ows(p[0]))
		return "obs-fold (a header line starting with whitespace) is not allowed";
	uint16_t i = 0;
	while (i < n && oc_http_is((unsigned char)p[i], OC_HTTP_C_TCHAR))
		i++;
	if (i == n)
		return "header line without ':'";
	if (p[i] != ':')
		return oc_http_is_ows(p[i]) ? "whitespace between header name and ':'" :
			"header name is not a token";
	if (i == 0)
		return "empty header name";

	uint16_t vs = (uint16_t)(i + 1), ve = n;
	while (vs < ve && oc_http_is_ows(p[vs]))
		vs++;
	while (ve > vs && oc_http_is_ows(p[ve - 1]))
		ve--;
	for (uint16_t j = vs; j < ve; j++)
		if (!oc_http_is((unsigned char)p[j], OC_HTTP_C_FIELD))
			return p[j] ? "control byte in header value" : "NUL byte in header value";
	*out = (oc_http_header){
		.name = { start, i },
		.value = { (uint16_t)(start + vs), (uint16_t)(ve - vs) },
	};
	return NULL;
}

int oc_http_headers_find(const oc_http_header *h, size_t n, const char *buf, const char *name,
	int from)
{
	for (size_t i = from < 0 ? 0 : (size_t)from; i < n; i++)
		if (oc_http_span_ieq(buf, h[i].name, name))
			return (int)i;
	return -1;
}

const char *oc_http_content_length(const char *p, size_t n, uint64_t *out)
{
	if (n == 0 || n > 19)
		return "Content-Length must be 1 to 19 digits";
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return "Content-Length must be digits only";
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > INT64_MAX)
		return "Content-Length is larger than 2^63-1";
	*out = v;
	return NULL;
}

const char *oc_http_transfer_codings(const char *buf, oc_http_span v, oc_http_codings *c)
{
	oc_http_span el;
	size_t pos = 0;
	while (oc_http_list_next(buf, v, &pos, &el)) {
		if (el.len == 0)
			return "empty element in Transfer-Encoding";
		if (oc_http_span_ieq(buf, el, "chunked")) {
			if (c->chunked)
				return "chunked applied more than once";
			c->chunked = c->chunked_last = true;
		} else {
			c->other = true;
			c->chunked_last = false;
		}
	}
	return NULL;
}
