/* Shared fixtures of the expression tests. */
#ifndef OC_TEST_EXPR_HELPERS_H
#define OC_TEST_EXPR_HELPERS_H

#include <outcall/outcall.h>
#include "expr/expr.h"

/* A request every field of which is known and set (see helpers.c). */
void sample_context(oc_context *ctx);

/* Compiles `text` (no definitions), failing the test on an error. */
oc_expr *compile_ok(const char *text);
/* Compiles `text` at rules.yaml:10:16, rule "r1", and returns the code;
 * the message is in oc_error_last(). */
int compile_rc(const char *text, oc_expr_def *defs, size_t ndefs);
/* Compiles, evaluates on ctx and frees. */
oc_tri eval_on(const char *text, const oc_context *ctx);
/* Evaluates on sample_context(). */
oc_tri eval_sample(const char *text);

/* Asserts that `text` fails to compile with exactly `message`. */
void expect_error(const char *text, const char *message);

#endif
