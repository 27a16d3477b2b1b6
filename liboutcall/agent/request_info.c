/* The operator's calls of outcall/agents.h as typed objects: each wraps the
 * host API's document (agent/operator.h), so both say the same thing by
 * construction, and oc_request_info points into that document. */
#include "agent/operator.h"

#include <jansson.h>
#include <stdlib.h>

#include "core/error.h"

struct oc_request {
	oc_request_info info;
	oc_request_match *matches;
};

struct oc_request_list {
	json_t *doc;
	size_t n;
	struct oc_request *items;
};

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t num(json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* Fills r from the request object o, which must outlive it. */
static int fill(struct oc_request *r, json_t *o)
{
	oc_request_info *i = &r->info;
	*i = (oc_request_info){
		.id = str(o, "id"), .status = str(o, "status"), .container = str(o, "container"),
		.container_id = str(o, "container_id"), .agent = str(o, "agent"),
		.justification = str(o, "justification"), .host = str(o, "host"),
		.port = (int)num(o, "port"), .method = str(o, "method"),
		.path_prefix = str(o, "path_prefix"), .rule_file = str(o, "rule_file"),
		.duration_s = num(o, "duration_s"), .created_at = num(o, "created_at"),
		.decided_at = num(o, "decided_at"), .expires_at = num(o, "expires_at"),
		.revoked_at = num(o, "revoked_at"), .decided_by = str(o, "decided_by"),
		.revoked_by = str(o, "revoked_by"), .reason = str(o, "reason"),
		.rule = str(o, "rule"), .rule_id = str(o, "rule_id"),
		.rule_path = str(o, "rule_path"), .note = str(o, "note"), .scope = str(o, "scope"),
		.default_scope = str(o, "default_scope"), .proposed_rule = str(o, "proposed_rule"),
		.proposed_rule_error = str(o, "proposed_rule_error"),
	};
	json_t *m = json_object_get(o, "matches");
	size_t n = json_array_size(m);
	if (!n)
		return 0;
	r->matches = calloc(n, sizeof(*r->matches));
	if (!r->matches)
		return oc_error_nomem();
	for (size_t k = 0; k < n; k++) {
		json_t *e = json_array_get(m, k);
		r->matches[k] = (oc_request_match){ .name = str(e, "name"),
			.container_id = str(e, "container_id"), .agent = str(e, "agent") };
	}
	i->matches = r->matches;
	i->nmatches = n;
	return 0;
}

/* A single request owns its document; list items share the list's. */
struct oc_request_one {
	struct oc_request req;     /* first: an oc_request * is this object */
	json_t *doc;
};

/* Takes the text of a JSON-answering call, made before (rc its result), into
 * *out. */
static int take_one(int rc, char *text, oc_request **out)
{
	if (rc || !out) {
		free(text);
		return rc;
	}
	json_t *doc = json_loads(text, 0, NULL);
	free(text);
	struct oc_request_one *one = doc ? calloc(1, sizeof(*one)) : NULL;
	if (!one) {
		json_decref(doc);
		return oc_error_nomem();
	}
	one->doc = doc;
	rc = fill(&one->req, doc);
	if (rc) {
		oc_request_free(&one->req);
		return rc;
	}
	*out = &one->req;
	return 0;
}

const oc_request_info *oc_request_get_info(const oc_request *r)
{
	return &r->info;
}

void oc_request_free(oc_request *r)
{
	if (!r)
		return;
	struct oc_request_one *one = (struct oc_request_one *)r;
	free(r->matches);
	json_decref(one->doc);
	free(one);
}

size_t oc_request_list_count(const oc_request_list *l)
{
	return l->n;
}

const oc_request_info *oc_request_list_get(const oc_request_list *l, size_t i)
{
	return i < l->n ? &l->items[i].info : NULL;
}

void oc_request_list_free(oc_request_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].matches);
	free(l->items);
	json_decref(l->doc);
	free(l);
}

int oc_agents_requests(oc_agents *a, const char *status, oc_request_list **out)
{
	char *text = NULL;
	int rc = oc_agents_requests_json(a, status, &text);
	if (rc || !out) {
		free(text);
		return rc;
	}
	oc_request_list *l = calloc(1, sizeof(*l));
	if (!l || !(l->doc = json_loads(text, 0, NULL))) {
		free(text);
		free(l);
		return oc_error_nomem();
	}
	free(text);
	json_t *arr = json_object_get(l->doc, "requests");
	size_t n = json_array_size(arr);
	if (n && !(l->items = calloc(n, sizeof(*l->items)))) {
		oc_request_list_free(l);
		return oc_error_nomem();
	}
	for (; l->n < n; l->n++) {
		rc = fill(&l->items[l->n], json_array_get(arr, l->n));
		if (rc) {
			oc_request_list_free(l);
			return rc;
		}
	}
	*out = l;
	return 0;
}

int oc_agents_request(oc_agents *a, const char *id, oc_agents_scope scope, oc_request **out)
{
	char *text = NULL;
	int rc = oc_agents_request_json(a, id, scope, &text);
	return take_one(rc, text, out);
}

int oc_agents_approve(oc_agents *a, const char *id, const oc_agents_approval *ap,
	oc_request **out)
{
	char *text = NULL;
	int rc = oc_agents_approve_json(a, id, ap, &text);
	return take_one(rc, text, out);
}

int oc_agents_reject(oc_agents *a, const char *id, const char *reason, const char *by,
	oc_request **out)
{
	char *text = NULL;
	int rc = oc_agents_reject_json(a, id, reason, by, &text);
	return take_one(rc, text, out);
}

int oc_agents_revoke(oc_agents *a, const char *id, const char *reason, const char *by,
	oc_request **out)
{
	char *text = NULL;
	int rc = oc_agents_revoke_json(a, id, reason, by, &text);
	return take_one(rc, text, out);
}

int oc_agents_grant(oc_agents *a, const oc_agents_grant_spec *spec, oc_request **out)
{
	char *text = NULL;
	int rc = oc_agents_grant_json(a, spec, &text);
	return take_one(rc, text, out);
}
