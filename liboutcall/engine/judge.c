/* The one judge (judge.h). */
#include "engine/judge.h"

/* What the proxy adds to an allow; see judge.h. */
static const char *refusal(const oc_context *ctx, const oc_decision *d, bool named_port)
{
	bool tls = ctx->layer == OC_LAYER_TLS;
	if (named_port && (tls || ctx->layer == OC_LAYER_HTTP) &&
	    ctx->network_port != (tls ? 443 : 80) &&
	    !(oc_rule_fields(d->rule) & OC_FIELD_BIT(OC_FIELD_NETWORK_PORT)))
		return tls ? "the rule allows the host but does not name the port; HTTPS (CONNECT) "
			"to a port other than 443 needs an allow rule that tests network.port" :
			"the rule allows the host but does not name the port; plain HTTP to a port "
			"other than 80 needs an allow rule that tests network.port";
	if (ctx->layer == OC_LAYER_TLS && d->egress.mode == OC_EGRESS_INTERCEPT)
		return "the rule asks for TLS interception (egress.mode intercept), which this "
			"proxy does not do";
	return NULL;
}

void oc_judge(const oc_ruleset *rs, oc_registry *reg, const oc_container *c, oc_context *ctx,
	bool named_port, oc_judgment *out)
{
	ctx->agent_name = oc_container_agent_name(c);
	ctx->container_id = oc_container_id(c);
	ctx->container_image = oc_container_image(c);
	ctx->container_labels = oc_container_labels(c);
	*out = (oc_judgment){ .d = { .verdict = OC_ACTION_BLOCK, .rule_id = "default" } };
	if (reg && oc_registry_locked(reg, c, &out->lock)) {
		out->locked = true;
		out->d.rule_id = OC_LOCKDOWN_RULE;
		out->refusal = "the operator locked this agent down";
		return;
	}
	if (!rs || oc_engine_decide(rs, ctx, &out->d) != 0) {
		out->d = (oc_decision){ .verdict = OC_ACTION_BLOCK, .rule_id = "default" };
		return;
	}
	if (out->d.verdict != OC_ACTION_ALLOW)
		return;
	out->refusal = refusal(ctx, &out->d, named_port);
	out->allowed = !out->refusal;
}

oc_ruleset *oc_judge_live(oc_live *live, oc_registry *reg, const oc_container *c,
	oc_context *ctx, bool named_port, oc_judgment *out, uint64_t *generation)
{
	uint64_t gen = 0;
	oc_ruleset *rs = oc_live_acquire(live, &gen);
	oc_judge(rs, reg, c, ctx, named_port, out);
	*generation = rs ? gen : 0;
	return rs;
}
