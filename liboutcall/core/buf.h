/* A growable byte buffer: the one way library code builds strings and
 * packets of unknown size. Always NUL-terminated after a successful append
 * so text can be used as a C string. */
#ifndef OC_CORE_BUF_H
#define OC_CORE_BUF_H

#include <stddef.h>
#include "core/error.h"

typedef struct oc_buf {
	char *data;
	size_t len;
	size_t cap;
} oc_buf;

#define OC_BUF_INIT { NULL, 0, 0 }

/* Each returns 0 or OC_ENOMEM (with the last error set). */
int oc_buf_reserve(oc_buf *b, size_t extra);
int oc_buf_append(oc_buf *b, const void *data, size_t len);
int oc_buf_puts(oc_buf *b, const char *s);
int oc_buf_printf(oc_buf *b, const char *fmt, ...) OC_PRINTF(2, 3);
void oc_buf_reset(oc_buf *b);
void oc_buf_free(oc_buf *b);
/* Hands the data to the caller (free() it); the buffer is left empty. */
char *oc_buf_steal(oc_buf *b);

#endif
