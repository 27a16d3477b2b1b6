/* Printable rendering of untrusted bytes (host names, header values) for
 * error messages and explanations. */
#ifndef OC_CONTEXT_ESCAPE_H
#define OC_CONTEXT_ESCAPE_H

#include <stddef.h>

/* Writes s[0..len) into out as text that is safe to print inside double
 * quotes: printable ASCII stays, '"' and '\\' are backslash-escaped, any
 * other byte becomes \xHH. Text that does not fit in outsz (which must be
 * at least 4) is cut at a whole escape and ends in "...". Returns out. */
const char *oc_escape(char *out, size_t outsz, const char *s, size_t len);

#endif
