/* Answers on the agent socket: errors in one JSON shape, 429 with
 * Retry-After, and strict request bodies. */
#include "agent/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errcode.h"
#include "core/text.h"

void oc_agent_reply_error(oc_agent_call *k, int status, const char *code, const char *fmt, ...)
{
	if (status == 400)
		k->a->stats.refused++;
	va_list ap;
	va_start(ap, fmt);
	oc_api_respond_verror(k->req->conn, status, code, fmt, ap);
	va_end(ap);
}

void oc_agent_reply_failure(oc_agent_call *k)
{
	const oc_error *e = oc_error_last();
	const oc_errcode *c = oc_errcode_of(e->code);
	oc_agent_reply_error(k, c->status, c->id, "%s", e->message);
}

void oc_agent_reply_rate_limited(oc_agent_call *k, const char *what, double per_second)
{
	k->a->stats.rate_limited++;
	/* Whole seconds, rounded up, at least one. */
	unsigned secs = (unsigned)(1.0 / per_second);
	if (secs < 1.0 / per_second || secs == 0)
		secs++;
	char after[16], msg[256];
	snprintf(after, sizeof(after), "%u", secs);
	snprintf(msg, sizeof(msg), "too many %s from this container; retry in %u s", what, secs);
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", "rate_limited", "message", msg);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	const char *const extra[] = { "Retry-After", after, NULL };
	const char *body = text ? text : "{\"error\":{\"code\":\"rate_limited\"}}";
	oc_api_respond(k->req->conn, 429, "application/json", body, strlen(body), extra);
	free(text);
}

bool oc_agent_take(oc_agent_call *k, oc_ratelimit *rl, const char *what, double per_second)
{
	const char *name = oc_container_name(k->c);
	if (oc_ratelimit_take(rl, name, strlen(name), oc_loop_now(k->a->loop)))
		return true;
	oc_agent_reply_rate_limited(k, what, per_second);
	return false;
}

/* Whatever an agent writes may end up in front of the operator (request
 * lists, the decision log, rule descriptions), so no field may carry
 * what a terminal would obey: refused here, once, for every endpoint.
 * Only a rule file has lines. */
static int text_ok(json_t *v, const char *key)
{
	const char *k;
	json_t *e;
	size_t i;
	char what[96];
	snprintf(what, sizeof(what), "field '%.40s'", key);
	if (json_is_string(v))
		return oc_text_check(what, json_string_value(v), strcmp(key, "rule_file") == 0);
	json_object_foreach(v, k, e) {
		int rc = oc_text_check("a field name", k, false);
		if (!rc)
			rc = text_ok(e, k);
		if (rc)
			return rc;
	}
	json_array_foreach(v, i, e) {
		int rc = text_ok(e, key);
		if (rc)
			return rc;
	}
	return 0;
}

json_t *oc_agent_body(oc_agent_call *k)
{
	json_error_t err;
	json_t *j = json_loadb(k->req->body, k->req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		oc_agent_reply_error(k, 400, "bad_json", "the body is not JSON (line %d, column %d): "
			"%s", err.line, err.column, err.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		oc_agent_reply_error(k, 400, "bad_json", "the body must be a JSON object");
		return NULL;
	}
	if (text_ok(j, "") != 0) {
		json_decref(j);
		oc_agent_reply_failure(k);
		return NULL;
	}
	return j;
}
