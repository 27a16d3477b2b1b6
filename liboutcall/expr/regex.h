/* `matches` at run time. */
#ifndef OC_EXPR_REGEX_H
#define OC_EXPR_REGEX_H

#include <stdbool.h>
#include "expr/node.h"

/*
 * Whether `re` matches somewhere in s[0..n). Never allocates and keeps no
 * state between calls: PCRE2's match data and backtracking frames come
 * from an arena on this call's stack (about 64 KiB), handed to PCRE2 as
 * its allocator. So any number of threads may match the same pattern at
 * once, and a pattern that would need more memory, or more steps than
 * the limits in `mctx`, does not match.
 */
bool oc_expr_regex_match(const pcre2_code *re, pcre2_match_context *mctx, const char *s, size_t n);

#endif
