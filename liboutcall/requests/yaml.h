/* Writing agent-supplied text into rule files the daemon generates. */
#ifndef OC_REQUESTS_YAML_H
#define OC_REQUESTS_YAML_H

#include "core/buf.h"

/*
 * Appends s as a YAML double-quoted scalar made of printable ASCII only:
 * '"' and '\' are escaped, newline, tab and return become \n, \t and \r,
 * and every other byte outside 0x20-0x7e becomes a \xHH, \uHHHH or
 * \UHHHHHHHH escape of its code point (invalid UTF-8: \xHH of the byte).
 * So nothing in s can end the scalar or start a new line (YAML also breaks
 * lines at U+0085, U+2028 and U+2029), and the result is safe inside a
 * comment too. Returns 0 or OC_ENOMEM.
 */
int oc_yaml_quote(oc_buf *b, const char *s);

#endif
