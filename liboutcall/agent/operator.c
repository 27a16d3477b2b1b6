/* The operator's side of access requests, as JSON for the host API. */
#include "agent/internal.h"
#include "identity/registry.h"
#include "agent/operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "requests/duration.h"

int oc_agents_ready(const oc_agents *a)
{
	return a->store ? 0 : oc_error_set(OC_ESTATE, "access requests are not loaded yet: "
		"oc_agents_start has not run");
}

int oc_agents_dump(json_t *j, char **json)
{
	*json = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return *json ? 0 : oc_error_nomem();
}

json_t *oc_agents_view(const oc_agents *a, const oc_req *r)
{
	json_t *o = oc_req_to_operator_json(r);
	char path[4200];
	snprintf(path, sizeof(path), "%s/requests/%s.yaml", a->rules_dir, r->id);
	if (o)
		json_object_set_new(o, "rule_path", json_string(path));
	return o;
}

int oc_agents_requests_json(oc_agents *a, const char *status, char **json)
{
	int rc = oc_agents_ready(a);
	if (rc)
		return rc;
	if (status && strcmp(status, "pending") && strcmp(status, "approved") &&
	    strcmp(status, "rejected") && strcmp(status, "expired") && strcmp(status, "revoked"))
		return oc_error_set(OC_EINVAL, "unknown status '%.40s' (pending, approved, rejected, "
			"expired or revoked)", status);
	json_t *list = json_array();
	for (size_t i = 0; list && i < oc_req_store_count(a->store); i++) {
		const oc_req *r = oc_req_store_at(a->store, i);
		if (!status || strcmp(status, oc_req_status_name(r->status)) == 0)
			json_array_append_new(list, oc_agents_view(a, r));
	}
	return oc_agents_dump(json_pack("{s:o}", "requests", list), json);
}

static int scope_of(const oc_req *r, oc_agents_scope s, oc_req_scope *out)
{
	switch (s) {
	case OC_AGENTS_SCOPE_DEFAULT: *out = oc_req_default_scope(r); return 0;
	case OC_AGENTS_SCOPE_CONTAINER: *out = OC_REQ_SCOPE_CONTAINER; return 0;
	case OC_AGENTS_SCOPE_AGENT: *out = OC_REQ_SCOPE_AGENT; return 0;
	case OC_AGENTS_SCOPE_ALL: *out = OC_REQ_SCOPE_ALL; return 0;
	}
	return oc_error_set(OC_EINVAL, "unknown scope %d", (int)s);
}

static bool reaches(const oc_req *r, oc_req_scope scope, const oc_container *c)
{
	if (scope == OC_REQ_SCOPE_CONTAINER)
		return r->container_id && strcmp(oc_container_id(c), r->container_id) == 0;
	if (scope == OC_REQ_SCOPE_AGENT)
		return strcmp(oc_container_agent_name(c), r->agent) == 0;
	return true;
}

/* "matches": the attached containers a rule of this scope reaches, so the
 * operator sees how far an approval goes before and when it is made. */
static void add_matches(oc_agents *a, json_t *o, const oc_req *r, oc_req_scope scope)
{
	oc_container **l;
	size_t n;
	json_t *arr = json_array();
	if (!o || !arr || oc_registry_snapshot(a->svc.registry, &l, &n) != 0) {
		json_decref(arr);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (reaches(r, scope, l[i]))
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name",
				oc_container_name(l[i]), "container_id", oc_container_id(l[i]),
				"agent", oc_container_agent_name(l[i])));
	oc_containers_release(l, n);
	json_object_set_new(o, "scope", json_string(oc_req_scope_name(scope)));
	json_object_set_new(o, "matches", arr);
}

int oc_agents_request_json(oc_agents *a, const char *id, oc_agents_scope scope, char **json)
{
	int rc = oc_agents_ready(a);
	if (rc)
		return rc;
	const oc_req *r = oc_req_store_find(a->store, id);
	if (!r)
		return oc_error_set(OC_ENOTFOUND, "no access request '%.40s' (see `outcall requests "
			"list`)", id);
	oc_req_scope sc = r->scope;
	if (r->status == OC_REQ_PENDING && (rc = scope_of(r, scope, &sc)) != 0)
		return rc;
	json_t *o = oc_agents_view(a, r);
	oc_agent_add_proposal(o, r, sc);
	if (r->status == OC_REQ_PENDING || r->status == OC_REQ_APPROVED)
		add_matches(a, o, r, sc);
	return oc_agents_dump(o, json);
}

static int approval_duration(const char *text, int64_t *for_s)
{
	if (!text) {
		*for_s = OC_REQ_FOR_ASKED;
		return 0;
	}
	if (strcmp(text, "never") == 0) {
		*for_s = OC_REQ_FOR_NEVER;
		return 0;
	}
	return oc_duration_parse(text, for_s);
}

int oc_agents_approve_json(oc_agents *a, const char *id, const oc_agents_approval *ap, char **json)
{
	int rc = oc_agents_ready(a);
	oc_req_approval sa = { .by = ap->by, .rule_body = ap->rule_file };
	const oc_req *r = rc ? NULL : oc_req_store_find(a->store, id);
	if (!rc && r)
		rc = scope_of(r, ap->scope, &sa.scope);
	if (!rc)
		rc = approval_duration(ap->duration, &sa.for_s);
	if (!rc)
		rc = oc_req_store_approve(a->store, id, &sa, &r);
	if (rc)
		return rc;
	json_t *o = oc_agents_view(a, r);
	add_matches(a, o, r, r->scope);
	return oc_agents_dump(o, json);
}

int oc_agents_reject_json(oc_agents *a, const char *id, const char *reason, const char *by,
	char **json)
{
	int rc = oc_agents_ready(a);
	const oc_req *r = NULL;
	if (!rc)
		rc = oc_req_store_reject(a->store, id, by, reason, &r);
	if (rc)
		return rc;
	return oc_agents_dump(oc_agents_view(a, r), json);
}
