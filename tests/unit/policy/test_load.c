#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <outcall/outcall.h>
#include <outcall/policy.h>
#include "policy/schema.h"
#include "tmpfiles.h"

static void teardown(void)
{
	tmp_cleanup();
}

TestSuite(load, .fini = teardown);

static oc_ruleset *load_ok(const char *yaml, oc_warnings **w)
{
	oc_ruleset *rs = NULL;
	int rc = oc_ruleset_load_string("t.yaml", yaml, strlen(yaml), NULL, &rs, w);
	cr_assert_eq(rc, 0, "load failed: %s", oc_error_last()->message);
	return rs;
}

Test(load, schema_indexes_match_the_key_arrays)
{
	cr_assert_str_eq(oc_policy_rule_fields[RK_ID].key, "id");
	cr_assert_str_eq(oc_policy_rule_fields[RK_CONDITION].key, "condition");
	cr_assert_str_eq(oc_policy_rule_fields[RK_PRIORITY].key, "priority");
	cr_assert_str_eq(oc_policy_rule_fields[RK_EGRESS].key, "egress");
	cr_assert_null(oc_policy_rule_fields[RK_COUNT].key);
	cr_assert_str_eq(oc_policy_egress_fields[EK_PORTS].key, "ports");
	cr_assert_str_eq(oc_policy_egress_fields[EK_MATCH_BODY].key, "match_body");
	cr_assert_null(oc_policy_egress_fields[EK_COUNT].key);
	cr_assert_str_eq(oc_policy_file_fields[FK_RULES].key, "rules");
	cr_assert_null(oc_policy_file_fields[FK_COUNT].key);
}

Test(load, fields_and_defaults)
{
	oc_ruleset *rs = load_ok(
		"version: \"1\"\n"
		"rules:\n"
		"  - id: a\n"
		"    description: first\n"
		"    condition: 'http.host == \"a.example\"'\n"
		"    action: allow\n"
		"  - id: b\n"
		"    condition: 'dns.query == \"b.example\"'\n"
		"    action: allow\n"
		"    priority: 5\n"
		"    log: true\n"
		"    egress:\n"
		"      mode: direct_ip\n"
		"      allow_private_ips: true\n"
		"  - id: c\n"
		"    condition: 'true'\n"
		"    action: block\n", NULL);
	cr_assert_eq(oc_ruleset_count(rs), 3);
	const oc_rule *b = oc_ruleset_rule(rs, 0);
	cr_assert_str_eq(oc_rule_id(b), "b");
	cr_assert_eq(oc_rule_priority(b), 5);
	cr_assert(oc_rule_log(b));
	cr_assert_eq(oc_rule_line(b), 7);
	const oc_egress *e = oc_rule_egress(b);
	cr_assert_eq(e->mode, OC_EGRESS_DIRECT_IP);
	cr_assert(e->allow_private_ips);
	cr_assert_eq(e->nports, 2);
	cr_assert_eq(e->ports[0], 80);
	cr_assert_eq(e->ports[1], 443);
	const oc_rule *a = oc_ruleset_find(rs, "a");
	cr_assert_eq(oc_rule_priority(a), 100);
	cr_assert_str_eq(oc_rule_description(a), "first");
	cr_assert_eq(oc_rule_egress(a)->mode, OC_EGRESS_PROXY);
	cr_assert_eq(oc_rule_egress(a)->nports, 0);
	cr_assert_str_eq(oc_rule_file(a), "t.yaml");
	cr_assert_eq(oc_rule_action(oc_ruleset_find(rs, "c")), OC_ACTION_BLOCK);
	cr_assert_str_eq(oc_rule_description(oc_ruleset_find(rs, "c")), "");
	oc_ruleset_unref(rs);
}

Test(load, explicit_ports)
{
	oc_ruleset *rs = load_ok("version: '1'\nrules:\n- id: d\n  condition: 'true'\n"
		"  action: allow\n  egress: {mode: direct_ip, ports: [22, 5432]}\n", NULL);
	const oc_egress *e = oc_rule_egress(oc_ruleset_rule(rs, 0));
	cr_assert_eq(e->nports, 2);
	cr_assert_eq(e->ports[0], 22);
	cr_assert_eq(e->ports[1], 5432);
	oc_ruleset_unref(rs);
}

Test(load, priority_then_file_order_is_stable)
{
	const char *d = tmp_dir();
	tmp_write(d, "b.yaml", "version: '1'\nrules:\n"
		"- {id: b1, condition: 'true', action: allow, priority: 7}\n"
		"- {id: b2, condition: 'true', action: allow}\n");
	tmp_write(d, "a.yml", "version: '1'\nrules:\n"
		"- {id: a1, condition: 'true', action: allow}\n"
		"- {id: a2, condition: 'true', action: allow, priority: 7}\n"
		"- {id: a3, condition: 'true', action: allow, priority: -3}\n");
	oc_ruleset *rs = NULL;
	const char *paths[] = { d };
	cr_assert_eq(oc_ruleset_load(paths, 1, NULL, &rs, NULL), 0, "%s", oc_error_last()->message);
	const char *want[] = { "a3", "a2", "b1", "a1", "b2" };
	cr_assert_eq(oc_ruleset_count(rs), 5);
	for (size_t i = 0; i < 5; i++) {
		cr_assert_str_eq(oc_rule_id(oc_ruleset_rule(rs, i)), want[i], "position %zu", i);
		cr_assert_eq(oc_rule_index(oc_ruleset_rule(rs, i)), i);
	}
	oc_ruleset_unref(rs);
}

Test(load, directory_order_filter_and_requests)
{
	const char *d = tmp_dir();
	tmp_write(d, "20-x.yaml", "version: '1'\nrules: [{id: x, condition: 'true', action: allow}]\n");
	tmp_write(d, "10-y.yml", "version: '1'\nrules: [{id: y, condition: 'true', action: allow}]\n");
	tmp_write(d, "README.md", "not rules\n");
	tmp_write(d, "notes.yaml.bak", "not rules\n");
	tmp_write(d, ".hidden.yaml", "garbage: [\n");
	tmp_write(d, "other/z.yaml", "garbage: [\n");
	tmp_write(d, "requests/r1.yaml", "version: '1'\nrules: [{id: r1, condition: 'true', action: allow}]\n");
	oc_ruleset *rs = NULL;
	const char *paths[] = { d };
	cr_assert_eq(oc_ruleset_load(paths, 1, NULL, &rs, NULL), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_ruleset_file_count(rs), 3);
	cr_assert(strstr(oc_ruleset_file(rs, 0), "/10-y.yml"));
	cr_assert(strstr(oc_ruleset_file(rs, 1), "/20-x.yaml"));
	cr_assert(strstr(oc_ruleset_file(rs, 2), "/requests/r1.yaml"));
	cr_assert_str_eq(oc_rule_id(oc_ruleset_rule(rs, 0)), "y");
	cr_assert_str_eq(oc_rule_id(oc_ruleset_rule(rs, 2)), "r1");
	oc_ruleset_unref(rs);
}

Test(load, list_of_files_in_given_order)
{
	const char *d = tmp_dir();
	char a[512], b[512];
	snprintf(a, sizeof(a), "%s", tmp_write(d, "a.yaml",
		"version: '1'\nrules: [{id: a, condition: 'true', action: allow}]\n"));
	snprintf(b, sizeof(b), "%s", tmp_write(d, "b.yaml",
		"version: '1'\nrules: [{id: b, condition: 'true', action: allow}]\n"));
	const char *paths[] = { b, a };
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_ruleset_load(paths, 2, NULL, &rs, NULL), 0);
	cr_assert_str_eq(oc_rule_id(oc_ruleset_rule(rs, 0)), "b");
	oc_ruleset_unref(rs);
}

Test(load, symlinks_are_refused)
{
	const char *d = tmp_dir();
	char real[512], link[512];
	snprintf(real, sizeof(real), "%s", tmp_write(d, "real/a.yaml",
		"version: '1'\nrules: [{id: a, condition: 'true', action: allow}]\n"));
	snprintf(link, sizeof(link), "%s/rules/a.yaml", d);
	tmp_write(d, "rules/keep.txt", "");
	cr_assert_eq(symlink(real, link), 0);
	oc_ruleset *rs = NULL;
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/rules", d);
	const char *p1[] = { dir };
	cr_assert_eq(oc_ruleset_load(p1, 1, NULL, &rs, NULL), OC_EPERM);
	cr_assert(strstr(oc_error_last()->message, "a.yaml: is a symbolic link"), "%s",
		oc_error_last()->message);
	const char *p2[] = { link };
	cr_assert_eq(oc_ruleset_load(p2, 1, NULL, &rs, NULL), OC_EPERM);
	char dirlink[512];
	snprintf(dirlink, sizeof(dirlink), "%s/linked", d);
	snprintf(dir, sizeof(dir), "%s/real", d);
	cr_assert_eq(symlink(dir, dirlink), 0);
	strcat(dirlink, "/");
	const char *p3[] = { dirlink };
	cr_assert_eq(oc_ruleset_load(p3, 1, NULL, &rs, NULL), OC_EPERM);
	cr_assert_null(rs);
}

Test(load, limits)
{
	const char *d = tmp_dir();
	tmp_write(d, "a.yaml", "version: '1'\nrules: [{id: a, condition: 'true', action: allow},"
		"{id: b, condition: 'true', action: allow}]\n");
	tmp_write(d, "b.yaml", "version: '1'\nrules: [{id: c, condition: 'true', action: allow}]\n");
	const char *paths[] = { d };
	oc_ruleset *rs = NULL;
	oc_load_options o = { .max_files = 1 };
	cr_assert_eq(oc_ruleset_load(paths, 1, &o, &rs, NULL), OC_ELIMIT);
	cr_assert(strstr(oc_error_last()->message, "more than 1 rule files"));
	o = (oc_load_options){ .max_file_size = 20 };
	cr_assert_eq(oc_ruleset_load(paths, 1, &o, &rs, NULL), OC_ELIMIT);
	cr_assert(strstr(oc_error_last()->message, "a.yaml"));
	cr_assert(strstr(oc_error_last()->message, "20-byte limit"));
	o = (oc_load_options){ .max_rules = 2 };
	cr_assert_eq(oc_ruleset_load(paths, 1, &o, &rs, NULL), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "more than 2 rules"));
	cr_assert_str_eq(oc_error_last()->rule_id, "c");
	o = (oc_load_options){ .max_rules = 3 };
	cr_assert_eq(oc_ruleset_load(paths, 1, &o, &rs, NULL), 0);
	oc_ruleset_unref(rs);
}

Test(load, warnings_are_returned_not_printed)
{
	oc_warnings *w = NULL;
	oc_ruleset *rs = load_ok("version: '1'\n"
		"definitions:\n"
		"  used: 'http.host == \"a\"'\n"
		"  spare: 'http.host == \"b\"'\n"
		"rules:\n"
		"  - {id: a, condition: '$used', action: allow}\n", &w);
	cr_assert_eq(oc_warnings_count(w), 1);
	const oc_warning *x = oc_warnings_get(w, 0);
	cr_assert_eq(x->line, 4);
	cr_assert_str_eq(x->message, "t.yaml:4: definition 'spare' is never used");
	oc_warnings_free(w);
	oc_ruleset_unref(rs);

	rs = load_ok("version: '1'\nrules: []\n", &w);
	cr_assert_eq(oc_warnings_count(w), 1);
	cr_assert_str_eq(oc_warnings_get(w, 0)->message, "t.yaml: file has no rules");
	oc_warnings_free(w);
	oc_ruleset_unref(rs);
}

Test(load, examples_and_seed_are_valid)
{
	char dir[512], seed[512];
	snprintf(dir, sizeof(dir), "%s/examples/rules.d", getenv("OC_SOURCE_ROOT"));
	snprintf(seed, sizeof(seed), "%s/examples/seed/agent.yaml", getenv("OC_SOURCE_ROOT"));
	const char *paths[] = { dir, seed };
	oc_ruleset *rs = NULL;
	oc_warnings *w = NULL;
	cr_assert_eq(oc_ruleset_load(paths, 2, NULL, &rs, &w), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_warnings_count(w), 0, "%s", oc_warnings_count(w) ? oc_warnings_get(w, 0)->message : "");
	cr_assert_geq(oc_ruleset_count(rs), 9);
	cr_assert_str_eq(oc_rule_id(oc_ruleset_rule(rs, 0)), "block-cloud-metadata");
	oc_warnings_free(w);
	oc_ruleset_unref(rs);
}
