/*
 * The evaluator: a recursive walk over the node array with three-valued
 * logic (expr.h). A sub-expression that reads a field the layer does not
 * know has no value ("unknown"); && and || still decide when another
 * operand does, everything else passes unknown on. Nothing here
 * allocates, and nothing is written but the caller's stack.
 */
#include "expr/eval.h"
#include "expr/read.h"
#include "expr/regex.h"
#include "expr/strops.h"

/* A value of any scalar type; which member is set follows the node type. */
typedef union value {
	oc_sval s;
	int64_t i;
	bool b;
} value;

static bool eval_str(const oc_expr *e, uint32_t id, const oc_context *ctx, oc_sval *out);
static bool eval_int(const oc_expr *e, uint32_t id, const oc_context *ctx, int64_t *out);

static bool eval_value(const oc_expr *e, uint32_t id, const oc_context *ctx, value *out)
{
	switch ((oc_type)e->nodes[id].type) {
	case OC_T_STRING:
		return eval_str(e, id, ctx, &out->s);
	case OC_T_INT:
		return eval_int(e, id, ctx, &out->i);
	default: {
		oc_tri t = oc_expr_eval_node(e, id, ctx);
		out->b = t == OC_TRI_TRUE;
		return t != OC_TRI_UNKNOWN;
	}
	}
}

static bool value_eq(oc_type t, const value *a, const value *b)
{
	switch (t) {
	case OC_T_STRING:
		return oc_str_eq(a->s, b->s);
	case OC_T_INT:
		return a->i == b->i;
	default:
		return a->b == b->b;
	}
}

/* A map operand is always a field: maps have no other source. */
static const oc_map *eval_map(const oc_expr *e, uint32_t id, const oc_context *ctx)
{
	return oc_expr_read_map(ctx, (oc_field)e->nodes[id].sub);
}

/* The key of INDEX / IN_MAP node n, folded where the node says so. */
static bool eval_key(const oc_expr *e, const oc_expr_node *n, uint32_t key, const oc_context *ctx, oc_sval *out)
{
	if (!eval_str(e, key, ctx, out))
		return false;
	out->fold = out->fold || (n->flags & OC_NODE_FOLD_KEY);
	return true;
}

static bool eval_str(const oc_expr *e, uint32_t id, const oc_context *ctx, oc_sval *out)
{
	const oc_expr_node *n = &e->nodes[id];
	switch ((oc_op)n->op) {
	case OC_OP_STRING:
		*out = (oc_sval){ oc_expr_str(e, n), n->b, false };
		return true;
	case OC_OP_FIELD:
		return oc_expr_read_str(ctx, (oc_field)n->sub, out);
	case OC_OP_INDEX: {
		const oc_map *m = eval_map(e, n->a, ctx);
		oc_sval key;
		if (!m || !eval_key(e, n, n->b, ctx, &key))
			return false;
		oc_expr_map_get(m, key, out);
		return true;
	}
	case OC_OP_LOWER:
		if (!eval_str(e, n->a, ctx, out))
			return false;
		out->fold = true;
		return true;
	case OC_OP_COND: {
		oc_tri t = oc_expr_eval_node(e, n->a, ctx);
		return t != OC_TRI_UNKNOWN && eval_str(e, t == OC_TRI_TRUE ? n->b : n->c, ctx, out);
	}
	default:
		return false; /* not a string node: the type checker rules it out */
	}
}

static bool eval_size(const oc_expr *e, const oc_expr_node *n, const oc_context *ctx, int64_t *out)
{
	switch ((oc_type)n->sub) {
	case OC_T_STRING: {
		oc_sval s;
		if (!eval_str(e, n->a, ctx, &s))
			return false;
		*out = (int64_t)oc_str_size(s);
		return true;
	}
	case OC_T_LIST:
		/* A list literal's length does not depend on its elements. */
		*out = e->nodes[n->a].b;
		return true;
	default: {
		const oc_map *m = eval_map(e, n->a, ctx);
		if (!m)
			return false;
		*out = (int64_t)m->count;
		return true;
	}
	}
}

static bool eval_int(const oc_expr *e, uint32_t id, const oc_context *ctx, int64_t *out)
{
	const oc_expr_node *n = &e->nodes[id];
	switch ((oc_op)n->op) {
	case OC_OP_INT:
		*out = n->i;
		return true;
	case OC_OP_FIELD:
		return oc_expr_read_int(ctx, (oc_field)n->sub, out);
	case OC_OP_SIZE:
		return eval_size(e, n, ctx, out);
	case OC_OP_COND: {
		oc_tri t = oc_expr_eval_node(e, n->a, ctx);
		return t != OC_TRI_UNKNOWN && eval_int(e, t == OC_TRI_TRUE ? n->b : n->c, ctx, out);
	}
	default:
		return false; /* not an int node: the type checker rules it out */
	}
}

static oc_tri tri(bool b)
{
	return b ? OC_TRI_TRUE : OC_TRI_FALSE;
}

/* && (decider OC_TRI_FALSE) and || (decider OC_TRI_TRUE): the first
 * deciding operand settles it without evaluating the rest. */
static oc_tri eval_logic(const oc_expr *e, const oc_expr_node *n, const oc_context *ctx, oc_tri decider)
{
	bool unknown = false;
	for (uint32_t i = 0; i < n->b; i++) {
		oc_tri t = oc_expr_eval_node(e, e->args[n->a + i], ctx);
		if (t == decider)
			return decider;
		unknown = unknown || t == OC_TRI_UNKNOWN;
	}
	return unknown ? OC_TRI_UNKNOWN : decider == OC_TRI_TRUE ? OC_TRI_FALSE : OC_TRI_TRUE;
}

static oc_tri eval_compare(const oc_expr *e, const oc_expr_node *n, const oc_context *ctx)
{
	value a, b;
	if (!eval_value(e, n->a, ctx, &a) || !eval_value(e, n->b, ctx, &b))
		return OC_TRI_UNKNOWN;
	oc_type t = (oc_type)n->sub;
	if (n->op == OC_OP_EQ || n->op == OC_OP_NE)
		return tri(value_eq(t, &a, &b) == (n->op == OC_OP_EQ));
	int c = t == OC_T_STRING ? oc_str_cmp(a.s, b.s) : (a.i > b.i) - (a.i < b.i);
	switch ((oc_op)n->op) {
	case OC_OP_LT: return tri(c < 0);
	case OC_OP_LE: return tri(c <= 0);
	case OC_OP_GT: return tri(c > 0);
	default: return tri(c >= 0);
	}
}

static oc_tri eval_in_list(const oc_expr *e, const oc_expr_node *n, const oc_context *ctx)
{
	value x, y;
	if (!eval_value(e, n->a, ctx, &x))
		return OC_TRI_UNKNOWN;
	const oc_expr_node *list = &e->nodes[n->b];
	bool found = false;
	for (uint32_t i = 0; i < list->b; i++) {
		/* An unknown element makes the list, and so the test, unknown. */
		if (!eval_value(e, e->args[list->a + i], ctx, &y))
			return OC_TRI_UNKNOWN;
		found = found || value_eq((oc_type)n->sub, &x, &y);
		if (found && (list->flags & OC_NODE_CONST_ELEMS))
			break;
	}
	return tri(found);
}

static oc_tri eval_string_test(const oc_expr *e, const oc_expr_node *n, const oc_context *ctx)
{
	oc_sval s, t;
	if (!eval_str(e, n->a, ctx, &s))
		return OC_TRI_UNKNOWN;
	if (n->op == OC_OP_MATCHES)
		return tri(oc_expr_regex_match(e->regex[n->b], e->match_ctx, s.p, s.n));
	if (!eval_str(e, n->b, ctx, &t))
		return OC_TRI_UNKNOWN;
	switch ((oc_op)n->op) {
	case OC_OP_STARTS: return tri(oc_str_starts(s, t));
	case OC_OP_ENDS: return tri(oc_str_ends(s, t));
	default: return tri(oc_str_contains(s, t));
	}
}

oc_tri oc_expr_eval_node(const oc_expr *e, uint32_t id, const oc_context *ctx)
{
	const oc_expr_node *n = &e->nodes[id];
	switch ((oc_op)n->op) {
	case OC_OP_BOOL:
		return tri(n->a != 0);
	case OC_OP_NOT: {
		oc_tri t = oc_expr_eval_node(e, n->a, ctx);
		return t == OC_TRI_UNKNOWN ? t : tri(t == OC_TRI_FALSE);
	}
	case OC_OP_AND:
		return eval_logic(e, n, ctx, OC_TRI_FALSE);
	case OC_OP_OR:
		return eval_logic(e, n, ctx, OC_TRI_TRUE);
	case OC_OP_COND: {
		oc_tri t = oc_expr_eval_node(e, n->a, ctx);
		if (t == OC_TRI_UNKNOWN)
			return t;
		return oc_expr_eval_node(e, t == OC_TRI_TRUE ? n->b : n->c, ctx);
	}
	case OC_OP_EQ:
	case OC_OP_NE:
	case OC_OP_LT:
	case OC_OP_LE:
	case OC_OP_GT:
	case OC_OP_GE:
		return eval_compare(e, n, ctx);
	case OC_OP_IN_LIST:
		return eval_in_list(e, n, ctx);
	case OC_OP_IN_MAP: {
		const oc_map *m = eval_map(e, n->b, ctx);
		oc_sval key;
		if (!m || !eval_key(e, n, n->a, ctx, &key))
			return OC_TRI_UNKNOWN;
		return tri(oc_expr_map_get(m, key, NULL));
	}
	case OC_OP_STARTS:
	case OC_OP_ENDS:
	case OC_OP_CONTAINS:
	case OC_OP_MATCHES:
		return eval_string_test(e, n, ctx);
	default:
		return OC_TRI_UNKNOWN; /* not a bool node: the type checker rules it out */
	}
}

oc_tri oc_expr_eval(const oc_expr *e, const oc_context *ctx)
{
	if (!e || !ctx)
		return OC_TRI_UNKNOWN;
	return oc_expr_eval_node(e, e->root, ctx);
}
