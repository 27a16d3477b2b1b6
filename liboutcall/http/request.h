/*
 * Strict, incremental, zero-copy HTTP/1.1 request head parser (RFC 9110,
 * RFC 9112), built for a proxy that must see a request exactly as the
 * upstream will.
 *
 * Use: oc_http_request_init(), then call oc_http_request_parse() with all
 * bytes received so far for this request (buf starts at the request's
 * first byte; buf may be moved or grown between calls, only its contents
 * up to the previous len must stay the same). Each call resumes where the
 * previous one stopped, so a head is scanned once however it arrives.
 * Results are spans (offset, length) into that buffer: nothing is copied.
 * After OC_HTTP_DONE the head is r->head_len bytes; bytes after it are the
 * body (see r->framing) or the next request. For the next request on the
 * connection, init again and pass the buffer from that request's start.
 *
 * What is refused (the answer is in r->status, the reason in r->error):
 *  400  bare LF or bare CR anywhere in the head (lines end in CRLF only);
 *       NUL and other control bytes (HTAB is allowed in values);
 *       request line not exactly "method SP target SP version";
 *       HTTP/0.9 (no version); method not a token;
 *       request-target not origin-form ("/path?query"), absolute-form with
 *       http:// only, authority-form (host:port) for CONNECT only, or "*"
 *       for OPTIONS only; path bytes outside RFC 3986 pchar or a bad
 *       %-escape; '.' or '..' path segments, raw or %2e-encoded, also
 *       before a ';' (servers resolve them after the rules matched, so
 *       "/public/../admin" would reach /admin); query bytes that are not
 *       visible ASCII or are '#' (clients send [ ] { } | unescaped there,
 *       and the query carries no routing, so it is held to less);
 *       userinfo ("user@host") in any authority;
 *       header name not a token, whitespace before ':', obs-fold (a line
 *       starting with SP/HTAB);
 *       Host missing in HTTP/1.1, repeated, not a valid host[:port], or
 *       naming another host or port than an absolute-form or CONNECT
 *       target (default port 80 for http://; a CONNECT Host without a
 *       port is compared by host only);
 *       Content-Length not plain digits, over 2^63-1, or present twice,
 *       even with the same value (two copies are a smuggling probe, and a
 *       list "5, 5" is refused for the same reason);
 *       Transfer-Encoding with chunked missing, not last or repeated,
 *       empty list elements, in HTTP/1.0, or together with Content-Length;
 *       CONNECT with Transfer-Encoding or a non-zero Content-Length;
 *       Connection naming Host, Content-Length or Transfer-Encoding (a
 *       downstream proxy would strip it and change routing or framing).
 *  431  head longer than max_head, or more than max_headers fields.
 *  501  Transfer-Encoding with a coding other than chunked (chunked last).
 *  505  HTTP version other than 1.0 and 1.1 ("HTTP/2.0", "HTTP/1.2").
 * Empty lines before the request line are skipped (RFC 9112 §2.2); they
 * count toward max_head.
 *
 * Memory: an oc_http_request is about 1.1 KB (100 headers of 10 bytes);
 * a proxy needs it only while a head is being read, not for the life of a
 * connection or tunnel.
 *
 * Thread-safety: an oc_http_request is plain data owned by the caller; the
 * functions keep no state elsewhere.
 */
#ifndef OC_HTTP_REQUEST_H
#define OC_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Return values of the incremental parsers (request head, chunked body).
 * Errors are negative oc_err codes: OC_EPARSE, or OC_ELIMIT for 431. */
enum { OC_HTTP_MORE = 0, OC_HTTP_DONE = 1 };

#define OC_HTTP_MAX_HEAD_DEFAULT 16384
#define OC_HTTP_MAX_HEADERS 100

/* A slice of the caller's buffer: buf + off, len bytes. */
typedef struct oc_http_span {
	uint16_t off, len;
} oc_http_span;

typedef enum oc_http_method {
	OC_HTTP_METHOD_OTHER = 0, /* any other token: see method_text */
	OC_HTTP_GET,
	OC_HTTP_HEAD,
	OC_HTTP_POST,
	OC_HTTP_PUT,
	OC_HTTP_DELETE,
	OC_HTTP_CONNECT,
	OC_HTTP_OPTIONS,
	OC_HTTP_TRACE,
	OC_HTTP_PATCH,
} oc_http_method;

typedef enum oc_http_form {
	OC_HTTP_FORM_ORIGIN = 1,  /* "/path?query" */
	OC_HTTP_FORM_ABSOLUTE,    /* "http://authority/path?query" */
	OC_HTTP_FORM_AUTHORITY,   /* "host:port", CONNECT */
	OC_HTTP_FORM_ASTERISK,    /* "*", OPTIONS */
} oc_http_form;

typedef enum oc_http_framing {
	OC_HTTP_BODY_NONE = 0,    /* no body: the next request follows the head */
	OC_HTTP_BODY_LENGTH,      /* content_length bytes */
	OC_HTTP_BODY_CHUNKED,     /* decode with oc_http_chunked (chunked.h) */
	OC_HTTP_BODY_UNTIL_CLOSE, /* responses only: the body ends when the server closes */
} oc_http_framing;

/* host[:port] of a target or Host header. An IPv6 literal's span excludes
 * the brackets. */
typedef struct oc_http_authority {
	oc_http_span host;
	uint16_t port;            /* 0: no port given */
	bool ipv6;
} oc_http_authority;

/* Header flags. */
enum {
	/* Hop-by-hop: Connection, Proxy-Connection, Keep-Alive, TE,
	 * Transfer-Encoding, Upgrade, Proxy-Authorization, and every field
	 * the Connection header names. A proxy forwards the others. (A relayed
	 * chunked body needs "Transfer-Encoding: chunked" written back.) */
	OC_HTTP_HDR_HOP = 1u << 0,
};

typedef struct oc_http_header {
	oc_http_span name;        /* as sent (compare case-insensitively) */
	oc_http_span value;       /* without leading and trailing whitespace */
	uint8_t flags;
} oc_http_header;

/* Request flags. */
enum {
	OC_HTTP_REQ_KEEP_ALIVE = 1u << 0, /* connection persists after this request */
	OC_HTTP_REQ_HAS_HOST = 1u << 1,   /* `host` holds the Host header */
	OC_HTTP_REQ_HAS_QUERY = 1u << 2,  /* the target has '?' (query may be empty) */
	OC_HTTP_REQ_UPGRADE = 1u << 3,    /* Connection: upgrade */
};

typedef struct oc_http_request {
	/* Limits: set by init; may be lowered before the first parse. */
	uint16_t max_head;        /* bytes, at most 65535 */
	uint8_t max_headers;      /* at most OC_HTTP_MAX_HEADERS */

	/* Parse progress (private). */
	uint8_t state;
	uint8_t facts;            /* framing and Connection facts seen so far */
	uint8_t conn_tokens;
	uint16_t line_start;
	uint16_t scanned;

	/* Results, valid once parse returned OC_HTTP_DONE. */
	uint16_t head_len;        /* bytes of the head, final CRLF included */
	uint8_t version_minor;    /* HTTP/1.<minor>: 0 or 1 */
	uint8_t flags;            /* OC_HTTP_REQ_* */
	oc_http_method method;
	oc_http_form form;
	oc_http_framing framing;
	oc_http_span method_text;
	oc_http_span target;      /* the request-target as sent */
	oc_http_span path;        /* origin/absolute form; may be empty in absolute-form */
	oc_http_span query;       /* after '?', see OC_HTTP_REQ_HAS_QUERY */
	/* What an origin-form request to the upstream carries as its target:
	 * path and query. Send "/" before it when it is empty or starts with
	 * '?' (absolute-form "http://h" or "http://h?q"). */
	oc_http_span origin;
	oc_http_authority target_authority; /* absolute and authority forms */
	oc_http_authority host;   /* the Host header (OC_HTTP_REQ_HAS_HOST) */
	uint64_t content_length;  /* OC_HTTP_BODY_LENGTH */

	/* On failure: the status to answer and why (a constant string, safe to
	 * put in the response body); also in oc_error_last(). */
	uint16_t status;
	const char *error;

	uint8_t nheaders;
	oc_http_header headers[OC_HTTP_MAX_HEADERS];
} oc_http_request;

void oc_http_request_init(oc_http_request *r);

/* Parses as far as buf[0..len) allows. Returns OC_HTTP_MORE, OC_HTTP_DONE,
 * or a negative oc_err (OC_EPARSE; OC_ELIMIT for 431) with r->status and
 * r->error set. Once DONE or failed, further calls return the same. */
int oc_http_request_parse(oc_http_request *r, const char *buf, size_t len);

static inline const char *oc_http_ptr(const char *buf, oc_http_span s)
{
	return buf + s.off;
}

/* Case-insensitive comparison of a span with a NUL-terminated name. */
bool oc_http_span_ieq(const char *buf, oc_http_span s, const char *name);

/* Index of the first header named `name` (case-insensitive) at or after
 * index `from`, or -1. Loop with from = previous + 1 for repeated fields. */
int oc_http_request_find(const oc_http_request *r, const char *buf, const char *name, int from);

/* The authority the request is for: the target's in absolute and
 * authority form, else the Host header's; NULL if there is none (HTTP/1.0
 * origin-form without Host). */
const oc_http_authority *oc_http_request_authority(const oc_http_request *r);

#endif
