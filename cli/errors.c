/* How the CLI reports a failure: a line on stderr for people and, with
 * --json, one JSON line on stdout for programs, {"error": {"code": ...,
 * "message": ...}}, its code from the one table (core/errcode.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <outcall/error.h>

#include "client.h"
#include "core/errcode.h"

bool cli_json_errors;

void cli_json_error(const char *code, const char *message, json_t *extra)
{
	if (!cli_json_errors) {
		json_decref(extra);
		return;
	}
	json_t *err = extra ? extra : json_object();
	json_object_set_new(err, "code", json_string(code));
	json_object_set_new(err, "message", json_string(message));
	cli_print_json(json_pack("{s:o}", "error", err));
}

int cli_fail(const char *code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "outcall: %s\n", msg);
	cli_json_error(code, msg, NULL);
	return OC_EXIT_ERROR;
}

const char *cli_code_of_status(int status)
{
	size_t n;
	const oc_errcode *c = oc_errcodes(&n);
	for (size_t i = 0; i < n; i++)
		if (c[i].status == status)
			return c[i].id;
	return oc_errcode_of(OC_ERROR)->id;
}

/* `outcall __error-codes`: the table for the man page (man/gen-man.py). */
int cli_print_error_codes(void)
{
	size_t n;
	const oc_errcode *c = oc_errcodes(&n);
	for (size_t i = 0; i < n; i++)
		printf("%s\t%d\t%s\n", c[i].id, c[i].status, c[i].meaning);
	return OC_EXIT_OK;
}
