/* Every load error names file, line (and column, and rule id where there
 * is one) and loads nothing. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include <outcall/outcall.h>
#include <outcall/policy.h>
#include "tmpfiles.h"

static void teardown(void)
{
	tmp_cleanup();
}

TestSuite(errors, .fini = teardown);

struct bad {
	const char *name;
	const char *yaml;
	int code;
	int line;
	int column;         /* 0: not checked */
	const char *rule;   /* NULL: must be none */
	const char *text;   /* must appear in the message */
};

#define R "version: '1'\nrules:\n"

static const struct bad cases[] = {
	{ "unknown rule key", R "  - id: a\n    condition: 'true'\n    acton: allow\n",
		OC_EPARSE, 5, 5, "a", "unknown key 'acton' (expected one of: id, description, "
		"condition, action, priority, log, egress)" },
	{ "unknown top key", "version: '1'\nrule: []\n", OC_EPARSE, 2, 1, NULL,
		"unknown key 'rule'" },
	{ "unknown egress key", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    egress:\n      mode: proxy\n      privateips: true\n", OC_EPARSE, 8, 7, "a",
		"unknown key 'privateips'" },
	{ "duplicate key", R "  - id: a\n    id: b\n    condition: 'true'\n    action: allow\n",
		OC_EPARSE, 4, 5, "a", "duplicate key 'id'" },
	{ "missing version", "rules: []\n", OC_EPARSE, 1, 1, NULL,
		"missing required key 'version'" },
	{ "unsupported version", "version: \"2\"\nrules: []\n", OC_EPARSE, 1, 10, NULL,
		"unsupported version \"2\"" },
	{ "missing action", R "  - id: a\n    condition: 'true'\n", OC_EPARSE, 3, 5, "a",
		"missing required key 'action'" },
	{ "missing id", R "  - condition: 'true'\n    action: allow\n", OC_EPARSE, 3, 5, NULL,
		"missing required key 'id'" },
	{ "bad action", R "  - id: a\n    condition: 'true'\n    action: permit\n", OC_EPARSE, 5, 13,
		"a", "invalid value" },
	{ "priority not a number", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    priority: high\n", OC_EPARSE, 6, 15, "a", "invalid value" },
	{ "log not a bool", R "  - id: a\n    condition: 'true'\n    action: allow\n    log: maybe\n",
		OC_EPARSE, 6, 10, "a", "'log' must be true or false, not 'maybe'" },
	{ "private ips not a bool", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    egress: {allow_private_ips: nope}\n", OC_EPARSE, 6, 33, "a",
		"'allow_private_ips' must be true or false" },
	{ "rules not a list", "version: '1'\nrules: everything\n", OC_EPARSE, 2, 8, NULL,
		"'rules' must be a list" },
	{ "rule not a mapping", R "  - allow everything\n", OC_EPARSE, 3, 5, NULL,
		"a rule must be a mapping" },
	{ "condition not a string", R "  - id: a\n    condition: [1]\n    action: allow\n",
		OC_EPARSE, 4, 16, "a", "'condition' must be a string" },
	{ "bad id characters", R "  - id: 'allow all!'\n    condition: 'true'\n    action: allow\n",
		OC_EPARSE, 3, 9, "allow all!", "invalid rule id" },
	{ "egress on block", R "  - id: a\n    condition: 'true'\n    action: block\n"
		"    egress:\n      mode: proxy\n", OC_EPARSE, 7, 7, "a",
		"'egress' is only allowed on allow rules" },
	{ "match_body without intercept", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    egress:\n      mode: proxy\n      match_body: true\n", OC_EPARSE, 8, 19, "a",
		"'match_body' needs 'mode: intercept'" },
	{ "ports without direct_ip", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    egress:\n      ports: [22]\n", OC_EPARSE, 7, 14, "a",
		"'ports' applies to 'mode: direct_ip' only" },
	{ "port zero", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    egress: {mode: direct_ip, ports: [0]}\n", OC_EPARSE, 6, 0, "a", "port 0" },
	{ "port too big", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    egress: {mode: direct_ip, ports: [70000]}\n", OC_EPARSE, 6, 0, "a",
		"invalid value" },
	{ "port twice", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    egress: {mode: direct_ip, ports: [443, 443]}\n", OC_EPARSE, 6, 0, "a",
		"port 443 is listed twice" },
	{ "bad mode", R "  - id: a\n    condition: 'true'\n    action: allow\n"
		"    egress: {mode: tunnel}\n", OC_EPARSE, 6, 20, "a", "invalid value" },
	{ "empty file", "", OC_EPARSE, 1, 0, NULL, "empty rule file" },
	{ "comments only", "# nothing here\n\n", OC_EPARSE, 1, 0, NULL, "empty rule file" },
	{ "document marker only", "---\n", OC_EPARSE, 1, 0, NULL, "empty rule file" },
	{ "not a mapping", "- a\n- b\n", OC_EPARSE, 1, 1, NULL, "must be a mapping" },
	{ "syntax error", "version: '1'\nrules: [\n", OC_EPARSE, 3, 0, NULL, "YAML syntax error" },
	{ "alias", "version: &v '1'\nrules: *v\n", OC_EPARSE, 2, 8, NULL,
		"aliases are not allowed" },
	{ "two documents", "version: '1'\nrules: []\n---\nversion: '1'\n", OC_EPARSE, 3, 1, NULL,
		"only one YAML document" },
	{ "definitions not a map", "version: '1'\ndefinitions: [a]\nrules: []\n", OC_EPARSE, 2, 14,
		NULL, "'definitions' must be a mapping" },
	{ "definition name", "version: '1'\ndefinitions:\n  1x: 'true'\nrules: []\n", OC_EPARSE,
		3, 3, NULL, "invalid definition name '1x'" },
	{ "definition twice", "version: '1'\ndefinitions:\n  a: 'true'\n  a: 'false'\nrules: []\n",
		OC_EPARSE, 4, 3, NULL, "definition 'a' is defined twice" },
};

Test(errors, each_case_names_file_line_and_rule)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *c = &cases[i];
		oc_ruleset *rs = (oc_ruleset *)0x1;
		int rc = oc_ruleset_load_string("rules.d/t.yaml", c->yaml, strlen(c->yaml), NULL, &rs, NULL);
		const oc_error *e = oc_error_last();
		cr_expect_eq(rc, c->code, "[%s] rc %d: %s", c->name, rc, e->message);
		cr_expect_null(rs, "[%s] a set was returned", c->name);
		cr_expect_str_eq(e->file ? e->file : "", "rules.d/t.yaml", "[%s] file", c->name);
		cr_expect_eq(e->line, c->line, "[%s] line %d: %s", c->name, e->line, e->message);
		if (c->column)
			cr_expect_eq(e->column, c->column, "[%s] column %d: %s", c->name, e->column,
				e->message);
		if (c->rule)
			cr_expect_str_eq(e->rule_id ? e->rule_id : "(none)", c->rule, "[%s] rule", c->name);
		else
			cr_expect_null(e->rule_id, "[%s] rule %s", c->name, e->rule_id);
		cr_expect(strstr(e->message, c->text) != NULL, "[%s] message: %s", c->name, e->message);
		cr_expect(strncmp(e->message, "rules.d/t.yaml:", 15) == 0, "[%s] message starts "
			"with the location: %s", c->name, e->message);
	}
}

Test(errors, id_length_limit)
{
	char y[512], id[130];
	memset(id, 'a', 129);
	id[129] = '\0';
	snprintf(y, sizeof(y), "version: '1'\nrules:\n  - id: %s\n    condition: 'true'\n"
		"    action: allow\n", id);
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_ruleset_load_string("t.yaml", y, strlen(y), NULL, &rs, NULL), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "use 1-128 of"), "%s", oc_error_last()->message);
	cr_assert_eq(oc_error_last()->line, 3);
	id[128] = '\0';
	snprintf(y, sizeof(y), "version: '1'\nrules:\n  - id: %s\n    condition: 'true'\n"
		"    action: allow\n", id);
	cr_assert_eq(oc_ruleset_load_string("t.yaml", y, strlen(y), NULL, &rs, NULL), 0);
	oc_ruleset_unref(rs);
}

Test(errors, duplicate_ids_across_files_name_both)
{
	const char *d = tmp_dir();
	tmp_write(d, "a.yaml", "version: '1'\nrules:\n  - id: same\n    condition: 'true'\n"
		"    action: allow\n");
	tmp_write(d, "b.yaml", "version: '1'\nrules:\n  - id: other\n    condition: 'true'\n"
		"    action: allow\n  - id: same\n    condition: 'true'\n    action: block\n");
	oc_ruleset *rs = NULL;
	const char *paths[] = { d };
	cr_assert_eq(oc_ruleset_load(paths, 1, NULL, &rs, NULL), OC_EEXIST);
	const oc_error *e = oc_error_last();
	cr_assert(strstr(e->file, "/b.yaml"), "%s", e->message);
	cr_assert_eq(e->line, 6);
	cr_assert_str_eq(e->rule_id, "same");
	cr_assert(strstr(e->message, "duplicate rule id; first defined at "), "%s", e->message);
	cr_assert(strstr(e->message, "/a.yaml:3"), "%s", e->message);
}

Test(errors, a_bad_file_among_good_ones_loads_nothing)
{
	const char *d = tmp_dir();
	tmp_write(d, "a.yaml", "version: '1'\nrules: [{id: a, condition: 'true', action: allow}]\n");
	tmp_write(d, "b.yaml", "version: '1'\nrules: [{id: b, condition: 'http.hots == \"x\"', action: allow}]\n");
	oc_ruleset *rs = NULL;
	const char *paths[] = { d };
	cr_assert_eq(oc_ruleset_load(paths, 1, NULL, &rs, NULL), OC_EPARSE);
	cr_assert_null(rs);
	cr_assert(strstr(oc_error_last()->file, "b.yaml"));
	cr_assert_str_eq(oc_error_last()->rule_id, "b");
}

Test(errors, condition_errors_point_into_the_file)
{
	/* The condition is a block scalar starting on line 5, column 7; the
	 * unknown field sits on its second line. */
	const char *y = R "  - id: c\n    condition: |\n      http.host == \"a\" ||\n"
		"        http.hots == \"b\"\n    action: allow\n";
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_ruleset_load_string("t.yaml", y, strlen(y), NULL, &rs, NULL), OC_EPARSE);
	const oc_error *e = oc_error_last();
	cr_assert_eq(e->line, 6, "%s", e->message);
	cr_assert_eq(e->column, 9, "%s", e->message);
	cr_assert_str_eq(e->rule_id, "c");
	cr_assert(strstr(e->message, "http.hots"), "%s", e->message);

	y = R "  - id: q\n    condition: 'http.host == 42'\n    action: allow\n";
	cr_assert_eq(oc_ruleset_load_string("t.yaml", y, strlen(y), NULL, &rs, NULL), OC_EPARSE);
	e = oc_error_last();
	cr_assert_eq(e->line, 4, "%s", e->message);
	cr_assert_geq(e->column, 17, "%s", e->message);
}

Test(errors, definition_errors)
{
	const char *y = "version: '1'\ndefinitions:\n  a: '$b'\n  b: '$a'\n"
		"rules: [{id: r, condition: '$a', action: allow}]\n";
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_ruleset_load_string("t.yaml", y, strlen(y), NULL, &rs, NULL), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "$a -> $b -> $a"), "%s", oc_error_last()->message);
	y = "version: '1'\nrules: [{id: r, condition: '$nope', action: allow}]\n";
	cr_assert_eq(oc_ruleset_load_string("t.yaml", y, strlen(y), NULL, &rs, NULL), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "nope"), "%s", oc_error_last()->message);
	cr_assert_str_eq(oc_error_last()->rule_id, "r");
}

Test(errors, definitions_are_per_file)
{
	const char *d = tmp_dir();
	tmp_write(d, "a.yaml", "version: '1'\ndefinitions:\n  x: 'true'\n"
		"rules: [{id: a, condition: '$x', action: allow}]\n");
	tmp_write(d, "b.yaml", "version: '1'\nrules: [{id: b, condition: '$x', action: allow}]\n");
	oc_ruleset *rs = NULL;
	const char *paths[] = { d };
	cr_assert_eq(oc_ruleset_load(paths, 1, NULL, &rs, NULL), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->file, "b.yaml"));
}
