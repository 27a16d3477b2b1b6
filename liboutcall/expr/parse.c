/*
 * Recursive-descent parser. Precedence, lowest first: `?:` (right
 * associative), `||`, `&&`, the comparisons and `in` (which do not chain),
 * unary `!` and `-`, then member access, calls and indexing. Nodes are
 * built bottom-up through the typed constructors, so type errors surface
 * as soon as an operator's operands are known.
 */
#include <stdio.h>
#include <string.h>

#include "context/field.h"
#include "expr/lex.h"

typedef struct parser {
	oc_expr_compiler *c;
	oc_lexer lx;
	uint32_t src;
} parser;

#define TOK (p->lx.tok)

static uint32_t parse_expr(parser *p);
static uint32_t parse_unary(parser *p);

static bool advance(parser *p)
{
	return oc_lex_next(&p->lx);
}

static uint32_t fail_here(parser *p, const char *expected)
{
	return oc_expr_fail(p->c, p->src, TOK.off, "expected %s, found %s", expected,
		oc_tok_describe(TOK.kind));
}

static bool expect(parser *p, oc_tok kind, const char *expected)
{
	if (TOK.kind != kind) {
		fail_here(p, expected);
		return false;
	}
	return advance(p);
}

/* The span from `start` to the end of the last token consumed. */
static oc_expr_span span_from(parser *p, uint32_t start)
{
	return (oc_expr_span){ p->src, start, p->lx.prev_end - start };
}

static bool enter(parser *p)
{
	if (++p->c->depth <= OC_EXPR_MAX_DEPTH)
		return true;
	oc_expr_fail(p->c, p->src, TOK.off, "expression nested too deeply (more than %d levels)",
		OC_EXPR_MAX_DEPTH);
	return false;
}

static void leave(parser *p)
{
	p->c->depth--;
}

/* Collects node indexes of an operand or argument list. */
static bool push_id(parser *p, oc_buf *ids, uint32_t id)
{
	if (oc_buf_append(ids, &id, sizeof(id)) == 0)
		return true;
	oc_expr_nomem(p->c);
	return false;
}

static uint32_t nids(const oc_buf *ids)
{
	return (uint32_t)(ids->len / sizeof(uint32_t));
}

static const uint32_t *id_array(const oc_buf *ids)
{
	return (const uint32_t *)(const void *)ids->data;
}

/* `a || b || ...` or `a && b && ...` as one n-ary node. */
static uint32_t parse_chain(parser *p, oc_tok tok, oc_op op, uint32_t (*operand)(parser *))
{
	uint32_t start = TOK.off;
	uint32_t first = operand(p);
	if (first == OC_EXPR_NIL || TOK.kind != tok)
		return first;
	oc_buf ids = OC_BUF_INIT;
	uint32_t x = first;
	bool ok = push_id(p, &ids, x);
	while (ok && TOK.kind == tok) {
		ok = advance(p) && (x = operand(p)) != OC_EXPR_NIL && push_id(p, &ids, x);
	}
	uint32_t node = ok ? oc_expr_mk_logic(p->c, op, id_array(&ids), nids(&ids), span_from(p, start))
			   : OC_EXPR_NIL;
	oc_buf_free(&ids);
	return node;
}

static int relational(oc_tok kind, oc_op *op)
{
	switch (kind) {
	case OC_TK_EQ: *op = OC_OP_EQ; return 1;
	case OC_TK_NE: *op = OC_OP_NE; return 1;
	case OC_TK_LT: *op = OC_OP_LT; return 1;
	case OC_TK_LE: *op = OC_OP_LE; return 1;
	case OC_TK_GT: *op = OC_OP_GT; return 1;
	case OC_TK_GE: *op = OC_OP_GE; return 1;
	case OC_TK_IN: *op = OC_OP_IN_LIST; return 1;
	default: return 0;
	}
}

static uint32_t parse_relation(parser *p)
{
	uint32_t start = TOK.off;
	uint32_t l = parse_unary(p);
	oc_op op;
	if (l == OC_EXPR_NIL || !relational(TOK.kind, &op))
		return l;
	uint32_t at = TOK.off;
	if (!advance(p))
		return OC_EXPR_NIL;
	uint32_t r = parse_unary(p);
	if (r == OC_EXPR_NIL)
		return OC_EXPR_NIL;
	uint32_t node = oc_expr_mk_binary(p->c, op, l, r, at, span_from(p, start));
	if (node != OC_EXPR_NIL && relational(TOK.kind, &op))
		return oc_expr_fail(p->c, p->src, TOK.off,
			"comparisons do not chain: add parentheses, e.g. (a == b) == c");
	return node;
}

static uint32_t parse_and(parser *p)
{
	return parse_chain(p, OC_TK_AND, OC_OP_AND, parse_relation);
}

static uint32_t parse_or(parser *p)
{
	return parse_chain(p, OC_TK_OR, OC_OP_OR, parse_and);
}

static uint32_t parse_expr(parser *p)
{
	if (!enter(p))
		return OC_EXPR_NIL;
	uint32_t start = TOK.off;
	uint32_t node = parse_or(p);
	if (node != OC_EXPR_NIL && TOK.kind == OC_TK_QUESTION) {
		uint32_t at = TOK.off, yes = OC_EXPR_NIL, no = OC_EXPR_NIL;
		if (advance(p) && (yes = parse_expr(p)) != OC_EXPR_NIL && expect(p, OC_TK_COLON, "':'") &&
		    (no = parse_expr(p)) != OC_EXPR_NIL)
			node = oc_expr_mk_cond(p->c, node, yes, no, at, span_from(p, start));
		else
			node = OC_EXPR_NIL;
	}
	leave(p);
	return node;
}

static uint32_t parse_negative(parser *p, uint32_t start)
{
	if (TOK.kind != OC_TK_INT)
		return oc_expr_fail(p->c, p->src, start, "unary '-' applies only to integer literals");
	uint64_t u = TOK.u;
	if (!advance(p))
		return OC_EXPR_NIL;
	int64_t v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	return oc_expr_mk_int(p->c, v, span_from(p, start));
}

static uint32_t parse_postfix(parser *p);

static uint32_t parse_unary(parser *p)
{
	uint32_t start = TOK.off;
	if (TOK.kind == OC_TK_MINUS)
		return advance(p) ? parse_negative(p, start) : OC_EXPR_NIL;
	if (TOK.kind != OC_TK_NOT)
		return parse_postfix(p);
	if (!enter(p))
		return OC_EXPR_NIL;
	uint32_t x = advance(p) ? parse_unary(p) : OC_EXPR_NIL;
	leave(p);
	return x == OC_EXPR_NIL ? x : oc_expr_mk_not(p->c, x, span_from(p, start));
}

/* `(a, b, ...)`; the current token is '('. */
static bool parse_args(parser *p, oc_buf *ids)
{
	if (!advance(p))
		return false;
	if (TOK.kind == OC_TK_RPAREN)
		return advance(p);
	for (;;) {
		uint32_t x = parse_expr(p);
		if (x == OC_EXPR_NIL || !push_id(p, ids, x))
			return false;
		if (TOK.kind != OC_TK_COMMA)
			return expect(p, OC_TK_RPAREN, "',' or ')'");
		if (!advance(p))
			return false;
	}
}

/* A call by name: the current token is '(' after the name. */
static uint32_t parse_call(parser *p, uint32_t start, const oc_token *name, uint32_t recv)
{
	oc_buf ids = OC_BUF_INIT;
	uint32_t node = OC_EXPR_NIL;
	if (parse_args(p, &ids))
		node = oc_expr_mk_call(p->c, p->lx.text + name->off, name->len, recv, id_array(&ids),
			nids(&ids), name->off, span_from(p, start));
	oc_buf_free(&ids);
	return node;
}

static uint32_t parse_postfix_member(parser *p, uint32_t start, uint32_t x)
{
	if (!advance(p))
		return OC_EXPR_NIL;
	if (TOK.kind != OC_TK_IDENT)
		return fail_here(p, "a method name after '.'");
	oc_token name = TOK;
	if (!advance(p))
		return OC_EXPR_NIL;
	if (TOK.kind != OC_TK_LPAREN)
		return oc_expr_fail(p->c, p->src, name.off, "'.%.*s' is not a method call: methods need "
			"parentheses, e.g. .size()", (int)name.len, p->lx.text + name.off);
	return parse_call(p, start, &name, x);
}

static uint32_t parse_postfix_index(parser *p, uint32_t start, uint32_t x)
{
	uint32_t at = TOK.off;
	uint32_t key = advance(p) ? parse_expr(p) : OC_EXPR_NIL;
	if (key == OC_EXPR_NIL || !expect(p, OC_TK_RBRACKET, "']'"))
		return OC_EXPR_NIL;
	return oc_expr_mk_index(p->c, x, key, at, span_from(p, start));
}

static uint32_t parse_primary(parser *p);

static uint32_t parse_postfix(parser *p)
{
	uint32_t start = TOK.off;
	uint32_t x = parse_primary(p);
	while (x != OC_EXPR_NIL) {
		if (TOK.kind == OC_TK_DOT)
			x = parse_postfix_member(p, start, x);
		else if (TOK.kind == OC_TK_LBRACKET)
			x = parse_postfix_index(p, start, x);
		else
			break;
	}
	return x;
}

static uint32_t parse_list(parser *p)
{
	uint32_t start = TOK.off;
	oc_buf ids = OC_BUF_INIT;
	bool ok = advance(p);
	while (ok && TOK.kind != OC_TK_RBRACKET) {
		uint32_t x = parse_expr(p);
		ok = x != OC_EXPR_NIL && push_id(p, &ids, x);
		if (ok && TOK.kind != OC_TK_RBRACKET)
			ok = expect(p, OC_TK_COMMA, "',' or ']'");
	}
	uint32_t node = OC_EXPR_NIL;
	if (ok && advance(p))
		node = oc_expr_mk_list(p->c, id_array(&ids), nids(&ids), span_from(p, start));
	oc_buf_free(&ids);
	return node;
}

/* `ns.member` where ns names a field group, or a call of a function. */
static uint32_t parse_name(parser *p)
{
	oc_token first = TOK;
	const char *text = p->lx.text;
	if (!advance(p))
		return OC_EXPR_NIL;
	if (TOK.kind == OC_TK_LPAREN)
		return parse_call(p, first.off, &first, OC_EXPR_NIL);

	char full[96];
	size_t n = (size_t)snprintf(full, sizeof(full), "%.*s", (int)first.len, text + first.off);
	if (TOK.kind == OC_TK_DOT) {
		if (!advance(p))
			return OC_EXPR_NIL;
		if (TOK.kind != OC_TK_IDENT)
			return fail_here(p, "a field name after '.'");
		n = (size_t)snprintf(full, sizeof(full), "%.*s.%.*s", (int)first.len, text + first.off,
			(int)TOK.len, text + TOK.off);
		if (n >= sizeof(full))
			n = sizeof(full) - 1;
		int f = oc_field_lookup(full, n);
		if (f >= 0) {
			if (!advance(p))
				return OC_EXPR_NIL;
			return oc_expr_mk_field(p->c, (oc_field)f, span_from(p, first.off));
		}
	} else if (n >= sizeof(full)) {
		n = sizeof(full) - 1;
	}
	const char *hint = oc_field_suggest(full, n);
	bool dotted = memchr(full, '.', n) != NULL;
	return oc_expr_fail(p->c, p->src, first.off, "unknown %s '%s'%s%s%s", dotted ? "field" : "name",
		full, hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
}

/* Cycle check: is definition k already being expanded? Then report the
 * chain from its first expansion. */
static bool check_cycle(parser *p, uint32_t k)
{
	const uint32_t *stack = (const uint32_t *)(const void *)p->c->expanding.data;
	size_t depth = p->c->expanding.len / sizeof(uint32_t);
	size_t from = depth;
	for (size_t i = 0; i < depth; i++)
		if (stack[i] == k) {
			from = i;
			break;
		}
	if (from == depth)
		return true;
	char chain[512];
	size_t n = 0;
	for (size_t i = from; i <= depth && n < sizeof(chain); i++)
		n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%s$%s", i > from ? " -> " : "",
			p->c->src->defs[i < depth ? stack[i] : k].name);
	oc_expr_fail(p->c, p->src, TOK.off, "definition cycle: %s", chain);
	return false;
}

/* `$name`: the definition's expression, parsed in place (so it behaves as
 * if parenthesised) from its own text, so its errors point into it. */
static uint32_t parse_definition(parser *p)
{
	const oc_expr_source *s = p->c->src;
	const char *name = p->lx.text + TOK.off + 1;
	size_t n = TOK.len - 1;
	uint32_t k = 0;
	while (k < s->ndefs && !(strlen(s->defs[k].name) == n && memcmp(s->defs[k].name, name, n) == 0))
		k++;
	if (k == s->ndefs)
		return oc_expr_fail(p->c, p->src, TOK.off, "undefined definition $%.*s: add it under "
			"'definitions:' in this file", (int)n, name);
	if (!check_cycle(p, k))
		return OC_EXPR_NIL;
	s->defs[k].used = true;
	p->c->expanded[k] = true;
	if (p->c->expanding.len == 0)
		p->c->ref_off = TOK.off;
	if (oc_buf_append(&p->c->expanding, &k, sizeof(k)))
		return oc_expr_nomem(p->c);
	uint32_t x = oc_expr_parse(p->c, k + 1);
	p->c->expanding.len -= sizeof(k);
	if (x == OC_EXPR_NIL)
		return x;
	/* Errors about the expansion as a whole (its type as an operand)
	 * and explanations point at the reference, not into the definition. */
	oc_expr_info *info = oc_expr_info_at(p->c, x);
	info->src = (uint16_t)p->src;
	info->off = TOK.off;
	info->len = TOK.len;
	return advance(p) ? x : OC_EXPR_NIL;
}

static uint32_t parse_primary(parser *p)
{
	uint32_t start = TOK.off;
	switch (TOK.kind) {
	case OC_TK_INT: {
		if (TOK.u > INT64_MAX)
			return oc_expr_fail(p->c, p->src, start, "integer literal out of range (ints are 64-bit)");
		int64_t v = (int64_t)TOK.u;
		return advance(p) ? oc_expr_mk_int(p->c, v, span_from(p, start)) : OC_EXPR_NIL;
	}
	case OC_TK_STRING: {
		uint32_t x = oc_expr_mk_string(p->c, p->lx.str.data ? p->lx.str.data : "", p->lx.str.len,
			(oc_expr_span){ p->src, start, TOK.len });
		return x != OC_EXPR_NIL && advance(p) ? x : OC_EXPR_NIL;
	}
	case OC_TK_TRUE:
	case OC_TK_FALSE: {
		bool v = TOK.kind == OC_TK_TRUE;
		return advance(p) ? oc_expr_mk_bool(p->c, v, span_from(p, start)) : OC_EXPR_NIL;
	}
	case OC_TK_LPAREN: {
		uint32_t x = advance(p) ? parse_expr(p) : OC_EXPR_NIL;
		return x != OC_EXPR_NIL && expect(p, OC_TK_RPAREN, "')'") ? x : OC_EXPR_NIL;
	}
	case OC_TK_LBRACKET:
		return parse_list(p);
	case OC_TK_IDENT:
		return parse_name(p);
	case OC_TK_DEF:
		return parse_definition(p);
	default:
		return fail_here(p, "an expression");
	}
}

uint32_t oc_expr_parse(oc_expr_compiler *c, uint32_t src)
{
	parser p = { .c = c, .src = src };
	oc_lex_init(&p.lx, c, src);
	uint32_t x = OC_EXPR_NIL;
	if (oc_lex_next(&p.lx)) {
		x = parse_expr(&p);
		if (x != OC_EXPR_NIL && p.lx.tok.kind != OC_TK_EOF)
			x = oc_expr_fail(c, src, p.lx.tok.off, "expected an operator or the end of the "
				"expression, found %s", oc_tok_describe(p.lx.tok.kind));
	}
	oc_lex_free(&p.lx);
	return x;
}
