/* oc_engine_decide: the index answers the host-test rules, the ordered
 * scan the rest; whichever true rule comes first in evaluation order
 * decides. */
#include <outcall/engine.h>

#include <stdint.h>

#include "core/error.h"
#include "engine/decision.h"
#include "engine/index.h"

void oc_decision_fill(oc_decision *out, const oc_rule *r)
{
	static const oc_egress none;
	if (!r) {
		*out = (oc_decision){ .verdict = OC_ACTION_BLOCK, .rule_id = "default",
			.egress = none };
		return;
	}
	*out = (oc_decision){
		.verdict = r->action, .rule = r, .rule_id = r->id, .file = r->file,
		.line = r->line, .log = r->log,
		.egress = r->action == OC_ACTION_ALLOW ? r->egress : none,
	};
}

int oc_engine_decide(const oc_ruleset *rs, const oc_context *ctx, oc_decision *out)
{
	if (!rs || !ctx || !out)
		return oc_error_set(OC_EINVAL, "oc_engine_decide: NULL argument");
	size_t best = oc_engine_index_best(rs->index, ctx);
	size_t n;
	const size_t *scan = oc_engine_index_scan_list(rs->index, &n);
	for (size_t i = 0; i < n && scan[i] < best; i++) {
		const oc_rule *r = &rs->rules[scan[i]];
		if (oc_expr_eval(r->expr, ctx) == OC_TRI_TRUE) {
			oc_decision_fill(out, r);
			return 0;
		}
	}
	oc_decision_fill(out, best == SIZE_MAX ? NULL : &rs->rules[best]);
	return 0;
}

int oc_engine_decide_scan(const oc_ruleset *rs, const oc_context *ctx, oc_decision *out)
{
	if (!rs || !ctx || !out)
		return oc_error_set(OC_EINVAL, "oc_engine_decide_scan: NULL argument");
	for (size_t i = 0; i < rs->nrules; i++) {
		if (oc_expr_eval(rs->rules[i].expr, ctx) == OC_TRI_TRUE) {
			oc_decision_fill(out, &rs->rules[i]);
			return 0;
		}
	}
	oc_decision_fill(out, NULL);
	return 0;
}
