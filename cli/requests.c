/* outcall requests list|show|approve|reject: the operator's side of the
 * agents' access requests, over the host API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <outcall/policy.h>

#include "client.h"
#include "core/buf.h"
#include "core/errcode.h"
#include "core/text.h"
#include "requests/duration.h"
#include "table.h"

/* "api.example.com:443 GET /v1/" or "rule file". */
static void what_text(json_t *r, char *buf, size_t size)
{
	if (!cli_jstr(r, "host")) {
		snprintf(buf, size, "rule file");
		return;
	}
	int n = snprintf(buf, size, "%s", cli_jstr(r, "host"));
	if (cli_jint(r, "port") && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, ":%lld", cli_jint(r, "port"));
	if (cli_jstr(r, "method") && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " %s", cli_jstr(r, "method"));
	if (cli_jstr(r, "path_prefix") && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " %s*", cli_jstr(r, "path_prefix"));
}

static void time_text(json_t *r, const char *key, char out[OC_TIME_TEXT_MAX])
{
	long long t = cli_jint(r, key);
	if (t)
		oc_time_format(t, out);
	else
		snprintf(out, OC_TIME_TEXT_MAX, "-");
}

static void human_list(json_t *j)
{
	static const char *const h[] = { "ID", "STATUS", "AGENT", "CONTAINER", "ASKS FOR", "SUBMITTED",
		"WHY" };
	cli_table *t = cli_table_new(7, h);
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(j, "requests"), i, r) {
		char what[400], when[OC_TIME_TEXT_MAX], why[64];
		what_text(r, what, sizeof(what));
		time_text(r, "created_at", when);
		/* escaped first, so the cut can only shorten what is shown */
		const char *just = cli_jstr(r, "justification");
		just = just ? just : "";
		size_t keep = oc_text_prefix(just, 57);
		snprintf(why, sizeof(why), "%.*s%s", (int)keep, just, just[keep] ? "..." : "");
		const char *row[] = { cli_jstr(r, "id"), cli_jstr(r, "status"), cli_jstr(r, "agent"),
			cli_jstr(r, "container"), what, when, why };
		cli_table_add(t, row);
	}
	cli_table_print(t, "no access requests");
}

static int run_list(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos)
		return cli_usage_error(cmd, "list takes no arguments");
	const char *status = cli_opt_value(cmd, a, "status");
	char path[128] = "/v1/requests";
	if (status) {
		static const char *const known[] = { "pending", "approved", "rejected", "expired",
			"revoked" };
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(status, known[i]) == 0;
		if (!ok)
			return cli_usage_error(cmd, "--status '%s' is none of pending, approved, rejected, "
				"expired or revoked", status);
		snprintf(path, sizeof(path), "/v1/requests?status=%s", status);
	}
	return cli_show(a, "GET", path, NULL, human_list);
}

/* Every attached container the rule reaches: name, id and agent.name. */
static void print_matches(json_t *r)
{
	json_t *m = json_object_get(r, "matches");
	if (!json_is_array(m))
		return;
	size_t n = json_array_size(m), i;
	printf("  reaches:       %zu attached container%s%s\n", n, n == 1 ? "" : "s",
		n ? ":" : " now");
	json_t *c;
	json_array_foreach(m, i, c) {
		const char *id = cli_jstr(c, "container_id");
		printf("                 %s (id %.12s, agent %s)\n", cli_jstr(c, "name"),
			id && id[0] ? id : "none", cli_jstr(c, "agent"));
	}
}

static void human_request(json_t *r)
{
	char what[400], created[OC_TIME_TEXT_MAX], decided[OC_TIME_TEXT_MAX],
		expires[OC_TIME_TEXT_MAX];
	what_text(r, what, sizeof(what));
	time_text(r, "created_at", created);
	time_text(r, "decided_at", decided);
	time_text(r, "expires_at", expires);
	json_t *sub = json_object_get(r, "submitter");
	printf("request %s: %s\n", cli_jstr(r, "id"), cli_jstr(r, "status"));
	printf("  agent:         %s (container %s, pid %lld, uid %lld)\n", cli_jstr(r, "agent"),
		cli_jstr(r, "container"), cli_jint(sub, "pid"), cli_jint(sub, "uid"));
	printf("  submitted:     %s\n", created);
	printf("  asks for:      %s\n", what);
	printf("  justification: %s\n", cli_jstr(r, "justification"));
	if (cli_jint(r, "duration_s")) {
		char d[32];
		oc_duration_format(cli_jint(r, "duration_s"), d, sizeof(d));
		printf("  wanted for:    %s (the default expiry of an approval)\n", d);
	}
	if (cli_jint(r, "decided_at"))
		printf("  decided:       %s by %s\n", decided, cli_jstr(r, "decided_by"));
	if (cli_jstr(r, "reason"))
		printf("  reason:        %s\n", cli_jstr(r, "reason"));
	if (cli_jint(r, "expires_at"))
		printf("  expires:       %s\n", expires);
	if (cli_jstr(r, "scope"))
		printf("  scope:         %s (default %s)\n", cli_jstr(r, "scope"),
			cli_jstr(r, "default_scope"));
	print_matches(r);
	printf("  rule:          %s in %s\n", cli_jstr(r, "rule_id"), cli_jstr(r, "rule_path"));
	if (cli_jstr(r, "note"))
		printf("  note:          %s\n", cli_jstr(r, "note"));
	if (cli_jtext(r, "rule_file"))
		printf("\nThe agent's rule file, as sent:\n%s\n", cli_jtext(r, "rule_file"));
	if (cli_jtext(r, "proposed_rule"))
		printf("\nApproving adds this rule file:\n%s", cli_jtext(r, "proposed_rule"));
	if (cli_jstr(r, "proposed_rule_error"))
		printf("\nThe rule cannot be generated: %s\n", cli_jstr(r, "proposed_rule_error"));
	if (cli_jtext(r, "rule"))
		printf("\nApproved rule file:\n%s", cli_jtext(r, "rule"));
}

/* Ids are "r-" and base32; anything else never reaches a URL. */

/* --scope, or --all-agents (its older spelling); NULL: the request's
 * default. *bad when they are malformed or disagree. */
static const char *scope_opt(const cli_cmd *cmd, cli_args *a, bool *bad)
{
	const char *s = cli_opt_value(cmd, a, "scope");
	bool all = cli_opt_set(cmd, a, "all-agents");
	*bad = (s && strcmp(s, "container") && strcmp(s, "agent") && strcmp(s, "all")) ||
		(all && s && strcmp(s, "all"));
	return all ? "all" : s;
}

#define SCOPE_USAGE "--scope is container, agent or all (--all-agents is --scope all)"

static int run_show(const cli_cmd *cmd, cli_args *a)
{
	bool bad;
	const char *scope = scope_opt(cmd, a, &bad);
	if (a->npos != 1 || !cli_request_id_ok(a->pos[0]))
		return cli_usage_error(cmd, "give one request id (see `outcall requests list`)");
	if (bad)
		return cli_usage_error(cmd, SCOPE_USAGE);
	char path[128];
	snprintf(path, sizeof(path), "/v1/requests/%s%s%s", a->pos[0], scope ? "?scope=" : "",
		scope ? scope : "");
	return cli_show(a, "GET", path, NULL, human_request);
}

static void human_approved(json_t *r)
{
	char expires[OC_TIME_TEXT_MAX];
	time_text(r, "expires_at", expires);
	const char *scope = cli_jstr(r, "scope");
	scope = scope ? scope : "";
	printf("approved %s: rule %s for %s%s, %s%s; written to %s\n", cli_jstr(r, "id"),
		cli_jstr(r, "rule_id"), strcmp(scope, "all") == 0 ? "every agent" :
		strcmp(scope, "container") == 0 ? "container " : "agent ",
		strcmp(scope, "all") == 0 ? "" : strcmp(scope, "container") == 0 ?
		cli_jstr(r, "container") : cli_jstr(r, "agent"),
		cli_jint(r, "expires_at") ? "expires " : "no expiry",
		cli_jint(r, "expires_at") ? expires : "", cli_jstr(r, "rule_path"));
	print_matches(r);
}

static void human_rejected(json_t *r)
{
	printf("rejected %s: %s\n", cli_jstr(r, "id"), cli_jstr(r, "reason"));
}

/* Reads a whole file the editor wrote. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	oc_buf b = OC_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (oc_buf_append(&b, chunk, n) != 0)
			break;
	fclose(f);
	return b.data ? oc_buf_steal(&b) : strdup("");
}

static const char *editor_name(void)
{
	const char *editor = getenv("VISUAL");
	if (!editor || !*editor)
		editor = getenv("EDITOR");
	return editor && *editor ? editor : "vi";
}

/* Through the shell, as git runs editors: $EDITOR may carry arguments and
 * quotes ("code --wait"), and the file name is passed as "$@". */
static int run_editor(const char *editor, const char *file)
{
	oc_buf cmd = OC_BUF_INIT;
	if (oc_buf_printf(&cmd, "%s \"$@\"", editor) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd.data, editor, file, (char *)NULL);
		_exit(127);
	}
	oc_buf_free(&cmd);
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Fetches the proposed rule file, lets the operator edit it and checks
 * that it loads; *out is the edited text (free it). */
static int edit_rule(cli_args *a, const char *id, const char *scope, char **out)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/requests/%s%s%s", id, scope ? "?scope=" : "",
		scope ? scope : "");
	json_t *j = NULL;
	int rc = cli_fetch(a, "GET", path, NULL, &j, NULL);
	if (rc != OC_EXIT_OK)
		return rc;
	const char *proposed = cli_jtext(j, "proposed_rule");
	if (!proposed) {
		rc = cli_fail("conflict", "request %s has no rule to edit (it is %s)", id,
			cli_jstr(j, "status") ? cli_jstr(j, "status") : "not pending");
		json_decref(j);
		return rc;
	}
	char file[] = "/tmp/outcall-request-XXXXXX.yaml";
	int fd = mkstemps(file, 5);
	rc = OC_EXIT_ERROR;
	if (fd < 0 || write(fd, proposed, strlen(proposed)) != (ssize_t)strlen(proposed)) {
		cli_fail("internal", "cannot write %s: %s", file, strerror(errno));
	} else {
		close(fd);
		fd = -1;
		const char *editor = editor_name();
		int er = run_editor(editor, file);
		char *text = er == 0 ? slurp(file) : NULL;
		oc_ruleset *rs = NULL;
		if (er != 0)
			cli_fail("internal", "the editor (%s) failed; nothing was approved", editor);
		else if (!text)
			cli_fail("internal", "cannot read %s back", file);
		else if (oc_ruleset_load_string(file, text, strlen(text), NULL, &rs, NULL) != 0)
			cli_fail(oc_errcode_of(oc_error_last()->code)->id, "the edited rule file does "
				"not load, nothing was approved: %s", oc_error_last()->message);
		else {
			*out = text;
			text = NULL;
			rc = OC_EXIT_OK;
		}
		oc_ruleset_unref(rs);
		free(text);
	}
	if (fd >= 0)
		close(fd);
	unlink(file);
	json_decref(j);
	return rc;
}

static int run_approve(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos != 1 || !cli_request_id_ok(a->pos[0]))
		return cli_usage_error(cmd, "give one request id (see `outcall requests list`)");
	const char *id = a->pos[0], *dur = cli_opt_value(cmd, a, "for");
	bool bad;
	const char *scope = scope_opt(cmd, a, &bad);
	if (bad)
		return cli_usage_error(cmd, SCOPE_USAGE);
	int64_t secs;
	if (dur && strcmp(dur, "never") != 0 && oc_duration_parse(dur, &secs) != 0)
		return cli_usage_error(cmd, "--for: %s", oc_error_last()->message);
	char *edited = NULL;
	if (cli_opt_set(cmd, a, "edit")) {
		int rc = edit_rule(a, id, scope, &edited);
		if (rc != OC_EXIT_OK)
			return rc;
	}
	json_t *body = json_object();
	if (scope)
		json_object_set_new(body, "scope", json_string(scope));
	if (dur)
		json_object_set_new(body, "for", json_string(dur));
	if (edited)
		json_object_set_new(body, "rule_file", json_string(edited));
	free(edited);
	char path[128];
	snprintf(path, sizeof(path), "/v1/requests/%s/approve", id);
	return cli_show(a, "POST", path, body, human_approved);
}

static int run_reject(const cli_cmd *cmd, cli_args *a)
{
	const char *reason = cli_opt_value(cmd, a, "reason");
	if (a->npos != 1 || !cli_request_id_ok(a->pos[0]))
		return cli_usage_error(cmd, "give one request id (see `outcall requests list`)");
	if (!reason || !reason[0])
		return cli_usage_error(cmd, "--reason is required: the agent reads it");
	char path[128];
	snprintf(path, sizeof(path), "/v1/requests/%s/reject", a->pos[0]);
	return cli_show(a, "POST", path, json_pack("{s:s}", "reason", reason), human_rejected);
}

static const cli_opt list_opts[] = {
	{ "status", "STATUS", "only pending, approved, rejected, expired or revoked requests" },
	{ NULL },
};

#define SCOPE_HELP "container: only the container that asked (container.id); agent: every " \
	"container of its agent.name; all: every container [container for a container whose " \
	"name outcall run chose, else agent]"

static const cli_opt show_opts[] = {
	{ "scope", "SCOPE", "show the rule and the containers it reaches for this scope: "
		SCOPE_HELP },
	{ "all-agents", NULL, "the same as --scope all" },
	{ NULL },
};

static const cli_opt approve_opts[] = {
	{ "for", "DURATION", "expire the rule after 30s, 10m, 2h, 1d... or never [what the agent "
		"asked for, else never]" },
	{ "scope", "SCOPE", "whom the rule reaches: " SCOPE_HELP },
	{ "all-agents", NULL, "the same as --scope all" },
	{ "edit", NULL, "edit the rule file in $VISUAL / $EDITOR before approving" },
	{ NULL },
};

static const cli_opt reject_opts[] = {
	{ "reason", "TEXT", "why (required; the agent reads it)" },
	{ NULL },
};

const cli_cmd cli_requests_cmds[] = {
	{ "list", "access requests, oldest first", "[--status STATUS]", NULL, list_opts, run_list,
		NULL },
	{ "show", "one request, the exact rule approving it adds and every attached container "
		"that rule reaches", "ID [--scope SCOPE]", NULL, show_opts, run_show, NULL },
	{ "approve", "write the request's rule into rules.d/requests/ and reload",
		"ID [--for DURATION] [--scope SCOPE] [--edit]",
		"The rule is scoped to the container that asked (container.id) when outcall run chose "
		"its name (agent-<letters>), else to its agent (agent.name: coder-1 and coder-2 are "
		"both agent coder); --scope says otherwise. The answer lists every attached container "
		"the rule reaches (for an --edit, those its scope reached before the edit). An "
		"expired rule is removed and the rules reloaded by outcalld.", approve_opts,
		run_approve, NULL },
	{ "reject", "refuse a request; the agent sees the reason", "ID --reason TEXT", NULL,
		reject_opts, run_reject, NULL },
	{ "revoke", "take an approval back now: remove its rule, reload, cut its flows",
		"ID [--reason TEXT]",
		"The rule file rules.d/requests/ID.yaml is removed and the rules reload before this "
		"returns;\nflows its direct_ip grants carried are cut. The agent reads \"revoked\" and "
		"the reason in its request's status\nand in its next check of that host. Audited in "
		"the decision log.", cli_revoke_opts, cli_run_revoke, NULL },
	{ NULL },
};
