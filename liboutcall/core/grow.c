/* Growing arrays (grow.h). */
#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/error.h"

void *oc_grow(void *array, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return array;
	size_t n = *cap ? *cap : 16;
	while (n < need && n <= SIZE_MAX / 2)
		n *= 2;
	void *p = n < need || n > SIZE_MAX / size ? NULL : realloc(array, n * size);
	if (!p) {
		oc_error_nomem();
		return NULL;
	}
	*cap = n;
	return p;
}
