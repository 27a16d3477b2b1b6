/* Request records: ids, JSON for the state file and the two API views. */
#include "requests/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/random.h"

/* Crockford's base32 in lower case: no i, l, o or u to misread. */
static const char id_alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

void oc_req_ask_clear(oc_req_ask *a)
{
	free(a->host);
	free(a->method);
	free(a->path_prefix);
	free(a->rule_file);
	free(a->justification);
	memset(a, 0, sizeof(*a));
}

void oc_req_free(oc_req *r)
{
	if (!r)
		return;
	oc_req_ask_clear(&r->ask);
	free(r->container);
	free(r->agent);
	free(r->container_id);
	free(r->decided_by);
	free(r->reason);
	free(r->rule);
	free(r->revoked_by);
	free(r);
}

const char *oc_req_status_name(oc_req_status s)
{
	static const char *const names[] = { "pending", "approved", "rejected", "expired",
		"revoked" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *oc_req_scope_name(oc_req_scope s)
{
	static const char *const names[] = { "agent", "container", "all" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int oc_req_scope_parse(const char *name, oc_req_scope *out)
{
	for (int s = OC_REQ_SCOPE_AGENT; s <= OC_REQ_SCOPE_ALL; s++)
		if (name && strcmp(name, oc_req_scope_name((oc_req_scope)s)) == 0) {
			*out = (oc_req_scope)s;
			return 0;
		}
	return oc_error_set(OC_EINVAL, "unknown scope '%.40s': container (the container that "
		"asked), agent (every container of its agent.name) or all (every container)",
		name ? name : "");
}

oc_req_scope oc_req_default_scope(const oc_req *r)
{
	return r->name_generated && r->container_id && r->container_id[0] ?
		OC_REQ_SCOPE_CONTAINER : OC_REQ_SCOPE_AGENT;
}

static int status_from_name(const char *name)
{
	for (int s = OC_REQ_PENDING; s <= OC_REQ_REVOKED; s++)
		if (strcmp(name, oc_req_status_name((oc_req_status)s)) == 0)
			return s;
	return -1;
}

bool oc_req_id_valid(const char *id)
{
	return id && strlen(id) == OC_REQ_ID_LEN && id[0] == 'r' && id[1] == '-' &&
		strspn(id + 2, id_alphabet) == OC_REQ_ID_LEN - 2;
}

int oc_req_id_new(char id[OC_REQ_ID_LEN + 1])
{
	unsigned char rnd[OC_REQ_ID_LEN - 2];
	int rc = oc_random_bytes(rnd, sizeof(rnd));
	if (rc)
		return rc;
	id[0] = 'r';
	id[1] = '-';
	for (size_t i = 0; i < sizeof(rnd); i++)
		id[2 + i] = id_alphabet[rnd[i] % 32];
	id[OC_REQ_ID_LEN] = '\0';
	return 0;
}

const char *oc_req_note(const oc_req_ask *a)
{
	if (a->method || a->path_prefix)
		return "method and path_prefix can only be checked on plain http:// requests: the "
			"approved rule does not match HTTPS, where the proxy sees only host and port";
	return NULL;
}

/* Sets key to s, or leaves it out when s is NULL. */
static void set_str(json_t *o, const char *key, const char *s)
{
	if (s)
		json_object_set_new(o, key, json_string(s));
}

static void set_int(json_t *o, const char *key, int64_t v)
{
	if (v)
		json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* The fields both views share: the ask, its state and its timeline. */
static json_t *common_json(const oc_req *r)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "id", r->id,
		"status", oc_req_status_name(r->status), "container", r->container, "agent", r->agent,
		"created_at", (json_int_t)r->created_at, "justification", r->ask.justification);
	if (!o)
		return NULL;
	set_str(o, "host", r->ask.host);
	set_int(o, "port", r->ask.port);
	set_str(o, "method", r->ask.method);
	set_str(o, "path_prefix", r->ask.path_prefix);
	set_str(o, "rule_file", r->ask.rule_file);
	set_int(o, "duration_s", r->ask.wanted_s);
	set_int(o, "decided_at", r->decided_at);
	set_str(o, "reason", r->reason);
	set_int(o, "expires_at", r->expires_at);
	set_str(o, "rule", r->rule);
	set_str(o, "container_id", r->container_id);
	if (r->name_generated)
		json_object_set_new(o, "name_generated", json_true());
	set_int(o, "revoked_at", r->revoked_at);
	if (r->status == OC_REQ_APPROVED || r->status == OC_REQ_EXPIRED ||
	    r->status == OC_REQ_REVOKED) {
		json_object_set_new(o, "scope", json_string(oc_req_scope_name(r->scope)));
		/* what readers before scopes knew */
		json_object_set_new(o, "all_agents", json_boolean(r->scope == OC_REQ_SCOPE_ALL));
	}
	return o;
}

json_t *oc_req_to_json(const oc_req *r)
{
	json_t *o = common_json(r);
	if (!o)
		return NULL;
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "submitter", json_pack("{s:i, s:i, s:i}", "pid", (int)r->pid,
		"uid", (int)r->uid, "gid", (int)r->gid));
	set_str(o, "decided_by", r->decided_by);
	set_str(o, "revoked_by", r->revoked_by);
	return o;
}

static json_t *with_derived(json_t *o, const oc_req *r)
{
	if (!o)
		return NULL;
	char rule_id[32];
	snprintf(rule_id, sizeof(rule_id), "req-%s", r->id);
	json_object_set_new(o, "rule_id", json_string(rule_id));
	set_str(o, "note", oc_req_note(&r->ask));
	json_object_set_new(o, "default_scope",
		json_string(oc_req_scope_name(oc_req_default_scope(r))));
	return o;
}

json_t *oc_req_to_operator_json(const oc_req *r)
{
	return with_derived(oc_req_to_json(r), r);
}

json_t *oc_req_to_agent_json(const oc_req *r)
{
	return with_derived(common_json(r), r);
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return oc_error_nomem();
	return 0;
}

int oc_req_from_json(json_t *j, const char *what, oc_req **out)
{
	const char *id, *status, *container, *agent, *just;
	const char *host = NULL, *method = NULL, *path = NULL, *rule_file = NULL;
	const char *decided_by = NULL, *reason = NULL, *rule = NULL, *cid = NULL, *scope = NULL;
	const char *revoked_by = NULL;
	int version, pid, uid, gid, port = 0, all = 0, generated = 0;
	json_int_t created, wanted = 0, decided = 0, expires = 0, revoked = 0;
	json_error_t err;
	if (json_unpack_ex(j, &err, 0, "{s:i, s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i}, s:I, s:s,"
		" s?:s, s?:i, s?:s, s?:s, s?:s, s?:I, s?:I, s?:s, s?:s, s?:b, s?:I, s?:s, s?:s, s?:b,"
		" s?:s, s?:I, s?:s}",
		"version", &version, "id", &id, "status", &status, "container", &container,
		"agent", &agent, "submitter", "pid", &pid, "uid", &uid, "gid", &gid,
		"created_at", &created, "justification", &just, "host", &host, "port", &port,
		"method", &method, "path_prefix", &path, "rule_file", &rule_file,
		"duration_s", &wanted, "decided_at", &decided, "decided_by", &decided_by,
		"reason", &reason, "all_agents", &all, "expires_at", &expires, "rule", &rule,
		"container_id", &cid, "name_generated", &generated, "scope", &scope,
		"revoked_at", &revoked, "revoked_by", &revoked_by) != 0)
		return oc_error_set(OC_ECORRUPT, "%s: %s", what, err.text);
	int st = status_from_name(status);
	/* records from before scopes say all_agents */
	oc_req_scope sc = all ? OC_REQ_SCOPE_ALL : OC_REQ_SCOPE_AGENT;
	if (version != 1 || st < 0 || !oc_req_id_valid(id) || (!host == !rule_file) ||
	    (scope && oc_req_scope_parse(scope, &sc) != 0))
		return oc_error_set(OC_ECORRUPT, "%s: not a version 1 request record (id, status, "
			"scope, host or rule_file)", what);
	oc_req *r = calloc(1, sizeof(*r));
	if (!r)
		return oc_error_nomem();
	memcpy(r->id, id, OC_REQ_ID_LEN + 1);
	r->status = (oc_req_status)st;
	r->pid = pid;
	r->uid = (uid_t)uid;
	r->gid = (gid_t)gid;
	r->created_at = created;
	r->decided_at = decided;
	r->scope = sc;
	r->name_generated = generated;
	r->revoked_at = revoked;
	r->expires_at = expires;
	r->ask.port = port;
	r->ask.wanted_s = wanted;
	int rc = dup_opt(container, &r->container);
	if (!rc)
		rc = dup_opt(agent, &r->agent);
	if (!rc)
		rc = dup_opt(cid, &r->container_id);
	if (!rc)
		rc = dup_opt(just, &r->ask.justification);
	if (!rc)
		rc = dup_opt(host, &r->ask.host);
	if (!rc)
		rc = dup_opt(method, &r->ask.method);
	if (!rc)
		rc = dup_opt(path, &r->ask.path_prefix);
	if (!rc)
		rc = dup_opt(rule_file, &r->ask.rule_file);
	if (!rc)
		rc = dup_opt(decided_by, &r->decided_by);
	if (!rc)
		rc = dup_opt(reason, &r->reason);
	if (!rc)
		rc = dup_opt(rule, &r->rule);
	if (!rc)
		rc = dup_opt(revoked_by, &r->revoked_by);
	if (rc) {
		oc_req_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
