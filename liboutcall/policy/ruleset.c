/* Reference counting and read accessors of oc_ruleset (policy.h). */
#include "policy/ruleset.h"

#include <stdlib.h>
#include <string.h>

oc_ruleset *oc_ruleset_ref(oc_ruleset *rs)
{
	if (rs)
		atomic_fetch_add_explicit(&rs->refs, 1, memory_order_relaxed);
	return rs;
}

void oc_ruleset_unref(oc_ruleset *rs)
{
	if (!rs)
		return;
	/* Release so that our reads of the set happen before the free done by
	 * whichever thread drops the last reference (which acquires). */
	if (atomic_fetch_sub_explicit(&rs->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < rs->nrules; i++) {
		oc_rule *r = &rs->rules[i];
		free(r->id);
		free(r->description);
		free(r->condition);
		free(r->ports);
		oc_expr_free(r->expr);
	}
	free(rs->rules);
	for (size_t i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->files);
	oc_engine_index_free(rs->index);
	free(rs);
}

size_t oc_ruleset_count(const oc_ruleset *rs)
{
	return rs ? rs->nrules : 0;
}

const oc_rule *oc_ruleset_rule(const oc_ruleset *rs, size_t i)
{
	return rs && i < rs->nrules ? &rs->rules[i] : NULL;
}

const oc_rule *oc_ruleset_find(const oc_ruleset *rs, const char *id)
{
	if (!rs || !id)
		return NULL;
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return &rs->rules[i];
	return NULL;
}

size_t oc_ruleset_file_count(const oc_ruleset *rs)
{
	return rs ? rs->nfiles : 0;
}

const char *oc_ruleset_file(const oc_ruleset *rs, size_t i)
{
	return rs && i < rs->nfiles ? rs->files[i] : NULL;
}

const char *oc_rule_id(const oc_rule *r) { return r->id; }
const char *oc_rule_description(const oc_rule *r) { return r->description ? r->description : ""; }
const char *oc_rule_condition(const oc_rule *r) { return r->condition; }
const char *oc_rule_file(const oc_rule *r) { return r->file; }
int oc_rule_line(const oc_rule *r) { return r->line; }
oc_action oc_rule_action(const oc_rule *r) { return r->action; }
int oc_rule_priority(const oc_rule *r) { return r->priority; }
bool oc_rule_log(const oc_rule *r) { return r->log; }
const oc_egress *oc_rule_egress(const oc_rule *r) { return &r->egress; }
size_t oc_rule_index(const oc_rule *r) { return r->index; }
uint32_t oc_rule_fields(const oc_rule *r) { return r ? oc_expr_fields(r->expr) : 0; }

const char *oc_action_name(oc_action a)
{
	return a == OC_ACTION_ALLOW ? "allow" : "block";
}

const char *oc_egress_mode_name(oc_egress_mode m)
{
	switch (m) {
	case OC_EGRESS_PROXY: return "proxy";
	case OC_EGRESS_DIRECT_IP: return "direct_ip";
	case OC_EGRESS_INTERCEPT: return "intercept";
	}
	return "unknown";
}
