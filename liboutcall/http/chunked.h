/*
 * Incremental decoder for the chunked transfer coding (RFC 9112 §7.1), for
 * a proxy that relays a chunked request body byte for byte while making
 * sure it is framed exactly as the grammar says, so that the upstream
 * finds the same end of body as the proxy did.
 *
 * Strict: chunk-size is 1 to 16 hex digits (value below 2^63); chunk
 * extensions must follow the grammar (BWS ";" BWS token [BWS "=" BWS
 * (token | quoted-string)]), no whitespace before CRLF; each size line is
 * at most OC_HTTP_CHUNK_LINE_MAX bytes and all extensions of a body at
 * most OC_HTTP_CHUNK_EXT_MAX bytes; chunk data must be followed by CRLF;
 * trailer fields are checked like header fields (token name, ':', no
 * control bytes, no obs-fold) and are at most OC_HTTP_CHUNK_TRAILER_MAX
 * bytes in all; only CRLF ends a line. Trailer fields are validated and
 * relayed, not interpreted.
 *
 * Thread-safety: plain data owned by the caller.
 */
#ifndef OC_HTTP_CHUNKED_H
#define OC_HTTP_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#include "http/request.h"

#define OC_HTTP_CHUNK_LINE_MAX 1024
#define OC_HTTP_CHUNK_EXT_MAX 16384
#define OC_HTTP_CHUNK_TRAILER_MAX 8192

/* Receives each piece of decoded payload as it is consumed. */
typedef void (*oc_http_chunk_data_cb)(void *arg, const char *data, size_t len);

typedef struct oc_http_chunked {
	uint64_t remaining;  /* data bytes left in the current chunk */
	uint64_t body_size;  /* payload bytes decoded so far */
	uint32_t ext_bytes;  /* extension bytes so far (bounded) */
	uint16_t trailer_bytes;
	uint16_t line;       /* bytes of the current size line */
	uint8_t state;
	uint8_t digits;
	const char *error;   /* why the body was refused (constant) */
} oc_http_chunked;

void oc_http_chunked_init(oc_http_chunked *c);

/*
 * Consumes data[0..len). Returns OC_HTTP_MORE (everything consumed, the
 * body goes on), OC_HTTP_DONE (the body ended after *used bytes; the rest
 * belongs to the next message) or OC_EPARSE (c->error says why; answer
 * 400 and close). *used is always the number of bytes that belong to the
 * body. on_data, if not NULL, gets the payload pieces.
 */
int oc_http_chunked_feed(oc_http_chunked *c, const char *data, size_t len, size_t *used,
	oc_http_chunk_data_cb on_data, void *arg);

/*
 * For a relay that moves chunk data without reading it (splice): the
 * payload bytes that come next before any framing, i.e. the rest of the
 * current chunk's data (0 when framing comes next or the body is over).
 * Up to that many bytes may be moved unseen and then reported with
 * oc_http_chunked_skip, which accounts them as if they had been fed.
 */
uint64_t oc_http_chunked_data_pending(const oc_http_chunked *c);
/* n must not exceed oc_http_chunked_data_pending(). */
void oc_http_chunked_skip(oc_http_chunked *c, uint64_t n);

#endif
