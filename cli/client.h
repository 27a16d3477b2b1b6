/* Talking to outcalld's host socket: one request, one JSON answer (or a
 * stream of JSON lines for `log -f`). */
#ifndef OC_CLI_CLIENT_H
#define OC_CLI_CLIENT_H

#include <jansson.h>
#include "cli.h"

/* Sends METHOD path with an optional JSON body (stolen). On success
 * returns OC_EXIT_OK with *status and *out (the parsed answer; NULL for a
 * non-JSON body, whose text is in *text when text is not NULL). When the
 * daemon cannot be reached, prints how to start it and returns
 * OC_EXIT_UNREACHABLE. */
int cli_call(const cli_args *a, const char *method, const char *path, json_t *body,
	int *status, json_t **out, char **text);

/* cli_call for callers that want a success: an answer >= 400 prints its
 * message and returns OC_EXIT_ERROR (nothing to free). */
int cli_fetch(const cli_args *a, const char *method, const char *path, json_t *body,
	json_t **out, char **text);

/* Streams a chunked NDJSON answer, calling fn for each line until the
 * daemon ends it or fn returns non-zero. */
int cli_stream(const cli_args *a, const char *path, int (*fn)(json_t *line, void *arg), void *arg);

/* Prints j compactly on one line (for --json) and releases it. */
void cli_print_json(json_t *j);

/* Calls the API: prints the JSON answer with --json, else hands it to
 * `human` (NULL: as JSON); API errors print their message (OC_EXIT_ERROR). */
int cli_show(cli_args *a, const char *method, const char *path, json_t *body,
	void (*human)(json_t *j));
/* Every string the daemon sends may carry what an agent, a container or
 * Docker wrote, so it is read through one of these, which escape what a
 * terminal would obey instead of show (core/text.h): cli_jstr for one
 * line, cli_jtext where newlines and tabs belong (rule files). NULL when
 * k is not a string. */
const char *cli_jstr(json_t *o, const char *k);
const char *cli_jtext(json_t *o, const char *k);
/* Prints s escaped the same way. */
void cli_put(const char *s, bool lines);
long long cli_jint(json_t *o, const char *k);
/* What goes into an API path or query as typed must be what the thing's
 * name may hold, so it cannot add a segment or a parameter: a request id
 * (r-...), a rule id ([A-Za-z0-9._-], 1 to 128). Names of containers,
 * agents and networks: oc_name_valid (identity/names.h). */
bool cli_request_id_ok(const char *id);
bool cli_rule_id_ok(const char *id);

/* Set by main when --json is among the arguments: every failure is then
 * also one JSON line on stdout (errors.c). */
extern bool cli_json_errors;
/* With --json, prints {"error": {"code": code, "message": message, ...}};
 * extra (stolen, may be NULL) is the error object to add them to. */
void cli_json_error(const char *code, const char *message, json_t *extra);
/* Prints "outcall: <message>" (and the JSON error); returns OC_EXIT_ERROR. */
int cli_fail(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The code of the table that the daemon answers with this HTTP status. */
const char *cli_code_of_status(int status);
int cli_print_error_codes(void);
/* The LOCKDOWN lines of a status or lockdown answer (incident.c). */
void cli_print_lockdowns(json_t *j);

#endif
