#include <string.h>

#include "expr/strops.h"

static unsigned char at(const char *p, size_t i, bool fold)
{
	unsigned char c = (unsigned char)p[i];
	return fold && c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

int oc_str_fold_cmp(const char *a, bool fa, const char *b, bool fb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = at(a, i, fa), y = at(b, i, fb);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int oc_str_cmp(oc_sval a, oc_sval b)
{
	int r = oc_str_region_cmp(a.p, a.fold, b.p, b.fold, a.n < b.n ? a.n : b.n);
	if (r)
		return r;
	return a.n < b.n ? -1 : a.n > b.n;
}

bool oc_str_contains(oc_sval s, oc_sval part)
{
	if (part.n == 0)
		return true;
	if (!s.fold && !part.fold)
		return memmem(s.p, s.n, part.p, part.n) != NULL;
	for (size_t i = 0; i + part.n <= s.n; i++)
		if (oc_str_region_cmp(s.p + i, s.fold, part.p, part.fold, part.n) == 0)
			return true;
	return false;
}

size_t oc_str_size(oc_sval s)
{
	size_t n = 0;
	for (size_t i = 0; i < s.n; i++)
		n += ((unsigned char)s.p[i] & 0xc0) != 0x80;
	return n;
}
