/*
 * Response heads from upstream servers, read as strictly as the request
 * parser reads requests (the same field grammar, http/fields.h), because
 * the proxy relays the body by the framing it finds here and then reads
 * the next response (or hands the connection to the next request) at the
 * end it computed. A head the proxy cannot frame exactly becomes a 502,
 * never a guess.
 *
 * Why not http/response_parse.h: that parser serves Outcall's own clients
 * and refuses what a relay must pass on: interim 1xx answers, codings
 * other than chunked (their body ends with the connection), and it does
 * not mark the hop-by-hop fields a relay drops.
 *
 * Refused: a status line other than "HTTP/1.0|1.1 SP 3DIGIT [SP reason]";
 * bare LF or CR, NUL and other control bytes (HTAB allowed in values);
 * header names that are not tokens, whitespace before ':', obs-fold;
 * Content-Length that is not plain digits or is sent twice; both
 * Content-Length and Transfer-Encoding; Connection options that are not
 * tokens; heads longer than the limit or with more than
 * OC_HTTP_MAX_HEADERS fields.
 *
 * Framing (RFC 9112 §6.3) is left to the caller for what depends on the
 * request (HEAD, 1xx, 204, 304); the parser reports chunked (chunked is
 * the last coding), other codings (the body then ends when the server
 * closes), or the length.
 *
 * Thread-safety: plain data owned by the caller.
 */
#ifndef OC_PROXY_RESHEAD_H
#define OC_PROXY_RESHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/fields.h"
#include "http/request.h"

typedef struct px_response {
	/* Progress (private). */
	uint16_t line_start, scanned;
	bool started;             /* the status line is through */
	oc_http_codings codings;

	/* Results, valid once parse returned OC_HTTP_DONE. */
	uint16_t head_len;        /* with the final CRLF */
	uint16_t status;
	uint8_t version_minor;
	bool close;               /* the server will close after this response */
	bool has_length;
	bool chunked;             /* Transfer-Encoding ends with chunked */
	bool other_coding;        /* Transfer-Encoding without chunked last: read until close */
	uint64_t content_length;
	oc_http_span status_rest; /* "200 OK": status code and reason as sent */
	const char *error;        /* why it was refused (constant) */
	uint8_t nheaders;
	oc_http_header headers[OC_HTTP_MAX_HEADERS]; /* OC_HTTP_HDR_HOP: not forwarded */
} px_response;

void px_response_init(px_response *r);

/* Parses buf[0..len) (the response's first byte first). Returns
 * OC_HTTP_MORE, OC_HTTP_DONE or OC_EPARSE (r->error says why; also when
 * no head has ended within max bytes, max <= 65535). */
int px_response_parse(px_response *r, const char *buf, size_t len, size_t max);

#endif
