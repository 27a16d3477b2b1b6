/* The request store on a real loop with files in a temporary directory:
 * persistence, limits, approval into rule files, rejection, expiry
 * (also across a restart) and damaged records. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <outcall/events.h>
#include <outcall/identity.h>
#include <outcall/loop.h>
#include <outcall/policy.h>

#include "core/error.h"
#include "requests/ask.h"
#include "requests/store.h"
#include "tmpfiles.h"

static const char *state, *rules;
static oc_loop *loop;
static oc_events *events;
static oc_req_store *store;
static int reloads, reload_fail, changes;
static size_t loaded_rules;
static char last_changed[16];

static int reload(void *arg)
{
	(void)arg;
	reloads++;
	if (reload_fail)
		return oc_error_set(OC_EPARSE, "rules.d/x.yaml:1: duplicate rule id");
	const char *paths[] = { rules };
	oc_ruleset *rs = NULL;
	int rc = oc_ruleset_load(paths, 1, NULL, &rs, NULL);
	cr_assert_eq(rc, 0, "the rules directory must load: %s", oc_error_last()->message);
	loaded_rules = oc_ruleset_count(rs);
	oc_ruleset_unref(rs);
	return 0;
}

static void changed(const oc_req *r, void *arg)
{
	(void)arg;
	changes++;
	snprintf(last_changed, sizeof(last_changed), "%s", r->id);
}

static oc_req_store_config config(void)
{
	return (oc_req_store_config){ .state_dir = state, .rules_dir = rules, .loop = loop,
		.events = events, .reload = reload, .changed = changed,
		.max_pending_per_container = 3, .max_pending = 5, .max_records = 100 };
}

static void open_store(void)
{
	oc_req_store_config cfg = config();
	cr_assert_eq(oc_req_store_open(&cfg, &store), 0, "%s", oc_error_last()->message);
}

static void setup(void)
{
	state = strdup(tmp_dir());
	rules = strdup(tmp_dir());
	tmp_write(rules, "base.yaml", "version: \"1\"\nrules:\n  - id: base\n"
		"    condition: network.hostname == \"base.example\"\n    action: allow\n");
	cr_assert_eq(oc_loop_new(&loop), 0);
	cr_assert_eq(oc_events_new(64, &events), 0);
	reloads = reload_fail = changes = 0;
	loaded_rules = 0;
	last_changed[0] = '\0';
	open_store();
}

static void teardown(void)
{
	oc_req_store_free(store);
	oc_events_free(events);
	oc_loop_free(loop);
	tmp_cleanup();
	free((char *)state);
	free((char *)rules);
}

TestSuite(store, .init = setup, .fini = teardown, .timeout = 30);

static const oc_req *submit_as(const char *container, const char *json, int want_rc)
{
	json_t *j = json_loads(json, 0, NULL);
	cr_assert_not_null(j);
	oc_req_ask ask;
	cr_assert_eq(oc_req_ask_parse(j, &ask), 0, "%s", oc_error_last()->message);
	json_decref(j);
	char agent[65];
	oc_agent_name(container, agent, sizeof(agent));
	oc_req_submitter who = { container, agent, NULL, false, 42, 1000, 1000 };
	const oc_req *r = NULL;
	bool dup = false;
	int rc = oc_req_store_submit(store, &who, &ask, &r, &dup);
	cr_assert_eq(rc, want_rc, "submit: %s", oc_error_last()->message);
	oc_req_ask_clear(&ask);
	return r;
}

static const oc_req *submit(const char *host)
{
	char json[256];
	snprintf(json, sizeof(json), "{\"host\": \"%s\", \"justification\": \"tests\"}", host);
	return submit_as("coder-1", json, 0);
}

static const oc_req *submit_id(const char *host, char id[16])
{
	const oc_req *r = submit(host);
	snprintf(id, 16, "%s", r->id);
	return r;
}

static bool exists(const char *dir, const char *sub, const char *id, const char *ext)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/%s%s", dir, sub, id, ext);
	return access(path, F_OK) == 0;
}

/* Runs the loop until `changes` reaches want or `ms` pass. */
static void run_until_changes(int want, int ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		oc_loop_run_once(loop, 50);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (changes < want && (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

struct counter {
	int n;
	char reason[512];
};

static void count_one(const oc_event *ev, void *arg)
{
	struct counter *c = arg;
	c->n++;
	snprintf(c->reason, sizeof(c->reason), "%s", ev->reason ? ev->reason : "");
}

static struct counter events_with(const char *verdict)
{
	struct counter c = { 0 };
	oc_event_filter f = { .layer = OC_EVENT_LAYER_REQUESTS, .verdict = verdict, .kind = -1 };
	oc_events_read(events, 0, &f, 1000, count_one, &c);
	return c;
}

Test(store, submission_is_persisted_and_survives_a_restart)
{
	char id[16];
	const oc_req *r = submit_id("api.example.com", id);
	cr_assert(oc_req_id_valid(id));
	cr_assert_str_eq(r->agent, "coder");
	cr_assert(exists(state, "requests", id, ".json"));
	struct stat st;
	char path[512];
	snprintf(path, sizeof(path), "%s/requests", state);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(events_with("submitted").n, 1);
	oc_req_store_free(store);
	open_store();
	const oc_req *back = oc_req_store_find(store, id);
	cr_assert_not_null(back);
	cr_assert_eq(back->status, OC_REQ_PENDING);
	cr_assert_str_eq(back->ask.host, "api.example.com");
	cr_assert_str_eq(back->ask.justification, "tests");
	cr_assert_eq(back->pid, 42);
	cr_assert_eq(back->uid, 1000);
	cr_assert_null(oc_req_store_find(store, "r-000000"));
	cr_assert_null(oc_req_store_find(store, "../etc"));
}

/* An unnamed `outcall run` container: its id and that its name was
 * chosen are kept with the request, so its default scope (container)
 * holds after a restart. */
Test(store, a_generated_name_keeps_its_container_scope_across_a_restart)
{
	static const char cid[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	json_t *j = json_loads("{\"host\": \"api.example.com\", \"justification\": \"t\"}", 0,
		NULL);
	oc_req_ask ask;
	cr_assert_eq(oc_req_ask_parse(j, &ask), 0);
	json_decref(j);
	oc_req_submitter who = { "agent-kxqmvbrt", "agent-kxqmvbrt", cid, true, 42, 1000, 1000 };
	const oc_req *r = NULL;
	bool dup;
	cr_assert_eq(oc_req_store_submit(store, &who, &ask, &r, &dup), 0, "%s",
		oc_error_last()->message);
	char id[16];
	snprintf(id, sizeof(id), "%s", r->id);
	oc_req_store_free(store);
	open_store();
	r = oc_req_store_find(store, id);
	cr_assert_str_eq(r->container_id, cid);
	cr_assert(r->name_generated);
	cr_assert_eq(oc_req_default_scope(r), OC_REQ_SCOPE_CONTAINER);
	oc_req_approval ap = { .by = "uid=0", .scope = oc_req_default_scope(r) };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0, "%s", oc_error_last()->message);
	cr_assert(strstr(r->rule, "container.id == \\\"0123456789abcdef"), "%s", r->rule);
	oc_req_store_free(store);
	open_store();
	cr_assert_eq(oc_req_store_find(store, id)->scope, OC_REQ_SCOPE_CONTAINER);
}

Test(store, limits_per_container_and_in_total)
{
	submit("a.example");
	submit("b.example");
	submit("c.example");
	submit_as("coder-1", "{\"host\": \"d.example\", \"justification\": \"x\"}", OC_ELIMIT);
	cr_assert(strstr(oc_error_last()->message, "coder-1 already has 3 pending"));
	submit_as("other", "{\"host\": \"d.example\", \"justification\": \"x\"}", 0);
	submit_as("other", "{\"host\": \"e.example\", \"justification\": \"x\"}", 0);
	submit_as("third", "{\"host\": \"f.example\", \"justification\": \"x\"}", OC_ELIMIT);
	cr_assert(strstr(oc_error_last()->message, "5 requests are pending"));
	oc_req_stats st;
	oc_req_store_stats(store, &st);
	cr_assert_eq(st.pending, 5);
	cr_assert_eq(st.submitted, 5);
}

Test(store, the_same_ask_twice_is_one_request)
{
	const oc_req *a = submit("a.example");
	const oc_req *b = submit("a.example");
	cr_assert_eq(a, b);
	const oc_req *c = submit_as("other", "{\"host\": \"a.example\", \"justification\": \"x\"}", 0);
	cr_assert_neq(a, c);
	cr_assert_eq(oc_req_store_count(store), 2);
}

Test(store, approval_writes_a_rule_file_and_reloads)
{
	const oc_req *r = submit_as("coder-1", "{\"host\": \"api.example.com\", \"port\": 443, "
		"\"justification\": \"tests\", \"duration\": \"2h\"}", 0);
	char id[16];
	snprintf(id, sizeof(id), "%s", r->id);
	oc_req_approval ap = { .by = "uid=0" };
	time_t before = time(NULL);
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0, "%s", oc_error_last()->message);
	cr_assert_eq(r->status, OC_REQ_APPROVED);
	cr_assert_eq(reloads, 1);
	cr_assert_eq(loaded_rules, 2);
	cr_assert(r->expires_at >= before + 7200 && r->expires_at <= time(NULL) + 7200,
		"the duration the agent asked for is the default");
	cr_assert_str_eq(r->decided_by, "uid=0");
	cr_assert(strstr(r->rule, "agent.name == \\\"coder\\\""), "%s", r->rule);
	cr_assert(exists(rules, "requests", id, ".yaml"));
	cr_assert_eq(changes, 1);
	cr_assert_str_eq(last_changed, id);
	cr_assert_eq(events_with("approved").n, 1);
	cr_assert(strstr(events_with("approved").reason, "for agent \"coder\", expires 20"));
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), OC_ESTATE);
	cr_assert(strstr(oc_error_last()->message, "already approved"));
	oc_req_store_free(store);
	open_store();
	r = oc_req_store_find(store, id);
	cr_assert_eq(r->status, OC_REQ_APPROVED);
	cr_assert_not_null(r->rule);
}

Test(store, approval_options)
{
	char id[16];
	const oc_req *r = submit_id("a.example", id);
	oc_req_approval ap = { .by = "uid=0", .scope = OC_REQ_SCOPE_ALL, .for_s = OC_REQ_FOR_NEVER };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0);
	cr_assert_eq(r->scope, OC_REQ_SCOPE_ALL);
	cr_assert_eq(r->expires_at, 0);
	cr_assert_null(strstr(r->rule, "agent.name"), "%s", r->rule);
	r = submit("b.example");
	snprintf(id, sizeof(id), "%s", r->id);
	ap = (oc_req_approval){ .by = "uid=0", .rule_body = "version: \"1\"\nrules:\n  - id: edited\n"
		"    condition: network.hostname == \"b.example\" && network.port == 443\n"
		"    action: allow\n" };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0, "%s", oc_error_last()->message);
	cr_assert(strstr(r->rule, "id: edited"));
	r = submit("c.example");
	snprintf(id, sizeof(id), "%s", r->id);
	ap.rule_body = "version: \"1\"\nrules:\n  - id: bad\n    condition: nope\n    action: allow\n";
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "edited rule file"), "%s", oc_error_last()->message);
	cr_assert_eq(oc_req_store_find(store, id)->status, OC_REQ_PENDING);
	cr_assert_not(exists(rules, "requests", id, ".yaml"));
}

Test(store, a_rule_the_daemon_cannot_load_is_not_approved)
{
	char id[16];
	const oc_req *r = submit_id("a.example", id);
	reload_fail = 1;
	oc_req_approval ap = { .by = "uid=0" };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "was not approved"));
	cr_assert(strstr(oc_error_last()->message, "duplicate rule id"));
	r = oc_req_store_find(store, id);
	cr_assert_eq(r->status, OC_REQ_PENDING);
	cr_assert_eq(r->decided_at, 0);
	cr_assert_null(r->decided_by);
	cr_assert_not(exists(rules, "requests", id, ".yaml"));
	cr_assert_eq(changes, 0);
}

Test(store, rejection_needs_a_reason_and_reaches_the_record)
{
	char id[16];
	const oc_req *r = submit_id("a.example", id);
	cr_assert_eq(oc_req_store_reject(store, id, "uid=0", "  ", &r), OC_EINVAL);
	cr_assert_eq(oc_req_store_reject(store, id, "uid=0", "not for this task", &r), 0);
	cr_assert_eq(r->status, OC_REQ_REJECTED);
	cr_assert_str_eq(r->reason, "not for this task");
	cr_assert_eq(changes, 1);
	cr_assert_eq(events_with("rejected").n, 1);
	cr_assert_eq(oc_req_store_reject(store, id, "uid=0", "again", &r), OC_ESTATE);
	cr_assert_eq(oc_req_store_reject(store, "r-zzzzzz", "uid=0", "x", &r), OC_ENOTFOUND);
	oc_req_store_free(store);
	open_store();
	cr_assert_str_eq(oc_req_store_find(store, id)->reason, "not for this task");
}

Test(store, an_approval_expires)
{
	char id[16];
	const oc_req *r = submit_id("a.example", id);
	oc_req_approval ap = { .by = "uid=0", .for_s = 1 };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0);
	cr_assert(exists(rules, "requests", id, ".yaml"));
	run_until_changes(2, 4000);
	cr_assert_eq(changes, 2, "expiry within 4 s");
	cr_assert_eq(oc_req_store_find(store, id)->status, OC_REQ_EXPIRED);
	cr_assert_not(exists(rules, "requests", id, ".yaml"));
	cr_assert_eq(reloads, 2);
	cr_assert_eq(loaded_rules, 1);
	cr_assert_eq(events_with("expired").n, 1);
	oc_req_stats st;
	oc_req_store_stats(store, &st);
	cr_assert_eq(st.expired, 1);
}

Test(store, an_expiry_the_rules_cannot_reload_is_reported)
{
	char id[16];
	const oc_req *r = submit_id("a.example", id);
	oc_req_approval ap = { .by = "uid=0", .for_s = 1 };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0);
	reload_fail = 1;
	run_until_changes(2, 4000);
	cr_assert_eq(oc_req_store_find(store, id)->status, OC_REQ_EXPIRED);
	struct counter c = events_with("error");
	cr_assert_eq(c.n, 1);
	cr_assert(strstr(c.reason, "stays live until the rules load again"), "%s", c.reason);
}

Test(store, expiry_is_rebuilt_after_a_restart)
{
	char id[16];
	const oc_req *r = submit_id("a.example", id);
	oc_req_approval ap = { .by = "uid=0", .for_s = 1 };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0);
	oc_req_store_free(store);
	changes = 0;
	open_store();
	run_until_changes(1, 4000);
	cr_assert_eq(oc_req_store_find(store, id)->status, OC_REQ_EXPIRED);
	cr_assert_not(exists(rules, "requests", id, ".yaml"));
}

Test(store, a_rule_file_without_record_still_expires)
{
	tmp_write(rules, "requests/r-aaaaaa.yaml", "# outcall-expires-at: 1000 (long ago)\n"
		"version: \"1\"\nrules:\n  - id: req-r-aaaaaa\n    condition: 'true'\n    action: allow\n");
	tmp_write(rules, "requests/r-bbbbbb.yaml", "# no expiry\nversion: \"1\"\nrules: []\n");
	oc_req_store_free(store);
	open_store();
	for (int i = 0; i < 5; i++)
		oc_loop_run_once(loop, 10);
	cr_assert_not(exists(rules, "requests", "r-aaaaaa", ".yaml"));
	cr_assert(exists(rules, "requests", "r-bbbbbb", ".yaml"));
	cr_assert_eq(events_with("expired").n, 1);
	cr_assert_eq(reloads, 1);
}

Test(store, damaged_records_are_set_aside)
{
	submit("a.example");
	tmp_write(state, "requests/r-cccccc.json", "{\"version\": 1, \"id\": ");
	tmp_write(state, "requests/r-dddddd.json", "{\"version\": 1, \"id\": \"r-eeeeee\", "
		"\"status\": \"pending\", \"container\": \"c\", \"agent\": \"c\", \"submitter\": "
		"{\"pid\": 1, \"uid\": 0, \"gid\": 0}, \"created_at\": 1, \"justification\": \"x\", "
		"\"host\": \"a.example\"}");
	tmp_write(state, "requests/notes.txt", "ignored");
	oc_req_store_free(store);
	open_store();
	cr_assert_eq(oc_req_store_count(store), 1);
	cr_assert(exists(state, "requests", "r-cccccc", ".json.corrupt"));
	cr_assert(exists(state, "requests", "r-dddddd", ".json.corrupt"));
	struct counter c = events_with("error");
	cr_assert_eq(c.n, 2);
	cr_assert(strstr(c.reason, "moved to"), "%s", c.reason);
}

Test(store, old_decisions_are_pruned)
{
	oc_req_store_free(store);
	oc_req_store_config cfg = config();
	cfg.max_records = 2;
	cr_assert_eq(oc_req_store_open(&cfg, &store), 0);
	char first[16];
	const oc_req *r = submit("a.example");
	snprintf(first, sizeof(first), "%s", r->id);
	cr_assert_eq(oc_req_store_reject(store, first, "uid=0", "no", &r), 0);
	for (int i = 0; i < 2; i++) {
		char host[32], id[16];
		snprintf(host, sizeof(host), "h%d.example", i);
		r = submit(host);
		snprintf(id, sizeof(id), "%s", r->id);
		cr_assert_eq(oc_req_store_reject(store, id, "uid=0", "no", &r), 0);
		cr_assert_eq(r->status, OC_REQ_REJECTED);
	}
	cr_assert_eq(oc_req_store_count(store), 2);
	cr_assert_null(oc_req_store_find(store, first));
	cr_assert_not(exists(state, "requests", first, ".json"));
}

Test(store, revoking_removes_the_rule_reloads_and_keeps_the_reason)
{
	char id[16];
	submit_id("api.example.com", id);
	const oc_req *r = NULL;
	oc_req_approval ap = { .by = "uid=0", .for_s = 3600 };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0, "%s", oc_error_last()->message);
	int before = reloads;
	cr_assert_eq(oc_req_store_revoke(store, id, "uid=0 user=root", "leaked", &r), 0, "%s",
		oc_error_last()->message);
	cr_assert_eq(r->status, OC_REQ_REVOKED);
	cr_assert_str_eq(r->reason, "leaked");
	cr_assert_str_eq(r->revoked_by, "uid=0 user=root");
	cr_assert_gt(r->revoked_at, 0);
	cr_assert_not(exists(rules, "requests", id, ".yaml"), "the rule file is gone");
	cr_assert_eq(reloads, before + 1, "the rules reloaded at once");
	cr_assert_eq(loaded_rules, 1, "only base is left");
	cr_assert_eq(events_with("revoked").n, 1);
	cr_assert_eq(oc_req_store_revoked_for(store, "coder", "api.example.com"), r);
	cr_assert_null(oc_req_store_revoked_for(store, "other", "api.example.com"));
	cr_assert_eq(oc_req_store_revoke(store, id, "uid=0", "again", &r), OC_ESTATE);
	cr_assert_eq(oc_req_store_revoke(store, "r-zzzzzz", "uid=0", "x", &r), OC_ENOTFOUND);
	/* the record keeps it across a restart, and its expiry does nothing */
	oc_req_store_free(store);
	open_store();
	const oc_req *back = oc_req_store_find(store, id);
	cr_assert_eq(back->status, OC_REQ_REVOKED);
	cr_assert_str_eq(back->revoked_by, "uid=0 user=root");
}

Test(store, a_pending_request_is_not_revoked)
{
	char id[16];
	submit_id("api.example.com", id);
	const oc_req *r = NULL;
	cr_assert_eq(oc_req_store_revoke(store, id, "uid=0", "x", &r), OC_ESTATE);
	cr_assert_eq(oc_req_store_find(store, id)->status, OC_REQ_PENDING);
}

Test(store, a_failed_reload_still_revokes_and_says_so)
{
	char id[16];
	submit_id("api.example.com", id);
	const oc_req *r = NULL;
	oc_req_approval ap = { .by = "uid=0", .for_s = OC_REQ_FOR_NEVER };
	cr_assert_eq(oc_req_store_approve(store, id, &ap, &r), 0);
	reload_fail = 1;
	cr_assert_neq(oc_req_store_revoke(store, id, "uid=0", "x", &r), 0);
	cr_assert(strstr(oc_error_last()->message, "stays live until they do"));
	cr_assert_eq(oc_req_store_find(store, id)->status, OC_REQ_REVOKED);
	cr_assert_not(exists(rules, "requests", id, ".yaml"));
}

Test(store, a_grant_by_hand_is_an_approval_that_expires)
{
	oc_req_grant g = { .agent = "coder", .host = "Pkg.Example.com.", .port = 443, .for_s = 1,
		.reason = "hotfix", .by = "uid=0 user=root" };
	const oc_req *r = NULL;
	cr_assert_eq(oc_req_store_grant(store, &g, &r), 0, "%s", oc_error_last()->message);
	cr_assert_eq(r->status, OC_REQ_APPROVED);
	cr_assert_str_eq(r->container, OC_REQ_OPERATOR);
	cr_assert_str_eq(r->agent, "coder");
	cr_assert_str_eq(r->ask.host, "pkg.example.com", "normalised like an agent's ask");
	cr_assert_str_eq(r->ask.justification, "hotfix");
	cr_assert_gt(r->expires_at, 0);
	cr_assert(exists(rules, "requests", r->id, ".yaml"));
	cr_assert(strstr(r->rule, "agent.name == \\\"coder\\\""), "scoped to the agent: %s", r->rule);
	char id[16];
	snprintf(id, sizeof(id), "%s", r->id);
	run_until_changes(changes + 1, 5000);
	cr_assert_eq(oc_req_store_find(store, id)->status, OC_REQ_EXPIRED);
	cr_assert_not(exists(rules, "requests", id, ".yaml"));
}

Test(store, a_grant_by_hand_is_held_to_its_limits)
{
	const oc_req *r = NULL;
	oc_req_grant g = { .agent = "coder", .host = "pkg.example.com", .for_s = 0, .by = "uid=0" };
	cr_assert_eq(oc_req_store_grant(store, &g, &r), OC_EINVAL, "a duration is required");
	g.for_s = OC_REQ_GRANT_MAX_S + 1;
	cr_assert_eq(oc_req_store_grant(store, &g, &r), OC_EINVAL, "at most 24 hours");
	cr_assert(strstr(oc_error_last()->message, "24 hours"));
	g.for_s = OC_REQ_GRANT_MAX_S;
	g.agent = "bad agent";
	cr_assert_eq(oc_req_store_grant(store, &g, &r), OC_EINVAL);
	g.agent = "coder";
	g.host = "bad host!";
	cr_assert_eq(oc_req_store_grant(store, &g, &r), OC_EINVAL);
	g.host = "pkg.example.com";
	g.reason = "line\x1b[2Jforged";
	cr_assert_eq(oc_req_store_grant(store, &g, &r), OC_EINVAL, "control characters refused");
	cr_assert_eq(oc_req_store_count(store), 0, "nothing was filed");
}
