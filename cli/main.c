/* outcall: argument parsing and dispatch over the command table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <outcall/outcall.h>

#include "cli.h"
#include "client.h"
#include "core/similar.h"
#include "core/wrap.h"

static const cli_opt global_opts[] = {
	{ "json", NULL, "print machine-readable JSON instead of text" },
	{ "socket", "PATH", "the daemon's host socket (default " CLI_DEFAULT_SOCKET ")" },
	{ "help", NULL, "show help for the command" },
	{ NULL },
};

static int run_version(const cli_cmd *cmd, cli_args *args)
{
	(void)cmd;
	if (args->json)
		printf("{\"version\":\"%s\"}\n", oc_version());
	else
		printf("outcall %s\n", oc_version());
	return OC_EXIT_OK;
}

static int run_completion(const cli_cmd *cmd, cli_args *args)
{
	if (args->npos != 1)
		return cli_usage_error(cmd, "name the shell: outcall completion bash|zsh|fish");
	if (cli_print_completion(args->pos[0]) != 0)
		return cli_usage_error(cmd, "no completion for '%s': there are bash, zsh and fish",
			args->pos[0]);
	return OC_EXIT_OK;
}

static const cli_cmd root_subs[] = {
	{ "status", "is outcalld ready; rules, tables, networks", "", NULL, NULL, cli_run_status, NULL },
	{ "rules", "validate, test, list and reload rules", "COMMAND", NULL, NULL, NULL, cli_rules_cmds },
	{ "dns", "the DNS filter: counters, cache", "COMMAND", NULL, NULL, NULL, cli_dns_cmds },
	{ "proxy", "the proxy: counters", "COMMAND", NULL, NULL, NULL, cli_proxy_cmds },
	{ "network", "Outcall networks (bridges)", "COMMAND", NULL, NULL, NULL, cli_network_cmds },
	{ "attach", "attach a Docker container, or a network namespace, as a container",
		"[--network NET] ([--accept-caps] DOCKER-CONTAINER | --name NAME (--netns PATH | "
		"--pid PID))",
		"A Docker container must run with --network none: its only interface is then "
		"Outcall's.\nIts events are followed: a restart re-attaches it, its end detaches it.\n"
		"One whose processes could hold CAP_NET_RAW, CAP_NET_ADMIN or CAP_SYS_ADMIN (Docker's "
		"defaults keep CAP_NET_RAW)\nis refused unless --accept-caps: run it with --cap-drop "
		"ALL instead.",
		cli_attach_opts, cli_run_attach, NULL },
	{ "run", "run a hardened agent container with Docker, attached", "[OPTIONS] [-- CMD...]",
		"The container gets no capabilities, no-new-privileges, a non-root user, limits, "
		"the gateway as resolver and proxy,\nits agent socket at /run/outcall and the shim at "
		"/usr/local/bin/outcall-shim.", cli_run_opts, cli_run_run, NULL },
	{ "doctor", "check the kernel, Docker, sockets and permissions", "[--docker-socket PATH]",
		NULL, cli_doctor_opts, cli_run_doctor, NULL },
	{ "detach", "detach a container", "NAME", NULL, NULL, cli_run_detach, NULL },
	{ "containers", "list attached containers", "", NULL, NULL, cli_run_containers, NULL },
	{ "requests", "agents' access requests: list, show, approve, reject, revoke", "COMMAND",
		NULL, NULL,
		NULL, cli_requests_cmds },
	{ "log", "recent decisions, or follow them live", "[-f] [--agent NAME] [--blocked] "
		"[--layer LAYER] [--limit N]", NULL, cli_log_opts, cli_run_log, NULL },
	{ "nft", "the nftables tables outcalld installs", "COMMAND", NULL, NULL, NULL, cli_nft_cmds },
	{ "grants", "list live direct_ip grants; flush them", "[flush ...]", NULL, NULL,
		cli_run_grants, cli_grants_cmds },
	{ "lockdown", "incident response: cut agents off at every layer", "[on|off|status] ...",
		"Without a command: the lockdowns in force.", NULL, cli_run_lockdown_status,
		cli_lockdown_cmds },
	{ "grant", "grant an agent a host by hand, for a while",
		"--agent NAME --host HOST [--port PORT] --for DURATION [--reason TEXT]",
		"The grant is an access request filed for the operator (container outcall.operator) and approved at once (rule "
		"req-ID in rules.d/requests/):\nlisted by `outcall requests list`, removed by outcalld "
		"when it expires, revoked by `outcall requests revoke ID`.\n--for is required and at "
		"most 24h; longer access belongs in a rule file.", cli_grant_opts, cli_run_grant,
		NULL },
	{ "version", "print the version", "", NULL, NULL, run_version, NULL },
	{ "completion", "print the completion script of a shell", "bash|zsh|fish",
		"`meson install` installs all three. To load one by hand:\n"
		"  bash: source <(outcall completion bash)\n"
		"  zsh:  source <(outcall completion zsh)   (after compinit)\n"
		"  fish: outcall completion fish | source\n"
		"Rule ids, requests, containers, agents and networks are completed from outcalld when "
		"it answers.", NULL, run_completion, NULL },
	{ NULL },
};

const cli_cmd cli_root = {
	"outcall", "operate Outcall, the egress firewall for agent containers", "COMMAND",
	"Exit codes: 0 ok (allowed), 1 error (or blocked), 2 usage error, 3 daemon unreachable.",
	NULL, NULL, root_subs,
};

static size_t opt_count(const cli_opt *o)
{
	size_t n = 0;
	while (o && o[n].name)
		n++;
	return n;
}

/* "  NAME   text" with the text wrapped under itself. */
static void print_item(const char *name, int width, const char *text)
{
	int col = printf("  %-*s ", width, name);
	oc_wrap_print(stdout, text, (size_t)width + 3, (size_t)col);
}

static void print_opts(const cli_opt *opts)
{
	for (size_t i = 0; opts && opts[i].name; i++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
			opts[i].arg ? opts[i].arg : "");
		print_item(left, 28, opts[i].help);
	}
}

static void print_help(const cli_cmd *cmd, const char *path)
{
	int col = printf("Usage: %s ", path);
	oc_wrap_print(stdout, cmd->usage ? cmd->usage : "", 4, (size_t)col);
	char summary[512];
	snprintf(summary, sizeof(summary), "\n%s.", cmd->summary);
	oc_wrap_print(stdout, summary, 0, 0);
	if (cmd->subs) {
		printf("\nCommands:\n");
		for (const cli_cmd *c = cmd->subs; c->name; c++)
			print_item(c->name, 14, c->summary);
	}
	if (cmd->opts && cmd->opts[0].name) {
		printf("\nOptions:\n");
		print_opts(cmd->opts);
	}
	printf("\nGlobal options:\n");
	print_opts(global_opts);
	print_item("--version", 28, "print the version");
	if (cmd->help) {
		putchar('\n');
		oc_wrap_print(stdout, cmd->help, 0, 0);
	}
	if (cmd->subs)
		printf("\nRun '%s COMMAND --help' for a command's options.\n", path);
}

static const char *usage_path;

int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...)
{
	(void)cmd;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "outcall: %s\nRun '%s --help' for usage.\n", msg,
		usage_path ? usage_path : "outcall");
	cli_json_error("usage", msg, NULL);
	return OC_EXIT_USAGE;
}

/* "; did you mean '--NAME'?" for the option of cmd (or a global one)
 * nearest to name[0..len), or "". */
static const char *option_hint(const cli_cmd *cmd, const char *name, size_t len, char *buf,
	size_t size)
{
	oc_similar s;
	oc_similar_init(&s, name, len);
	for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++)
		oc_similar_offer(&s, cmd->opts[i].name);
	for (size_t i = 0; global_opts[i].name; i++)
		oc_similar_offer(&s, global_opts[i].name);
	if (!s.best)
		return "";
	snprintf(buf, size, "; did you mean '--%s'?", s.best);
	return buf;
}

static int find_opt(const cli_opt *opts, const char *name, size_t len)
{
	for (size_t i = 0; opts && opts[i].name; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

const char *cli_opt_value(const cli_cmd *cmd, const cli_args *args, const char *name)
{
	int i = find_opt(cmd->opts, name, strlen(name));
	return i < 0 ? NULL : args->value[i];
}

bool cli_opt_set(const cli_cmd *cmd, const cli_args *args, const char *name)
{
	return cli_opt_value(cmd, args, name) != NULL;
}

/* Parses options of `cmd` (and the global ones) anywhere among the
 * arguments; "--" ends options. */
static int parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a, bool *help)
{
	a->pos = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->pos)
		return cli_usage_error(cmd, "out of memory");
	bool opts_done = false;
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		if (opts_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0) {
			*help = true;
			continue;
		}
		if (arg[1] && !arg[2] && arg[1] != '-') {
			int k = -1;
			for (size_t j = 0; cmd->opts && cmd->opts[j].name; j++)
				if (cmd->opts[j].short_name == arg[1] && !cmd->opts[j].arg)
					k = (int)j;
			if (k < 0)
				return cli_usage_error(cmd, "unknown option '%s'", arg);
			a->value[k] = "";
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			return cli_usage_error(cmd, "unknown option '%s'", arg);
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int k = find_opt(cmd->opts, name, len);
		if (k < 0) {
			int g = find_opt(global_opts, name, len);
			char hint[96];
			if (g < 0)
				return cli_usage_error(cmd, "unknown option '--%.*s'%s", (int)len, name,
					option_hint(cmd, name, len, hint, sizeof(hint)));
			if (strcmp(global_opts[g].name, "json") == 0)
				a->json = true;
			else if (strcmp(global_opts[g].name, "help") == 0)
				*help = true;
			else if (eq)
				a->socket = eq + 1;
			else if (i + 1 < argc)
				a->socket = argv[++i];
			else
				return cli_usage_error(cmd, "--socket needs a PATH");
			continue;
		}
		const char *val = "";
		if (cmd->opts[k].arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return cli_usage_error(cmd, "--%s needs %s", cmd->opts[k].name,
					cmd->opts[k].arg);
		} else if (eq) {
			return cli_usage_error(cmd, "--%s takes no value", cmd->opts[k].name);
		}
		if (a->value[k] && !cmd->opts[k].repeat)
			return cli_usage_error(cmd, "--%s given twice", cmd->opts[k].name);
		a->value[k] = val;
		const char **grown = realloc(a->values[k], (a->nvalues[k] + 1) * sizeof(*grown));
		if (!grown)
			return cli_usage_error(cmd, "out of memory");
		a->values[k] = grown;
		a->values[k][a->nvalues[k]++] = val;
	}
	return OC_EXIT_OK;
}

static void free_args(cli_args *a)
{
	for (size_t k = 0; k < CLI_MAX_OPTS; k++)
		free(a->values[k]);
	free(a->pos);
}

int main(int argc, char **argv)
{
	const cli_cmd *cmd = &cli_root;
	static char path[256] = "outcall";
	int i = 1;
	for (int k = 1; k < argc && strcmp(argv[k], "--") != 0; k++)
		if (strcmp(argv[k], "--json") == 0)
			cli_json_errors = true;
	/* Hidden: what the shell completions and the man page ask. */
	if (argc > 1 && strcmp(argv[1], "__complete") == 0)
		return cli_complete(&cli_root, global_opts, argc - 2, argv + 2);
	if (argc > 1 && strcmp(argv[1], "__error-codes") == 0)
		return cli_print_error_codes();
	/* Global options may come before the command: keep them aside. */
	char *lead[8];
	int nlead = 0;
	/* Walk down the command tree over leading words. */
	for (; i < argc && cmd->subs; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("outcall %s\n", oc_version());
			return OC_EXIT_OK;
		}
		if (nlead < 6 && strcmp(argv[i], "--json") == 0) {
			lead[nlead++] = argv[i];
			continue;
		}
		if (nlead < 6 && strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			lead[nlead++] = argv[i++];
			lead[nlead++] = argv[i];
			continue;
		}
		if (nlead < 6 && strncmp(argv[i], "--socket=", 9) == 0) {
			lead[nlead++] = argv[i];
			continue;
		}
		if (argv[i][0] == '-')
			break;
		const cli_cmd *found = NULL;
		for (const cli_cmd *c = cmd->subs; c->name; c++)
			if (strcmp(c->name, argv[i]) == 0)
				found = c;
		if (!found) {
			oc_similar s;
			oc_similar_init(&s, argv[i], strlen(argv[i]));
			for (const cli_cmd *c = cmd->subs; c->name; c++)
				oc_similar_offer(&s, c->name);
			usage_path = path;
			return cli_usage_error(cmd, "unknown command '%s'%s%s%s", argv[i],
				s.best ? "; did you mean '" : "", s.best ? s.best : "", s.best ? "'?" : "");
		}
		cmd = found;
		size_t n = strlen(path);
		snprintf(path + n, sizeof(path) - n, " %s", cmd->name);
	}
	usage_path = path;
	if (opt_count(cmd->opts) > CLI_MAX_OPTS)
		return cli_usage_error(cmd, "internal: too many options");
	cli_args args = { .socket = getenv("OUTCALL_SOCKET") };
	if (!args.socket)
		args.socket = CLI_DEFAULT_SOCKET;
	bool help = false;
	/* The leading global options and the command's own arguments. */
	char **rest = calloc((size_t)(argc - i + nlead + 1), sizeof(char *));
	if (!rest)
		return OC_EXIT_ERROR;
	memcpy(rest, lead, (size_t)nlead * sizeof(char *));
	memcpy(rest + nlead, argv + i, (size_t)(argc - i) * sizeof(char *));
	int rc = parse(cmd, argc - i + nlead, rest, &args, &help);
	if (rc == OC_EXIT_OK) {
		if (help || !cmd->run) {
			print_help(cmd, path);
			rc = help ? OC_EXIT_OK : OC_EXIT_USAGE;
		} else if (cmd->usage && !*cmd->usage && args.npos) {
			/* `rules list allow-x` meant `rules show`: say so, list nothing. */
			rc = cli_usage_error(cmd, "'%s' takes no arguments, not '%s'", path, args.pos[0]);
		} else {
			rc = cmd->run(cmd, &args);
		}
	}
	free_args(&args);
	free(rest);
	return rc;
}
