/* Sample requests from JSON and decisions to JSON (engine.h): the one
 * implementation behind `outcall rules test` and the evaluate endpoint. */
#include <outcall/engine.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define MAX_MAP 32

struct oc_sample {
	oc_context ctx;
	json_t *json;                 /* keeps the strings alive */
	char host[OC_HOSTNAME_MAX];
	char sni[OC_HOSTNAME_MAX];
	char *target;
	oc_kv headers[MAX_MAP];
	oc_kv labels[MAX_MAP];
	char header_names[MAX_MAP][128];
	char norm[4][OC_HOSTNAME_MAX];
};

static int string_field(oc_context *c, const char *key, const char *v)
{
	static const struct { const char *name; size_t off; } fields[] = {
		{ "network.hostname", offsetof(oc_context, network_hostname) },
		{ "network.ip", offsetof(oc_context, network_ip) },
		{ "network.protocol", offsetof(oc_context, network_protocol) },
		{ "dns.query", offsetof(oc_context, dns_query) },
		{ "dns.record_type", offsetof(oc_context, dns_record_type) },
		{ "http.host", offsetof(oc_context, http_host) },
		{ "http.method", offsetof(oc_context, http_method) },
		{ "http.path", offsetof(oc_context, http_path) },
		{ "tls.sni", offsetof(oc_context, tls_sni) },
		{ "agent.name", offsetof(oc_context, agent_name) },
		{ "container.id", offsetof(oc_context, container_id) },
		{ "container.image", offsetof(oc_context, container_image) },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(fields[i].name, key) == 0) {
			*(const char **)((char *)c + fields[i].off) = v;
			return 0;
		}
	}
	return oc_error_set(OC_EINVAL, "context: unknown field '%s'", key);
}

/* Header names are lower case in a context; `names` holds lower-cased
 * copies (NULL for labels, which keep their case). */
static int map_field(json_t *obj, const char *key, oc_kv *items, char (*names)[128], oc_map *out)
{
	if (!json_is_object(obj))
		return oc_error_set(OC_EINVAL, "context: '%s' must be an object of strings", key);
	const char *k;
	json_t *v;
	size_t n = 0;
	json_object_foreach(obj, k, v) {
		if (!json_is_string(v) || n == MAX_MAP || strlen(k) >= 128)
			return oc_error_set(OC_EINVAL, "context: '%s' must map at most %d names "
				"(under 128 bytes) to strings", key, MAX_MAP);
		if (names) {
			size_t i = 0;
			for (; k[i]; i++)
				names[n][i] = (char)(k[i] >= 'A' && k[i] <= 'Z' ? k[i] + 32 : k[i]);
			names[n][i] = '\0';
			k = names[n];
		}
		items[n++] = (oc_kv){ k, json_string_value(v) };
	}
	*out = (oc_map){ items, n };
	return 0;
}

static int from_context(oc_sample *s, json_t *obj)
{
	if (!json_is_object(obj))
		return oc_error_set(OC_EINVAL, "'context' must be an object of field names to values");
	oc_context_init(&s->ctx, OC_LAYER_ALL);
	const char *k;
	json_t *v;
	int rc = 0;
	json_object_foreach(obj, k, v) {
		if (strcmp(k, "network.port") == 0 || strcmp(k, "http.body_size") == 0) {
			if (!json_is_integer(v))
				return oc_error_set(OC_EINVAL, "context: '%s' must be a number", k);
			*(k[0] == 'n' ? &s->ctx.network_port : &s->ctx.http_body_size) = json_integer_value(v);
		} else if (strcmp(k, "http.headers") == 0) {
			rc = map_field(v, k, s->headers, s->header_names, &s->ctx.http_headers);
		} else if (strcmp(k, "container.labels") == 0) {
			rc = map_field(v, k, s->labels, NULL, &s->ctx.container_labels);
		} else if (!json_is_string(v)) {
			return oc_error_set(OC_EINVAL, "context: '%s' must be a string", k);
		} else if (strcmp(k, "http.body") == 0) {
			s->ctx.http_body = json_string_value(v);
			s->ctx.http_body_len = json_string_length(v);
		} else {
			rc = string_field(&s->ctx, k, json_string_value(v));
		}
		if (rc)
			return rc;
	}
	/* Rules compare normalised hosts; normalise them like every layer. */
	const char **hosts[] = { &s->ctx.network_hostname, &s->ctx.dns_query, &s->ctx.http_host,
		&s->ctx.tls_sni };
	for (size_t i = 0; i < 4; i++) {
		if (!*hosts[i] || !**hosts[i])
			continue;
		if (oc_hostname_normalize(*hosts[i], s->norm[i], OC_HOSTNAME_MAX) < 0)
			return oc_error_set(OC_EINVAL, "context: %s", oc_error_last()->message);
		*hosts[i] = s->norm[i];
	}
	return 0;
}

static const char *opt_string(json_t *o, const char *key, int *rc)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		*rc = oc_error_set(OC_EINVAL, "'%s' must be a string", key);
	return json_string_value(v);
}

static int from_json(oc_sample *s, json_t *o)
{
	static const char *const known[] = { "dns", "type", "http", "method", "connect", "sni",
		"context", "agent", "explain", NULL };
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], k) != 0)
			i++;
		if (!known[i])
			return oc_error_set(OC_EINVAL, "unknown key '%s' in a sample request (use dns, "
				"http, connect or context, with type, method, sni, agent)", k);
	}
	int rc = 0;
	const char *dns = opt_string(o, "dns", &rc), *http = opt_string(o, "http", &rc);
	const char *conn = opt_string(o, "connect", &rc), *type = opt_string(o, "type", &rc);
	const char *method = opt_string(o, "method", &rc), *sni = opt_string(o, "sni", &rc);
	const char *agent = opt_string(o, "agent", &rc);
	json_t *ctx = json_object_get(o, "context");
	if (rc)
		return rc;
	if (!!dns + !!http + !!conn + !!ctx != 1)
		return oc_error_set(OC_EINVAL, "a sample request names exactly one of dns, http, "
			"connect, context");
	if ((type && !dns) || (method && !http) || (sni && !conn))
		return oc_error_set(OC_EINVAL, "type goes with dns, method with http, sni with connect");
	if (dns) {
		rc = oc_context_for_dns(&s->ctx, s->host, dns, type);
	} else if (http) {
		if (!(s->target = malloc(strlen(http) + 2)))
			return oc_error_nomem();
		rc = oc_context_for_url(&s->ctx, s->host, s->target, http, method);
	} else if (conn) {
		const char *colon = strrchr(conn, ':');
		char host[OC_HOSTNAME_MAX], *end;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (!colon || colon == conn || (size_t)(colon - conn) >= sizeof(host) || *end)
			return oc_error_set(OC_EINVAL, "connect needs HOST:PORT, got '%s'", conn);
		memcpy(host, conn, (size_t)(colon - conn));
		host[colon - conn] = '\0';
		rc = oc_context_for_tls(&s->ctx, s->host, host, (int)port, sni, s->sni);
	} else {
		rc = from_context(s, ctx);
	}
	if (!rc && agent)
		s->ctx.agent_name = agent;
	return rc;
}

int oc_sample_from_json(const char *text, oc_sample **out)
{
	json_error_t err;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return oc_error_set(OC_EINVAL, "a sample request must be a JSON object: %s",
			o ? "got another type" : err.text);
	}
	oc_sample *s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(o);
		return oc_error_nomem();
	}
	s->json = o;
	int rc = from_json(s, o);
	if (rc) {
		oc_sample_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const oc_context *oc_sample_context(const oc_sample *s)
{
	return &s->ctx;
}

void oc_sample_free(oc_sample *s)
{
	if (!s)
		return;
	json_decref(s->json);
	free(s->target);
	free(s);
}

static const char *tri_name(int v)
{
	return v == 1 ? "true" : v == 0 ? "false" : "unknown";
}

char *oc_decision_to_json(const oc_context *ctx, const oc_decision *d, const oc_trace *trace,
	uint64_t generation)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "verdict", oc_action_name(d->verdict),
		"rule", d->rule_id, "layer", oc_layer_name(ctx->layer));
	if (!j)
		return NULL;
	if (d->file) {
		json_object_set_new(j, "file", json_string(d->file));
		json_object_set_new(j, "line", json_integer(d->line));
	}
	if (generation)
		json_object_set_new(j, "generation", json_integer((json_int_t)generation));
	if (d->verdict == OC_ACTION_ALLOW) {
		json_t *ports = json_array();
		for (size_t i = 0; i < d->egress.nports; i++)
			json_array_append_new(ports, json_integer(d->egress.ports[i]));
		json_object_set_new(j, "egress", json_pack("{s:s, s:o, s:b}",
			"mode", oc_egress_mode_name(d->egress.mode), "ports", ports,
			"allow_private_ips", d->egress.allow_private_ips));
	}
	if (trace) {
		json_t *steps = json_array();
		for (size_t i = 0; i < oc_trace_count(trace); i++) {
			const oc_trace_step *s = oc_trace_get(trace, i);
			json_array_append_new(steps, json_pack("{s:s, s:s, s:i, s:s, s:s}",
				"rule", oc_rule_id(s->rule), "file", oc_rule_file(s->rule),
				"line", oc_rule_line(s->rule), "result", tri_name(s->result), "why", s->why));
		}
		json_object_set_new(j, "trace", steps);
	}
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}
