#include "core/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int oc_buf_reserve(oc_buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len - 1)
		return oc_error_nomem();
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return oc_error_nomem();
	b->data = p;
	b->cap = cap;
	return 0;
}

int oc_buf_append(oc_buf *b, const void *data, size_t len)
{
	int rc = oc_buf_reserve(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int oc_buf_puts(oc_buf *b, const char *s)
{
	return oc_buf_append(b, s, strlen(s));
}

int oc_buf_printf(oc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return oc_error_set(OC_EINVAL, "bad format string");
	int rc = oc_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void oc_buf_reset(oc_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void oc_buf_free(oc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *oc_buf_steal(oc_buf *b)
{
	char *p = b->data;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
