#include "policy/schema.h"

#include <outcall/policy.h>

static const cyaml_strval_t action_names[] = {
	{ "block", OC_ACTION_BLOCK },
	{ "allow", OC_ACTION_ALLOW },
};

static const cyaml_strval_t mode_names[] = {
	{ "proxy", OC_EGRESS_PROXY },
	{ "direct_ip", OC_EGRESS_DIRECT_IP },
	{ "intercept", OC_EGRESS_INTERCEPT },
};

static const cyaml_schema_value_t port_schema = {
	CYAML_VALUE_UINT(CYAML_FLAG_DEFAULT, uint16_t),
};

static const cyaml_schema_field_t egress_fields[] = {
	CYAML_FIELD_ENUM("mode", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT,
		struct y_egress, mode, mode_names, CYAML_ARRAY_LEN(mode_names)),
	CYAML_FIELD_SEQUENCE("ports", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
		struct y_egress, ports, &port_schema, 1, OC_POLICY_MAX_PORTS),
	CYAML_FIELD_BOOL("allow_private_ips", CYAML_FLAG_OPTIONAL,
		struct y_egress, allow_private_ips),
	CYAML_FIELD_BOOL("match_body", CYAML_FLAG_OPTIONAL,
		struct y_egress, match_body),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t rule_fields[] = {
	CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, struct y_rule, id, 1, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("description", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
		struct y_rule, description, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("condition", CYAML_FLAG_POINTER, struct y_rule, condition,
		1, CYAML_UNLIMITED),
	CYAML_FIELD_ENUM("action", CYAML_FLAG_STRICT, struct y_rule, action,
		action_names, CYAML_ARRAY_LEN(action_names)),
	CYAML_FIELD_INT("priority", CYAML_FLAG_OPTIONAL, struct y_rule, priority),
	CYAML_FIELD_BOOL("log", CYAML_FLAG_OPTIONAL, struct y_rule, log),
	CYAML_FIELD_MAPPING_PTR("egress", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
		struct y_rule, egress, egress_fields),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t rule_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct y_rule, rule_fields),
};

static const cyaml_schema_field_t file_fields[] = {
	CYAML_FIELD_STRING_PTR("version", CYAML_FLAG_POINTER, struct y_file, version,
		0, CYAML_UNLIMITED),
	/* Definitions are a map with names chosen by the author, which libcyaml
	 * cannot describe; the structural pass reads them. */
	CYAML_FIELD_IGNORE("definitions", CYAML_FLAG_OPTIONAL),
	CYAML_FIELD_SEQUENCE("rules", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
		struct y_file, rules, &rule_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END
};

const cyaml_schema_value_t oc_policy_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct y_file, file_fields),
};

const cyaml_schema_field_t *const oc_policy_rule_fields = rule_fields;
const cyaml_schema_field_t *const oc_policy_egress_fields = egress_fields;
const cyaml_schema_field_t *const oc_policy_file_fields = file_fields;
