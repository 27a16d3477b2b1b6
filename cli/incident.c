/* outcall requests revoke, grants flush, lockdown and grant: incident
 * response over the host API. Each prints what it took away. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "core/text.h"
#include "requests/duration.h"
#include "table.h"

/* Ids are "r-" and base32; anything else never reaches a URL. */

/* Adds --agent/--network/--rule/--all (those cmd has) to body; exactly one
 * must be given. */
static int add_target(const cli_cmd *cmd, cli_args *a, json_t *body)
{
	static const char *const names[] = { "agent", "network", "rule" };
	int given = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = cli_opt_value(cmd, a, names[i]);
		if (v) {
			json_object_set_new(body, names[i], json_string(v));
			given++;
		}
	}
	if (cli_opt_set(cmd, a, "all")) {
		json_object_set_new(body, "all", json_true());
		given++;
	}
	return given == 1 ? OC_EXIT_OK : cli_usage_error(cmd, "name exactly one target: %s",
		cmd->usage);
}

static void add_reason(const cli_cmd *cmd, cli_args *a, json_t *body)
{
	const char *reason = cli_opt_value(cmd, a, "reason");
	if (reason)
		json_object_set_new(body, "reason", json_string(reason));
}

static void human_revoked(json_t *r)
{
	printf("revoked %s: rule %s removed and the rules reloaded; agent %s reads: %s\n",
		cli_jstr(r, "id"), cli_jstr(r, "rule_id"), cli_jstr(r, "agent"), cli_jstr(r, "reason"));
}

int cli_run_revoke(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos != 1 || !cli_request_id_ok(a->pos[0]))
		return cli_usage_error(cmd, "give one approved request id (see `outcall requests list "
			"--status approved`)");
	json_t *body = json_object();
	add_reason(cmd, a, body);
	char path[128];
	snprintf(path, sizeof(path), "/v1/requests/%s/revoke", a->pos[0]);
	return cli_show(a, "POST", path, body, human_revoked);
}

static void human_flushed(json_t *j)
{
	json_t *f = json_object_get(j, "flushed");
	printf("flushed the direct_ip grants of %s: %lld grants removed, %lld flows cut\n",
		cli_jstr(j, "target"), cli_jint(f, "grants_revoked"), cli_jint(f, "flows_cut"));
}

/* POSTs {target, reason} to path: flush, lockdown on and off. */
static int post_target(const cli_cmd *cmd, cli_args *a, const char *path,
	void (*human)(json_t *j))
{
	if (a->npos)
		return cli_usage_error(cmd, "give the target as an option: %s", cmd->usage);
	json_t *body = json_object();
	int rc = add_target(cmd, a, body);
	if (rc != OC_EXIT_OK) {
		json_decref(body);
		return rc;
	}
	add_reason(cmd, a, body);
	return cli_show(a, "POST", path, body, human);
}

static int run_flush(const cli_cmd *cmd, cli_args *a)
{
	return post_target(cmd, a, "/v1/grants/flush", human_flushed);
}

static void print_lock(json_t *k)
{
	char since[OC_TIME_TEXT_MAX];
	oc_time_format(cli_jint(k, "since"), since);
	const char *scope = cli_jstr(k, "scope");
	printf("LOCKDOWN %s%s%s since %s by %s: ", scope ? scope : "?",
		cli_jstr(k, "name") ? " " : "", cli_jstr(k, "name") ? cli_jstr(k, "name") : "", since,
		cli_jstr(k, "by"));
	cli_put(cli_jstr(k, "reason") && cli_jstr(k, "reason")[0] ? json_string_value(
		json_object_get(k, "reason")) : "(no reason given)", false);
	printf("\n");
}

void cli_print_lockdowns(json_t *j)
{
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(j, "lockdowns"), i, k)
		print_lock(k);
	if (json_array_size(json_object_get(j, "lockdowns")))
		printf("LOCKED DOWN: %lld attached containers (lift with `outcall lockdown off`)\n",
			cli_jint(j, "locked_containers"));
}

static void human_lockdown(json_t *j)
{
	json_t *cut = json_object_get(j, "cut");
	if (cut)
		printf("locked down %s: %lld containers now, %lld grants revoked, %lld flows cut, "
			"%lld proxy connections closed\n", cli_jstr(j, "target"),
			cli_jint(cut, "containers"), cli_jint(cut, "grants_revoked"),
			cli_jint(cut, "flows_cut"), cli_jint(cut, "connections_closed"));
	else if (json_object_get(j, "lifted"))
		printf("lifted %lld lockdowns (%s)\n", cli_jint(j, "lifted"), cli_jstr(j, "target"));
	if (!json_array_size(json_object_get(j, "lockdowns")))
		printf("no lockdown is in force\n");
	cli_print_lockdowns(j);
}

static int run_lockdown_status(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos)
		return cli_usage_error(cmd, "status takes no arguments");
	return cli_show(a, "GET", "/v1/lockdown", NULL, human_lockdown);
}

static int run_lockdown_on(const cli_cmd *cmd, cli_args *a)
{
	return post_target(cmd, a, "/v1/lockdown/on", human_lockdown);
}

static int run_lockdown_off(const cli_cmd *cmd, cli_args *a)
{
	return post_target(cmd, a, "/v1/lockdown/off", human_lockdown);
}

static void human_granted(json_t *r)
{
	char expires[OC_TIME_TEXT_MAX];
	oc_time_format(cli_jint(r, "expires_at"), expires);
	printf("granted %s to agent %s until %s as request %s (rule %s in %s); revoke with `outcall "
		"requests revoke %s`\n", cli_jstr(r, "host"), cli_jstr(r, "agent"), expires,
		cli_jstr(r, "id"), cli_jstr(r, "rule_id"), cli_jstr(r, "rule_path"), cli_jstr(r, "id"));
}

int cli_run_grant(const cli_cmd *cmd, cli_args *a)
{
	const char *agent = cli_opt_value(cmd, a, "agent"), *host = cli_opt_value(cmd, a, "host");
	const char *port = cli_opt_value(cmd, a, "port"), *dur = cli_opt_value(cmd, a, "for");
	if (a->npos)
		return cli_usage_error(cmd, "grant takes no arguments, only options");
	if (!agent || !host)
		return cli_usage_error(cmd, "--agent and --host are required");
	int64_t secs;
	if (!dur)
		return cli_usage_error(cmd, "--for is required (at most 24h): a grant by hand is "
			"temporary");
	if (oc_duration_parse(dur, &secs) != 0)
		return cli_usage_error(cmd, "--for: %s", oc_error_last()->message);
	char *end = NULL;
	long p = port ? strtol(port, &end, 10) : 0;
	if (port && (!*port || *end || p < 1 || p > 65535))
		return cli_usage_error(cmd, "--port is a number from 1 to 65535");
	json_t *body = json_pack("{s:s, s:s, s:s}", "agent", agent, "host", host, "for", dur);
	if (p)
		json_object_set_new(body, "port", json_integer(p));
	add_reason(cmd, a, body);
	return cli_show(a, "POST", "/v1/requests/grant", body, human_granted);
}

/* A macro, not a const object: C (and clang) take only constants in an
 * initializer. */
#define REASON_OPT { "reason", "TEXT", "why, for the audit record and the agent" }

static const cli_opt flush_opts[] = {
	{ "agent", "NAME", "the grants of one agent (agent.name)" },
	{ "rule", "ID", "the grants of one direct_ip rule" },
	{ "all", NULL, "every grant" },
	REASON_OPT,
	{ NULL },
};

static const cli_opt lockdown_opts[] = {
	{ "agent", "NAME", "every container of one agent (agent.name)" },
	{ "network", "NAME", "every container on one Outcall network" },
	{ "all", NULL, "every container (off: lift every lockdown)" },
	REASON_OPT,
	{ NULL },
};

const cli_opt cli_revoke_opts[] = {
	{ "reason", "TEXT", "why; the agent reads it in its next check and its request's status" },
	{ NULL },
};

const cli_opt cli_grant_opts[] = {
	{ "agent", "NAME", "the agent (agent.name) the rule is for (required)" },
	{ "host", "HOST", "the host it may reach (required)" },
	{ "port", "PORT", "only this port [any]" },
	{ "for", "DURATION", "how long: 30s, 10m, 2h... at most 24h (required)" },
	REASON_OPT,
	{ NULL },
};

const cli_cmd cli_grants_cmds[] = {
	{ "flush", "remove direct_ip grants now and cut their flows",
		"(--agent NAME | --rule ID | --all) [--reason TEXT]",
		"The grants' conntrack flows are cut at once. A flush is not a block: an agent whose "
		"rules still allow a host gets a new grant when it resolves the name again (use "
		"`outcall lockdown` or `outcall requests revoke` to take access away).",
		flush_opts, run_flush, NULL },
	{ NULL },
};

const cli_cmd cli_lockdown_cmds[] = {
	{ "on", "cut agents off from everything, at every layer, until turned off",
		"(--agent NAME | --network NAME | --all) [--reason TEXT]",
		"Locked containers: the kernel forwards nothing of theirs (set \"locked\", "
		"before any grant or flow); the DNS filter, the proxy and the agent socket refuse "
		"everything (rule \"lockdown\"); their direct_ip grants are revoked, their "
		"conntrack flows cut and their proxy connections closed; the agent socket answers "
		"\"locked down: REASON\". A container attached later is covered at once. The "
		"lockdown is kept in <state-dir>/lockdown.json: it survives restarts, crashes and "
		"rule reloads.",
		lockdown_opts, run_lockdown_on, NULL },
	{ "off", "lift a lockdown", "(--agent NAME | --network NAME | --all) [--reason TEXT]",
		"Lifts the lockdown of exactly that target (--all: every lockdown). A container "
		"another lockdown covers stays locked. Access comes back as the rules allow it.",
		lockdown_opts, run_lockdown_off, NULL },
	{ "status", "the lockdowns in force", "", NULL, NULL, run_lockdown_status, NULL },
	{ NULL },
};

int cli_run_lockdown_status(const cli_cmd *cmd, cli_args *a)
{
	return run_lockdown_status(cmd, a);
}
