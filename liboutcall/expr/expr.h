/*
 * The rule expression language (PRODUCT.md §4): a CEL subset compiled and
 * type-checked once at load time, then evaluated many times without
 * allocating.
 *
 * Evaluation is three-valued (see context.h): a test on a field the layer
 * does not know is OC_TRI_UNKNOWN; `&&`, `||` and `!` follow Kleene logic
 * (false && unknown = false, true || unknown = true, !unknown = unknown),
 * `c ? a : b` with an unknown c is unknown, and any other operator or
 * function with an unknown operand is unknown. A rule matches only on
 * OC_TRI_TRUE.
 *
 * Internal to liboutcall (the policy loader and engine use it).
 */
#ifndef OC_EXPR_EXPR_H
#define OC_EXPR_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <outcall/context.h>
#include "core/buf.h"

typedef enum oc_tri { OC_TRI_FALSE = 0, OC_TRI_TRUE = 1, OC_TRI_UNKNOWN = 2 } oc_tri;

/* A named definition of the same file, for `$name`. */
typedef struct oc_expr_def {
	const char *name;   /* without the '$' */
	const char *text;   /* expression source */
	int line, column;   /* where the text starts in the file (1-based) */
	bool used;          /* set by oc_expr_compile when referenced (directly or not) */
} oc_expr_def;

typedef struct oc_expr_source {
	const char *text;      /* the condition */
	const char *file;      /* for errors; may be NULL */
	int line, column;      /* where the condition text starts in the file */
	const char *rule_id;   /* for errors; may be NULL */
	oc_expr_def *defs;     /* definitions visible to $name (may be NULL) */
	size_t ndefs;
} oc_expr_source;

typedef struct oc_expr oc_expr; /* compiled; immutable; safe to evaluate from any thread */

/*
 * Compiles and type-checks a condition. On failure returns OC_EPARSE (or
 * OC_ENOMEM) and sets the last error with file, rule id and the line and
 * column of the fault. The message gives the position inside the
 * condition too, e.g. "condition 1:14: unknown field 'http.hots'". Errors:
 * syntax, unknown field, unknown function or method, wrong argument count
 * or types, comparing different types, non-boolean result, bad regular
 * expression (PCRE2 compile error), undefined $name, and definition cycles
 * reported with their chain ("$a -> $b -> $a"). Each $name expands to its
 * definition's expression, parenthesised.
 */
int oc_expr_compile(const oc_expr_source *src, oc_expr **out);
void oc_expr_free(oc_expr *e);

/* Evaluates against ctx. No allocation; `matches` runs PCRE2 with match
 * limits set at compile time (a pattern that exceeds them evaluates as not
 * matching). */
oc_tri oc_expr_eval(const oc_expr *e, const oc_context *ctx);

/* Bitmask of OC_FIELD_BIT()s the expression reads. */
uint32_t oc_expr_fields(const oc_expr *e);

/*
 * For the engine's host index. If the whole expression is a disjunction
 * (one or more `||`, any parenthesisation) of tests of the form
 *   FIELD == "literal"            (or "literal" == FIELD)
 *   FIELD.endsWith("literal")
 * where FIELD is one of network.hostname, dns.query, http.host, tls.sni,
 * returns true and lists the tests; otherwise returns false. The array
 * lives as long as the expression.
 *
 * Literals compared with a hostname field are normalised at compile time
 * (ASCII lower case; for equality also one trailing dot removed), both for
 * evaluation and in this list, so `http.host == "GitHub.com."` matches the
 * normalised host "github.com" on every path.
 */
typedef enum oc_host_test_kind { OC_HOST_TEST_EQ, OC_HOST_TEST_SUFFIX } oc_host_test_kind;
typedef struct oc_host_test {
	oc_field field;
	oc_host_test_kind kind;
	const char *value;
} oc_host_test;
bool oc_expr_host_tests(const oc_expr *e, const oc_host_test **tests, size_t *n);

/* Appends to `out` a one-line account of why the expression has the value
 * it has on ctx, for `outcall rules test --explain`: the top-level operands
 * with their values, e.g.
 *   http.host == "github.com" -> false (http.host is "gitlab.com")
 * Returns 0 or OC_ENOMEM. */
int oc_expr_explain(const oc_expr *e, const oc_context *ctx, oc_buf *out);

#endif
