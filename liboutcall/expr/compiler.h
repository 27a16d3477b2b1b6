/*
 * Internal to the expression compiler: its state and the parts that
 * share it (lexer, parser, typed node constructors, diagnostics).
 *
 * Every function that creates a node returns its index, or OC_EXPR_NIL
 * after recording the error (oc_expr_fail / oc_expr_nomem); callers just
 * pass OC_EXPR_NIL up.
 */
#ifndef OC_EXPR_COMPILER_H
#define OC_EXPR_COMPILER_H

#include <stdarg.h>
#include <stdbool.h>
#include "core/buf.h"
#include "expr/node.h"

/* Deepest nesting of a parse or of the compiled tree. Every pass over the
 * tree (checks, evaluation, explanation) recurses along it, so this bounds
 * their stack use. */
#define OC_EXPR_MAX_DEPTH 64
/* Most nodes one condition may compile to, definitions expanded. */
#define OC_EXPR_MAX_NODES 200000

typedef struct oc_expr_compiler {
	const oc_expr_source *src;
	int rc;             /* 0, or the first error's code */

	/* Arrays of oc_expr_node, oc_expr_info, uint32_t and pcre2_code *. */
	oc_buf nodes, info, args, regex;
	oc_buf pool;        /* string literals, each followed by a NUL */
	pcre2_match_context *match_ctx;

	oc_buf expanding;   /* uint32_t def indexes being expanded, outermost first */
	uint32_t ref_off;   /* where the outermost $name sits in the condition */
	bool *expanded;     /* per definition: expanded at least once */
	int depth;          /* parser recursion depth, across expansions */
} oc_expr_compiler;

/* Reports a compile error at byte `off` of source `src` (0: the
 * condition, k: definition k-1) and returns OC_EXPR_NIL. */
uint32_t oc_expr_fail(oc_expr_compiler *c, uint32_t src, uint32_t off, const char *fmt, ...)
	OC_PRINTF(4, 5);
uint32_t oc_expr_vfail(oc_expr_compiler *c, uint32_t src, uint32_t off, const char *fmt, va_list ap);
uint32_t oc_expr_nomem(oc_expr_compiler *c);

/* The text of a source and its length. */
const char *oc_expr_source_text(const oc_expr_compiler *c, uint32_t src);

/* Node storage (build.c). Pointers returned by the accessors are valid
 * until the next node is added. */
uint32_t oc_expr_add(oc_expr_compiler *c, oc_expr_node node, uint32_t src, uint32_t off, uint32_t len);
uint32_t oc_expr_add_args(oc_expr_compiler *c, const uint32_t *ids, uint32_t n);
/* Appends a string literal to the pool; returns its offset or OC_EXPR_NIL. */
uint32_t oc_expr_add_string(oc_expr_compiler *c, const char *s, size_t n, uint32_t src, uint32_t off);
oc_expr_node *oc_expr_node_at(const oc_expr_compiler *c, uint32_t id);
oc_expr_info *oc_expr_info_at(const oc_expr_compiler *c, uint32_t id);
uint32_t *oc_expr_args_at(const oc_expr_compiler *c, uint32_t first);

/* Typed constructors (check.c): each checks the operand types, reports a
 * type error at `at` (a byte offset in source `src`) and applies the
 * compile-time normalisations of expr.h. Spans cover first..end. */
typedef struct oc_expr_span {
	uint32_t src, off, len;
} oc_expr_span;

uint32_t oc_expr_mk_bool(oc_expr_compiler *c, bool v, oc_expr_span sp);
uint32_t oc_expr_mk_int(oc_expr_compiler *c, int64_t v, oc_expr_span sp);
uint32_t oc_expr_mk_string(oc_expr_compiler *c, const char *s, size_t n, oc_expr_span sp);
uint32_t oc_expr_mk_field(oc_expr_compiler *c, oc_field f, oc_expr_span sp);
uint32_t oc_expr_mk_list(oc_expr_compiler *c, const uint32_t *elems, uint32_t n, oc_expr_span sp);
uint32_t oc_expr_mk_not(oc_expr_compiler *c, uint32_t x, oc_expr_span sp);
uint32_t oc_expr_mk_logic(oc_expr_compiler *c, oc_op op, const uint32_t *xs, uint32_t n, oc_expr_span sp);
uint32_t oc_expr_mk_cond(oc_expr_compiler *c, uint32_t cond, uint32_t yes, uint32_t no,
	uint32_t at, oc_expr_span sp);
/* ==, !=, <, <=, >, >= and `in`, with op one of OC_OP_EQ .. OC_OP_GE or
 * OC_OP_IN_LIST (turned into IN_MAP for a map operand). */
uint32_t oc_expr_mk_binary(oc_expr_compiler *c, oc_op op, uint32_t l, uint32_t r,
	uint32_t at, oc_expr_span sp);
uint32_t oc_expr_mk_index(oc_expr_compiler *c, uint32_t map, uint32_t key, uint32_t at, oc_expr_span sp);
/* A method (recv != OC_EXPR_NIL) or function call by name. */
uint32_t oc_expr_mk_call(oc_expr_compiler *c, const char *name, size_t name_len, uint32_t recv,
	const uint32_t *args, uint32_t nargs, uint32_t at, oc_expr_span sp);

/* Parses source `src` as a whole expression (parse.c). */
uint32_t oc_expr_parse(oc_expr_compiler *c, uint32_t src);

/* Compiles a `matches` pattern (regex.c); returns its index in c->regex,
 * or OC_EXPR_NIL with the error reported at `at`. */
uint32_t oc_expr_regex_compile(oc_expr_compiler *c, const char *pattern, size_t n,
	uint32_t src, uint32_t at);

/* Builds the host test list of a finished expression (hosttests.c). */
int oc_expr_host_tests_build(oc_expr *e);

#endif
