/*
 * Strict, incremental, zero-copy HTTP/1.1 response head parser (RFC 9110,
 * RFC 9112), the one Outcall reads every response head with: its own
 * clients of local HTTP services (the Docker Engine API) and the proxy,
 * which relays upstream answers. It is used like the request parser
 * (request.h): init, then parse with all bytes received so far; results
 * are spans into the buffer.
 *
 * What is refused (r->error says why; OC_EPARSE, or OC_ELIMIT for a head
 * over max_head or more than max_headers fields):
 *   bare LF or bare CR; control bytes; a status line other than
 *   "HTTP/1.0|1.1 SP 3DIGIT SP reason" (the reason may be empty, its SP
 *   may not be missing); status codes outside 200 to 599 (Outcall's
 *   clients send no Expect or Upgrade, so an interim 1xx is a protocol
 *   error); header lines as the request parser refuses them (obs-fold,
 *   names that are not tokens, whitespace before ':'); Content-Length not
 *   plain digits or sent twice; Transfer-Encoding together with
 *   Content-Length, in an HTTP/1.0 response, with chunked missing, not
 *   last or repeated, or with any other coding (none is asked for);
 *   Connection options that are not tokens or that name Content-Length or
 *   Transfer-Encoding.
 *
 * A relay (set `relay` before parsing) must pass on what a server may
 * send to a client it does not know: it also accepts interim answers
 * (100 to 199; framed as no body, the final head follows), a status line
 * without the SP before an empty reason, and codings other than chunked
 * (the body then runs until the server closes, unless chunked is last).
 *
 * Hop-by-hop fields (Connection, Proxy-Connection, Keep-Alive, TE,
 * Upgrade, Proxy-Authenticate and every field a Connection option names)
 * carry OC_HTTP_HDR_HOP, so that a relay drops them. Transfer-Encoding is
 * not one of them: a relay passes the body on with its codings.
 *
 * Framing (RFC 9112 §6.3): no body for an answer to HEAD (set `head`
 * before parsing), for 1xx, 204 and 304; then chunked, Content-Length, or
 * else the body runs until the server closes.
 *
 * Memory: about 1.1 KB, like oc_http_request. Thread-safety: plain data
 * owned by the caller.
 */
#ifndef OC_HTTP_RESPONSE_PARSE_H
#define OC_HTTP_RESPONSE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/fields.h"
#include "http/request.h"

typedef struct oc_http_response_head {
	/* Set by init; may be changed before the first parse. */
	uint16_t max_head;        /* bytes, at most 65535 */
	uint8_t max_headers;      /* at most OC_HTTP_MAX_HEADERS */
	bool head;                /* the request was HEAD: no body follows */
	bool relay;               /* read for a relay (see above) */

	/* Parse progress (private). */
	uint8_t state;
	uint8_t facts;
	int8_t failure;           /* the oc_err of a refused head */
	oc_http_codings codings;  /* of Transfer-Encoding */
	uint16_t line_start;
	uint16_t scanned;

	/* Results, valid once parse returned OC_HTTP_DONE. */
	uint16_t head_len;        /* bytes of the head, final CRLF included */
	uint8_t version_minor;    /* HTTP/1.<minor>: 0 or 1 */
	bool keep_alive;          /* the connection may carry another request */
	uint16_t status;          /* 200 to 599; 100 to 599 for a relay */
	oc_http_span reason;
	oc_http_framing framing;
	uint64_t content_length;  /* OC_HTTP_BODY_LENGTH */

	const char *error;        /* on failure: why (constant) */

	uint8_t nheaders;
	oc_http_header headers[OC_HTTP_MAX_HEADERS];
} oc_http_response_head;

void oc_http_response_head_init(oc_http_response_head *r);

/* Parses as far as buf[0..len) allows: OC_HTTP_MORE, OC_HTTP_DONE, or a
 * negative oc_err (message set). Once DONE or failed, further calls
 * return the same. */
int oc_http_response_head_parse(oc_http_response_head *r, const char *buf, size_t len);

/* Index of the first header named `name` (case-insensitive) at or after
 * `from`, or -1. */
int oc_http_response_head_find(const oc_http_response_head *r, const char *buf, const char *name,
	int from);

#endif
