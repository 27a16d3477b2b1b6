/* Evaluation of single nodes, for explanations. */
#ifndef OC_EXPR_EVAL_H
#define OC_EXPR_EVAL_H

#include "expr/node.h"

/* The value of bool node `id` on ctx. */
oc_tri oc_expr_eval_node(const oc_expr *e, uint32_t id, const oc_context *ctx);

#endif
