/* The outcall CLI: a table of commands, each with its options, from which
 * argument parsing, --help and the bash completion are all derived. */
#ifndef OC_CLI_H
#define OC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/exitcode.h"

#define CLI_DEFAULT_SOCKET "/run/outcall/host.sock"

#define CLI_MAX_OPTS 16

typedef struct cli_opt {
	const char *name;   /* long name without "--" */
	const char *arg;    /* argument name for help, NULL for a flag */
	const char *help;
	bool repeat;        /* may be given several times (values collected) */
	char short_name;    /* -X alias of a flag, or 0 */
} cli_opt;

typedef struct cli_args {
	const char *value[CLI_MAX_OPTS];   /* last value, or "" for a set flag */
	const char **values[CLI_MAX_OPTS]; /* all values of a repeatable option */
	size_t nvalues[CLI_MAX_OPTS];
	char **pos;
	int npos;
	bool json;
	const char *socket;
} cli_args;

typedef struct cli_cmd cli_cmd;
struct cli_cmd {
	const char *name;
	const char *summary;    /* one line for the parent's listing */
	const char *usage;      /* arguments after the command path */
	const char *help;       /* paragraphs shown by --help */
	const cli_opt *opts;    /* terminated by { NULL } */
	int (*run)(const cli_cmd *cmd, cli_args *args);
	const cli_cmd *subs;    /* terminated by { NULL } */
};

extern const cli_cmd cli_root;
extern const cli_cmd cli_rules_cmds[];
extern const cli_cmd cli_dns_cmds[];
extern const cli_cmd cli_proxy_cmds[];
extern const cli_cmd cli_nft_cmds[];
extern const cli_cmd cli_network_cmds[];
extern const cli_cmd cli_requests_cmds[];
extern const cli_opt cli_attach_opts[];
extern const cli_opt cli_log_opts[];
int cli_run_status(const cli_cmd *cmd, cli_args *a);
int cli_run_grants(const cli_cmd *cmd, cli_args *a);
int cli_run_attach(const cli_cmd *cmd, cli_args *a);
int cli_run_detach(const cli_cmd *cmd, cli_args *a);
int cli_run_containers(const cli_cmd *cmd, cli_args *a);
int cli_run_log(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_run_opts[];
int cli_run_run(const cli_cmd *cmd, cli_args *a);
/* attach with one argument: a Docker container (docker.c) */
int cli_attach_docker(const cli_cmd *cmd, cli_args *a);
extern const cli_opt cli_doctor_opts[];
/* Incident response (incident.c). */
extern const cli_cmd cli_grants_cmds[];
extern const cli_cmd cli_lockdown_cmds[];
extern const cli_opt cli_revoke_opts[];
extern const cli_opt cli_grant_opts[];
int cli_run_revoke(const cli_cmd *cmd, cli_args *a);
int cli_run_grant(const cli_cmd *cmd, cli_args *a);
int cli_run_lockdown_status(const cli_cmd *cmd, cli_args *a);
int cli_run_doctor(const cli_cmd *cmd, cli_args *a);

/* The value of option `name` of cmd, or NULL when not given. */
const char *cli_opt_value(const cli_cmd *cmd, const cli_args *args, const char *name);
bool cli_opt_set(const cli_cmd *cmd, const cli_args *args, const char *name);
/* Prints "outcall: <message>" and a pointer to --help; returns OC_EXIT_USAGE. */
int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The completion script of shell ("bash", "zsh", "fish"); -1 for others. */
int cli_print_completion(const char *shell);
/* `outcall __complete WORDS...`: the candidates for the last word. */
int cli_complete(const cli_cmd *root, const cli_opt *globals, int n, char **words);

#endif
