/* outcall rules validate|test: checking rule sets offline, without a
 * daemon. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <outcall/outcall.h>
#include <outcall/engine.h>
#include <outcall/policy.h>

#include "cli.h"

#define DEFAULT_RULES "/etc/outcall/rules.d"

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	if (s)
		puts(s);
	free(s);
	json_decref(j);
}

static json_t *error_json(const oc_error *e)
{
	json_t *j = json_pack("{s:s, s:s}", "code", oc_strerror(e->code), "message", e->message);
	if (e->file)
		json_object_set_new(j, "file", json_string(e->file));
	if (e->line)
		json_object_set_new(j, "line", json_integer(e->line));
	if (e->column)
		json_object_set_new(j, "column", json_integer(e->column));
	if (e->rule_id)
		json_object_set_new(j, "rule", json_string(e->rule_id));
	return j;
}

static json_t *warnings_json(const oc_warnings *w)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < oc_warnings_count(w); i++) {
		const oc_warning *x = oc_warnings_get(w, i);
		json_t *o = json_pack("{s:s, s:s, s:i}", "message", x->message, "file", x->file,
			"line", x->line);
		if (x->rule_id)
			json_object_set_new(o, "rule", json_string(x->rule_id));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Loads the paths given (or the default directory). */
static int load(char **paths, int npaths, oc_ruleset **rs, oc_warnings **w)
{
	static const char *def[] = { DEFAULT_RULES };
	if (npaths == 0)
		return oc_ruleset_load(def, 1, NULL, rs, w);
	return oc_ruleset_load((const char *const *)paths, (size_t)npaths, NULL, rs, w);
}

static int run_validate(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	oc_ruleset *rs = NULL;
	oc_warnings *w = NULL;
	int rc = load(a->pos, a->npos, &rs, &w);
	if (a->json) {
		json_t *j = json_object();
		json_object_set_new(j, "valid", json_boolean(rc == 0));
		if (rc) {
			json_object_set_new(j, "error", error_json(oc_error_last()));
		} else {
			json_t *files = json_array();
			for (size_t i = 0; i < oc_ruleset_file_count(rs); i++)
				json_array_append_new(files, json_string(oc_ruleset_file(rs, i)));
			json_object_set_new(j, "files", files);
			json_object_set_new(j, "rules", json_integer((json_int_t)oc_ruleset_count(rs)));
			json_object_set_new(j, "warnings", warnings_json(w));
		}
		print_json(j);
	} else if (rc) {
		fprintf(stderr, "error: %s\n", oc_error_last()->message);
	} else {
		for (size_t i = 0; i < oc_warnings_count(w); i++)
			fprintf(stderr, "warning: %s\n", oc_warnings_get(w, i)->message);
		printf("ok: %zu rules in %zu files\n", oc_ruleset_count(rs), oc_ruleset_file_count(rs));
	}
	oc_warnings_free(w);
	oc_ruleset_unref(rs);
	return rc ? EXIT_ERR : EXIT_OK;
}

/* Storage for one test request: contexts point into these. */
struct test_req {
	oc_context ctx;
	char host[OC_HOSTNAME_MAX];
	char sni[OC_HOSTNAME_MAX];
	char *target;
	json_t *context_json; /* keeps --context strings alive */
	oc_kv headers[32];
	oc_kv labels[32];
	char header_names[32][128];
	char norm[4][OC_HOSTNAME_MAX];
};

static int set_string_field(oc_context *c, const char *key, const char *v)
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
	return -1;
}

/* Header names are lower case in a context; `names` (if given) holds the
 * lower-cased copies. */
static int map_from_json(json_t *obj, oc_kv *items, char (*names)[128], size_t cap, oc_map *out)
{
	const char *k;
	json_t *v;
	size_t n = 0;
	json_object_foreach(obj, k, v) {
		if (!json_is_string(v) || n == cap || strlen(k) >= 128)
			return -1;
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

/* --context '{"http.host": "x", "http.headers": {"a": "b"}, ...}': every
 * field known, as for a rule test that names each field itself. Host
 * fields are normalised like a layer would. */
static int context_from_json(const cli_cmd *cmd, struct test_req *t, const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return cli_usage_error(cmd, "--context must be a JSON object of field names to "
			"values: %s", j ? "not an object" : err.text);
	}
	t->context_json = j;
	oc_context_init(&t->ctx, OC_LAYER_ALL);
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		int bad = 0;
		if (strcmp(k, "network.port") == 0 || strcmp(k, "http.body_size") == 0) {
			if (!json_is_integer(v))
				return cli_usage_error(cmd, "--context: '%s' must be a number", k);
			if (k[0] == 'n')
				t->ctx.network_port = json_integer_value(v);
			else
				t->ctx.http_body_size = json_integer_value(v);
		} else if (strcmp(k, "http.headers") == 0) {
			bad = !json_is_object(v) || map_from_json(v, t->headers, t->header_names, 32,
				&t->ctx.http_headers);
		} else if (strcmp(k, "container.labels") == 0) {
			bad = !json_is_object(v) || map_from_json(v, t->labels, NULL, 32,
				&t->ctx.container_labels);
		} else if (strcmp(k, "http.body") == 0) {
			bad = !json_is_string(v);
			if (!bad) {
				t->ctx.http_body = json_string_value(v);
				t->ctx.http_body_len = json_string_length(v);
			}
		} else if (!json_is_string(v)) {
			return cli_usage_error(cmd, "--context: '%s' must be a string", k);
		} else if (set_string_field(&t->ctx, k, json_string_value(v)) != 0) {
			return cli_usage_error(cmd, "--context: unknown field '%s'", k);
		}
		if (bad)
			return cli_usage_error(cmd, "--context: '%s' must be an object of strings "
				"(at most 32, names under 128 bytes)", k);
	}
	/* Rules compare normalised hosts; normalise them like every layer. */
	const char **hosts[] = { &t->ctx.network_hostname, &t->ctx.dns_query, &t->ctx.http_host,
		&t->ctx.tls_sni };
	for (size_t i = 0; i < 4; i++) {
		if (!*hosts[i] || !**hosts[i])
			continue;
		if (oc_hostname_normalize(*hosts[i], t->norm[i], OC_HOSTNAME_MAX) < 0)
			return cli_usage_error(cmd, "--context: %s", oc_error_last()->message);
		*hosts[i] = t->norm[i];
	}
	return EXIT_OK;
}

static int build_request(const cli_cmd *cmd, cli_args *a, struct test_req *t)
{
	const char *dns = cli_opt_value(cmd, a, "dns");
	const char *http = cli_opt_value(cmd, a, "http");
	const char *conn = cli_opt_value(cmd, a, "connect");
	const char *ctxj = cli_opt_value(cmd, a, "context");
	if (!!dns + !!http + !!conn + !!ctxj != 1)
		return cli_usage_error(cmd, "give exactly one of --dns, --http, --connect, --context");
	if (cli_opt_set(cmd, a, "type") && !dns)
		return cli_usage_error(cmd, "--type goes with --dns");
	if (cli_opt_set(cmd, a, "method") && !http)
		return cli_usage_error(cmd, "--method goes with --http");
	if (cli_opt_set(cmd, a, "sni") && !conn)
		return cli_usage_error(cmd, "--sni goes with --connect");
	int rc = 0;
	if (dns) {
		rc = oc_context_for_dns(&t->ctx, t->host, dns, cli_opt_value(cmd, a, "type"));
	} else if (http) {
		t->target = malloc(strlen(http) + 2);
		if (!t->target)
			return EXIT_ERR;
		rc = oc_context_for_url(&t->ctx, t->host, t->target, http,
			cli_opt_value(cmd, a, "method"));
	} else if (conn) {
		const char *colon = strrchr(conn, ':');
		char host[OC_HOSTNAME_MAX];
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (!colon || colon == conn || (size_t)(colon - conn) >= sizeof(host) || *end)
			return cli_usage_error(cmd, "--connect needs HOST:PORT");
		memcpy(host, conn, (size_t)(colon - conn));
		host[colon - conn] = '\0';
		rc = oc_context_for_tls(&t->ctx, t->host, host, (int)port,
			cli_opt_value(cmd, a, "sni"), t->sni);
	} else {
		return context_from_json(cmd, t, ctxj);
	}
	if (rc)
		return cli_usage_error(cmd, "%s", oc_error_last()->message);
	return EXIT_OK;
}

static const char *tri_name(int v)
{
	return v == 1 ? "true" : v == 0 ? "false" : "unknown";
}

static void print_decision(const cli_args *a, const oc_context *ctx, const oc_decision *d,
	const oc_trace *trace)
{
	if (a->json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "verdict", oc_action_name(d->verdict),
			"rule", d->rule_id, "layer", oc_layer_name(ctx->layer));
		if (d->file) {
			json_object_set_new(j, "file", json_string(d->file));
			json_object_set_new(j, "line", json_integer(d->line));
		}
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
				json_array_append_new(steps, json_pack("{s:s, s:s, s:s}",
					"rule", oc_rule_id(s->rule), "result", tri_name(s->result),
					"why", s->why));
			}
			json_object_set_new(j, "trace", steps);
		}
		print_json(j);
		return;
	}
	if (trace) {
		for (size_t i = 0; i < oc_trace_count(trace); i++) {
			const oc_trace_step *s = oc_trace_get(trace, i);
			printf("  %-7s %s (%s:%d): %s\n", tri_name(s->result), oc_rule_id(s->rule),
				oc_rule_file(s->rule), oc_rule_line(s->rule), s->why);
		}
	}
	if (d->rule)
		printf("%s by rule '%s' (%s:%d) at the %s layer\n", oc_action_name(d->verdict),
			d->rule_id, d->file, d->line, oc_layer_name(ctx->layer));
	else
		printf("block by default: no rule matched at the %s layer\n", oc_layer_name(ctx->layer));
}

static int run_test(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos)
		return cli_usage_error(cmd, "unexpected argument '%s'", a->pos[0]);
	struct test_req t = { 0 };
	int rc = build_request(cmd, a, &t);
	const char *agent = cli_opt_value(cmd, a, "agent");
	if (rc == EXIT_OK && agent)
		t.ctx.agent_name = agent;
	oc_ruleset *rs = NULL;
	if (rc == EXIT_OK) {
		const char *dir = cli_opt_value(cmd, a, "rules");
		const char *paths[] = { dir ? dir : DEFAULT_RULES };
		if (oc_ruleset_load(paths, 1, NULL, &rs, NULL) != 0) {
			fprintf(stderr, "error: %s\n", oc_error_last()->message);
			rc = EXIT_ERR;
		}
	}
	if (rc == EXIT_OK) {
		oc_decision d;
		oc_trace *trace = NULL;
		if (cli_opt_set(cmd, a, "explain"))
			oc_engine_trace(rs, &t.ctx, &d, &trace);
		else
			oc_engine_decide(rs, &t.ctx, &d);
		print_decision(a, &t.ctx, &d, trace);
		oc_trace_free(trace);
		rc = d.verdict == OC_ACTION_ALLOW ? EXIT_OK : EXIT_ERR;
	}
	oc_ruleset_unref(rs);
	free(t.target);
	json_decref(t.context_json);
	return rc;
}

static const cli_opt test_opts[] = {
	{ "rules", "DIR", "rules directory or file (default " DEFAULT_RULES ")" },
	{ "dns", "NAME", "a DNS query for NAME" },
	{ "type", "TYPE", "the DNS record type (default A)" },
	{ "http", "URL", "a request for URL (https:// is judged as TLS: host and port only)" },
	{ "method", "METHOD", "the HTTP method (default GET)" },
	{ "connect", "HOST:PORT", "a CONNECT tunnel to HOST:PORT" },
	{ "sni", "NAME", "the TLS SNI of the tunnel (default HOST)" },
	{ "context", "JSON", "every field given as JSON, e.g. '{\"http.host\":\"x\"}'" },
	{ "agent", "NAME", "the agent.name of the requester" },
	{ "explain", NULL, "show every rule considered and why it matched or not" },
	{ NULL },
};

const cli_cmd cli_rules_cmds[] = {
	{ "validate", "check rule files and print errors and warnings", "[DIR|FILE...]",
		"Loads the files exactly like outcalld does (default " DEFAULT_RULES ").\n"
		"Exit code 0 when the set is valid, 1 otherwise.",
		NULL, run_validate, NULL },
	{ "test", "decide a sample request against a rule set",
		"[--rules DIR] (--dns NAME [--type T] | --http URL [--method M] | "
		"--connect HOST:PORT [--sni NAME] | --context JSON) [--agent NAME] [--explain]",
		"Prints the verdict and the deciding rule with its file and line.\n"
		"Exit code 0 allowed, 1 blocked (or error), 2 usage error.",
		test_opts, run_test, NULL },
	{ NULL },
};
