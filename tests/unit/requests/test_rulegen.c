/* Generated rules: what they allow, for whom, and what they refuse to
 * generate. Each body is loaded and decided by the real engine. */
#include <criterion/criterion.h>
#include <string.h>

#include <outcall/engine.h>
#include <outcall/policy.h>

#include "core/buf.h"
#include "requests/rulegen.h"

static oc_req req(const char *host, int port, const char *method, const char *path,
	const char *rule_file)
{
	oc_req r = { .id = "r-abc123", .container = "coder-1", .agent = "coder", .pid = 7,
		.uid = 1000, .gid = 1000, .created_at = 1700000000 };
	r.ask = (oc_req_ask){ .host = (char *)host, .port = port, .method = (char *)method,
		.path_prefix = (char *)path, .rule_file = (char *)rule_file,
		.justification = (char *)"need it \"now\" - id: injected" };
	return r;
}

static oc_ruleset *load(const char *body)
{
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_ruleset_load_string("gen", body, strlen(body), NULL, &rs, NULL), 0,
		"%s\n%s", oc_error_last()->message, body);
	return rs;
}

static oc_ruleset *body_of(const oc_req *r, oc_req_scope scope)
{
	char *body = NULL;
	cr_assert_eq(oc_req_rule_body(r, scope, &body), 0, "%s", oc_error_last()->message);
	oc_ruleset *rs = load(body);
	free(body);
	return rs;
}

/* The verdict for one container (agent.name, container.id) and a URL
 * ("dns:NAME" for a DNS query). */
static const char *judge_in(oc_ruleset *rs, const char *agent, const char *cid,
	const char *what)
{
	oc_context ctx;
	char host[OC_HOSTNAME_MAX], target[512];
	if (strncmp(what, "dns:", 4) == 0)
		cr_assert_eq(oc_context_for_dns(&ctx, host, what + 4, "A"), 0);
	else
		cr_assert_eq(oc_context_for_url(&ctx, host, target, what, NULL), 0);
	ctx.agent_name = agent;
	ctx.container_id = cid;
	oc_decision d;
	cr_assert_eq(oc_engine_decide(rs, &ctx, &d), 0);
	return d.verdict == OC_ACTION_ALLOW ? d.rule_id : "block";
}

static const char *judge(oc_ruleset *rs, const char *agent, const char *what)
{
	return judge_in(rs, agent, "", what);
}

Test(rulegen, host_only_allows_every_layer_for_the_agent)
{
	oc_req r = req("api.example.com", 0, NULL, NULL, NULL);
	oc_ruleset *rs = body_of(&r, OC_REQ_SCOPE_AGENT);
	cr_assert_eq(oc_ruleset_count(rs), 1);
	const oc_rule *rule = oc_ruleset_rule(rs, 0);
	cr_assert_str_eq(oc_rule_id(rule), "req-r-abc123");
	cr_assert_str_eq(oc_rule_condition(rule),
		"agent.name == \"coder\" && network.hostname == \"api.example.com\"");
	cr_assert(strstr(oc_rule_description(rule), "need it \"now\" - id: injected"));
	cr_assert_str_eq(judge(rs, "coder", "https://api.example.com/"), "req-r-abc123");
	cr_assert_str_eq(judge(rs, "coder", "http://api.example.com:8080/x"), "req-r-abc123");
	cr_assert_str_eq(judge(rs, "coder", "dns:api.example.com"), "req-r-abc123");
	cr_assert_str_eq(judge(rs, "other", "https://api.example.com/"), "block");
	cr_assert_str_eq(judge(rs, "coder", "https://www.api.example.com/"), "block");
	oc_ruleset_unref(rs);
}

Test(rulegen, port_narrows_connections_but_not_dns)
{
	oc_req r = req("api.example.com", 443, NULL, NULL, NULL);
	oc_ruleset *rs = body_of(&r, OC_REQ_SCOPE_AGENT);
	cr_assert_str_eq(oc_rule_condition(oc_ruleset_rule(rs, 0)),
		"agent.name == \"coder\" && network.hostname == \"api.example.com\" && "
		"(network.protocol == \"dns\" || (network.port == 443))");
	cr_assert_str_eq(judge(rs, "coder", "https://api.example.com/"), "req-r-abc123");
	cr_assert_str_eq(judge(rs, "coder", "dns:api.example.com"), "req-r-abc123");
	cr_assert_str_eq(judge(rs, "coder", "http://api.example.com/"), "block");
	cr_assert_str_eq(judge(rs, "other", "dns:api.example.com"), "block");
	oc_ruleset_unref(rs);
}

Test(rulegen, method_and_path_match_plain_http_only)
{
	oc_req r = req("api.example.com", 80, "GET", "/v1/", NULL);
	oc_ruleset *rs = body_of(&r, OC_REQ_SCOPE_AGENT);
	cr_assert_str_eq(judge(rs, "coder", "http://api.example.com/v1/x?y=1"), "req-r-abc123");
	cr_assert_str_eq(judge(rs, "coder", "http://api.example.com/v2/"), "block");
	cr_assert_str_eq(judge(rs, "coder", "https://api.example.com:80/v1/"), "block");
	cr_assert_str_eq(judge(rs, "coder", "dns:api.example.com"), "req-r-abc123");
	oc_ruleset_unref(rs);
	cr_assert_not_null(oc_req_note(&r.ask));
}

Test(rulegen, all_agents_drops_the_scope)
{
	oc_req r = req("api.example.com", 0, NULL, NULL, NULL);
	oc_ruleset *rs = body_of(&r, OC_REQ_SCOPE_ALL);
	cr_assert_str_eq(oc_rule_condition(oc_ruleset_rule(rs, 0)),
		"network.hostname == \"api.example.com\"");
	cr_assert_str_eq(judge(rs, "other", "https://api.example.com/"), "req-r-abc123");
	oc_ruleset_unref(rs);
}

#define CID_A "4f2a0c9e1b7d4c3a8e6f5d2b1a0c9e8f7d6b5a4c3e2f1a0b9c8d7e6f5a4b3c2d"
#define CID_B "9e8f7d6b5a4c3e2f1a0b9c8d7e6f5a4b3c2d4f2a0c9e1b7d4c3a8e6f5d2b1a0c"

/* An unnamed `outcall run` container: its approvals reach only itself. */
static oc_req run_req(const char *host, const char *rule_file)
{
	oc_req r = req(host, 0, NULL, NULL, rule_file);
	r.container = (char *)"agent-kxqmvbrt";
	r.agent = (char *)"agent-kxqmvbrt";
	r.container_id = (char *)CID_A;
	r.name_generated = true;
	return r;
}

Test(rulegen, container_scope_reaches_only_the_container_that_asked)
{
	oc_req r = run_req("api.example.com", NULL);
	cr_assert_eq(oc_req_default_scope(&r), OC_REQ_SCOPE_CONTAINER);
	oc_ruleset *rs = body_of(&r, OC_REQ_SCOPE_CONTAINER);
	cr_assert_str_eq(oc_rule_condition(oc_ruleset_rule(rs, 0)),
		"container.id == \"" CID_A "\" && network.hostname == \"api.example.com\"");
	cr_assert_str_eq(judge_in(rs, "agent-kxqmvbrt", CID_A, "https://api.example.com/"),
		"req-r-abc123");
	cr_assert_str_eq(judge_in(rs, "agent-kxqmvbrt", CID_A, "dns:api.example.com"),
		"req-r-abc123");
	/* another container, even one that got the same agent.name */
	cr_assert_str_eq(judge_in(rs, "agent-kxqmvbrt", CID_B, "https://api.example.com/"),
		"block");
	cr_assert_str_eq(judge_in(rs, "agent-kxqmvbrt", "", "https://api.example.com/"), "block");
	oc_ruleset_unref(rs);
	/* agent scope, asked for, reaches the same agent.name in any container */
	rs = body_of(&r, OC_REQ_SCOPE_AGENT);
	cr_assert_str_eq(judge_in(rs, "agent-kxqmvbrt", CID_B, "https://api.example.com/"),
		"req-r-abc123");
	oc_ruleset_unref(rs);
}

Test(rulegen, default_scope_is_the_agent_for_chosen_names)
{
	oc_req r = run_req("api.example.com", NULL);
	r.name_generated = false;
	cr_assert_eq(oc_req_default_scope(&r), OC_REQ_SCOPE_AGENT);
	r.name_generated = true;
	r.container_id = NULL;
	cr_assert_eq(oc_req_default_scope(&r), OC_REQ_SCOPE_AGENT, "no id to scope to");
}

Test(rulegen, container_scope_needs_a_container_id)
{
	oc_req r = req("api.example.com", 0, NULL, NULL, NULL);
	char *body = NULL;
	cr_assert_eq(oc_req_rule_body(&r, OC_REQ_SCOPE_CONTAINER, &body), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "container coder-1 has no container id"), "%s",
		oc_error_last()->message);
	r.container_id = (char *)"abc\" || true || \"";
	cr_assert_eq(oc_req_rule_body(&r, OC_REQ_SCOPE_CONTAINER, &body), OC_EINVAL);
}

static const char agent_file[] =
	"version: \"1\"\n"
	"rules:\n"
	"  - id: pkg\n"
	"    description: package index\n"
	"    condition: network.hostname == \"pkg.example\" || dns.query == \"pkg.example\"\n"
	"    action: allow\n"
	"    priority: 150\n"
	"    log: true\n"
	"  - id: direct\n"
	"    condition: network.hostname == \"db.example\"\n"
	"    action: allow\n"
	"    egress: {mode: direct_ip, ports: [5432], allow_private_ips: true}\n"
	"  - id: no-admin\n"
	"    condition: http.path.startsWith(\"/admin\")\n"
	"    action: block\n"
	"    priority: 10\n";

Test(rulegen, rule_file_is_scoped_and_renamed)
{
	oc_req r = req(NULL, 0, NULL, NULL, agent_file);
	char *body = NULL;
	cr_assert_eq(oc_req_rule_body(&r, OC_REQ_SCOPE_AGENT, &body), 0, "%s", oc_error_last()->message);
	oc_ruleset *rs = load(body);
	cr_assert_eq(oc_ruleset_count(rs), 3);
	const oc_rule *admin = oc_ruleset_find(rs, "req-r-abc123-no-admin");
	cr_assert_not_null(admin, "%s", body);
	cr_assert_eq(oc_rule_priority(admin), 10);
	cr_assert_str_eq(oc_rule_condition(admin),
		"agent.name == \"coder\" && (http.path.startsWith(\"/admin\"))");
	const oc_rule *pkg = oc_ruleset_find(rs, "req-r-abc123-pkg");
	cr_assert_not_null(pkg);
	cr_assert_str_eq(oc_rule_description(pkg), "package index");
	cr_assert(oc_rule_log(pkg));
	cr_assert_eq(oc_rule_priority(pkg), 150);
	const oc_egress *e = oc_rule_egress(oc_ruleset_find(rs, "req-r-abc123-direct"));
	cr_assert_eq(e->mode, OC_EGRESS_DIRECT_IP);
	cr_assert_eq(e->nports, 1);
	cr_assert_eq(e->ports[0], 5432);
	cr_assert(e->allow_private_ips);
	cr_assert_str_eq(judge(rs, "coder", "dns:pkg.example"), "req-r-abc123-pkg");
	cr_assert_str_eq(judge(rs, "other", "dns:pkg.example"), "block");
	cr_assert_str_eq(judge(rs, "other", "http://x.example/admin"), "block");
	oc_ruleset_unref(rs);
	free(body);
}

Test(rulegen, rule_file_scoped_to_the_container)
{
	oc_req r = run_req(NULL, agent_file);
	oc_ruleset *rs = body_of(&r, OC_REQ_SCOPE_CONTAINER);
	cr_assert_str_eq(oc_rule_condition(oc_ruleset_find(rs, "req-r-abc123-no-admin")),
		"container.id == \"" CID_A "\" && (http.path.startsWith(\"/admin\"))");
	cr_assert_str_eq(judge_in(rs, "agent-kxqmvbrt", CID_A, "dns:pkg.example"),
		"req-r-abc123-pkg");
	cr_assert_str_eq(judge_in(rs, "agent-kxqmvbrt", CID_B, "dns:pkg.example"), "block");
	oc_ruleset_unref(rs);
}

static void refused(const char *file, const char *says)
{
	oc_req r = req(NULL, 0, NULL, NULL, file);
	char *body = NULL;
	int rc = oc_req_rule_body(&r, OC_REQ_SCOPE_AGENT, &body);
	cr_expect_neq(rc, 0, "accepted:\n%s\n->\n%s", file, body);
	cr_expect(strstr(oc_error_last()->message, says), "%s", oc_error_last()->message);
	free(body);
}

Test(rulegen, rule_file_refusals)
{
	refused("version: \"1\"\nrules: []\n", "has no rules");
	refused("version: \"1\"\nrules:\n  - id: a\n    condition: 'true'\n    action: allow\n"
		"    priority: 5\n", "priority of at least 100");
	refused("version: \"1\"\ndefinitions:\n  x: network.hostname == \"a.example\"\nrules:\n"
		"  - id: a\n    condition: $x\n    action: allow\n", "may not use definitions");
	/* Not a whole expression, so it cannot close the scope's parenthesis. */
	refused("version: \"1\"\nrules:\n  - id: a\n    condition: 'false) || (true'\n"
		"    action: allow\n", "rule_file");
	refused("version: \"1\"\nrules:\n  - id: a\n    condition: nope.field\n    action: allow\n",
		"rule_file");
	refused("not yaml: [", "rule_file");
	/* YAML escapes decode to what the raw text may not carry */
	refused("version: \"1\"\nrules:\n  - id: a\n    description: \"ok\\e[8m\"\n"
		"    condition: 'true'\n    action: block\n", "the description of rule 'a' holds U+001B");
	refused("version: \"1\"\nrules:\n  - id: a\n    description: \"\\u202e\"\n"
		"    condition: 'true'\n    action: block\n", "holds U+202E");
}

Test(rulegen, too_many_rules)
{
	oc_buf f = OC_BUF_INIT;
	oc_buf_puts(&f, "version: \"1\"\nrules:\n");
	for (int i = 0; i <= OC_REQ_MAX_RULES; i++)
		oc_buf_printf(&f, "  - id: r%d\n    condition: 'true'\n    action: block\n", i);
	refused(f.data, "rule_file");
	oc_buf_free(&f);
}

Test(rulegen, header_records_the_decision)
{
	oc_req r = req("api.example.com", 443, NULL, NULL, NULL);
	r.decided_at = 1700000100;
	r.decided_by = (char *)"uid=0\n- id: x";
	r.expires_at = 1700003700;
	char *body = NULL, *file = NULL;
	cr_assert_eq(oc_req_rule_body(&r, OC_REQ_SCOPE_AGENT, &body), 0);
	cr_assert_eq(oc_req_rule_file(&r, body, &file), 0);
	cr_assert(strstr(file, "# submitted: 2023-11-14T22:13:20Z by container \"coder-1\""), "%s", file);
	cr_assert(strstr(file, "# justification: \"need it \\\"now\\\" - id: injected\"\n"), "%s", file);
	cr_assert(strstr(file, "# approved: 2023-11-14T22:15:00Z by \"uid=0\\n- id: x\", for agent \"coder\"\n"), "%s", file);
	cr_assert_eq(oc_req_header_expiry(file), 1700003700);
	oc_ruleset *rs = load(file);
	cr_assert_eq(oc_ruleset_count(rs), 1);
	oc_ruleset_unref(rs);
	cr_assert_eq(oc_req_header_expiry(body), 0);
	cr_assert_eq(oc_req_header_expiry("# a\n# outcall-expires-at: 12x\n"), 0);
	cr_assert_eq(oc_req_header_expiry("version: 1\n# outcall-expires-at: 12\n"), 0);
	free(body);
	free(file);
	r = run_req("api.example.com", NULL);
	r.scope = OC_REQ_SCOPE_CONTAINER;
	cr_assert_eq(oc_req_rule_body(&r, r.scope, &body), 0);
	cr_assert_eq(oc_req_rule_file(&r, body, &file), 0);
	cr_assert(strstr(file, ", for container \"agent-kxqmvbrt\" (id 4f2a0c9e1b7d)\n"), "%s", file);
	free(body);
	free(file);
}

Test(rulegen, unsafe_stored_fields_are_refused)
{
	oc_req r = req("api.example.com", 0, NULL, NULL, NULL);
	r.agent = (char *)"co\"der";
	char *body = NULL;
	cr_assert_eq(oc_req_rule_body(&r, OC_REQ_SCOPE_AGENT, &body), OC_EINVAL);
	r = req("API.example.com", 0, NULL, NULL, NULL);
	cr_assert_eq(oc_req_rule_body(&r, OC_REQ_SCOPE_AGENT, &body), OC_EINVAL);
	r = req("api.example.com", 0, "GET", "/\"", NULL);
	cr_assert_eq(oc_req_rule_body(&r, OC_REQ_SCOPE_AGENT, &body), OC_EINVAL);
}
