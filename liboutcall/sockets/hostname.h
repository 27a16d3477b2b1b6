/* Host name syntax, shared by the HTTP authority parser and the TLS SNI
 * reader: what may stand where a DNS name is expected on the wire. */
#ifndef OC_NET_HOSTNAME_H
#define OC_NET_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True if s[0..len) is a DNS name in wire-text form: labels of ASCII
 * letters, digits, '-' and '_' (underscores occur in real internal names),
 * 1 to 63 bytes each, at most 253 bytes in all, plus one trailing dot if
 * trailing_dot is true. IDNs must already be in A-label (xn--) form; no
 * percent-encoding, no spaces, no other bytes.
 */
bool oc_hostname_syntax_ok(const char *s, size_t len, bool trailing_dot);

/* True if the last label (a trailing dot ignored) is a number: decimal
 * digits, or 0x and hex digits. No top-level domain is numeric, so such a
 * name is an IPv4 address in some notation ("127.1", "0x7f.1", "0x",
 * "2130706433" all mean 127.0.0.1 to inet_aton), and callers either
 * require the canonical dotted quad or refuse it. */
bool oc_hostname_ends_in_number(const char *s, size_t len);

#endif
