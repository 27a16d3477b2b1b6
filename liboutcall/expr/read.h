/* Reading fields of a context, for evaluation and explanations. Each
 * returns false when the layer does not know the field; a known field the
 * request lacks reads as its zero value. */
#ifndef OC_EXPR_READ_H
#define OC_EXPR_READ_H

#include <stdbool.h>
#include <outcall/context.h>
#include "expr/strops.h"

bool oc_expr_read_str(const oc_context *ctx, oc_field f, oc_sval *out);
bool oc_expr_read_int(const oc_context *ctx, oc_field f, int64_t *out);
/* NULL when unknown. */
const oc_map *oc_expr_read_map(const oc_context *ctx, oc_field f);
/* Looks `key` up in m; a missing key (or a NULL value) reads as "". */
bool oc_expr_map_get(const oc_map *m, oc_sval key, oc_sval *value);

#endif
