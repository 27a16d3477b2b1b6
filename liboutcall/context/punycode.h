/* Punycode (RFC 3492), encoding direction only: host names are turned
 * into A-labels; nothing in Outcall needs to decode them. */
#ifndef OC_CONTEXT_PUNYCODE_H
#define OC_CONTEXT_PUNYCODE_H

#include <stddef.h>
#include <stdint.h>

/* Encodes the code points cp[0..n) into out (without any "xn--" prefix).
 * Basic code points (< 0x80) are copied as they are, so case is the
 * caller's business. Writes at most outsz bytes including a NUL; returns
 * the length, or -1 if the result does not fit or an integer would
 * overflow (impossible for inputs of host-name size). */
int oc_punycode_encode(const uint32_t *cp, size_t n, char *out, size_t outsz);

#endif
