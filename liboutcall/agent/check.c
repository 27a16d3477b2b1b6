/* POST /v1/check: the verdict a request would get, on the context the
 * real layer would build (engine.h builders), with the caller's identity
 * from its socket, by the judge the layers use (engine/judge.h). */
#include "agent/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <outcall/engine.h>

#include "agent/revoked.h"
#include "core/error.h"
#include "engine/judge.h"
#include "requests/ask.h"

/* Longest method accepted in a check (anything longer is no method). */
#define METHOD_MAX 32

struct check_in {
	const char *url, *host, *dns, *method, *path, *type;
	int port;
};

static int take_string(json_t *v, const char *key, const char **out)
{
	if (!json_is_string(v))
		return oc_error_set(OC_EINVAL, "field '%s' must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static int take(struct check_in *in, const char *key, json_t *v)
{
	const struct {
		const char *name;
		const char **slot;
	} fields[] = {
		{ "url", &in->url }, { "host", &in->host }, { "dns", &in->dns },
		{ "method", &in->method }, { "path", &in->path }, { "type", &in->type },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(key, fields[i].name) == 0)
			return take_string(v, key, fields[i].slot);
	if (strcmp(key, "port") == 0)
		return oc_req_take_port(v, &in->port);
	return oc_error_set(OC_EINVAL, "unknown field '%.64s' (a check has url and method, or "
		"host, port, method and path, or dns and type)", key);
}

static int parse(json_t *body, struct check_in *in)
{
	memset(in, 0, sizeof(*in));
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		int rc = take(in, key, v);
		if (rc)
			return rc;
	}
	if ((in->url != NULL) + (in->host != NULL) + (in->dns != NULL) != 1)
		return oc_error_set(OC_EINVAL, "name exactly one of 'url', 'host' or 'dns'");
	if (in->url && (in->port || in->path || in->type))
		return oc_error_set(OC_EINVAL, "a 'url' check takes only 'method' besides");
	if (in->dns && (in->port || in->path || in->method))
		return oc_error_set(OC_EINVAL, "a 'dns' check takes only 'type' besides");
	if (in->host && in->type)
		return oc_error_set(OC_EINVAL, "'type' belongs to a 'dns' check");
	if (in->method && (!in->method[0] || strlen(in->method) > METHOD_MAX ||
	    strpbrk(in->method, " \t\r\n")))
		return oc_error_set(OC_EINVAL, "'method' must be an HTTP method such as GET");
	if (in->path && in->path[0] != '/')
		return oc_error_set(OC_EINVAL, "'path' must start with '/'");
	return 0;
}

/* What the proxy or DNS filter would see: a URL by its scheme, a method or
 * path means plain HTTP, a host and port alone a CONNECT tunnel. */
static int build(const struct check_in *in, oc_context *ctx, char *host, char **target)
{
	int rc;
	if (in->dns)
		return oc_context_for_dns(ctx, host, in->dns, in->type ? in->type : "A");
	if (in->url) {
		if (!(*target = malloc(strlen(in->url) + 2)))
			return oc_error_nomem();
		rc = oc_context_for_url(ctx, host, *target, in->url, in->method);
	} else if (in->method || in->path) {
		rc = oc_context_for_http(ctx, host, in->host, in->port ? in->port : 80, in->method,
			in->path ? in->path : "/");
	} else {
		return oc_context_for_tls(ctx, host, in->host, in->port ? in->port : 443, NULL, NULL);
	}
	/* A check carries no headers and no body: rules on them cannot be
	 * answered, so they are unknown (three-valued), never empty. */
	ctx->known &= ~(OC_FIELD_BIT(OC_FIELD_HTTP_HEADERS) | OC_FIELD_BIT(OC_FIELD_HTTP_BODY_SIZE));
	return rc;
}

size_t oc_agents_revoked_text(oc_agents *a, const char *agent, const char *host, char *buf,
	size_t size)
{
	if (a->store)
		return oc_req_revoked_text(a->store, agent, host, buf, size);
	if (size)
		buf[0] = '\0';
	return 0;
}

static int64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* `refusal`: why the proxy would not open what the rule allowed. */
static void reason_text(const oc_agent_call *k, const oc_context *ctx, const oc_decision *d,
	const char *refusal, char *buf, size_t size)
{
	char where[300] = "";
	if (d->file)
		snprintf(where, sizeof(where), " (%s:%d)", d->file, d->line);
	if (d->verdict == OC_ACTION_ALLOW && !refusal) {
		snprintf(buf, size, "allowed by rule \"%s\"%s", d->rule_id, where);
		return;
	}
	char cmd[OC_HOSTNAME_MAX + 96];
	oc_agent_request_command(k->a, ctx->network_hostname, (int)ctx->network_port, cmd,
		sizeof(cmd));
	if (refusal)
		snprintf(buf, size, "rule \"%s\"%s allows it, but %s; ask for access: %s", d->rule_id,
			where, refusal, cmd);
	else if (d->rule)
		snprintf(buf, size, "blocked by rule \"%s\"%s; ask for access: %s", d->rule_id, where,
			cmd);
	else
		snprintf(buf, size, "no rule allows it (default block); ask for access: %s", cmd);
	char gone[OC_REQ_REVOKED_TEXT_MAX];
	size_t n = strlen(buf);
	if (oc_agents_revoked_text(k->a, ctx->agent_name, ctx->network_hostname, gone,
	    sizeof(gone)) && n < size)
		snprintf(buf + n, size - n, " (%s)", gone);
}

static void decide(oc_agent_call *k, oc_context *ctx)
{
	uint64_t gen;
	int64_t t0 = now_us();
	oc_judgment j;
	/* A check names its port, as a request to the explicit proxy does. */
	oc_ruleset *rs = oc_judge_live(k->a->svc.rules, k->a->svc.registry, k->c, ctx, true, &j, &gen);
	const oc_decision d = j.d;
	const char *refusal = j.refusal;
	bool allowed = j.allowed;
	char reason[1024 + OC_REQ_REVOKED_TEXT_MAX], layer_reason[48], id[OC_EVENT_ID_LEN];
	if (j.locked)
		oc_agent_lockdown_text(&j.lock, reason, sizeof(reason));
	else
		reason_text(k, ctx, &d, refusal, reason, sizeof(reason));
	snprintf(layer_reason, sizeof(layer_reason), "check as %s", oc_layer_name(ctx->layer));
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_DECISION, OC_EVENT_LAYER_AGENT);
	ev.agent = ctx->agent_name;
	ev.container = oc_container_name(k->c);
	ev.peer = k->peer;
	ev.host = ctx->network_hostname;
	ev.port = (int)ctx->network_port;
	ev.method = ctx->http_method;
	ev.path = ctx->http_path;
	ev.verdict = allowed ? OC_EVENT_VERDICT_ALLOW : OC_EVENT_VERDICT_BLOCK;
	ev.rule = d.rule_id;
	ev.generation = gen;
	ev.latency_us = now_us() - t0;
	ev.reason = layer_reason;
	oc_event_id_format(oc_events_emit(k->a->svc.events, &ev), id);
	json_t *o = json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "allowed", allowed,
		"verdict", allowed ? "allow" : "block", "layer", oc_layer_name(ctx->layer), "rule",
		d.rule_id, "reason", reason, "decision_id", id, "generation", (json_int_t)gen, "host",
		ctx->network_hostname);
	if (o && ctx->network_port)
		json_object_set_new(o, "port", json_integer(ctx->network_port));
	if (o && allowed)
		json_object_set_new(o, "egress", json_string(oc_egress_mode_name(d.egress.mode)));
	oc_ruleset_unref(rs);
	k->a->stats.checks++;
	oc_api_respond_json(k->req->conn, 200, o);
}

void oc_agent_check(oc_agent_call *k)
{
	if (!oc_agent_take(k, k->a->checks_rl, "checks", k->a->cfg.checks_per_second))
		return;
	json_t *body = oc_agent_body(k);
	if (!body)
		return;
	struct check_in in;
	oc_context ctx;
	char host[OC_HOSTNAME_MAX], *target = NULL;
	int rc = parse(body, &in);
	if (!rc)
		rc = build(&in, &ctx, host, &target);
	if (rc)
		oc_agent_reply_failure(k);
	else
		decide(k, &ctx);
	free(target);
	json_decref(body);
}
