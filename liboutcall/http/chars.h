/* Byte classes of HTTP/1.1 (RFC 9110, 9112) and URIs (RFC 3986), one table
 * lookup per byte on the parsing paths. */
#ifndef OC_HTTP_CHARS_H
#define OC_HTTP_CHARS_H

#include <stdbool.h>
#include <stdint.h>

enum {
	OC_HTTP_C_TCHAR = 1u << 0,  /* token character */
	OC_HTTP_C_FIELD = 1u << 1,  /* allowed in a field value: VCHAR, obs-text, SP, HTAB */
	OC_HTTP_C_PCHAR = 1u << 2,  /* path segment: unreserved, sub-delims, ':', '@' ('%' apart) */
	OC_HTTP_C_QUERY = 1u << 3,  /* query: visible ASCII except '#' (see request.h) */
	OC_HTTP_C_HEX = 1u << 4,
	OC_HTTP_C_QDTEXT = 1u << 5, /* inside a quoted-string, unescaped */
};

extern const uint8_t oc_http_ctype[256];

static inline bool oc_http_is(unsigned char c, unsigned cls)
{
	return oc_http_ctype[c] & cls;
}

static inline int oc_http_hexval(unsigned char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

#endif
