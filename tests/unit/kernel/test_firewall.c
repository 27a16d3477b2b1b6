/* oc_firewall against the kernel, in a private network namespace. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <outcall/error.h>
#include <outcall/kernel.h>

#include "fwtest.h"
#include "nstest.h"

static const oc_direct_rule gh = { "github-api", "r1" };

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(firewall, render_and_commit_are_the_same_ruleset, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	oc_grant g = fwtest_grant("github-api", AGENT1, WEB, 443, 60000);
	g.note = "api.github.com";
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), 0, "%s", oc_error_last()->message);
	const uint32_t locked = AGENT2;
	cr_assert_eq(oc_firewall_set_locked(fw, &locked, 1, NULL), 0, "%s",
		oc_error_last()->message);
	char *text;
	cr_assert_eq(oc_firewall_render(fw, &text), 0, "%s", oc_error_last()->message);
	char path[] = "/tmp/oc-render-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	write_file(path, text);
	char *committed = fwtest_ruleset_json(NULL);
	char *loaded = fwtest_ruleset_json(path);
	unlink(path);
	cr_assert_str_eq(committed, loaded, "libnftnl commit and nft -f of the rendering differ\n"
		"rendering:\n%s", text);
	cr_assert(strstr(committed, "api.github.com"));
	cr_assert(strstr(committed, "\"name\":\"locked\""), "%s", committed);
	free(committed);
	free(loaded);
	free(text);
	oc_firewall_free(fw);
}

Test(firewall, apply_is_one_transaction, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	uint32_t g0, g1, g2;
	cr_assert_eq(oc_firewall_generation(fw, &g0), 0);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_generation(fw, &g1), 0);
	cr_assert_eq(g1, g0 + 1, "first apply: generation %u -> %u", g0, g1);
	/* replacing existing tables is also a single generation */
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_generation(fw, &g2), 0);
	cr_assert_eq(g2, g1 + 1, "replace: generation %u -> %u", g1, g2);
	oc_firewall_free(fw);
}

Test(firewall, tables_outlive_the_object_and_are_read_back, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	oc_grant g = fwtest_grant("github-api", AGENT2, WEB, 443, 600000);
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), 0, "%s", oc_error_last()->message);
	oc_firewall_free(fw);

	char out[256];
	cr_assert_eq(nstest_sh(out, sizeof(out), "nft list table inet outcall >/dev/null && "
		"nft list table bridge outcall >/dev/null && echo present"), 0, "%s", out);

	cr_assert_eq(oc_firewall_open(NULL, &fw), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_installed(fw), 1);
	struct oc_nft_net *nets;
	struct oc_nft_member *members;
	size_t nn, nm;
	cr_assert_eq(oc_firewall_nets(fw, &nets, &nn), 0);
	cr_assert_eq(oc_firewall_members(fw, &members, &nm), 0);
	cr_assert_eq(nn, 1);
	cr_assert_str_eq(nets[0].name, "default");
	cr_assert_str_eq(nets[0].bridge, "outcall0");
	cr_assert_eq(nets[0].gateway, NET_GW);
	cr_assert_eq(nm, 2);
	cr_assert_str_eq(members[1].name, "agent-2");
	cr_assert_eq(members[1].mac[5], 3);
	free(nets);
	free(members);
	oc_grant_list *l;
	cr_assert_eq(oc_firewall_grants(fw, &l), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_grant_list_count(l), 1);
	const oc_grant_info *gi = oc_grant_list_get(l, 0);
	cr_assert_str_eq(gi->rule_id, "github-api");
	cr_assert_eq(ntohl(gi->container.s_addr), AGENT2);
	cr_assert_eq(ntohl(gi->dest.s_addr), WEB);
	cr_assert_eq(gi->port, 443);
	cr_assert_eq(gi->timeout_ms, 600000);
	cr_assert(gi->remaining_ms > 500000 && gi->remaining_ms <= 600000);
	oc_grant_list_free(l);
	/* a recovered firewall grants under the recovered rule */
	g = fwtest_grant("github-api", AGENT1, WEB, 80, 1000);
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), 0, "%s", oc_error_last()->message);
	oc_firewall_free(fw);
}

static size_t grant_count(oc_firewall *fw)
{
	oc_grant_list *l;
	cr_assert_eq(oc_firewall_grants(fw, &l), 0, "%s", oc_error_last()->message);
	size_t n = oc_grant_list_count(l);
	oc_grant_list_free(l);
	return n;
}

Test(firewall, replace_keeps_grants_of_unchanged_rules_only, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	const oc_direct_rule two[] = { { "github-api", "r1" }, { "pypi", "a" } };
	cr_assert_eq(oc_firewall_apply(fw, two, 2), 0, "%s", oc_error_last()->message);
	oc_grant g[] = {
		fwtest_grant("github-api", AGENT1, WEB, 443, 600000),
		fwtest_grant("pypi", AGENT1, WEB + 1, 443, 600000),
	};
	cr_assert_eq(oc_firewall_grant(fw, g, 2), 0, "%s", oc_error_last()->message);
	cr_assert_eq(grant_count(fw), 2);

	/* same rules: both kept, with their remaining time */
	cr_assert_eq(oc_firewall_apply(fw, two, 2), 0, "%s", oc_error_last()->message);
	cr_assert_eq(grant_count(fw), 2);
	/* pypi changed: its grants go, github's stay */
	const oc_direct_rule changed[] = { { "github-api", "r1" }, { "pypi", "b" } };
	cr_assert_eq(oc_firewall_apply(fw, changed, 2), 0, "%s", oc_error_last()->message);
	oc_grant_list *l;
	cr_assert_eq(oc_firewall_grants(fw, &l), 0);
	cr_assert_eq(oc_grant_list_count(l), 1);
	cr_assert_str_eq(oc_grant_list_get(l, 0)->rule_id, "github-api");
	cr_assert(oc_grant_list_get(l, 0)->remaining_ms > 500000);
	oc_grant_list_free(l);
	/* github removed: nothing left, its set is gone */
	cr_assert_eq(oc_firewall_apply(fw, &changed[1], 1), 0, "%s", oc_error_last()->message);
	cr_assert_eq(grant_count(fw), 0);
	char out[512];
	cr_assert_neq(nstest_sh(out, sizeof(out), "nft list set inet outcall dip-github-api"), 0);
	oc_firewall_free(fw);
}

Test(firewall, cap_per_container_and_rule, .init = nstest_enter)
{
	oc_kernel_config cfg;
	oc_kernel_config_init(&cfg, OC_KERNEL_CONFIG_VERSION);
	cfg.grant_cap = 3;
	oc_firewall *fw = fwtest_open(&cfg);
	const oc_direct_rule rules[] = { { "github-api", "" }, { "pypi", "" } };
	cr_assert_eq(oc_firewall_apply(fw, rules, 2), 0, "%s", oc_error_last()->message);
	oc_grant three[] = {
		fwtest_grant("github-api", AGENT1, WEB, 443, 60000),
		fwtest_grant("github-api", AGENT1, WEB + 1, 443, 60000),
		fwtest_grant("github-api", AGENT1, WEB + 2, 443, 60000),
	};
	cr_assert_eq(oc_firewall_grant(fw, three, 3), 0, "%s", oc_error_last()->message);
	/* refreshing one of the three is not a new grant */
	three[0].timeout_ms = 120000;
	cr_assert_eq(oc_firewall_grant(fw, three, 1), 0, "%s", oc_error_last()->message);
	oc_grant fourth = fwtest_grant("github-api", AGENT1, WEB + 3, 443, 60000);
	cr_assert_eq(oc_firewall_grant(fw, &fourth, 1), OC_ELIMIT);
	const char *msg = oc_error_last()->message;
	cr_assert(strstr(msg, "agent-1") && strstr(msg, "10.200.0.2") && strstr(msg, "github-api") &&
		strstr(msg, "3"), "message: %s", msg);
	/* other containers and other rules have caps of their own */
	oc_grant others[] = {
		fwtest_grant("github-api", AGENT2, WEB + 3, 443, 60000),
		fwtest_grant("pypi", AGENT1, WEB + 3, 443, 60000),
	};
	cr_assert_eq(oc_firewall_grant(fw, others, 2), 0, "%s", oc_error_last()->message);
	cr_assert_eq(grant_count(fw), 5);
	{
		oc_grant_list *l;
		cr_assert_eq(oc_firewall_grants(fw, &l), 0);
		const oc_grant_info *first = oc_grant_list_get(l, 0);
		cr_assert_eq(ntohl(first->dest.s_addr), WEB);
		cr_assert_eq(first->timeout_ms, 120000, "refresh set the new timeout");
		oc_grant_list_free(l);
	}
	oc_firewall_free(fw);
}

Test(firewall, a_key_twice_in_one_call_is_one_grant, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	oc_grant first = fwtest_grant("github-api", AGENT1, WEB, 443, 60000);
	cr_assert_eq(oc_firewall_grant(fw, &first, 1), 0, "%s", oc_error_last()->message);
	/* live already, then named twice with longer timeouts: one refresh */
	oc_grant twice[] = { fwtest_grant("github-api", AGENT1, WEB, 443, 120000),
		fwtest_grant("github-api", AGENT1, WEB, 443, 180000) };
	cr_assert_eq(oc_firewall_grant(fw, twice, 2), 0, "%s", oc_error_last()->message);
	oc_grant_list *l;
	cr_assert_eq(oc_firewall_grants(fw, &l), 0);
	cr_assert_eq(oc_grant_list_count(l), 1);
	cr_assert_eq(oc_grant_list_get(l, 0)->timeout_ms, 180000);
	oc_grant_list_free(l);
	oc_firewall_free(fw);
}

Test(firewall, refuses_bad_grants, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	oc_grant g = fwtest_grant("github-api", AGENT1, WEB, 443, 1000);
	/* fwtest_open already installed the tables (adding a network does) */
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), OC_ENOTFOUND, "no direct rules applied yet");
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	g.rule_id = "nope";
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), OC_ENOTFOUND);
	cr_assert(strstr(oc_error_last()->message, "nope"));
	g = fwtest_grant("github-api", 0x0ac80063u, WEB, 443, 1000);
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), OC_ENOTFOUND);
	cr_assert(strstr(oc_error_last()->message, "10.200.0.99"), "%s", oc_error_last()->message);
	g = fwtest_grant("github-api", AGENT1, WEB, 0, 1000);
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), OC_EINVAL);
	g = fwtest_grant("github-api", AGENT1, WEB, 443, 0);
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), OC_EINVAL);
	/* all or nothing: one bad grant, none added */
	oc_grant mixed[] = { fwtest_grant("github-api", AGENT1, WEB, 443, 1000),
		fwtest_grant("nope", AGENT1, WEB, 443, 1000) };
	cr_assert_eq(oc_firewall_grant(fw, mixed, 2), OC_ENOTFOUND);
	cr_assert_eq(grant_count(fw), 0);
	const oc_direct_rule bad[] = { { "has space", "" } };
	cr_assert_eq(oc_firewall_apply(fw, bad, 1), OC_EINVAL);
	const oc_direct_rule twice[] = { { "a", "" }, { "a", "" } };
	cr_assert_eq(oc_firewall_apply(fw, twice, 2), OC_EEXIST);
	oc_firewall_free(fw);
}

Test(firewall, detach_takes_the_grants_along, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	oc_grant g[] = { fwtest_grant("github-api", AGENT1, WEB, 443, 60000),
		fwtest_grant("github-api", AGENT2, WEB, 443, 60000) };
	cr_assert_eq(oc_firewall_grant(fw, g, 2), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_del_member(fw, AGENT1), 0, "%s", oc_error_last()->message);
	oc_grant_list *l;
	cr_assert_eq(oc_firewall_grants(fw, &l), 0);
	cr_assert_eq(oc_grant_list_count(l), 1);
	cr_assert_eq(ntohl(oc_grant_list_get(l, 0)->container.s_addr), AGENT2);
	oc_grant_list_free(l);
	char out[4096];
	cr_assert_eq(nstest_sh(out, sizeof(out), "nft list set bridge outcall containers"), 0);
	cr_assert_null(strstr(out, "10.200.0.2 "), "%s", out);
	cr_assert(strstr(out, "10.200.0.3"), "%s", out);
	oc_firewall_free(fw);
}

static bool locked_in_kernel(const char *ip)
{
	char out[4096], cmd[128];
	cr_assert_eq(nstest_sh(out, sizeof(out), "nft list set inet outcall locked"), 0, "%s", out);
	snprintf(cmd, sizeof(cmd), "%s comment", ip);
	return strstr(out, cmd) != NULL;
}

/* Set `locked` holds exactly the containers named last, across a reopen
 * (a restarted daemon), a replace of the tables and a detach. */
Test(firewall, locked_set_follows_the_lockdowns, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	const uint32_t both[] = { AGENT1, AGENT2, 0x0ac80063u /* not attached */ };
	size_t changed = 99;
	cr_assert_eq(oc_firewall_set_locked(fw, both, 1, &changed), 0, "%s",
		oc_error_last()->message);
	cr_assert_eq(changed, 1);
	cr_assert(locked_in_kernel("10.200.0.2"));
	cr_assert_not(locked_in_kernel("10.200.0.3"));
	cr_assert_eq(oc_firewall_set_locked(fw, both, 1, &changed), 0);
	cr_assert_eq(changed, 0, "nothing to change, nothing committed");
	oc_firewall_free(fw);

	cr_assert_eq(oc_firewall_open(NULL, &fw), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	cr_assert(locked_in_kernel("10.200.0.2"), "a reopened firewall's replace keeps the lock");
	/* one locked more, one unlocked: the unknown address is ignored */
	cr_assert_eq(oc_firewall_set_locked(fw, both + 1, 2, &changed), 0, "%s",
		oc_error_last()->message);
	cr_assert_eq(changed, 2);
	cr_assert_not(locked_in_kernel("10.200.0.2"));
	cr_assert(locked_in_kernel("10.200.0.3"));
	/* someone removed the element: unlocking still succeeds */
	cr_assert_eq(nstest_sh(NULL, 0, "nft delete element inet outcall locked '{ 10.200.0.3 }'"),
		0);
	cr_assert_eq(oc_firewall_set_locked(fw, NULL, 0, &changed), 0, "%s",
		oc_error_last()->message);
	cr_assert_eq(oc_firewall_set_locked(fw, both, 2, &changed), 0);
	cr_assert_eq(oc_firewall_del_member(fw, AGENT1), 0, "%s", oc_error_last()->message);
	cr_assert_not(locked_in_kernel("10.200.0.2"), "a detach takes its lock along");
	cr_assert(locked_in_kernel("10.200.0.3"));
	oc_firewall_free(fw);
}

/* A container added locked is in set `locked` in the same transaction. */
Test(firewall, a_member_added_locked_is_locked_at_once, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	struct oc_nft_member m = { "late-1", "oc0-4", { 2, 0, 10, 200, 0, 4 }, 0x0ac80004u, true };
	cr_assert_eq(oc_firewall_add_member(fw, &m), 0, "%s", oc_error_last()->message);
	cr_assert(locked_in_kernel("10.200.0.4"));
	oc_firewall_free(fw);
}

Test(firewall, remove_deletes_both_tables, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_remove(fw), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_installed(fw), 0);
	char out[256];
	cr_assert_eq(nstest_sh(out, sizeof(out), "nft list tables"), 0);
	cr_assert_str_eq(out, "");
	/* removing again is not an error */
	cr_assert_eq(oc_firewall_remove(fw), 0, "%s", oc_error_last()->message);
	oc_firewall_free(fw);
}

Test(firewall, bad_config_names_the_field)
{
	oc_kernel_config cfg;
	oc_kernel_config_init(&cfg, OC_KERNEL_CONFIG_VERSION);
	cfg.subnet_pool = "10.200.0.0/8";
	oc_firewall *fw;
	cr_assert_eq(oc_firewall_open(&cfg, &fw), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "subnet_pool"));
	oc_kernel_config_init(&cfg, OC_KERNEL_CONFIG_VERSION);
	const char *bad[] = { "169.254.0.1/16" };
	cfg.blocked_prefixes = bad;
	cr_assert_eq(oc_firewall_open(&cfg, &fw), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "blocked_prefixes[0]"), "%s", oc_error_last()->message);
	oc_kernel_config_init(&cfg, OC_KERNEL_CONFIG_VERSION);
	cfg.dns_port = 0;
	cr_assert_eq(oc_firewall_open(&cfg, &fw), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "dns_port"));
}

static long counter_packets(const char *family, const char *name)
{
	char out[1024], cmd[128];
	snprintf(cmd, sizeof(cmd), "nft list counter %s outcall %s", family, name);
	cr_assert_eq(nstest_sh(out, sizeof(out), "%s", cmd), 0, "%s", out);
	/* the value line, not the comment (which may say "packets" too) */
	const char *p = strstr(out, "\t\tpackets ");
	cr_assert_not_null(p, "%s", out);
	return atol(p + strlen("\t\tpackets "));
}

Test(firewall, counters_survive_a_replace, .init = nstest_enter)
{
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	char out[1024];
	/* the host starting traffic towards a container is counted and dropped */
	cr_assert_eq(nstest_sh(out, sizeof(out), "ip link add outcall0 type bridge && "
		"ip addr add 10.200.0.1/24 dev outcall0 && ip link set outcall0 up"), 0, "%s", out);
	cr_assert_neq(nstest_sh(out, sizeof(out), "busybox ping -c2 -W1 10.200.0.9"), 0, "%s", out);
	long before = counter_packets("inet", "host-to-container-dropped");
	cr_assert_gt(before, 0);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	cr_assert_geq(counter_packets("inet", "host-to-container-dropped"), before);
	oc_firewall_free(fw);
}
