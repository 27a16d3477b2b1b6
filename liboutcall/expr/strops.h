/* String values at run time and the operations on them. A lowerAscii()
 * result is the original bytes with `fold` set, so that no operation ever
 * copies or allocates; every comparison below honours `fold` on either
 * side. */
#ifndef OC_EXPR_STROPS_H
#define OC_EXPR_STROPS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct oc_sval {
	const char *p;
	size_t n;
	bool fold; /* read as ASCII lower case */
} oc_sval;

bool oc_str_eq(oc_sval a, oc_sval b);
/* <0, 0, >0 as bytes compare (after folding). */
int oc_str_cmp(oc_sval a, oc_sval b);
bool oc_str_starts(oc_sval s, oc_sval prefix);
bool oc_str_ends(oc_sval s, oc_sval suffix);
bool oc_str_contains(oc_sval s, oc_sval part);
/* CEL's size of a string: code points, counted as the bytes that do not
 * continue a UTF-8 sequence (so invalid UTF-8 still has a size). */
size_t oc_str_size(oc_sval s);

#endif
