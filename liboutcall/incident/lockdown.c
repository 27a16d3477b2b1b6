/* The lockdown list and its file (lockdown.h). */
#include "incident/lockdown.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomicfile.h"
#include "core/error.h"
#include "identity/names.h"

static const char *const scope_names[] = { "agent", "network", "all" };

static enum oc_lock_scope scope_of(enum oc_target_kind k)
{
	return k == OC_TARGET_AGENT ? OC_LOCK_AGENT : k == OC_TARGET_NETWORK ? OC_LOCK_NETWORK :
		OC_LOCK_ALL;
}

static bool same(const struct oc_lock *k, enum oc_lock_scope scope, const char *name)
{
	return k->scope == scope && strcmp(k->name, name) == 0;
}

int oc_lockdowns_on(struct oc_lockdowns *l, const struct oc_target *t, const char *reason,
	const char *by, int64_t now)
{
	enum oc_lock_scope scope = scope_of(t->kind);
	struct oc_lock *k = NULL;
	for (size_t i = 0; i < l->n && !k; i++)
		if (same(&l->v[i], scope, t->name))
			k = &l->v[i];
	if (!k) {
		struct oc_lock *v = realloc(l->v, (l->n + 1) * sizeof(*v));
		if (!v)
			return oc_error_nomem();
		l->v = v;
		k = &v[l->n++];
		*k = (struct oc_lock){ .scope = scope, .since = now };
		snprintf(k->name, sizeof(k->name), "%.64s", t->name); /* names: 64 at most */
	}
	snprintf(k->reason, sizeof(k->reason), "%s", reason ? reason : "");
	snprintf(k->by, sizeof(k->by), "%s", by ? by : "");
	return 0;
}

int oc_lockdowns_off(struct oc_lockdowns *l, const struct oc_target *t, size_t *lifted)
{
	enum oc_lock_scope scope = scope_of(t->kind);
	size_t kept = 0;
	for (size_t i = 0; i < l->n; i++)
		if (t->kind != OC_TARGET_ALL && !same(&l->v[i], scope, t->name))
			l->v[kept++] = l->v[i];
	*lifted = l->n - kept;
	l->n = kept;
	if (!*lifted) {
		char what[160];
		oc_target_text(t, what, sizeof(what));
		return oc_error_set(OC_ENOTFOUND, "no lockdown of %s is on (see `outcall lockdown "
			"status`)", what);
	}
	return 0;
}

json_t *oc_lock_json(const struct oc_lock *k)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "scope", scope_names[k->scope], "reason",
		k->reason, "by", k->by, "since", (json_int_t)k->since);
	if (o && k->scope != OC_LOCK_ALL)
		json_object_set_new(o, "name", json_string(k->name));
	return o;
}

json_t *oc_lockdowns_json(const struct oc_lockdowns *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < l->n; i++)
		json_array_append_new(a, oc_lock_json(&l->v[i]));
	return a;
}

static int from_json(json_t *o, const char *path, struct oc_lock *k)
{
	const char *scope, *name = "", *reason, *by;
	json_int_t since;
	json_error_t err;
	if (json_unpack_ex(o, &err, 0, "{s:s, s?:s, s:s, s:s, s:I}", "scope", &scope, "name",
		&name, "reason", &reason, "by", &by, "since", &since) != 0)
		return oc_error_set(OC_ECORRUPT, "%s: a lockdown: %s", path, err.text);
	int s = -1;
	for (int i = 0; i < 3; i++)
		if (strcmp(scope, scope_names[i]) == 0)
			s = i;
	bool named = s == OC_LOCK_AGENT || s == OC_LOCK_NETWORK;
	if (s < 0 || (named && !oc_name_valid(name)) || strlen(reason) >= sizeof(k->reason) ||
	    strlen(by) >= sizeof(k->by))
		return oc_error_set(OC_ECORRUPT, "%s: a lockdown with scope '%.16s', name '%.64s' "
			"cannot be read back; fix or remove the file (it lifts every lockdown)", path,
			scope, name);
	*k = (struct oc_lock){ .scope = (enum oc_lock_scope)s, .since = since };
	snprintf(k->name, sizeof(k->name), "%s", named ? name : "");
	snprintf(k->reason, sizeof(k->reason), "%s", reason);
	snprintf(k->by, sizeof(k->by), "%s", by);
	return 0;
}

int oc_lockdowns_load(const char *path, struct oc_lockdowns *out)
{
	*out = (struct oc_lockdowns){ 0 };
	json_error_t err;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		FILE *f = fopen(path, "re");
		if (!f && errno == ENOENT)
			return 0;
		if (f)
			fclose(f);
		return oc_error_set(OC_ECORRUPT, "%s:%d: %s; fix or remove the file (removing it "
			"lifts every lockdown)", path, err.line, err.text);
	}
	json_t *arr = json_object_get(j, "lockdowns");
	int rc = 0;
	if (!json_is_array(arr) || json_integer_value(json_object_get(j, "version")) != 1)
		rc = oc_error_set(OC_ECORRUPT, "%s: not a version 1 lockdown file", path);
	size_t n = rc ? 0 : json_array_size(arr);
	if (n && !(out->v = calloc(n, sizeof(*out->v))))
		rc = oc_error_nomem();
	for (size_t i = 0; !rc && i < n; i++)
		rc = from_json(json_array_get(arr, i), path, &out->v[out->n++]);
	json_decref(j);
	if (rc)
		oc_lockdowns_free(out);
	return rc;
}

int oc_lockdowns_save(const char *path, const struct oc_lockdowns *l)
{
	json_t *j = json_pack("{s:i, s:o}", "version", 1, "lockdowns", oc_lockdowns_json(l));
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	if (!text)
		return oc_error_nomem();
	int rc = oc_file_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

void oc_lockdowns_free(struct oc_lockdowns *l)
{
	free(l->v);
	*l = (struct oc_lockdowns){ 0 };
}
