/* Access requests over the agent socket and the operator's answers:
 * submission, isolation between containers, long-polls, approval that
 * changes the next check, rejection, expiry, limits and restarts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/operator.h"
#include "harness.h"

TestSuite(requests, .init = h_setup, .fini = h_teardown, .timeout = 60);

static json_t *submit(const char *container, const char *body, int want)
{
	json_t *j;
	int status = h_req(container, "POST", "/v1/requests", body, &j);
	cr_assert_eq(status, want, "%s -> %d", body, status);
	return j;
}

static void submit_id(const char *container, const char *host, char id[16])
{
	char body[256];
	snprintf(body, sizeof(body), "{\"host\": \"%s\", \"port\": 443, \"justification\": "
		"\"fetch the docs\"}", host);
	json_t *j = submit(container, body, 201);
	snprintf(id, 16, "%s", h_str(j, "id"));
	json_decref(j);
}

static bool allowed(const char *container, const char *url)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"url\": \"%s\"}", url);
	json_t *j;
	cr_assert_eq(h_req(container, "POST", "/v1/check", body, &j), 200);
	bool yes = json_is_true(json_object_get(j, "allowed"));
	json_decref(j);
	return yes;
}

static json_t *scoped_view(const char *id, oc_agents_scope scope)
{
	char *text = NULL;
	cr_assert_eq(oc_agents_request_json(h_agents, id, scope, &text), 0, "%s",
		oc_error_last()->message);
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	return j;
}

static json_t *operator_view(const char *id)
{
	return scoped_view(id, OC_AGENTS_SCOPE_DEFAULT);
}

Test(requests, submission_answers_with_the_rule_it_would_add)
{
	json_t *j = submit("coder-1", "{\"host\": \"API.example.com\", \"port\": 443, "
		"\"justification\": \"fetch the docs\", \"duration\": \"2h\"}", 201);
	const char *id = h_str(j, "id");
	cr_assert_eq(strlen(id), 8);
	cr_assert_str_eq(h_str(j, "status"), "pending");
	cr_assert_str_eq(h_str(j, "host"), "api.example.com");
	char rule_id[32];
	snprintf(rule_id, sizeof(rule_id), "req-%s", id);
	cr_assert_str_eq(h_str(j, "rule_id"), rule_id);
	cr_assert(strstr(h_str(j, "proposed_rule"), "agent.name == \\\"coder\\\""));
	cr_assert(json_is_false(json_object_get(j, "duplicate")));
	cr_assert(strstr(h_str(j, "wait_command"), "outcall-shim wait r-"));
	cr_assert_null(json_object_get(j, "submitter"), "the operator's details stay out");
	char path[512];
	snprintf(path, sizeof(path), "%s/requests/%s.json", h_state, id);
	cr_assert_eq(access(path, F_OK), 0);
	json_t *again = submit("coder-1", "{\"host\": \"api.example.com\", \"port\": 443, "
		"\"justification\": \"again\"}", 200);
	cr_assert_str_eq(h_str(again, "id"), id);
	cr_assert(json_is_true(json_object_get(again, "duplicate")));
	json_decref(again);
	json_t *op = operator_view(id);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(op, "submitter"), "pid")),
		getpid());
	cr_assert(strstr(h_str(op, "proposed_rule"), "req-"));
	json_decref(op);
	json_decref(j);
}

Test(requests, bad_submissions_queue_nothing)
{
	static const char *const bodies[] = {
		"{\"host\": \"a.example\"}", "{\"justification\": \"x\"}", "not json",
		"{\"host\": \"a.example\", \"justification\": \"x\", \"agent\": \"coder\"}",
		"{\"host\": \"a.example\", \"justification\": \"x\", \"method\": \"G T\"}",
		"{\"rule_file\": \"version: '1'\\nrules:\\n  - id: a\\n    condition: nope\\n"
		"    action: allow\\n\", \"justification\": \"x\"}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		json_decref(submit("coder-1", bodies[i], 400));
	json_t *j = submit("coder-1", bodies[5], 400);
	cr_assert(strstr(h_str(json_object_get(j, "error"), "message"), "rule_file:"), "the "
		"loader's error, with its position, reaches the agent");
	json_decref(j);
	char *text = NULL;
	cr_assert_eq(oc_agents_requests_json(h_agents, NULL, &text), 0);
	cr_assert_str_eq(text, "{\"requests\":[]}");
	free(text);
}

Test(requests, a_container_sees_only_its_own_requests)
{
	char id[16];
	submit_id("coder-1", "api.example.com", id);
	char target[64];
	snprintf(target, sizeof(target), "/v1/requests/%s", id);
	json_t *j;
	cr_assert_eq(h_req("coder-1", "GET", target, NULL, &j), 200);
	cr_assert_str_eq(h_str(j, "id"), id);
	json_decref(j);
	cr_assert_eq(h_req("other-1", "GET", target, NULL, NULL), 404);
	snprintf(target, sizeof(target), "/v1/requests/%s?wait=5", id);
	cr_assert_eq(h_req("other-1", "GET", target, NULL, NULL), 404);
	int status = h_req("coder-1", "GET", "/v1/requests/..%2f..%2fx", NULL, NULL);
	cr_assert_eq(status, 404, "got %d", status);
	snprintf(target, sizeof(target), "/v1/requests/%s?wait=abc", id);
	cr_assert_eq(h_req("coder-1", "GET", target, NULL, NULL), 400);
	snprintf(target, sizeof(target), "/v1/requests/%s?approve=1", id);
	cr_assert_eq(h_req("coder-1", "GET", target, NULL, NULL), 400);
}

static bool waiting(void *arg)
{
	size_t want = (size_t)(uintptr_t)arg;
	oc_agents_stats st = OC_AGENTS_STATS_INIT;
	oc_agents_get_stats(h_agents, &st);
	return st.waiters == want;
}

/* Starts a long-poll on id; returns once the daemon holds it. */
static void start_wait(h_call *c, const char *id)
{
	char target[64];
	snprintf(target, sizeof(target), "/v1/requests/%s?wait=30", id);
	h_call_start(c, "coder-1", "GET", target, NULL);
	cr_assert(h_run_until(waiting, (void *)1, 5000));
}

Test(requests, approval_reaches_the_waiting_agent_and_opens_the_way)
{
	char id[16];
	submit_id("coder-1", "api.example.com", id);
	cr_assert_not(allowed("coder-1", "https://api.example.com/"));
	h_call c = { 0 };
	start_wait(&c, id);
	char *text = NULL;
	oc_agents_approval ap = { .by = "uid=0" };
	cr_assert_eq(oc_agents_approve_json(h_agents, id, &ap, &text), 0, "%s", oc_error_last()->message);
	free(text);
	h_call_finish(&c);
	cr_assert_eq(c.status, 200);
	cr_assert_str_eq(h_str(c.json, "status"), "approved");
	cr_assert_null(json_object_get(c.json, "proposed_rule"));
	h_call_free(&c);
	cr_assert(waiting((void *)0));
	cr_assert_eq(h_reloads, 1);
	cr_assert(allowed("coder-1", "https://api.example.com/"));
	cr_assert_not(allowed("other-1", "https://api.example.com/"), "scoped to the agent");
	cr_assert_not(allowed("coder-1", "http://api.example.com/"), "and to the port");
	oc_agents_stats st = OC_AGENTS_STATS_INIT;
	oc_agents_get_stats(h_agents, &st);
	cr_assert_eq(st.submitted, 1);
	cr_assert_eq(st.approved, 1);
	cr_assert_eq(st.pending, 0);
}

Test(requests, all_agents_widens_the_rule)
{
	char id[16];
	submit_id("coder-1", "api.example.com", id);
	char *text = NULL;
	cr_assert_eq(oc_agents_request_json(h_agents, id, OC_AGENTS_SCOPE_ALL, &text), 0);
	cr_assert_null(strstr(text, "agent.name"), "%s", text);
	free(text);
	oc_agents_approval ap = { .by = "uid=0", .scope = OC_AGENTS_SCOPE_ALL, .duration = "never" };
	cr_assert_eq(oc_agents_approve_json(h_agents, id, &ap, &text), 0);
	free(text);
	cr_assert(allowed("other-1", "https://api.example.com/"));
}

#define CID_A "aaaa0000aaaa0000aaaa0000aaaa0000aaaa0000aaaa0000aaaa0000aaaa0000"
#define CID_B "bbbb0000bbbb0000bbbb0000bbbb0000bbbb0000bbbb0000bbbb0000bbbb0000"
#define CID_C "cccc0000cccc0000cccc0000cccc0000cccc0000cccc0000cccc0000cccc0000"

/* The names of the containers in a view's "matches", in order. */
static void matches_are(json_t *view, const char *want)
{
	char got[256] = "";
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(view, "matches"), i, c)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			h_str(c, "name"));
	cr_assert_str_eq(got, want);
}

static void approve(const char *id, oc_agents_scope scope, const char *matches)
{
	char *text = NULL;
	oc_agents_approval ap = { .by = "uid=0", .scope = scope };
	cr_assert_eq(oc_agents_approve_json(h_agents, id, &ap, &text), 0, "%s",
		oc_error_last()->message);
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	matches_are(j, matches);
	json_decref(j);
}

/* Unnamed `outcall run` containers: an approval reaches the one that
 * asked, and the operator sees who a rule reaches before approving. */
Test(requests, a_generated_name_is_approved_for_its_container_alone)
{
	h_put_docker("agent-aaaaaaaa", "10.200.0.4", CID_A, true);
	h_put_docker("agent-bbbbbbbb", "10.200.0.5", CID_B, true);
	/* named to share A's agent.name, as anyone who may run containers can */
	h_put_docker("agent-aaaaaaaa-2", "10.200.0.6", CID_C, false);
	cr_assert_eq(oc_agents_attach(h_agents, "agent-aaaaaaaa"), 0);
	cr_assert_eq(oc_agents_attach(h_agents, "agent-bbbbbbbb"), 0);
	cr_assert_eq(oc_agents_attach(h_agents, "agent-aaaaaaaa-2"), 0);
	char id[16];
	submit_id("agent-aaaaaaaa", "api.example.com", id);
	json_t *v = operator_view(id);
	cr_assert_str_eq(h_str(v, "default_scope"), "container");
	cr_assert_str_eq(h_str(v, "scope"), "container");
	cr_assert(strstr(h_str(v, "proposed_rule"), "container.id == \\\"" CID_A));
	matches_are(v, "agent-aaaaaaaa");
	json_decref(v);
	v = scoped_view(id, OC_AGENTS_SCOPE_ALL);
	matches_are(v, "coder-1 other-1 agent-aaaaaaaa agent-bbbbbbbb agent-aaaaaaaa-2");
	json_decref(v);
	approve(id, OC_AGENTS_SCOPE_DEFAULT, "agent-aaaaaaaa");
	cr_assert(allowed("agent-aaaaaaaa", "https://api.example.com/"));
	cr_assert_not(allowed("agent-bbbbbbbb", "https://api.example.com/"),
		"another unnamed container");
	cr_assert_not(allowed("agent-aaaaaaaa-2", "https://api.example.com/"),
		"a container named to share its agent.name");
	/* the scope survives a restart of the daemon's side */
	h_restart();
	v = operator_view(id);
	cr_assert_str_eq(h_str(v, "scope"), "container");
	matches_are(v, "agent-aaaaaaaa");
	json_decref(v);
}

Test(requests, agent_scope_reaches_every_container_of_the_agent)
{
	h_put_docker("coder-2", "10.200.0.4", CID_B, false);
	cr_assert_eq(oc_agents_attach(h_agents, "coder-2"), 0);
	char id[16];
	submit_id("coder-1", "api.example.com", id);
	json_t *v = operator_view(id);
	cr_assert_str_eq(h_str(v, "default_scope"), "agent");
	matches_are(v, "coder-1 coder-2");
	json_decref(v);
	v = scoped_view(id, OC_AGENTS_SCOPE_CONTAINER);
	matches_are(v, "coder-1");
	json_decref(v);
	/* other-1 was attached without Docker: no id to scope to */
	char other[16], *text = NULL;
	submit_id("other-1", "api.example.com", other);
	v = scoped_view(other, OC_AGENTS_SCOPE_CONTAINER);
	cr_assert(strstr(h_str(v, "proposed_rule_error"), "has no container id"));
	json_decref(v);
	oc_agents_approval ap = { .by = "uid=0", .scope = OC_AGENTS_SCOPE_CONTAINER };
	cr_assert_eq(oc_agents_approve_json(h_agents, other, &ap, &text), OC_EINVAL);
	approve(id, OC_AGENTS_SCOPE_DEFAULT, "coder-1 coder-2");
	cr_assert(allowed("coder-2", "https://api.example.com/"), "a same-agent sibling");
	cr_assert_not(allowed("other-1", "https://api.example.com/"));
}

Test(requests, rejection_and_its_reason_reach_the_agent)
{
	char id[16];
	submit_id("coder-1", "api.example.com", id);
	h_call c = { 0 };
	start_wait(&c, id);
	char *text = NULL;
	cr_assert_eq(oc_agents_reject_json(h_agents, id, "use the mirror", "uid=0", &text), 0);
	free(text);
	h_call_finish(&c);
	cr_assert_str_eq(h_str(c.json, "status"), "rejected");
	cr_assert_str_eq(h_str(c.json, "reason"), "use the mirror");
	h_call_free(&c);
	cr_assert_eq(oc_agents_reject_json(h_agents, id, "again", "uid=0", &text), OC_ESTATE);
	oc_agents_approval ap = { .by = "uid=0" };
	cr_assert_eq(oc_agents_approve_json(h_agents, id, &ap, &text), OC_ESTATE);
	cr_assert_not(allowed("coder-1", "https://api.example.com/"));
}

Test(requests, operator_answers_are_json_for_every_kind_of_ask)
{
	static const char *const bodies[] = {
		"{\"host\": \"api.example.com\", \"port\": 80, \"method\": \"GET\", "
		"\"path_prefix\": \"/v1/items\", \"justification\": \"the 403 page said so\"}",
		"{\"rule_file\": \"version: '1'\\nrules:\\n  - id: a\\n    condition: "
		"network.hostname == 'x.example'\\n    action: allow\\n\", \"justification\": \"x\"}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		json_t *j = submit("coder-1", bodies[i], 201);
		char id[16], *text = NULL;
		snprintf(id, sizeof(id), "%s", h_str(j, "id"));
		json_decref(j);
		cr_assert_eq(oc_agents_request_json(h_agents, id, OC_AGENTS_SCOPE_DEFAULT, &text), 0);
		json_t *view = json_loads(text, 0, NULL);
		cr_assert_not_null(view, "%s", text);
		json_decref(view);
		free(text);
		cr_assert_eq(oc_agents_reject_json(h_agents, id, "not now", "uid=0", &text), 0);
		view = json_loads(text, 0, NULL);
		cr_assert_not_null(view, "%s", text);
		cr_assert_str_eq(h_str(view, "status"), "rejected");
		json_decref(view);
		free(text);
	}
}

Test(requests, a_wait_is_bounded_and_a_gone_client_is_forgotten)
{
	char id[16];
	submit_id("coder-1", "api.example.com", id);
	char target[64];
	snprintf(target, sizeof(target), "/v1/requests/%s?wait=1", id);
	json_t *j;
	cr_assert_eq(h_req("coder-1", "GET", target, NULL, &j), 200);
	cr_assert_str_eq(h_str(j, "status"), "pending");
	json_decref(j);
	snprintf(target, sizeof(target), "/v1/requests/%s?wait=30", id);
	h_call c = { .close_early = true };
	h_call_start(&c, "coder-1", "GET", target, NULL);
	cr_assert(h_run_until(waiting, (void *)1, 5000));
	h_call_finish(&c);
	cr_assert(h_run_until(waiting, (void *)0, 5000), "the waiter goes with its connection");
}

static bool gone(void *arg)
{
	return access(arg, F_OK) != 0;
}

Test(requests, an_approval_for_a_while_expires)
{
	char id[16];
	submit_id("coder-1", "api.example.com", id);
	char *text = NULL;
	oc_agents_approval ap = { .by = "uid=0", .duration = "1s" };
	cr_assert_eq(oc_agents_approve_json(h_agents, id, &ap, &text), 0);
	free(text);
	cr_assert(allowed("coder-1", "https://api.example.com/"));
	char path[512];
	snprintf(path, sizeof(path), "%s/requests/%s.yaml", h_rules, id);
	cr_assert(h_run_until(gone, path, 4000), "the rule file is removed at expiry");
	cr_assert_not(allowed("coder-1", "https://api.example.com/"));
	json_t *op = operator_view(id);
	cr_assert_str_eq(h_str(op, "status"), "expired");
	json_decref(op);
	cr_assert_eq(oc_agents_approve_json(h_agents, id, &ap, &text), OC_ESTATE);
	ap.duration = "soon";
	cr_assert_eq(oc_agents_approve_json(h_agents, "r-zzzzzz", &ap, &text), OC_EINVAL);
}

Test(requests, pending_requests_survive_a_restart)
{
	char id[16];
	submit_id("coder-1", "api.example.com", id);
	h_restart();
	char target[64];
	snprintf(target, sizeof(target), "/v1/requests/%s", id);
	json_t *j;
	cr_assert_eq(h_req("coder-1", "GET", target, NULL, &j), 200);
	cr_assert_str_eq(h_str(j, "status"), "pending");
	json_decref(j);
	char *text = NULL;
	oc_agents_approval ap = { .by = "uid=0" };
	cr_assert_eq(oc_agents_approve_json(h_agents, id, &ap, &text), 0);
	free(text);
	cr_assert(allowed("coder-1", "https://api.example.com/"));
}

Test(requests, operator_lists_by_status)
{
	char a[16], b[16];
	submit_id("coder-1", "a.example", a);
	submit_id("other-1", "b.example", b);
	char *text = NULL;
	cr_assert_eq(oc_agents_reject_json(h_agents, b, "no", "uid=0", &text), 0);
	free(text);
	cr_assert_eq(oc_agents_requests_json(h_agents, "pending", &text), 0);
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	json_t *list = json_object_get(j, "requests");
	cr_assert_eq(json_array_size(list), 1);
	cr_assert_str_eq(h_str(json_array_get(list, 0), "id"), a);
	json_decref(j);
	cr_assert_eq(oc_agents_requests_json(h_agents, "bogus", &text), OC_EINVAL);
	cr_assert_eq(oc_agents_request_json(h_agents, "r-zzzzzz", OC_AGENTS_SCOPE_DEFAULT, &text), OC_ENOTFOUND);
}

static void tight_requests(oc_agents_config *cfg)
{
	cfg->requests_per_minute = 6;
	cfg->requests_burst = 2;
}

TestSuite(floods, .fini = h_teardown, .timeout = 60);

Test(floods, submissions_are_rate_limited_per_container)
{
	h_setup_with(tight_requests);
	char id[16];
	submit_id("coder-1", "a.example", id);
	submit_id("coder-1", "b.example", id);
	h_call c = { 0 };
	h_call_start(&c, "coder-1", "POST", "/v1/requests",
		"{\"host\": \"c.example\", \"justification\": \"x\"}");
	h_call_finish(&c);
	cr_assert_eq(c.status, 429);
	cr_assert_str_eq(c.retry_after, "10");
	h_call_free(&c);
	submit_id("other-1", "c.example", id);
}

static void small_queue(oc_agents_config *cfg)
{
	cfg->max_pending_per_container = 2;
	cfg->max_pending = 3;
}

Test(floods, the_queue_is_capped_per_container_and_in_total)
{
	h_setup_with(small_queue);
	char id[16];
	submit_id("coder-1", "a.example", id);
	submit_id("coder-1", "b.example", id);
	json_t *j = submit("coder-1", "{\"host\": \"c.example\", \"justification\": \"x\"}", 429);
	cr_assert(strstr(h_str(json_object_get(j, "error"), "message"), "pending"));
	json_decref(j);
	submit_id("other-1", "a.example", id);
	json_decref(submit("other-1", "{\"host\": \"d.example\", \"justification\": \"x\"}", 429));
}

/* What an agent writes reaches the operator's terminal: every field that
 * could rewrite the screen or forge a line is refused with a 400 that
 * names the field, and nothing is queued or logged. */
Test(requests, text_a_terminal_would_obey_is_refused)
{
	static const char *const bodies[] = {
		"{\"host\": \"a.example\", \"justification\": \"docs\\u001b[1A\\u001b[2K\"}",
		"{\"host\": \"a.example\", \"justification\": \"docs\\u001b[8m\"}",
		"{\"host\": \"a.example\", \"justification\": \"line\\nforged\"}",
		"{\"host\": \"a.example\", \"justification\": \"line\\rforged\"}",
		"{\"host\": \"a.example\", \"justification\": \"txt\\u202eexe.\"}",
		"{\"host\": \"a.example\", \"justification\": \"bi\\u2066di\"}",
		"{\"host\": \"a.example\", \"justification\": \"c1 \\u009b31m\"}",
		"{\"host\": \"a.example\", \"justification\": \"zw\\u200bsp\"}",
		"{\"host\": \"a.example\", \"justification\": \"ok\", \"method\": \"GET\\u001b\"}",
		"{\"host\": \"a.example\", \"justification\": \"ok\", \"path_prefix\": \"/a\\nb\"}",
		"{\"rule_file\": \"version: '1'\\u001b[2K\\nrules: []\\n\", \"justification\": \"x\"}",
		"{\"rule_file\": \"version: '1'\\nrules:\\n  - id: a\\n    description: \\\"\\\\e[8mhid\\\"\\n"
		"    condition: network.hostname == 'a.example'\\n    action: allow\\n"
		"    priority: 500\\n\", \"justification\": \"x\"}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		json_t *j = submit("coder-1", bodies[i], 400);
		const char *msg = h_str(json_object_get(j, "error"), "message");
		cr_assert(strstr(msg, " holds "), "%s: %s", bodies[i], msg);
		json_decref(j);
	}
	char *text = NULL;
	cr_assert_eq(oc_agents_requests_json(h_agents, NULL, &text), 0);
	cr_assert_str_eq(text, "{\"requests\":[]}");
	free(text);
	/* a check's path with a newline would forge a line of `outcall log` */
	json_t *j;
	cr_assert_eq(h_req("coder-1", "POST", "/v1/check", "{\"host\": \"a.example\", \"port\": 80, "
		"\"path\": \"/x\\n10:00:00  http  coder  allow  web  evil.example\"}", &j), 400);
	cr_assert(strstr(h_str(json_object_get(j, "error"), "message"), "field 'path' holds U+000A"),
		"%s", h_str(json_object_get(j, "error"), "message"));
	json_decref(j);
	/* plain text in any script still passes */
	json_decref(submit("coder-1", "{\"host\": \"a.example\", \"justification\": \"für die "
		"Doku, 日本語\"}", 201));
}

/* The typed calls of outcall/agents.h say what the host API's documents
 * say: the same request, fields, proposal, matches and errors. */
Test(requests, typed_calls_carry_the_documents_fields)
{
	char id[16], other[16];
	submit_id("coder-1", "api.example.com", id);
	submit_id("coder-1", "pkg.example.com", other);
	oc_request_list *l = NULL;
	cr_assert_eq(oc_agents_requests(h_agents, "pending", &l), 0);
	cr_assert_eq(oc_request_list_count(l), 2);
	const oc_request_info *first = oc_request_list_get(l, 0);
	cr_assert_str_eq(first->id, id);
	cr_assert_str_eq(first->status, "pending");
	cr_assert_str_eq(first->agent, "coder");
	cr_assert_str_eq(first->container, "coder-1");
	cr_assert_str_eq(first->host, "api.example.com");
	cr_assert_eq(first->port, 443);
	cr_assert_str_eq(first->justification, "fetch the docs");
	cr_assert_gt(first->created_at, 0);
	cr_assert_null(oc_request_list_get(l, 2));
	oc_request_list_free(l);

	oc_request *r = NULL;
	cr_assert_eq(oc_agents_request(h_agents, id, OC_AGENTS_SCOPE_ALL, &r), 0, "%s",
		oc_error_last()->message);
	const oc_request_info *i = oc_request_get_info(r);
	cr_assert_str_eq(i->scope, "all");
	cr_assert_not_null(i->proposed_rule);
	cr_assert_null(strstr(i->proposed_rule, "agent.name"), "%s", i->proposed_rule);
	json_t *doc = scoped_view(id, OC_AGENTS_SCOPE_ALL);
	cr_assert_str_eq(i->proposed_rule, h_str(doc, "proposed_rule"));
	cr_assert_eq(i->nmatches, json_array_size(json_object_get(doc, "matches")));
	cr_assert_gt(i->nmatches, 0);
	cr_assert_str_eq(i->matches[0].name, h_str(json_array_get(json_object_get(doc, "matches"), 0),
		"name"));
	json_decref(doc);
	oc_request_free(r);

	oc_agents_approval ap = { .by = "uid=0", .scope = OC_AGENTS_SCOPE_AGENT };
	cr_assert_eq(oc_agents_approve(h_agents, id, &ap, &r), 0, "%s", oc_error_last()->message);
	i = oc_request_get_info(r);
	cr_assert_str_eq(i->status, "approved");
	cr_assert_str_eq(i->decided_by, "uid=0");
	cr_assert_str_eq(i->scope, "agent");
	char rule_id[32];
	snprintf(rule_id, sizeof(rule_id), "req-%s", id);
	cr_assert_str_eq(i->rule_id, rule_id);
	cr_assert_not_null(strstr(i->rule_path, "/requests/"));
	oc_request_free(r);

	cr_assert_eq(oc_agents_reject(h_agents, other, "use the mirror", "uid=0", NULL), 0,
		"an answer nobody wants may be left out");
	cr_assert_eq(oc_agents_reject(h_agents, other, "again", "uid=0", &r), OC_ESTATE);
	cr_assert_eq(oc_agents_requests(h_agents, "bogus", &l), OC_EINVAL);
	cr_assert_eq(oc_agents_request(h_agents, "r-zzzzzz", OC_AGENTS_SCOPE_DEFAULT, &r),
		OC_ENOTFOUND);
	cr_assert_eq(oc_agents_requests(h_agents, "rejected", &l), 0);
	cr_assert_eq(oc_request_list_count(l), 1);
	cr_assert_str_eq(oc_request_list_get(l, 0)->reason, "use the mirror");
	oc_request_list_free(l);
}
