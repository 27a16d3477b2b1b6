/*
 * Writing simple HTTP/1.1 responses into an oc_buf: the proxy's own
 * answers (400, 403, 431, 502, 503, 504...) and the JSON APIs.
 *
 * The writer sets the framing fields itself (Content-Length, Connection,
 * Date) and refuses extra fields that would contradict them or that could
 * inject a line (CR, LF or other control bytes, names that are not
 * tokens), so a response built from agent-influenced text stays one
 * well-formed response.
 *
 * Thread-safety: reentrant; no state.
 */
#ifndef OC_HTTP_RESPONSE_H
#define OC_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <outcall/context.h>

#include "core/buf.h"

typedef struct oc_http_response {
	int status;               /* 100 to 599 */
	const char *content_type; /* NULL: none (and no body expected) */
	const char *body;         /* may be NULL when body_len is 0 */
	size_t body_len;
	const oc_kv *headers;     /* extra fields, written in order */
	size_t nheaders;
	bool close;               /* "Connection: close", else "keep-alive" */
	bool head;                /* answer to HEAD: Content-Length, no body bytes */
} oc_http_response;

/* Appends the response to out. 1xx, 204 and 304 get neither body nor
 * Content-Length. Returns 0, OC_EINVAL (bad status or extra field, named
 * in the message; out is left as it was) or OC_ENOMEM. */
int oc_http_response_write(oc_buf *out, const oc_http_response *r);

/* A plain-text response ("text/plain; charset=utf-8") with `text` as the
 * body: the common case for errors and blocks. */
int oc_http_response_text(oc_buf *out, int status, const char *text, bool close);

/* The reason phrase of a status ("Forbidden"), "Unknown" if it has none
 * here. */
const char *oc_http_reason(int status);

#endif
