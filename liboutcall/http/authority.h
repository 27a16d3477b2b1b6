/* host[:port] as it appears in request targets and Host headers
 * (RFC 9110 §4.2.3 / RFC 3986 §3.2 without userinfo). */
#ifndef OC_HTTP_AUTHORITY_H
#define OC_HTTP_AUTHORITY_H

#include "http/request.h"

/*
 * Parses buf[off..off+len) into *out (spans stay in buf). The host is a
 * DNS name (oc_hostname_syntax_ok, one trailing dot allowed), an IPv4
 * address, or an IPv6 address in brackets (no zone, no IPvFuture). The
 * port, if present, is 1 to 65535 in decimal; an empty port ("host:") and
 * userinfo ("user@host") are refused. need_port makes the port mandatory
 * (CONNECT). Returns 0, or OC_EPARSE with *why set to a constant reason
 * (the last error is left to the caller, which knows the context).
 */
int oc_http_authority_parse(const char *buf, uint16_t off, uint16_t len, bool need_port,
	oc_http_authority *out, const char **why);

/* True if a and b (both in buf) name the same host (ASCII case and one
 * trailing dot ignored) and port. A missing port counts as default_port;
 * with default_port 0 a missing port on either side matches any port. */
bool oc_http_authority_same(const char *buf, const oc_http_authority *a,
	const oc_http_authority *b, uint16_t default_port);

#endif
