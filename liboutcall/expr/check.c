/*
 * Typed node constructors: the type checker of the language. Each one
 * refuses operands of the wrong type with an error at the operator (or
 * at the offending operand) and otherwise adds the node.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "context/field.h"
#include "expr/compiler.h"
#include "expr/hostlit.h"

static const char *type_name(oc_type t)
{
	static const char *const names[] = {
		[OC_T_BOOL] = "bool", [OC_T_INT] = "int", [OC_T_STRING] = "string",
		[OC_T_LIST] = "list", [OC_T_MAP] = "map", [OC_T_NONE] = "empty list",
	};
	return names[t];
}

/* The type with its article, for messages: "an int". */
static const char *a_type(oc_type t)
{
	static const char *const names[] = {
		[OC_T_BOOL] = "a bool", [OC_T_INT] = "an int", [OC_T_STRING] = "a string",
		[OC_T_LIST] = "a list", [OC_T_MAP] = "a map", [OC_T_NONE] = "an empty list",
	};
	return names[t];
}

static const char *op_text(oc_op op)
{
	switch (op) {
	case OC_OP_EQ: return "==";
	case OC_OP_NE: return "!=";
	case OC_OP_LT: return "<";
	case OC_OP_LE: return "<=";
	case OC_OP_GT: return ">";
	case OC_OP_GE: return ">=";
	case OC_OP_AND: return "&&";
	case OC_OP_OR: return "||";
	default: return "in";
	}
}

static oc_type type_of(oc_expr_compiler *c, uint32_t id)
{
	return (oc_type)oc_expr_node_at(c, id)->type;
}

static uint32_t fail_at_node(oc_expr_compiler *c, uint32_t id, const char *fmt, ...) OC_PRINTF(3, 4);

/* Reports an error where an operand starts. */
static uint32_t fail_at_node(oc_expr_compiler *c, uint32_t id, const char *fmt, ...)
{
	const oc_expr_info *in = oc_expr_info_at(c, id);
	va_list ap;
	va_start(ap, fmt);
	oc_expr_vfail(c, in->src, in->off, fmt, ap);
	va_end(ap);
	return OC_EXPR_NIL;
}

static uint32_t add(oc_expr_compiler *c, oc_expr_node n, oc_expr_span sp)
{
	return oc_expr_add(c, n, sp.src, sp.off, sp.len);
}

static oc_expr_node node(oc_op op, oc_type type, uint32_t a, uint32_t b)
{
	oc_expr_node n = { .op = (uint8_t)op, .type = (uint8_t)type, .a = a };
	n.b = b;
	return n;
}

uint32_t oc_expr_mk_bool(oc_expr_compiler *c, bool v, oc_expr_span sp)
{
	return add(c, node(OC_OP_BOOL, OC_T_BOOL, v, 0), sp);
}

uint32_t oc_expr_mk_int(oc_expr_compiler *c, int64_t v, oc_expr_span sp)
{
	oc_expr_node n = node(OC_OP_INT, OC_T_INT, 0, 0);
	n.i = v;
	return add(c, n, sp);
}

uint32_t oc_expr_mk_string(oc_expr_compiler *c, const char *s, size_t n, oc_expr_span sp)
{
	uint32_t at = oc_expr_add_string(c, s, n, sp.src, sp.off);
	if (at == OC_EXPR_NIL)
		return at;
	return add(c, node(OC_OP_STRING, OC_T_STRING, at, (uint32_t)n), sp);
}

uint32_t oc_expr_mk_field(oc_expr_compiler *c, oc_field f, oc_expr_span sp)
{
	static const oc_type types[] = {
		[OC_FTYPE_STRING] = OC_T_STRING, [OC_FTYPE_INT] = OC_T_INT, [OC_FTYPE_MAP] = OC_T_MAP,
	};
	oc_expr_node n = node(OC_OP_FIELD, types[oc_field_type_of(f)], 0, 0);
	n.sub = (uint8_t)f;
	return add(c, n, sp);
}

static bool is_scalar(oc_type t)
{
	return t == OC_T_BOOL || t == OC_T_INT || t == OC_T_STRING;
}

uint32_t oc_expr_mk_list(oc_expr_compiler *c, const uint32_t *elems, uint32_t n, oc_expr_span sp)
{
	oc_type t = n ? type_of(c, elems[0]) : OC_T_NONE;
	bool consts = true;
	for (uint32_t i = 0; i < n; i++) {
		oc_type ti = type_of(c, elems[i]);
		if (!is_scalar(ti))
			return fail_at_node(c, elems[i], "list elements must be strings, ints or bools, "
				"not %s", a_type(ti));
		if (ti != t)
			return fail_at_node(c, elems[i], "all elements of a list must have one type: "
				"this one is %s, the first is %s", a_type(ti), a_type(t));
		consts = consts && oc_expr_info_at(c, elems[i])->fields == 0;
	}
	uint32_t first = oc_expr_add_args(c, elems, n);
	if (first == OC_EXPR_NIL)
		return first;
	oc_expr_node l = node(OC_OP_LIST, OC_T_LIST, first, n);
	l.sub = (uint8_t)t;
	l.flags = consts ? OC_NODE_CONST_ELEMS : 0;
	return add(c, l, sp);
}

static uint32_t need_bool(oc_expr_compiler *c, uint32_t id, const char *what)
{
	oc_type t = type_of(c, id);
	if (t == OC_T_BOOL)
		return id;
	return fail_at_node(c, id, "%s must be a bool, this is %s", what, a_type(t));
}

uint32_t oc_expr_mk_not(oc_expr_compiler *c, uint32_t x, oc_expr_span sp)
{
	if (need_bool(c, x, "the operand of '!'") == OC_EXPR_NIL)
		return OC_EXPR_NIL;
	return add(c, node(OC_OP_NOT, OC_T_BOOL, x, 0), sp);
}

uint32_t oc_expr_mk_logic(oc_expr_compiler *c, oc_op op, const uint32_t *xs, uint32_t n, oc_expr_span sp)
{
	char what[32];
	snprintf(what, sizeof(what), "each operand of '%s'", op_text(op));
	for (uint32_t i = 0; i < n; i++)
		if (need_bool(c, xs[i], what) == OC_EXPR_NIL)
			return OC_EXPR_NIL;
	uint32_t first = oc_expr_add_args(c, xs, n);
	if (first == OC_EXPR_NIL)
		return first;
	return add(c, node(op, OC_T_BOOL, first, n), sp);
}

uint32_t oc_expr_mk_cond(oc_expr_compiler *c, uint32_t cond, uint32_t yes, uint32_t no,
	uint32_t at, oc_expr_span sp)
{
	if (need_bool(c, cond, "the condition of '?:'") == OC_EXPR_NIL)
		return OC_EXPR_NIL;
	oc_type ty = type_of(c, yes), tn = type_of(c, no);
	if (ty != tn)
		return oc_expr_fail(c, sp.src, at, "the branches of '?:' have different types: %s and %s",
			type_name(ty), type_name(tn));
	/* Lists and maps only ever come from literals and fields, which keeps
	 * the evaluator free of list and map values. */
	if (!is_scalar(ty))
		return oc_expr_fail(c, sp.src, at, "the branches of '?:' must be strings, ints or bools, "
			"not %ss", type_name(ty));
	oc_expr_node n = node(OC_OP_COND, ty, cond, yes);
	n.c = no;
	return add(c, n, sp);
}

static bool is_field(oc_expr_compiler *c, uint32_t id, int field)
{
	const oc_expr_node *n = oc_expr_node_at(c, id);
	return n->op == OC_OP_FIELD && (field < 0 || n->sub == field);
}

static bool is_host_field(oc_expr_compiler *c, uint32_t id)
{
	return is_field(c, id, -1) && oc_field_is_host((oc_field)oc_expr_node_at(c, id)->sub);
}

static bool is_literal(oc_expr_compiler *c, uint32_t id)
{
	return oc_expr_node_at(c, id)->op == OC_OP_STRING;
}

/* Map keys into http.headers: literals are lower-cased now, computed
 * keys are compared case-insensitively at run time. */
static uint8_t header_key(oc_expr_compiler *c, uint32_t map, uint32_t key)
{
	if (!is_field(c, map, OC_FIELD_HTTP_HEADERS))
		return 0;
	if (!is_literal(c, key))
		return OC_NODE_FOLD_KEY;
	oc_expr_lower_literal(c, key);
	return 0;
}

static uint32_t mk_in(oc_expr_compiler *c, uint32_t l, uint32_t r, uint32_t at, oc_expr_span sp)
{
	oc_type lt = type_of(c, l), rt = type_of(c, r);
	if (rt == OC_T_MAP) {
		if (lt != OC_T_STRING)
			return oc_expr_fail(c, sp.src, at, "the keys of a map are strings; 'in' got %s", a_type(lt));
		oc_expr_node n = node(OC_OP_IN_MAP, OC_T_BOOL, l, r);
		n.flags = header_key(c, r, l);
		return add(c, n, sp);
	}
	if (rt != OC_T_LIST)
		return oc_expr_fail(c, sp.src, at, "'in' needs a list or a map on its right, got %s",
			a_type(rt));
	const oc_expr_node *list = oc_expr_node_at(c, r);
	if (list->sub != OC_T_NONE && list->sub != lt)
		return oc_expr_fail(c, sp.src, at, "'in' looks for %s in a list of %ss", a_type(lt),
			type_name((oc_type)list->sub));
	if (is_host_field(c, l)) {
		uint32_t first = list->a, n = list->b;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t el = oc_expr_args_at(c, first)[i];
			if (is_literal(c, el) && !oc_expr_host_literal(c, el, OC_HOSTLIT_EQUAL))
				return OC_EXPR_NIL;
		}
	}
	oc_expr_node n = node(OC_OP_IN_LIST, OC_T_BOOL, l, r);
	n.sub = (uint8_t)lt;
	return add(c, n, sp);
}

uint32_t oc_expr_mk_binary(oc_expr_compiler *c, oc_op op, uint32_t l, uint32_t r, uint32_t at, oc_expr_span sp)
{
	if (op == OC_OP_IN_LIST)
		return mk_in(c, l, r, at, sp);
	oc_type lt = type_of(c, l), rt = type_of(c, r);
	if (lt != rt)
		return oc_expr_fail(c, sp.src, at, "'%s' cannot compare %s with %s", op_text(op),
			a_type(lt), a_type(rt));
	if (!is_scalar(lt))
		return oc_expr_fail(c, sp.src, at, "'%s' cannot compare %ss", op_text(op), type_name(lt));
	bool ordering = op != OC_OP_EQ && op != OC_OP_NE;
	if (ordering && lt == OC_T_BOOL)
		return oc_expr_fail(c, sp.src, at, "'%s' does not apply to bools", op_text(op));
	if (!ordering && lt == OC_T_STRING) {
		if (is_host_field(c, l) && is_literal(c, r) && !oc_expr_host_literal(c, r, OC_HOSTLIT_EQUAL))
			return OC_EXPR_NIL;
		if (is_host_field(c, r) && is_literal(c, l) && !oc_expr_host_literal(c, l, OC_HOSTLIT_EQUAL))
			return OC_EXPR_NIL;
	}
	oc_expr_node n = node(op, OC_T_BOOL, l, r);
	n.sub = (uint8_t)lt;
	return add(c, n, sp);
}

uint32_t oc_expr_mk_index(oc_expr_compiler *c, uint32_t map, uint32_t key, uint32_t at, oc_expr_span sp)
{
	oc_type mt = type_of(c, map), kt = type_of(c, key);
	if (mt != OC_T_MAP)
		return oc_expr_fail(c, sp.src, at, "only maps can be indexed with [...], this is %s",
			a_type(mt));
	if (kt != OC_T_STRING)
		return fail_at_node(c, key, "the keys of a map are strings, this is %s", a_type(kt));
	oc_expr_node n = node(OC_OP_INDEX, OC_T_STRING, map, key);
	n.flags = header_key(c, map, key);
	return add(c, n, sp);
}

static const struct function {
	const char *name;
	oc_op op;
	uint32_t nargs;  /* besides the receiver */
	bool global;     /* also callable as name(receiver) */
} functions[] = {
	{ "startsWith", OC_OP_STARTS, 1, false },
	{ "endsWith", OC_OP_ENDS, 1, false },
	{ "contains", OC_OP_CONTAINS, 1, false },
	{ "matches", OC_OP_MATCHES, 1, false },
	{ "lowerAscii", OC_OP_LOWER, 0, false },
	{ "size", OC_OP_SIZE, 0, true },
};

static const struct function *find_function(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (strlen(functions[i].name) == len && memcmp(functions[i].name, name, len) == 0)
			return &functions[i];
	return NULL;
}

/* Whether a string operand may be a lowerAscii() result, which exists
 * only as a flag on the original bytes at run time. */
static bool may_fold(oc_expr_compiler *c, uint32_t id)
{
	const oc_expr_node *n = oc_expr_node_at(c, id);
	if (n->op == OC_OP_LOWER)
		return true;
	return n->op == OC_OP_COND && (may_fold(c, n->b) || may_fold(c, n->c));
}

static uint32_t mk_string_test(oc_expr_compiler *c, const struct function *fn, uint32_t recv,
	uint32_t arg, oc_expr_span sp)
{
	if (type_of(c, arg) != OC_T_STRING)
		return fail_at_node(c, arg, "%s() needs a string argument, this is %s", fn->name,
			a_type(type_of(c, arg)));
	if (is_host_field(c, recv) && is_literal(c, arg) &&
	    !oc_expr_host_literal(c, arg, fn->op == OC_OP_ENDS ? OC_HOSTLIT_SUFFIX : OC_HOSTLIT_PART))
		return OC_EXPR_NIL;
	return add(c, node(fn->op, OC_T_BOOL, recv, arg), sp);
}

static uint32_t mk_matches(oc_expr_compiler *c, uint32_t recv, uint32_t arg, uint32_t at, oc_expr_span sp)
{
	if (!is_literal(c, arg))
		return fail_at_node(c, arg, "the pattern of matches() must be a string literal");
	if (may_fold(c, recv))
		return oc_expr_fail(c, sp.src, at, "matches() cannot test a lowerAscii() result: "
			"match the original text with a case-insensitive pattern, (?i)...");
	const oc_expr_node *lit = oc_expr_node_at(c, arg);
	const oc_expr_info *in = oc_expr_info_at(c, arg);
	uint32_t re = oc_expr_regex_compile(c, c->pool.data + lit->a, lit->b, in->src, in->off);
	if (re == OC_EXPR_NIL)
		return re;
	return add(c, node(OC_OP_MATCHES, OC_T_BOOL, recv, re), sp);
}

uint32_t oc_expr_mk_call(oc_expr_compiler *c, const char *name, size_t name_len, uint32_t recv,
	const uint32_t *args, uint32_t nargs, uint32_t at, oc_expr_span sp)
{
	const struct function *fn = find_function(name, name_len);
	if (!fn)
		return oc_expr_fail(c, sp.src, at, "unknown %s '%.*s' (there are startsWith, endsWith, "
			"contains, matches, lowerAscii and size)", recv == OC_EXPR_NIL ? "function" : "method",
			(int)name_len, name);
	if (recv == OC_EXPR_NIL) {
		if (!fn->global)
			return oc_expr_fail(c, sp.src, at, "%s is a method: write x.%s(...)", fn->name, fn->name);
		if (nargs != fn->nargs + 1)
			return oc_expr_fail(c, sp.src, at, "%s() takes %u argument%s, got %u", fn->name,
				fn->nargs + 1, fn->nargs ? "s" : "", nargs);
		recv = args[0];
		args++;
		nargs--;
	} else if (nargs != fn->nargs) {
		return oc_expr_fail(c, sp.src, at, "%s() takes %u argument%s, got %u", fn->name,
			fn->nargs, fn->nargs == 1 ? "" : "s", nargs);
	}

	oc_type rt = type_of(c, recv);
	if (fn->op == OC_OP_SIZE) {
		if (rt != OC_T_STRING && rt != OC_T_LIST && rt != OC_T_MAP)
			return fail_at_node(c, recv, "size() applies to strings, lists and maps, not %s",
				a_type(rt));
		oc_expr_node n = node(OC_OP_SIZE, OC_T_INT, recv, 0);
		n.sub = (uint8_t)rt;
		return add(c, n, sp);
	}
	if (rt != OC_T_STRING)
		return oc_expr_fail(c, sp.src, at, "%s() applies to strings, not %s", fn->name, a_type(rt));
	switch (fn->op) {
	case OC_OP_LOWER:
		return add(c, node(OC_OP_LOWER, OC_T_STRING, recv, 0), sp);
	case OC_OP_MATCHES:
		return mk_matches(c, recv, args[0], at, sp);
	default:
		return mk_string_test(c, fn, recv, args[0], sp);
	}
}
