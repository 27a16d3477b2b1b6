/* Host API: access requests (list, show, approve, reject), served by the
 * agent module (outcall/agents.h). The approver is the caller's uid. */
#include "hostapi/hostapi.h"
#include "agent/operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void oc_hostapi_answer_text(oc_api_request *r, int rc, char *text)
{
	json_t *j = rc ? NULL : json_loads(text, 0, NULL);
	free(text);
	if (rc)
		oc_hostapi_fail(r);
	else
		oc_api_respond_json(r->conn, 200, j);
}

void oc_hostapi_requests_list(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	char status[32], *text = NULL;
	const char *want = oc_hostapi_query(r, "status", status, sizeof(status));
	int rc = oc_agents_requests_json(d->agents, want, &text);
	oc_hostapi_answer_text(r, rc, text);
}

/* "container", "agent", "all"; NULL: the request's default. False (and a
 * 400 sent) for anything else. */
static bool scope_of(oc_api_request *r, const char *name, oc_agents_scope *out)
{
	static const char *const names[] = { "container", "agent", "all" };
	static const oc_agents_scope scopes[] = { OC_AGENTS_SCOPE_CONTAINER,
		OC_AGENTS_SCOPE_AGENT, OC_AGENTS_SCOPE_ALL };
	*out = OC_AGENTS_SCOPE_DEFAULT;
	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*out = scopes[i];
			return true;
		}
	if (!name)
		return true;
	oc_api_respond_error(r->conn, 400, "invalid", "scope is 'container' (the container "
		"that asked), 'agent' (every container of its agent.name) or 'all'; without it, "
		"the request's default_scope");
	return false;
}

void oc_hostapi_requests_get(oc_daemon *d, oc_api_request *r, const char *name)
{
	char buf[16], *text = NULL;
	oc_agents_scope scope;
	if (!scope_of(r, oc_hostapi_query(r, "scope", buf, sizeof(buf)), &scope))
		return;
	int rc = oc_agents_request_json(d->agents, name, scope, &text);
	oc_hostapi_answer_text(r, rc, text);
}

/* Reads the optional string `key`; false (and a 400 sent) if it has
 * another type. */
static bool opt_string(oc_api_request *r, json_t *body, const char *key, const char **out)
{
	json_t *v = json_object_get(body, key);
	*out = json_string_value(v);
	if (!v || json_is_string(v))
		return true;
	oc_api_respond_error(r->conn, 400, "invalid", "'%s' must be a string", key);
	return false;
}

/* Refuses keys other than the listed ones (a typo must not approve more
 * than meant). */
static bool only_keys(oc_api_request *r, json_t *body, const char *const *keys)
{
	if (oc_hostapi_known_keys(body, keys) == 0)
		return true;
	oc_hostapi_fail(r);
	return false;
}

void oc_hostapi_requests_approve(oc_daemon *d, oc_api_request *r, const char *name)
{
	static const char *const keys[] = { "for", "scope", "all_agents", "rule_file", NULL };
	json_t *body = r->body_len ? oc_hostapi_body(r) : json_object();
	if (!body)
		return;
	char by[32];
	snprintf(by, sizeof(by), "uid=%u", (unsigned)r->uid);
	oc_agents_approval ap = { .by = by };
	json_t *all = json_object_get(body, "all_agents");
	const char *scope = NULL;
	bool ok = only_keys(r, body, keys) && opt_string(r, body, "for", &ap.duration) &&
		opt_string(r, body, "rule_file", &ap.rule_file) &&
		opt_string(r, body, "scope", &scope) && scope_of(r, scope, &ap.scope);
	if (ok && all && !json_is_boolean(all)) {
		oc_api_respond_error(r->conn, 400, "invalid", "'all_agents' must be true or false");
		ok = false;
	}
	/* all_agents is the older spelling of scope "all" */
	if (ok && json_is_true(all) && scope && ap.scope != OC_AGENTS_SCOPE_ALL) {
		oc_api_respond_error(r->conn, 400, "invalid", "'all_agents' true and scope '%s' "
			"disagree: give one of them", scope);
		ok = false;
	}
	if (ok) {
		char *text = NULL;
		if (json_is_true(all))
			ap.scope = OC_AGENTS_SCOPE_ALL;
		int rc = oc_agents_approve_json(d->agents, name, &ap, &text);
		oc_hostapi_answer_text(r, rc, text);
	}
	json_decref(body);
}

void oc_hostapi_requests_reject(oc_daemon *d, oc_api_request *r, const char *name)
{
	static const char *const keys[] = { "reason", NULL };
	json_t *body = oc_hostapi_body(r);
	if (!body)
		return;
	char by[32];
	snprintf(by, sizeof(by), "uid=%u", (unsigned)r->uid);
	const char *reason = NULL;
	if (only_keys(r, body, keys) && opt_string(r, body, "reason", &reason)) {
		char *text = NULL;
		int rc = oc_agents_reject_json(d->agents, name, reason, by, &text);
		oc_hostapi_answer_text(r, rc, text);
	}
	json_decref(body);
}
