/* The one judge (engine/judge.h) the DNS filter, the proxy and the agent
 * socket's check call. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <outcall/outcall.h>

#include "engine/judge.h"

static const char rules[] =
	"version: \"1\"\n"
	"rules:\n"
	"  - id: web\n"
	"    condition: network.hostname == \"web.test\" && agent.name == \"coder\"\n"
	"    action: allow\n"
	"  - id: db\n"
	"    condition: network.hostname == \"db.test\" && network.port == 5432\n"
	"    action: allow\n"
	"  - id: wide\n"
	"    condition: network.hostname == \"wide.test\"\n"
	"    action: allow\n";

static oc_ruleset *load(void)
{
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_ruleset_load_string("t.yaml", rules, strlen(rules), NULL, &rs, NULL), 0,
		"%s", oc_error_last()->message);
	return rs;
}

static oc_container *coder(void)
{
	oc_container_spec spec = { .name = "coder-1", .network = "n0" };
	inet_pton(AF_INET, "10.200.0.2", &spec.ip);
	oc_container *c = NULL;
	cr_assert_eq(oc_container_new(&spec, &c), 0, "%s", oc_error_last()->message);
	return c;
}

static oc_judgment judged(const oc_ruleset *rs, oc_registry *reg, const char *host, int port,
	bool connect)
{
	oc_container *c = coder();
	oc_context ctx;
	char buf[OC_HOSTNAME_MAX], sni[OC_HOSTNAME_MAX];
	cr_assert_eq(oc_context_for_tls(&ctx, buf, host, port, NULL, sni), 0);
	oc_judgment j;
	oc_judge(rs, reg, c, &ctx, connect, &j);
	oc_container_unref(c);
	return j;
}

static oc_judgment tls(const oc_ruleset *rs, const char *host, int port, bool connect)
{
	return judged(rs, NULL, host, port, connect);
}

Test(judge, the_identity_of_the_container_decides)
{
	oc_ruleset *rs = load();
	oc_judgment j = tls(rs, "web.test", 443, true);
	cr_assert(j.allowed, "agent.name comes from the container");
	cr_assert_str_eq(j.d.rule_id, "web");
	oc_ruleset_unref(rs);
}

Test(judge, no_rule_set_is_the_default_block_everywhere)
{
	oc_judgment j = tls(NULL, "web.test", 443, true);
	cr_assert_not(j.allowed);
	cr_assert_eq(j.d.verdict, OC_ACTION_BLOCK);
	cr_assert_str_eq(j.d.rule_id, "default");
	cr_assert_null(j.refusal);
	oc_container *c = coder();
	oc_context ctx;
	char buf[OC_HOSTNAME_MAX];
	cr_assert_eq(oc_context_for_dns(&ctx, buf, "web.test", "A"), 0);
	oc_judge(NULL, NULL, c, &ctx, false, &j);
	cr_assert_str_eq(j.d.rule_id, "default", "the DNS filter judges alike");
	oc_live *live;
	cr_assert_eq(oc_live_new(&live), 0);
	uint64_t gen = 7;
	oc_ruleset *held = oc_judge_live(live, NULL, c, &ctx, false, &j, &gen);
	cr_assert_null(held);
	cr_assert_eq(gen, 0);
	cr_assert_str_eq(j.d.rule_id, "default", "the agent check judges alike");
	oc_live_free(live);
	oc_container_unref(c);
}

Test(judge, connect_to_another_port_needs_a_rule_that_names_it)
{
	oc_ruleset *rs = load();
	oc_judgment j = tls(rs, "wide.test", 8443, true);
	cr_assert_eq(j.d.verdict, OC_ACTION_ALLOW);
	cr_assert_not(j.allowed, "the rule does not read network.port");
	cr_assert(strstr(j.refusal, "network.port"), "%s", j.refusal);
	j = tls(rs, "wide.test", 8443, false);
	cr_assert(j.allowed, "a transparent tunnel went to the port the client dialled");
	j = tls(rs, "db.test", 5432, true);
	cr_assert(j.allowed, "%s", j.refusal ? j.refusal : "");
	oc_ruleset_unref(rs);
}

/* A lockdown blocks before any rule, for the agent, its network or all,
 * and lifting it restores the rules' verdict. */
static oc_judgment locked_tls(oc_registry *reg, const oc_ruleset *rs)
{
	return judged(rs, reg, "wide.test", 443, true);
}

Test(judge, a_lockdown_blocks_before_any_rule)
{
	oc_ruleset *rs = load();
	oc_registry *reg = NULL;
	cr_assert_eq(oc_registry_new(&reg), 0);
	cr_assert(locked_tls(reg, rs).allowed, "no lockdown: the rule allows it");
	static const struct { enum oc_lock_scope scope; const char *name; bool covers; } cases[] = {
		{ OC_LOCK_AGENT, "coder", true }, { OC_LOCK_AGENT, "coder-1", false },
		{ OC_LOCK_AGENT, "other", false }, { OC_LOCK_NETWORK, "n0", true },
		{ OC_LOCK_NETWORK, "n1", false }, { OC_LOCK_ALL, "", true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct oc_lock l = { .scope = cases[i].scope, .reason = "exfiltration" };
		snprintf(l.name, sizeof(l.name), "%s", cases[i].name);
		cr_assert_eq(oc_registry_set_locks(reg, &l, 1), 0);
		oc_judgment j = locked_tls(reg, rs);
		cr_assert_eq(j.locked, cases[i].covers, "case %zu", i);
		cr_assert_eq(j.allowed, !cases[i].covers, "case %zu", i);
		if (cases[i].covers) {
			cr_assert_str_eq(j.d.rule_id, OC_LOCKDOWN_RULE);
			cr_assert_str_eq(j.lock.reason, "exfiltration");
			cr_assert_not_null(j.refusal);
		}
	}
	cr_assert_eq(oc_registry_set_locks(reg, NULL, 0), 0);
	cr_assert(locked_tls(reg, rs).allowed, "lifted: the rule decides again");
	oc_registry_free(reg);
	oc_ruleset_unref(rs);
}
