#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/errcode.h"
#include "core/text.h"
#include "http/client.h"

/* The call failed before an answer: say why, and what to do: join the
 * operator group when the socket refused us, start the daemon when
 * nothing listens. */
static int unreachable(int rc)
{
	cli_json_error(oc_errcode_of(rc)->id, oc_error_last()->message, NULL);
	if (rc == OC_EPERM)
		fprintf(stderr, "outcall: %s.\n"
			"The host socket is for root and the operator group (outcalld "
			"--operator-group GROUP, `outcall` in the packaged unit): ask an administrator to "
			"add you (usermod -aG GROUP USER, then log in again), or run as root.\n",
			oc_error_last()->message);
	else if (rc == OC_EUNREACHABLE)
		fprintf(stderr, "outcall: %s.\n"
			"Start it with `outcalld` (or `systemctl start outcalld`), or point --socket "
			"(or $OUTCALL_SOCKET) at its host socket.\n", oc_error_last()->message);
	else
		fprintf(stderr, "outcall: %s\n", oc_error_last()->message);
	return OC_EXIT_UNREACHABLE;
}

static oc_http_call request(const cli_args *a, const char *method, const char *path,
	const char *body)
{
	return (oc_http_call){ .socket = a->socket, .method = method, .target = path,
		.host = "outcalld", .body = body };
}

int cli_call(const cli_args *a, const char *method, const char *path, json_t *body,
	int *status, json_t **out, char **text)
{
	*out = NULL;
	if (text)
		*text = NULL;
	char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	oc_http_call c = request(a, method, path, b);
	char *payload;
	size_t len;
	int rc = oc_http_call_fetch(&c, status, &payload, &len);
	free(b);
	if (rc) {
		*status = -1;
		return unreachable(rc);
	}
	json_t *j = json_loads(payload, JSON_DECODE_ANY, NULL);
	if (j)
		*out = j;
	else if (text)
		*text = payload, payload = NULL;
	free(payload);
	return OC_EXIT_OK;
}

static int api_error(int status, json_t *answer)
{
	json_t *err = json_object_get(answer, "error");
	const char *msg = cli_jstr(err, "message");
	const char *code = cli_jstr(err, "code");
	fprintf(stderr, "outcall: %s (HTTP %d)\n", msg ? msg : "the daemon refused the request",
		status);
	/* The daemon's own error object, its details (file, line, rule) kept. */
	json_t *extra = json_is_object(err) ? json_deep_copy(err) : json_object();
	json_object_set_new(extra, "status", json_integer(status));
	cli_json_error(code ? code : cli_code_of_status(status),
		msg ? msg : "the daemon refused the request", extra);
	json_decref(answer);
	return OC_EXIT_ERROR;
}

/* A stream of JSON lines, each handed to fn as it completes. */
struct lines {
	const int *status;
	oc_buf line;
	int (*fn)(json_t *line, void *arg);
	void *arg;
};

static int on_stream(const char *data, size_t len, void *arg)
{
	struct lines *l = arg;
	if (*l->status != 200)
		return 1;
	for (const char *end = data + len, *nl; data < end; data = nl + 1) {
		nl = memchr(data, '\n', (size_t)(end - data));
		if (oc_buf_append(&l->line, data, (size_t)((nl ? nl : end) - data)) != 0)
			return 1;
		if (!nl)
			break;
		json_t *j = json_loadb(l->line.data, l->line.len, 0, NULL);
		oc_buf_reset(&l->line);
		int stop = j && l->fn(j, l->arg) != 0;
		json_decref(j);
		if (stop)
			return 1;
	}
	return 0;
}

int cli_stream(const cli_args *a, const char *path, int (*fn)(json_t *line, void *arg), void *arg)
{
	int status = 0;
	struct lines l = { .status = &status, .line = OC_BUF_INIT, .fn = fn, .arg = arg };
	oc_http_call c = request(a, "GET", path, NULL);
	int rc = oc_http_call_stream(&c, &status, on_stream, &l);
	oc_buf_free(&l.line);
	if (rc && status == 200) {
		cli_fail(oc_errcode_of(OC_EUNREACHABLE)->id, "the daemon closed the stream");
		return OC_EXIT_UNREACHABLE;
	}
	if (rc)
		return unreachable(rc);
	if (status != 200)
		return cli_fail(cli_code_of_status(status), "the daemon did not start a stream "
			"(HTTP %d)", status);
	return OC_EXIT_OK;
}

void cli_print_json(json_t *j)
{
	/* ASCII only: a C1 control or bidi override in a string is \u-escaped
	 * rather than handed to the terminal. */
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (s)
		puts(s);
	free(s);
	json_decref(j);
}

/* Calls the API; prints JSON or hands the answer to `human`. */
int cli_fetch(const cli_args *a, const char *method, const char *path, json_t *body,
	json_t **out, char **text)
{
	int status;
	int rc = cli_call(a, method, path, body, &status, out, text);
	if (rc != OC_EXIT_OK || status < 400)
		return rc;
	if (text) {
		free(*text);
		*text = NULL;
	}
	rc = api_error(status, *out);
	*out = NULL;
	return rc;
}

int cli_show(cli_args *a, const char *method, const char *path, json_t *body,
	void (*human)(json_t *j))
{
	json_t *j = NULL;
	char *text = NULL;
	int rc = cli_fetch(a, method, path, body, &j, &text);
	if (rc != OC_EXIT_OK)
		return rc;
	if (!j) {
		cli_put(text ? text : "", true);
		free(text);
		return OC_EXIT_OK;
	}
	if (a->json || !human)
		cli_print_json(j);
	else {
		human(j);
		json_decref(j);
	}
	return OC_EXIT_OK;
}

/* The escaped text replaces the original in o, so it lives as long as o
 * does, and asking again finds nothing left to escape. */
static const char *printable(json_t *o, const char *k, bool lines)
{
	json_t *v = json_object_get(o, k);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (!s || oc_text_unsafe_at(s, len, lines) == len)
		return s;
	oc_buf b = OC_BUF_INIT;
	if (oc_text_escape(&b, s, len, lines) != 0 || json_object_set_new(o, k,
	    json_stringn(b.data, b.len)) != 0) {
		oc_buf_free(&b);
		return "(out of memory)";
	}
	oc_buf_free(&b);
	return json_string_value(json_object_get(o, k));
}

const char *cli_jstr(json_t *o, const char *k)
{
	return printable(o, k, false);
}

const char *cli_jtext(json_t *o, const char *k)
{
	return printable(o, k, true);
}

void cli_put(const char *s, bool lines)
{
	oc_buf b = OC_BUF_INIT;
	if (oc_text_escape(&b, s, strlen(s), lines) == 0 && b.data)
		fwrite(b.data, 1, b.len, stdout);
	oc_buf_free(&b);
}

bool cli_request_id_ok(const char *id)
{
	return strlen(id) < 32 && strspn(id, "r-0123456789abcdefghjkmnpqrstvwxyz") == strlen(id);
}

bool cli_rule_id_ok(const char *id)
{
	size_t n = strlen(id);
	return n > 0 && n <= 128 && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789._-") == n;
}

long long cli_jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

