/*
 * outcall-shim: what an agent inside a container runs to talk to Outcall
 * through its agent socket. Statically linked, so it runs in any image
 * (busybox, Alpine, distroless); it needs nothing but the socket.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <outcall/version.h>

#include "core/errcode.h"
#include "core/error.h"
#include "core/exitcode.h"
#include "core/similar.h"
#include "http.h"

#define DEFAULT_SOCKET "/run/outcall/agent.sock"
#define MAX_RULE_FILE (64 * 1024)
#define WAIT_STEP_S 300   /* the daemon's longest single long-poll */
#define REPLY_SLACK_S 15  /* beyond the wait, for the answer to arrive */


static const char usage[] =
	"Usage: outcall-shim [--json] COMMAND [ARGS]\n"
	"\n"
	"Talk to Outcall, the egress firewall this container sits behind.\n"
	"\n"
	"Commands:\n"
	"  check URL|HOST[:PORT] [--method M]\n"
	"      would this be allowed? (HOST:PORT is a tunnel, as HTTPS through the\n"
	"      proxy; a bare HOST is port 443)\n"
	"  request --host H [--port P] [--method M] [--path P] --why TEXT [--for DUR]\n"
	"          [--wait SECONDS]\n"
	"  request --rule-file FILE --why TEXT [--for DUR] [--wait SECONDS]\n"
	"      ask the operator for access; --method and --path only match plain\n"
	"      http:// requests\n"
	"  status ID [--wait SECONDS]\n"
	"      the request's state (waits for a decision)\n"
	"  wait ID [--timeout SECONDS]\n"
	"      wait for the operator's decision [300]\n"
	"  whoami\n"
	"      this container's identity, proxy and DNS\n"
	"  env\n"
	"      shell exports for the proxy: eval \"$(outcall-shim env)\"\n"
	"\n"
	"Options: --json prints the daemon's JSON answer (and errors as JSON); --help\n"
	"prints this; --version prints the version.\n"
	"Durations: 30s, 10m, 2h, 1d.\n"
	"The socket is $OUTCALL_AGENT_SOCKET, default " DEFAULT_SOCKET ".\n"
	"\n"
	"Exit codes (the same scheme as outcall and outcalld): 0 allowed / approved /\n"
	"submitted, 1 blocked / rejected / expired, 2 usage, 3 daemon unreachable,\n"
	"4 refused by the daemon (rate limit, queue full, unknown request), 5 still\n"
	"pending. See outcall-shim(1).\n";

struct args {
	bool json;
	const char *host, *port, *method, *path, *why, *dur, *wait, *timeout, *rule_file;
	const char *pos[2];
	int npos;
	const char *socket;
};

/* --json anywhere: errors are then also one JSON line on stdout, in the
 * daemon's shape, with a code of the one table (core/errcode.h). */
static bool json_errors;

static void json_error(const char *code, const char *message)
{
	if (!json_errors)
		return;
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (t)
		puts(t);
	free(t);
	json_decref(j);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "outcall-shim: %s\nRun 'outcall-shim --help' for usage.\n", msg);
	json_error("usage", msg);
	return OC_EXIT_USAGE;
}

/* Options a command accepts, as " name name ". */
static int parse(int argc, char **argv, const char *allowed, struct args *a)
{
	struct {
		const char *name;
		const char **slot;
	} opts[] = {
		{ "host", &a->host }, { "port", &a->port }, { "method", &a->method },
		{ "path", &a->path }, { "why", &a->why }, { "for", &a->dur }, { "wait", &a->wait },
		{ "timeout", &a->timeout }, { "rule-file", &a->rule_file },
	};
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--json") == 0) {
			a->json = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
			if (a->npos == 2)
				return usage_error("too many arguments at '%s'", arg);
			a->pos[a->npos++] = arg;
			continue;
		}
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		char key[32];
		snprintf(key, sizeof(key), " %.*s ", (int)(len < 20 ? len : 20), name);
		size_t k = 0;
		while (k < sizeof(opts) / sizeof(opts[0]) &&
		       (strlen(opts[k].name) != len || strncmp(opts[k].name, name, len) != 0))
			k++;
		if (k == sizeof(opts) / sizeof(opts[0]) || !strstr(allowed, key)) {
			oc_similar near;
			oc_similar_init(&near, name, len);
			for (size_t j = 0; j < sizeof(opts) / sizeof(opts[0]); j++) {
				snprintf(key, sizeof(key), " %s ", opts[j].name);
				if (strstr(allowed, key))
					oc_similar_offer(&near, opts[j].name);
			}
			if (near.best)
				return usage_error("unknown option '%s' for this command; did you mean "
					"'--%s'?", arg, near.best);
			return usage_error("unknown option '%s' for this command", arg);
		}
		if (eq)
			*opts[k].slot = eq + 1;
		else if (i + 1 < argc)
			*opts[k].slot = argv[++i];
		else
			return usage_error("%s needs a value", arg);
	}
	return OC_EXIT_OK;
}

/* A whole number of seconds, or -1. */
static long seconds(const char *text)
{
	size_t n = strspn(text, "0123456789");
	return n && n <= 7 && !text[n] ? strtol(text, NULL, 10) : -1;
}

static void print_json(const char *body)
{
	fputs(body, stdout);
	if (!*body || body[strlen(body) - 1] != '\n')
		putchar('\n');
}

/* One call; prints the daemon's error for >= 400. Returns OC_EXIT_OK with *out
 * set, or the exit code. */
static int call(const struct args *a, const char *method, const char *target, json_t *body,
	unsigned timeout_s, json_t **out)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	shim_reply r;
	char err[512];
	int rc = shim_http(a->socket, method, target, text, timeout_s, &r, err, sizeof(err));
	free(text);
	if (rc) {
		fprintf(stderr, "outcall-shim: %s\nIs this container attached to Outcall, with its "
			"socket directory mounted at /run/outcall? OUTCALL_AGENT_SOCKET overrides the "
			"path.\n", err);
		json_error(oc_errcode_of(oc_error_last()->code)->id, err);
		return OC_EXIT_UNREACHABLE;
	}
	json_t *j = json_loads(r.body, 0, NULL);
	if (r.status >= 400) {
		const char *msg = json_string_value(json_object_get(json_object_get(j, "error"),
			"message"));
		if (a->json)
			print_json(r.body);
		else
			fprintf(stderr, "outcall-shim: %s (HTTP %d)\n", msg ? msg : "refused", r.status);
		json_decref(j);
		free(r.body);
		return r.status == 400 ? OC_EXIT_USAGE : OC_EXIT_REFUSED;
	}
	free(r.body);
	if (!j) {
		fprintf(stderr, "outcall-shim: the daemon's answer is not JSON\n");
		json_error(oc_errcode_of(OC_EPARSE)->id, "the daemon's answer is not JSON");
		return OC_EXIT_REFUSED;
	}
	*out = j;
	return OC_EXIT_OK;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void show_time(const char *label, json_t *o, const char *key)
{
	json_int_t t = json_integer_value(json_object_get(o, key));
	if (!t)
		return;
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("  %s %s\n", label, buf);
}

/* The exit code a request's state means. */
static int request_code(json_t *r)
{
	const char *s = str(r, "status");
	return strcmp(s, "approved") == 0 ? OC_EXIT_OK : strcmp(s, "pending") == 0 ? OC_EXIT_PENDING : OC_EXIT_ERROR;
}

static void show_request(const struct args *a, json_t *r)
{
	if (a->json) {
		char *t = json_dumps(r, JSON_COMPACT);
		if (t)
			print_json(t);
		free(t);
		return;
	}
	printf("request %s: %s\n", str(r, "id"), str(r, "status"));
	json_int_t port = json_integer_value(json_object_get(r, "port"));
	if (port)
		printf("  asks for: %s port %lld\n", str(r, "host"), (long long)port);
	else if (json_object_get(r, "host") != NULL)
		printf("  asks for: %s\n", str(r, "host"));
	else
		printf("  asks for: the rules of a rule file\n");
	if (json_object_get(r, "method"))
		printf("  method: %s\n", str(r, "method"));
	if (json_object_get(r, "path_prefix"))
		printf("  path prefix: %s\n", str(r, "path_prefix"));
	if (json_object_get(r, "note"))
		printf("  note: %s\n", str(r, "note"));
	if (json_object_get(r, "reason"))
		printf("  reason: %s\n", str(r, "reason"));
	printf("  rule: %s\n", str(r, "rule_id"));
	show_time("expires:", r, "expires_at");
	if (strcmp(str(r, "status"), "pending") == 0)
		printf("The operator decides; `outcall-shim wait %s` waits for it.\n", str(r, "id"));
}

/* Long-polls until the request is decided or total_s run out. */
static int wait_for(const struct args *a, const char *id, long total_s, json_t **out)
{
	time_t deadline = time(NULL) + total_s;
	*out = NULL;
	for (;;) {
		long left = (long)(deadline - time(NULL));
		long step = left < 0 ? 0 : left > WAIT_STEP_S ? WAIT_STEP_S : left;
		char target[128];
		snprintf(target, sizeof(target), "/v1/requests/%s?wait=%ld", id, step);
		json_t *r = NULL;
		int rc = call(a, "GET", target, NULL, (unsigned)step + REPLY_SLACK_S, &r);
		if (rc) {
			json_decref(*out);
			*out = NULL;
			return rc;
		}
		json_decref(*out);
		*out = r;
		if (request_code(r) != OC_EXIT_PENDING || time(NULL) >= deadline)
			return OC_EXIT_OK;
	}
}

/* Shows the request after waiting (wait: seconds, or NULL). `submitted`:
 * the caller just queued it, which succeeds even while it is pending. */
static int finish_request(const struct args *a, json_t *r, const char *wait, bool submitted)
{
	if (wait) {
		long s = seconds(wait);
		json_t *w = NULL;
		int rc = s < 0 ? usage_error("--wait needs whole seconds, not '%s'", wait)
			: wait_for(a, str(r, "id"), s, &w);
		if (rc) {
			json_decref(r);
			return rc;
		}
		json_decref(r);
		r = w;
	}
	show_request(a, r);
	int code = request_code(r);
	json_decref(r);
	return submitted && !wait && code == OC_EXIT_PENDING ? OC_EXIT_OK : code;
}

static int cmd_check(const struct args *a)
{
	if (a->npos != 1)
		return usage_error("%s", "check needs one URL or HOST[:PORT]");
	const char *what = a->pos[0];
	json_t *body;
	if (strstr(what, "://")) {
		body = json_pack("{s:s}", "url", what);
	} else {
		char host[300];
		const char *colon = strrchr(what, ':');
		long port = colon ? seconds(colon + 1) : 443;
		size_t hlen = colon ? (size_t)(colon - what) : strlen(what);
		if (port < 1 || port > 65535 || hlen == 0 || hlen >= sizeof(host))
			return usage_error("'%s' is not a URL or HOST[:PORT]", what);
		memcpy(host, what, hlen);
		host[hlen] = '\0';
		body = json_pack("{s:s, s:i}", "host", host, "port", (int)port);
	}
	if (a->method)
		json_object_set_new(body, "method", json_string(a->method));
	json_t *j = NULL;
	int rc = call(a, "POST", "/v1/check", body, REPLY_SLACK_S, &j);
	if (rc)
		return rc;
	bool allowed = json_is_true(json_object_get(j, "allowed"));
	if (a->json) {
		char *t = json_dumps(j, JSON_COMPACT);
		if (t)
			print_json(t);
		free(t);
	} else {
		printf("%s: %s\n  layer %s, rule %s, decision %s\n", allowed ? "allowed" : "blocked",
			str(j, "reason"), str(j, "layer"), str(j, "rule"), str(j, "decision_id"));
	}
	json_decref(j);
	return allowed ? OC_EXIT_OK : OC_EXIT_ERROR;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = malloc(MAX_RULE_FILE + 1);
	size_t n = buf ? fread(buf, 1, MAX_RULE_FILE + 1, f) : 0;
	fclose(f);
	if (!buf || n > MAX_RULE_FILE) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int cmd_request(const struct args *a)
{
	if (a->npos)
		return usage_error("unexpected argument '%s' (the host goes after --host)", a->pos[0]);
	if (!a->why)
		return usage_error("%s", "--why is required: say why the access is needed (the "
			"operator reads it)");
	if (!a->host == !a->rule_file)
		return usage_error("%s", "give --host (with --port, --method, --path) or --rule-file");
	json_t *body = json_pack("{s:s}", "justification", a->why);
	if (a->host)
		json_object_set_new(body, "host", json_string(a->host));
	if (a->port) {
		long p = seconds(a->port);
		if (p < 1 || p > 65535) {
			json_decref(body);
			return usage_error("--port needs 1 to 65535, not '%s'", a->port);
		}
		json_object_set_new(body, "port", json_integer(p));
	}
	if (a->method)
		json_object_set_new(body, "method", json_string(a->method));
	if (a->path)
		json_object_set_new(body, "path_prefix", json_string(a->path));
	if (a->dur)
		json_object_set_new(body, "duration", json_string(a->dur));
	if (a->rule_file) {
		char *text = read_file(a->rule_file);
		if (!text) {
			json_decref(body);
			return usage_error("cannot read the rule file '%s' (at most 64 KiB)", a->rule_file);
		}
		json_object_set_new(body, "rule_file", json_string(text));
		free(text);
	}
	json_t *r = NULL;
	int rc = call(a, "POST", "/v1/requests", body, REPLY_SLACK_S, &r);
	return rc ? rc : finish_request(a, r, a->wait, true);
}

static bool id_ok(const char *id)
{
	return strlen(id) < 32 && strspn(id, "r-0123456789abcdefghijklmnopqrstuvwxyz") == strlen(id);
}

static int cmd_status(const struct args *a, const char *wait)
{
	if (a->npos != 1 || !id_ok(a->pos[0]))
		return usage_error("%s", "give one request id (r-...)");
	char target[64];
	snprintf(target, sizeof(target), "/v1/requests/%s", a->pos[0]);
	json_t *r = NULL;
	int rc = call(a, "GET", target, NULL, REPLY_SLACK_S, &r);
	if (rc)
		return rc;
	return finish_request(a, r, wait, false);
}

/* `env` is eval'ed by a shell: names are shell names, and a value is one
 * single-quoted word in which a quote is closed, escaped and reopened. */
static bool env_name_ok(const char *k)
{
	size_t n = strlen(k);
	return n > 0 && n < 32 && !(k[0] >= '0' && k[0] <= '9') && strspn(k,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static void print_export(const char *key, const char *value)
{
	printf("export %s='", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	}
	fputs("'\n", stdout);
}

static int cmd_whoami(const struct args *a, bool env)
{
	if (a->npos)
		return usage_error("unexpected argument '%s'", a->pos[0]);
	json_t *j = NULL;
	int rc = call(a, "GET", "/v1/whoami", NULL, REPLY_SLACK_S, &j);
	if (rc)
		return rc;
	json_t *vars = json_object_get(j, "env");
	if (a->json) {
		char *t = json_dumps(env ? vars : j, JSON_COMPACT);
		if (t)
			print_json(t);
		free(t);
	} else if (env) {
		const char *key;
		json_t *v;
		/* Many tools read only the lower-case names: set both. */
		json_object_foreach(vars, key, v) {
			if (!env_name_ok(key) || !json_is_string(v))
				continue;
			char lower[32];
			size_t i = 0;
			for (; key[i]; i++)
				lower[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
			lower[i] = '\0';
			print_export(key, json_string_value(v));
			print_export(lower, json_string_value(v));
		}
	} else {
		printf("agent %s (container %s) on network %s, address %s\n", str(j, "agent"),
			str(j, "container"), str(j, "network"), str(j, "ip"));
		if (json_object_get(j, "proxy"))
			printf("proxy %s, DNS %s\n", str(j, "proxy"), str(j, "dns"));
		size_t i;
		json_t *line;
		json_array_foreach(json_object_get(j, "usage"), i, line)
			printf("- %s\n", json_string_value(line));
	}
	bool missing = env && !json_object_size(vars);
	json_decref(j);
	if (missing) {
		fprintf(stderr, "outcall-shim: the daemon did not name a proxy for this container\n");
		return OC_EXIT_REFUSED;
	}
	return OC_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct args a = { .socket = getenv("OUTCALL_AGENT_SOCKET") };
	if (!a.socket || !*a.socket)
		a.socket = DEFAULT_SOCKET;
	for (int i = 1; i < argc; i++)
		json_errors = json_errors || strcmp(argv[i], "--json") == 0;
	int first = 1;
	while (first < argc && strcmp(argv[first], "--json") == 0) {
		a.json = true;
		first++;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return OC_EXIT_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("outcall-shim %s\n", OC_VERSION_STRING);
			return OC_EXIT_OK;
		}
	}
	if (first >= argc)
		return usage_error("%s", "no command given: check, request, status, wait, whoami or env");
	const char *cmd = argv[first];
	static const struct {
		const char *name, *opts;
	} cmds[] = {
		{ "check", " method " }, { "request", " host port method path why for wait rule-file " },
		{ "status", " wait " }, { "wait", " timeout " }, { "whoami", " " }, { "env", " " },
	};
	size_t k = 0;
	while (k < sizeof(cmds) / sizeof(cmds[0]) && strcmp(cmds[k].name, cmd) != 0)
		k++;
	if (k == sizeof(cmds) / sizeof(cmds[0])) {
		oc_similar near;
		oc_similar_init(&near, cmd, strlen(cmd));
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			oc_similar_offer(&near, cmds[i].name);
		if (near.best)
			return usage_error("unknown command '%s'; did you mean '%s'?", cmd, near.best);
		return usage_error("unknown command '%s' (see outcall-shim --help)", cmd);
	}
	int rc = parse(argc - first - 1, argv + first + 1, cmds[k].opts, &a);
	if (rc)
		return rc;
	switch (k) {
	case 0: return cmd_check(&a);
	case 1: return cmd_request(&a);
	case 2: return cmd_status(&a, a.wait);
	case 3: return cmd_status(&a, a.timeout ? a.timeout : "300");
	case 4: return cmd_whoami(&a, false);
	default: return cmd_whoami(&a, true);
	}
}
