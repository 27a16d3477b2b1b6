/* Host API: incident response. Each command acts at once, answers with
 * what it took away, and leaves an audit record (incident/audit.h). */
#include "hostapi/hostapi.h"
#include "agent/operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/incident.h"
#include "incident/audit.h"
#include "incident/target.h"
#include "requests/request.h"

/* The body (an empty one is {}), held to `keys`; NULL after a 400. */
static json_t *body_of(oc_api_request *r, const char *const *keys)
{
	json_t *body = r->body_len ? oc_hostapi_body(r) : json_object();
	if (body && oc_hostapi_known_keys(body, keys) != 0) {
		oc_hostapi_fail(r);
		json_decref(body);
		return NULL;
	}
	return body;
}

static void audit(oc_daemon *d, struct oc_audit *a)
{
	oc_audit_emit(d->events, a);
	d->audit_records++;
}

static json_t *cut_json(const struct oc_incident_cut *c)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "containers", (json_int_t)c->containers,
		"grants_revoked", (json_int_t)c->grants, "flows_cut", (json_int_t)c->flows,
		"connections_closed", (json_int_t)c->conns);
}

/* The request as it stands now, or NULL. */
static json_t *request_now(oc_daemon *d, const char *id)
{
	char *text = NULL;
	json_t *j = oc_agents_request_json(d->agents, id, false, &text) == 0 ?
		json_loads(text, 0, NULL) : NULL;
	free(text);
	return j;
}

void oc_hostapi_requests_revoke(oc_daemon *d, oc_api_request *r, const char *name)
{
	static const char *const keys[] = { "reason", NULL };
	json_t *body = body_of(r, keys);
	if (!body)
		return;
	char reason[OC_REQ_TEXT_MAX + 1], who[OC_AUDIT_WHO_MAX], *text = NULL;
	int rc = oc_reason_parse(body, reason, sizeof(reason));
	json_decref(body);
	if (rc) {
		oc_hostapi_fail(r);
		return;
	}
	oc_audit_who(r->uid, who);
	rc = oc_agents_revoke_json(d->agents, name, reason[0] ? reason : NULL, who, &text);
	oc_error_saved err;
	oc_error_save(&err);
	/* revoked even when the reload failed: audited either way */
	json_t *now = request_now(d, name);
	const char *status = json_string_value(json_object_get(now, "status"));
	if (status && strcmp(status, "revoked") == 0 && rc != OC_ESTATE) {
		char target[64], rule[32];
		snprintf(target, sizeof(target), "request %.40s", name);
		snprintf(rule, sizeof(rule), "req-%.20s", name);
		struct oc_audit a = { .who = who, .action = "revoke", .target = target, .rule = rule,
			.agent = json_string_value(json_object_get(now, "agent")), .reason = reason,
			.outcome = rc ? "the rules did not reload" : "rule removed, rules reloaded" };
		audit(d, &a);
	}
	json_decref(now);
	if (rc)
		oc_error_restore(&err.pub);
	oc_hostapi_answer_text(r, rc, text);
}

void oc_hostapi_grants_flush(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	static const char *const keys[] = { "agent", "rule", "all", "reason", NULL };
	json_t *body = body_of(r, keys);
	if (!body)
		return;
	struct oc_target t;
	char reason[OC_LOCK_REASON_MAX], who[OC_AUDIT_WHO_MAX], target[160], outcome[128];
	int rc = oc_target_parse(body, OC_TARGET_AGENT | OC_TARGET_RULE | OC_TARGET_ALL, &t);
	if (!rc)
		rc = oc_reason_parse(body, reason, sizeof(reason));
	json_decref(body);
	struct oc_incident_cut cut = { 0 };
	if (!rc)
		rc = oc_daemon_flush_grants(d, &t, &cut);
	if (rc) {
		oc_hostapi_fail(r);
		return;
	}
	oc_audit_who(r->uid, who);
	oc_target_text(&t, target, sizeof(target));
	snprintf(outcome, sizeof(outcome), "%zu grants removed, %zu flows cut", cut.grants,
		cut.flows);
	struct oc_audit a = { .who = who, .action = "flush", .target = target,
		.agent = t.kind == OC_TARGET_AGENT ? t.name : NULL,
		.rule = t.kind == OC_TARGET_RULE ? t.name : NULL, .reason = reason,
		.outcome = outcome };
	audit(d, &a);
	oc_api_respond_json(r->conn, 200, json_pack("{s:s, s:o}", "target", target, "flushed",
		cut_json(&cut)));
}

static json_t *lockdown_json(oc_daemon *d)
{
	return json_pack("{s:o, s:I}", "lockdowns", oc_lockdowns_json(&d->locks),
		"locked_containers", (json_int_t)oc_daemon_locked_containers(d));
}

void oc_hostapi_lockdown(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	oc_api_respond_json(r->conn, 200, lockdown_json(d));
}

static void lockdown_set(oc_daemon *d, oc_api_request *r, bool on)
{
	static const char *const keys[] = { "agent", "network", "all", "reason", NULL };
	json_t *body = body_of(r, keys);
	if (!body)
		return;
	struct oc_target t;
	char reason[OC_LOCK_REASON_MAX], who[OC_AUDIT_WHO_MAX], target[160], outcome[160];
	int rc = oc_target_parse(body, OC_TARGET_AGENT | OC_TARGET_NETWORK | OC_TARGET_ALL, &t);
	if (!rc)
		rc = oc_reason_parse(body, reason, sizeof(reason));
	json_decref(body);
	if (rc) {
		oc_hostapi_fail(r);
		return;
	}
	oc_audit_who(r->uid, who);
	oc_target_text(&t, target, sizeof(target));
	size_t lifted = 0;
	struct oc_incident_cut cut;
	rc = oc_daemon_lockdown_change(d, on, &t, reason, who, &lifted, &cut);
	if (rc == OC_ENOTFOUND) {
		oc_hostapi_fail(r);
		return;
	}
	if (on)
		snprintf(outcome, sizeof(outcome), "%zu containers, %zu grants revoked, %zu flows cut, "
			"%zu proxy connections closed%s", cut.containers, cut.grants, cut.flows, cut.conns,
			rc ? ", with an error" : "");
	else
		snprintf(outcome, sizeof(outcome), "%zu lockdowns lifted%s", lifted,
			rc ? ", with an error" : "");
	struct oc_audit a = { .who = who, .action = on ? "lockdown on" : "lockdown off",
		.target = target, .agent = t.kind == OC_TARGET_AGENT ? t.name : NULL, .reason = reason,
		.outcome = outcome };
	audit(d, &a);
	oc_daemon_log(d, on ? OC_LOG_WARN : OC_LOG_INFO, "lockdown %s for %s by %s: %s (%s)",
		on ? "ON" : "off", target, who, reason[0] ? reason : "no reason given", outcome);
	if (rc) {
		oc_hostapi_fail(r);
		return;
	}
	json_t *j = lockdown_json(d);
	json_object_set_new(j, "target", json_string(target));
	if (on)
		json_object_set_new(j, "cut", cut_json(&cut));
	else
		json_object_set_new(j, "lifted", json_integer((json_int_t)lifted));
	oc_api_respond_json(r->conn, 200, j);
}

void oc_hostapi_lockdown_on(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	lockdown_set(d, r, true);
}

void oc_hostapi_lockdown_off(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	lockdown_set(d, r, false);
}

void oc_hostapi_grant(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	static const char *const keys[] = { "agent", "host", "port", "for", "reason", NULL };
	json_t *body = body_of(r, keys);
	if (!body)
		return;
	char reason[OC_REQ_TEXT_MAX + 1], who[OC_AUDIT_WHO_MAX], *text = NULL;
	json_t *port = json_object_get(body, "port");
	int rc = oc_reason_parse(body, reason, sizeof(reason));
	if (!rc && port && (!json_is_integer(port) || json_integer_value(port) < 1 ||
	    json_integer_value(port) > 65535))
		rc = oc_error_set(OC_EINVAL, "\"port\" must be a number from 1 to 65535");
	oc_audit_who(r->uid, who);
	oc_agents_grant_spec g = { .agent = json_string_value(json_object_get(body, "agent")),
		.host = json_string_value(json_object_get(body, "host")),
		.port = (int)json_integer_value(port),
		.duration = json_string_value(json_object_get(body, "for")),
		.reason = reason[0] ? reason : NULL, .by = who, .uid = r->uid, .gid = r->gid };
	if (!rc && (!g.agent || !g.host))
		rc = oc_error_set(OC_EINVAL, "a grant needs \"agent\" and \"host\"");
	if (!rc)
		rc = oc_agents_grant_json(d->agents, &g, &text);
	if (!rc) {
		json_t *j = json_loads(text, 0, NULL);
		char target[160], outcome[96];
		snprintf(target, sizeof(target), "agent %.64s", g.agent);
		snprintf(outcome, sizeof(outcome), "request %s, for %s",
			json_string_value(json_object_get(j, "id")), g.duration);
		struct oc_audit a = { .who = who, .action = "grant", .target = target,
			.agent = g.agent, .rule = json_string_value(json_object_get(j, "rule_id")),
			.host = json_string_value(json_object_get(j, "host")), .port = g.port,
			.reason = reason, .outcome = outcome };
		audit(d, &a);
		json_decref(j);
	}
	json_decref(body);
	oc_hostapi_answer_text(r, rc, text);
}
