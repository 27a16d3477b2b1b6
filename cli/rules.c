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
#include "client.h"
#include "core/errcode.h"
#include "table.h"

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
	json_t *j = json_pack("{s:s, s:s}", "code", oc_errcode_of(e->code)->id, "message", e->message);
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

/* An allow rule that names its hosts only by http.host or tls.sni is
 * right for the proxy, but the DNS filter never sees those fields, so an
 * agent that resolves the name itself gets NXDOMAIN (the product page's
 * own example did this). */
static void warn_proxy_only(const oc_ruleset *rs, json_t *warnings)
{
	const uint32_t proxy = OC_FIELD_BIT(OC_FIELD_HTTP_HOST) | OC_FIELD_BIT(OC_FIELD_TLS_SNI);
	const uint32_t dns = OC_FIELD_BIT(OC_FIELD_NETWORK_HOSTNAME) |
		OC_FIELD_BIT(OC_FIELD_DNS_QUERY);
	for (size_t i = 0; i < oc_ruleset_count(rs); i++) {
		const oc_rule *r = oc_ruleset_rule(rs, i);
		uint32_t f = oc_rule_fields(r);
		if (oc_rule_action(r) != OC_ACTION_ALLOW || !(f & proxy) || (f & dns))
			continue;
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s:%d: rule '%s' names its hosts only by %s, which "
			"only the proxy sees: agents that resolve names themselves will get NXDOMAIN; "
			"also test dns.query or use network.hostname (outcall-rules(5))",
			oc_rule_file(r), oc_rule_line(r), oc_rule_id(r),
			f & OC_FIELD_BIT(OC_FIELD_HTTP_HOST) ? "http.host" : "tls.sni");
		json_array_append_new(warnings, json_pack("{s:s, s:s, s:i, s:s}", "message", msg,
			"file", oc_rule_file(r), "line", oc_rule_line(r), "rule", oc_rule_id(r)));
	}
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
	json_t *warnings = rc ? NULL : warnings_json(w);
	if (!rc)
		warn_proxy_only(rs, warnings);
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
			json_object_set_new(j, "warnings", json_incref(warnings));
		}
		print_json(j);
	} else if (rc) {
		fprintf(stderr, "outcall: %s\n", oc_error_last()->message);
	} else {
		size_t i;
		json_t *x;
		json_array_foreach(warnings, i, x)
			fprintf(stderr, "warning: %s\n", cli_jstr(x, "message"));
		printf("ok: %zu rules in %zu files\n", oc_ruleset_count(rs), oc_ruleset_file_count(rs));
	}
	json_decref(warnings);
	oc_warnings_free(w);
	oc_ruleset_unref(rs);
	return rc ? OC_EXIT_ERROR : OC_EXIT_OK;
}

/* The flags describe a sample request; the library builds and judges it
 * exactly like the evaluate endpoint of outcalld does. */
static int sample_from_flags(const cli_cmd *cmd, cli_args *a, oc_sample **out)
{
	static const char *const keys[][2] = {
		{ "dns", "dns" }, { "type", "type" }, { "http", "http" }, { "method", "method" },
		{ "connect", "connect" }, { "sni", "sni" }, { "agent", "agent" },
	};
	static const char *const kinds[] = { "dns", "http", "connect", "context" };
	size_t given = 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		given += cli_opt_set(cmd, a, kinds[i]);
	if (given != 1)
		return cli_usage_error(cmd, "give one sample request%s: --dns NAME, --http URL, "
			"--connect HOST:PORT or --context JSON", given ? ", not several" : "");
	json_t *j = json_object();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = cli_opt_value(cmd, a, keys[i][0]);
		if (v)
			json_object_set_new(j, keys[i][1], json_string(v));
	}
	const char *ctx = cli_opt_value(cmd, a, "context");
	if (ctx) {
		json_error_t err;
		json_t *c = json_loads(ctx, 0, &err);
		if (!c) {
			json_decref(j);
			return cli_usage_error(cmd, "--context is not JSON: %s", err.text);
		}
		json_object_set_new(j, "context", c);
	}
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	int rc = text ? oc_sample_from_json(text, out) : OC_ENOMEM;
	free(text);
	if (rc)
		return cli_usage_error(cmd, "%s", oc_error_last()->message);
	return OC_EXIT_OK;
}

static const char *tri_name(int v)
{
	return v == 1 ? "true" : v == 0 ? "false" : "unknown";
}

static void print_decision(const cli_args *a, const oc_context *ctx, const oc_decision *d,
	const oc_trace *trace)
{
	if (a->json) {
		char *text = oc_decision_to_json(ctx, d, trace, 0);
		if (text)
			puts(text);
		free(text);
		return;
	}
	for (size_t i = 0; i < oc_trace_count(trace); i++) {
		const oc_trace_step *s = oc_trace_get(trace, i);
		printf("  %-7s %s (%s:%d): %s\n", tri_name(s->result), oc_rule_id(s->rule),
			oc_rule_file(s->rule), oc_rule_line(s->rule), s->why);
	}
	/* A --context has every field at once, which no single layer sees. */
	char where[64];
	if (ctx->layer == OC_LAYER_ALL)
		snprintf(where, sizeof(where), "for the --context given");
	else
		snprintf(where, sizeof(where), "at the %s layer", oc_layer_name(ctx->layer));
	if (d->rule)
		printf("%s by rule '%s' (%s:%d) %s\n", oc_action_name(d->verdict), d->rule_id,
			d->file, d->line, where);
	else
		printf("block by default: no rule matched %s\n", where);
}

static int run_test(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos)
		return cli_usage_error(cmd, "unexpected argument '%s'", a->pos[0]);
	oc_sample *sample = NULL;
	int rc = sample_from_flags(cmd, a, &sample);
	if (rc != OC_EXIT_OK)
		return rc;
	const char *dir = cli_opt_value(cmd, a, "rules");
	const char *paths[] = { dir ? dir : DEFAULT_RULES };
	oc_ruleset *rs = NULL;
	if (oc_ruleset_load(paths, 1, NULL, &rs, NULL) != 0) {
		const oc_error *e = oc_error_last();
		fprintf(stderr, "outcall: %s\n", e->message);
		cli_json_error(oc_errcode_of(e->code)->id, e->message, error_json(e));
		oc_sample_free(sample);
		return OC_EXIT_ERROR;
	}
	const oc_context *ctx = oc_sample_context(sample);
	oc_decision d;
	oc_trace *trace = NULL;
	if (cli_opt_set(cmd, a, "explain"))
		oc_engine_trace(rs, ctx, &d, &trace);
	else
		oc_engine_decide(rs, ctx, &d);
	print_decision(a, ctx, &d, trace);
	rc = d.verdict == OC_ACTION_ALLOW ? OC_EXIT_OK : OC_EXIT_ERROR;
	oc_trace_free(trace);
	oc_ruleset_unref(rs);
	oc_sample_free(sample);
	return rc;
}

static void human_rules(json_t *j)
{
	static const char *const h[] = { "ID", "ACTION", "PRIO", "EGRESS", "FILE", "DESCRIPTION" };
	cli_table *t = cli_table_new(6, h);
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(j, "rules"), i, r) {
		char prio[16], where[512];
		snprintf(prio, sizeof(prio), "%lld", cli_jint(r, "priority"));
		snprintf(where, sizeof(where), "%s:%lld", cli_jstr(r, "file"), cli_jint(r, "line"));
		const char *action = cli_jstr(r, "action");
		const char *row[] = { cli_jstr(r, "id"), action, prio,
			strcmp(action, "allow") == 0 ? cli_jstr(json_object_get(r, "egress"), "mode") : "-",
			where, cli_jstr(r, "description") };
		cli_table_add(t, row);
	}
	printf("generation %lld\n", cli_jint(j, "generation"));
	cli_table_print(t, "no rules: everything is blocked");
}

static int run_rules_list(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "GET", "/v1/rules", NULL, human_rules);
}

static int run_rules_show(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos != 1)
		return cli_usage_error(cmd, "give one rule id (see `outcall rules list`)");
	if (!cli_rule_id_ok(a->pos[0]))
		return cli_usage_error(cmd, "'%s' is no rule id: 1 to 128 letters, digits, '.', '_' "
			"and '-' (see `outcall rules list`)", a->pos[0]);
	char path[512];
	snprintf(path, sizeof(path), "/v1/rules/%s", a->pos[0]);
	return cli_show(a, "GET", path, NULL, cli_human_flat);
}

static void human_reload(json_t *j)
{
	printf("reloaded: generation %lld, %lld rules\n", cli_jint(j, "generation"), cli_jint(j, "rules"));
}

static int run_rules_reload(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "POST", "/v1/rules/reload", NULL, human_reload);
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
	{ "list", "list the live rules of outcalld in evaluation order", "", NULL, NULL,
		run_rules_list, NULL },
	{ "show", "show one live rule", "ID", NULL, NULL, run_rules_show, NULL },
	{ "reload", "make outcalld reload its rules directory now (all-or-nothing)", "",
		"On an error nothing changes; the message names file:line and rule.",
		NULL, run_rules_reload, NULL },
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
