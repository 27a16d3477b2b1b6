/* Field syntax shared by the request head parser (request.c) and the
 * response head parser (response_parse.c), so both hold a header line and
 * the framing fields to the same grammar (RFC 9110 §5, RFC 9112 §5-6).
 * Each check returns NULL when the text is good, else a constant reason
 * that the caller turns into its own error. */
#ifndef OC_HTTP_FIELDS_H
#define OC_HTTP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/request.h"

/*
 * The next complete line of a head in buf[0..limit), scanning from
 * *scanned (bytes before it were looked at by earlier calls; *line_start is
 * where the current line began). Returns 1 with the line, CRLF excluded,
 * in *line and both offsets moved past it; 0 when no complete line is
 * there yet; -1 with *why for a bare LF or a bare CR (lines end in CRLF
 * only, RFC 9112 §2.2).
 */
int oc_http_head_line(const char *buf, size_t limit, uint16_t *line_start, uint16_t *scanned,
	oc_http_span *line, const char **why);

bool oc_http_is_token(const char *p, size_t n);

static inline bool oc_http_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Steps through the elements of a comma-separated field value, each
 * trimmed of whitespace (possibly empty). *pos starts at 0. */
bool oc_http_list_next(const char *buf, oc_http_span v, size_t *pos, oc_http_span *el);

/* One header line buf[start..start+n), without its CRLF: a token name,
 * ':' right after it, a value of field characters. On success *out holds
 * the name and the value without surrounding whitespace (flags 0). */
const char *oc_http_field_line(const char *buf, uint16_t start, uint16_t n, oc_http_header *out);

/* Index of the first of the n headers named `name` (case-insensitive) at
 * or after index `from`, or -1. */
int oc_http_headers_find(const oc_http_header *h, size_t n, const char *buf, const char *name,
	int from);

/* A Content-Length value: 1 to 19 digits, at most 2^63-1. */
const char *oc_http_content_length(const char *p, size_t n, uint64_t *out);

/* What a Transfer-Encoding value says, accumulated over repeated fields. */
typedef struct oc_http_codings {
	bool chunked;        /* chunked was named */
	bool chunked_last;   /* ... and is the last coding so far */
	bool other;          /* a coding other than chunked was named */
} oc_http_codings;

/* Adds the codings of one Transfer-Encoding value; refuses empty elements
 * and chunked named twice. */
const char *oc_http_transfer_codings(const char *buf, oc_http_span v, oc_http_codings *c);

#endif
