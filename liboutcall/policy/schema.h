/* The rule file schema (PRODUCT.md §4) as libcyaml describes it. The same
 * schema drives the structural pass (structure.c), so the list of allowed
 * keys exists exactly once. */
#ifndef OC_POLICY_SCHEMA_H
#define OC_POLICY_SCHEMA_H

#include <cyaml/cyaml.h>
#include <stdbool.h>
#include <stdint.h>

struct y_egress {
	int mode;
	uint16_t *ports;
	unsigned ports_count;
	bool allow_private_ips;
	bool match_body;
};

struct y_rule {
	char *id;
	char *description;
	char *condition;
	int action;
	int64_t priority;
	bool log;
	struct y_egress *egress;
};

struct y_file {
	char *version;
	struct y_rule *rules;
	unsigned rules_count;
};

/* The top-level value schema of a rule file. */
extern const cyaml_schema_value_t oc_policy_schema;

/* Upper bound on rules in one file and ports in one rule; the loader's
 * configurable limits are checked before libcyaml sees the file. */
#define OC_POLICY_MAX_PORTS 64



/* Field indexes in the schema's key arrays, for structure.c's positions.
 * tests/unit/policy checks that they agree with the arrays. */
enum { RK_ID, RK_DESCRIPTION, RK_CONDITION, RK_ACTION, RK_PRIORITY, RK_LOG, RK_EGRESS, RK_COUNT };
enum { EK_MODE, EK_PORTS, EK_ALLOW_PRIVATE_IPS, EK_MATCH_BODY, EK_COUNT };
enum { FK_VERSION, FK_DEFINITIONS, FK_RULES, FK_COUNT };
extern const cyaml_schema_field_t *const oc_policy_rule_fields;
extern const cyaml_schema_field_t *const oc_policy_egress_fields;
extern const cyaml_schema_field_t *const oc_policy_file_fields;
#endif
