/*
 * One line on why a condition has its value (oc_expr_explain): each
 * top-level operand as written, its value, and the fields it read:
 *   http.host == "a" -> false (http.host is "b") || dns.query == "a" -> unknown (...)
 * Operands that short-circuiting skipped are marked "not evaluated".
 */
#include <inttypes.h>

#include "context/escape.h"
#include "context/field.h"
#include "expr/eval.h"
#include "expr/read.h"

typedef struct explainer {
	const oc_expr *e;
	const oc_context *ctx;
	oc_buf *out;
	int rc;
} explainer;

static void put(explainer *x, const char *s)
{
	if (!x->rc)
		x->rc = oc_buf_puts(x->out, s);
}

static void put_quoted(explainer *x, const char *s, size_t n)
{
	char shown[128];
	if (!x->rc)
		x->rc = oc_buf_printf(x->out, "\"%s\"", oc_escape(shown, sizeof(shown), s, n));
}

static const char *tri_name(oc_tri t)
{
	return t == OC_TRI_TRUE ? "true" : t == OC_TRI_FALSE ? "false" : "unknown";
}

/* The operand's source text on one line. */
static void put_source(explainer *x, uint32_t id)
{
	const oc_expr_info *in = &x->e->info[id];
	const char *s = x->e->texts[in->src] + in->off;
	for (uint32_t i = 0; i < in->len && !x->rc; i++) {
		char ch = s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i];
		x->rc = oc_buf_append(x->out, &ch, 1);
	}
}

/* Map keys the operand looks up by literal, shown with their values. */
static bool put_map_keys(explainer *x, uint32_t id, oc_field f, const oc_map *m, bool first)
{
	const oc_expr_node *n = &x->e->nodes[id];
	uint32_t map = n->op == OC_OP_INDEX ? n->a : n->op == OC_OP_IN_MAP ? n->b : OC_EXPR_NIL;
	uint32_t key = n->op == OC_OP_INDEX ? n->b : n->a;
	if (map != OC_EXPR_NIL && x->e->nodes[map].sub == f && x->e->nodes[key].op == OC_OP_STRING) {
		const oc_expr_node *k = &x->e->nodes[key];
		oc_sval v, ks = { oc_expr_str(x->e, k), k->b, false };
		bool present = oc_expr_map_get(m, ks, &v);
		put(x, first ? "" : ", ");
		put(x, oc_field_name(f));
		put(x, "[");
		put_quoted(x, ks.p, ks.n);
		put(x, present ? "] is " : "] is absent");
		if (present)
			put_quoted(x, v.p, v.n);
		first = false;
	}
	oc_expr_kids k;
	oc_expr_kids_of(x->e->nodes, x->e->args, id, &k);
	for (uint32_t i = 0; i < k.n; i++)
		first = put_map_keys(x, k.id[i], f, m, first);
	return first;
}

static void put_field(explainer *x, uint32_t operand, oc_field f)
{
	const char *name = oc_field_name(f);
	if (!(x->ctx->known & OC_FIELD_BIT(f))) {
		const char *layer = oc_layer_name(x->ctx->layer);
		put(x, name);
		put(x, " is not known to the ");
		put(x, layer ? layer : "asking");
		put(x, " layer");
		return;
	}
	switch (oc_field_type_of(f)) {
	case OC_FTYPE_STRING: {
		oc_sval s = { "", 0, false };
		oc_expr_read_str(x->ctx, f, &s);
		put(x, name);
		put(x, " is ");
		put_quoted(x, s.p, s.n);
		break;
	}
	case OC_FTYPE_INT: {
		int64_t i = 0;
		oc_expr_read_int(x->ctx, f, &i);
		if (!x->rc)
			x->rc = oc_buf_printf(x->out, "%s is %" PRId64, name, i);
		break;
	}
	case OC_FTYPE_MAP: {
		const oc_map *m = oc_expr_read_map(x->ctx, f);
		if (put_map_keys(x, operand, f, m, true) && !x->rc)
			x->rc = oc_buf_printf(x->out, "%s has %zu entr%s", name, m->count,
				m->count == 1 ? "y" : "ies");
		break;
	}
	}
}

/* Writes one operand; returns its value (unknown when skipped). */
static oc_tri put_operand(explainer *x, uint32_t id, bool skipped)
{
	put_source(x, id);
	if (skipped) {
		put(x, " -> not evaluated");
		return OC_TRI_UNKNOWN;
	}
	oc_tri value = oc_expr_eval_node(x->e, id, x->ctx);
	put(x, " -> ");
	put(x, tri_name(value));
	uint32_t fields = x->e->info[id].fields;
	bool first = true;
	for (int f = 0; f < OC_FIELD_COUNT; f++) {
		if (!(fields & OC_FIELD_BIT(f)))
			continue;
		put(x, first ? " (" : ", ");
		put_field(x, id, (oc_field)f);
		first = false;
	}
	if (!first)
		put(x, ")");
	return value;
}

int oc_expr_explain(const oc_expr *e, const oc_context *ctx, oc_buf *out)
{
	explainer x = { e, ctx, out, 0 };
	const oc_expr_node *root = &e->nodes[e->root];
	if (root->op != OC_OP_AND && root->op != OC_OP_OR) {
		put_operand(&x, e->root, false);
		return x.rc;
	}
	oc_tri decider = root->op == OC_OP_AND ? OC_TRI_FALSE : OC_TRI_TRUE;
	bool decided = false;
	for (uint32_t i = 0; i < root->b; i++) {
		uint32_t id = e->args[root->a + i];
		if (i > 0)
			put(&x, root->op == OC_OP_AND ? " && " : " || ");
		decided = put_operand(&x, id, decided) == decider || decided;
	}
	return x.rc;
}
