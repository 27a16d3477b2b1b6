/* Host API: access requests (list, show, approve, reject), served by the
 * agent module (outcall/agents.h). The approver is the caller's uid. */
#include "daemon/hostapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers with the JSON text an oc_agents_* call produced, or its error. */
static void answer(oc_api_request *r, int rc, char *text)
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
	answer(r, oc_agents_requests_json(d->agents, want, &text), text);
}

void oc_hostapi_requests_get(oc_daemon *d, oc_api_request *r, const char *name)
{
	char scope[16], *text = NULL;
	const char *s = oc_hostapi_query(r, "scope", scope, sizeof(scope));
	if (s && strcmp(s, "all") != 0 && strcmp(s, "agent") != 0) {
		oc_api_respond_error(r->conn, 400, "invalid", "scope is 'agent' (the default) or "
			"'all'");
		return;
	}
	answer(r, oc_agents_request_json(d->agents, name, s && strcmp(s, "all") == 0, &text), text);
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
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], key) != 0)
			i++;
		if (!keys[i]) {
			oc_api_respond_error(r->conn, 400, "invalid", "unknown field '%.64s'", key);
			return false;
		}
	}
	return true;
}

void oc_hostapi_requests_approve(oc_daemon *d, oc_api_request *r, const char *name)
{
	static const char *const keys[] = { "for", "all_agents", "rule_file", NULL };
	json_t *body = r->body_len ? oc_hostapi_body(r) : json_object();
	if (!body)
		return;
	char by[32];
	snprintf(by, sizeof(by), "uid=%u", (unsigned)r->uid);
	oc_agents_approval ap = { .by = by };
	json_t *all = json_object_get(body, "all_agents");
	bool ok = only_keys(r, body, keys) && opt_string(r, body, "for", &ap.duration) &&
		opt_string(r, body, "rule_file", &ap.rule_file);
	if (ok && all && !json_is_boolean(all)) {
		oc_api_respond_error(r->conn, 400, "invalid", "'all_agents' must be true or false");
		ok = false;
	}
	if (ok) {
		char *text = NULL;
		ap.all_agents = json_is_true(all);
		answer(r, oc_agents_approve(d->agents, name, &ap, &text), text);
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
		answer(r, oc_agents_reject(d->agents, name, reason, by, &text), text);
	}
	json_decref(body);
}
