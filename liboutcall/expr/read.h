/* Reading fields of a context, for evaluation and explanations. Each
 * returns false when the layer does not know the field; a known field the
 * request lacks reads as its zero value. */
#ifndef OC_EXPR_READ_H
#define OC_EXPR_READ_H

#include <stdbool.h>
#include <string.h>
#include <outcall/context.h>
#include "expr/strops.h"

/* Where each string field lives in the context (read.c). */
extern const size_t oc_expr_str_offset[OC_FIELD_COUNT];

/* Inline: every string test starts here. */
static inline bool oc_expr_read_str(const oc_context *ctx, oc_field f, oc_sval *out)
{
	if (!(ctx->known & OC_FIELD_BIT(f)))
		return false;
	const char *s = *(const char *const *)(const void *)((const char *)ctx + oc_expr_str_offset[f]);
	out->fold = false;
	if (!s) {
		out->p = "";
		out->n = 0;
	} else {
		out->p = s;
		/* The body may hold NULs; it alone comes with a length. */
		out->n = f == OC_FIELD_HTTP_BODY ? ctx->http_body_len : strlen(s);
	}
	return true;
}
bool oc_expr_read_int(const oc_context *ctx, oc_field f, int64_t *out);
/* NULL when unknown. */
const oc_map *oc_expr_read_map(const oc_context *ctx, oc_field f);
/* Looks `key` up in m; a missing key (or a NULL value) reads as "". */
bool oc_expr_map_get(const oc_map *m, oc_sval key, oc_sval *value);

#endif
