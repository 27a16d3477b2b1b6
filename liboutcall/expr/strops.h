/* String values at run time and the operations on them. A lowerAscii()
 * result is the original bytes with `fold` set, so that no operation ever
 * copies or allocates; every comparison below honours `fold` on either
 * side. */
#ifndef OC_EXPR_STROPS_H
#define OC_EXPR_STROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct oc_sval {
	const char *p;
	size_t n;
	bool fold; /* read as ASCII lower case */
} oc_sval;

/* Compares n bytes of a and b, folding where asked. */
int oc_str_fold_cmp(const char *a, bool fa, const char *b, bool fb, size_t n);

/* The common unfolded case stays an inline memcmp: these run on every
 * decision. */
static inline int oc_str_region_cmp(const char *a, bool fa, const char *b, bool fb, size_t n)
{
	if (fa || fb)
		return oc_str_fold_cmp(a, fa, b, fb, n);
	return n ? memcmp(a, b, n) : 0;
}

static inline bool oc_str_eq(oc_sval a, oc_sval b)
{
	return a.n == b.n && oc_str_region_cmp(a.p, a.fold, b.p, b.fold, a.n) == 0;
}

static inline bool oc_str_starts(oc_sval s, oc_sval prefix)
{
	return prefix.n <= s.n && oc_str_region_cmp(s.p, s.fold, prefix.p, prefix.fold, prefix.n) == 0;
}

static inline bool oc_str_ends(oc_sval s, oc_sval suffix)
{
	return suffix.n <= s.n &&
		oc_str_region_cmp(s.p + (s.n - suffix.n), s.fold, suffix.p, suffix.fold, suffix.n) == 0;
}

/* <0, 0, >0 as bytes compare (after folding). */
int oc_str_cmp(oc_sval a, oc_sval b);
bool oc_str_contains(oc_sval s, oc_sval part);
/* CEL's size of a string: code points, counted as the bytes that do not
 * continue a UTF-8 sequence (so invalid UTF-8 still has a size). */
size_t oc_str_size(oc_sval s);

#endif
