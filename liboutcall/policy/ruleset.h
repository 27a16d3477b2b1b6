/* The inside of a loaded rule set, shared by the loader (which builds it)
 * and the engine (which reads it). Immutable once published. */
#ifndef OC_POLICY_RULESET_H
#define OC_POLICY_RULESET_H

#include <stdatomic.h>
#include <outcall/policy.h>
#include "expr/expr.h"

struct oc_engine_index;

struct oc_rule {
	char *id;
	char *description;
	char *condition;
	const char *file;      /* borrowed from oc_ruleset.files */
	int line;              /* where the rule's mapping starts */
	int id_column;
	oc_action action;
	int priority;
	bool log;
	oc_egress egress;      /* egress.ports points at ports */
	uint16_t *ports;
	oc_expr *expr;
	size_t index;          /* position in evaluation order */
	size_t load_order;     /* position in file order, the tie-breaker */
};

struct oc_ruleset {
	atomic_long refs;
	oc_rule *rules;        /* evaluation order */
	size_t nrules;
	char **files;
	size_t nfiles;
	struct oc_engine_index *index;
};

/* Builds rs->index (engine/index.c); called once by the loader. */
int oc_engine_index_build(oc_ruleset *rs);
void oc_engine_index_free(struct oc_engine_index *ix);

#endif
