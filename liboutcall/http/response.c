#include "http/response.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/chars.h"

const char *oc_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}

/* The writer's own fields; an extra copy would contradict them. */
static const char *const reserved[] = {
	"content-length", "transfer-encoding", "connection", "date", "content-type",
};

static int check_value(const char *name, const char *value)
{
	for (const char *v = value; *v; v++)
		if (!oc_http_is((unsigned char)*v, OC_HTTP_C_FIELD))
			return oc_error_set(OC_EINVAL, "response header '%s' has a control byte in its value",
				name);
	return 0;
}

static int check_field(const oc_kv *kv)
{
	size_t n = strlen(kv->key);
	bool ok = n > 0;
	for (size_t i = 0; ok && i < n; i++)
		ok = oc_http_is((unsigned char)kv->key[i], OC_HTTP_C_TCHAR);
	if (!ok)
		return oc_error_set(OC_EINVAL, "response header name '%s' is not a token", kv->key);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcasecmp(kv->key, reserved[i]))
			return oc_error_set(OC_EINVAL, "response header '%s' is set by the writer", kv->key);
	return check_value(kv->key, kv->value);
}

/* IMF-fixdate (RFC 9110 §5.6.7), spelled out so that the embedder's
 * locale cannot change it. */
static int put_date(oc_buf *out)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t now = time(NULL);
	gmtime_r(&now, &tm);
	return oc_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
		days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
		tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int oc_http_response_write(oc_buf *out, const oc_http_response *r)
{
	if (r->status < 100 || r->status > 599)
		return oc_error_set(OC_EINVAL, "HTTP status %d is outside 100..599", r->status);
	if (r->content_type && check_value("Content-Type", r->content_type))
		return OC_EINVAL;
	for (size_t i = 0; i < r->nheaders; i++) {
		int rc = check_field(&r->headers[i]);
		if (rc)
			return rc;
	}
	bool bodyless = r->status < 200 || r->status == 204 || r->status == 304;
	size_t start = out->len;
	int rc = oc_buf_printf(out, "HTTP/1.1 %d %s\r\n", r->status, oc_http_reason(r->status));
	if (!rc)
		rc = put_date(out);
	if (!rc && r->content_type && !bodyless)
		rc = oc_buf_printf(out, "Content-Type: %s\r\n", r->content_type);
	if (!rc && !bodyless)
		rc = oc_buf_printf(out, "Content-Length: %zu\r\n", r->body_len);
	if (!rc)
		rc = oc_buf_puts(out, r->close ? "Connection: close\r\n" : "Connection: keep-alive\r\n");
	for (size_t i = 0; !rc && i < r->nheaders; i++)
		rc = oc_buf_printf(out, "%s: %s\r\n", r->headers[i].key, r->headers[i].value);
	if (!rc)
		rc = oc_buf_puts(out, "\r\n");
	if (!rc && !bodyless && !r->head && r->body_len)
		rc = oc_buf_append(out, r->body, r->body_len);
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}

int oc_http_response_text(oc_buf *out, int status, const char *text, bool close)
{
	oc_http_response r = {
		.status = status,
		.content_type = "text/plain; charset=utf-8",
		.body = text,
		.body_len = strlen(text),
		.close = close,
	};
	return oc_http_response_write(out, &r);
}
