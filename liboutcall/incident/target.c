/* Selectors and reasons of incident commands (target.h). */
#include "incident/target.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/text.h"
#include "identity/names.h"

static const struct {
	enum oc_target_kind kind;
	const char *key;
} keys[] = {
	{ OC_TARGET_AGENT, "agent" },
	{ OC_TARGET_NETWORK, "network" },
	{ OC_TARGET_RULE, "rule" },
	{ OC_TARGET_ALL, "all" },
};

static void allowed_text(unsigned allowed, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((allowed & keys[i].kind) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s\"%s\"", n ? ", " : "",
				keys[i].key);
}

/* Rule ids may hold more than container names do ([A-Za-z0-9._-]{1,128}). */
static bool rule_id_valid(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n < OC_TARGET_NAME_MAX && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int take(json_t *v, enum oc_target_kind kind, const char *key, struct oc_target *out)
{
	out->kind = kind;
	out->name[0] = '\0';
	if (kind == OC_TARGET_ALL)
		return json_is_true(v) ? 0 : oc_error_set(OC_EINVAL, "\"all\" must be true: "
			"name what to act on");
	const char *s = json_string_value(v);
	bool ok = s && (kind == OC_TARGET_RULE ? rule_id_valid(s) : oc_name_valid(s));
	if (!ok)
		return oc_error_set(OC_EINVAL, "\"%s\" must be a%s name ([A-Za-z0-9._-], 1 to %d "
			"characters)", key, kind == OC_TARGET_RULE ? " rule" : "n agent or network",
			kind == OC_TARGET_RULE ? OC_TARGET_NAME_MAX - 1 : OC_NAME_MAX - 1);
	snprintf(out->name, sizeof(out->name), "%s", s);
	return 0;
}

int oc_target_parse(json_t *body, unsigned allowed, struct oc_target *out)
{
	char names[64];
	allowed_text(allowed, names, sizeof(names));
	size_t found = 0;
	int rc = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(body, keys[i].key);
		if (!v)
			continue;
		if (!(allowed & keys[i].kind))
			return oc_error_set(OC_EINVAL, "\"%s\" is not a target here: give one of %s",
				keys[i].key, names);
		if (found++)
			return oc_error_set(OC_EINVAL, "give exactly one of %s, not several", names);
		rc = take(v, keys[i].kind, keys[i].key, out);
	}
	if (!found)
		return oc_error_set(OC_EINVAL, "say what to act on: one of %s", names);
	return rc;
}

void oc_target_text(const struct oc_target *t, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].kind == t->kind) {
			snprintf(buf, size, "%s%s%s", keys[i].key, t->name[0] ? " " : "", t->name);
			return;
		}
	snprintf(buf, size, "?");
}

int oc_reason_parse(json_t *body, char *out, size_t cap)
{
	out[0] = '\0';
	json_t *v = json_object_get(body, "reason");
	if (!v)
		return 0;
	const char *s = json_string_value(v);
	if (!s)
		return oc_error_set(OC_EINVAL, "\"reason\" must be a string");
	if (strlen(s) >= cap)
		return oc_error_set(OC_EINVAL, "the reason has %zu bytes, more than the %zu allowed",
			strlen(s), cap - 1);
	int rc = oc_text_check("reason", s, false);
	if (!rc)
		snprintf(out, cap, "%s", s);
	return rc;
}
