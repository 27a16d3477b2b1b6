/* Traced decisions for `outcall rules test --explain`: a plain ordered scan
 * that keeps, for each rule considered, its value and why. */
#include <outcall/engine.h>

#include <stdlib.h>

#include "core/buf.h"
#include "core/error.h"
#include "engine/decision.h"

struct oc_trace {
	oc_trace_step *steps;
	size_t count;
};

static int add_step(oc_trace *t, const oc_rule *r, oc_tri v, const oc_context *ctx)
{
	oc_buf why = OC_BUF_INIT;
	int rc = oc_expr_explain(r->expr, ctx, &why);
	oc_trace_step *grown = rc ? NULL : realloc(t->steps, (t->count + 1) * sizeof(*grown));
	if (!grown) {
		oc_buf_free(&why);
		return rc ? rc : oc_error_nomem();
	}
	t->steps = grown;
	t->steps[t->count++] = (oc_trace_step){ .rule = r, .result = (int)v,
		.why = oc_buf_steal(&why) };
	return 0;
}

int oc_engine_trace(const oc_ruleset *rs, const oc_context *ctx, oc_decision *out, oc_trace **trace)
{
	if (!rs || !ctx || !out || !trace)
		return oc_error_set(OC_EINVAL, "oc_engine_trace: NULL argument");
	oc_trace *t = calloc(1, sizeof(*t));
	if (!t)
		return oc_error_nomem();
	const oc_rule *decided = NULL;
	for (size_t i = 0; i < rs->nrules && !decided; i++) {
		const oc_rule *r = &rs->rules[i];
		oc_tri v = oc_expr_eval(r->expr, ctx);
		int rc = add_step(t, r, v, ctx);
		if (rc) {
			oc_trace_free(t);
			return rc;
		}
		if (v == OC_TRI_TRUE)
			decided = r;
	}
	oc_decision_fill(out, decided);
	*trace = t;
	return 0;
}

size_t oc_trace_count(const oc_trace *t)
{
	return t ? t->count : 0;
}

const oc_trace_step *oc_trace_get(const oc_trace *t, size_t i)
{
	return t && i < t->count ? &t->steps[i] : NULL;
}

void oc_trace_free(oc_trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++)
		free((char *)t->steps[i].why);
	free(t->steps);
	free(t);
}
