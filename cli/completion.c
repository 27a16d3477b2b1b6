/* Shell completion. The scripts for bash, zsh and fish are thin: each
 * asks `outcall __complete WORDS...` (the words after `outcall`, the last
 * one being completed) and offers what it prints, one candidate a line.
 * Commands and options come from the same command table that parses
 * arguments, so they cannot drift; rule ids, requests, containers, agents
 * and networks come from outcalld when it answers, and when it does not
 * there are none, at once and without a message. An empty answer lets the
 * shell complete file names instead. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http/client.h"

/* A completion must never hang a shell on a daemon that does not answer. */
#define ASK_TIMEOUT_S 2

/* What a command's argument, or an option's value, is completed from:
 * a fixed list, or a list the daemon answers. */
static const struct kind {
	const char *name;
	const char *fixed;   /* words, space-separated */
	const char *target;  /* else GET this */
	const char *list;    /* the answer's array */
	const char *field;   /* each item's string */
} kinds[] = {
	{ "rules", NULL, "/v1/rules", "rules", "id" },
	{ "requests", NULL, "/v1/requests", "requests", "id" },
	{ "pending", NULL, "/v1/requests?status=pending", "requests", "id" },
	{ "approved", NULL, "/v1/requests?status=approved", "requests", "id" },
	{ "containers", NULL, "/v1/containers", "containers", "name" },
	{ "agents", NULL, "/v1/containers", "containers", "agent" },
	{ "networks", NULL, "/v1/networks", "networks", "name" },
	{ "layers", "dns http tls agent" },
	{ "statuses", "pending approved rejected expired revoked" },
	{ "scopes", "container agent all" },
	{ "shells", "bash zsh fish" },
	{ NULL },
};

static const struct { const char *path, *kind; } arguments[] = {
	{ "rules show", "rules" }, { "requests show", "requests" },
	{ "requests approve", "pending" }, { "requests reject", "pending" },
	{ "requests revoke", "approved" }, { "detach", "containers" },
	{ "network rm", "networks" }, { "completion", "shells" },
	{ NULL },
};

/* By option name, in every command that has it. */
static const struct { const char *opt, *kind; } values[] = {
	{ "network", "networks" }, { "agent", "agents" }, { "rule", "rules" },
	{ "layer", "layers" }, { "status", "statuses" }, { "scope", "scopes" },
	{ NULL },
};

/* Names that reach the shell: nothing it would read as more than a word,
 * nothing a terminal would obey. */
static bool plain(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		"._:@/+-") == strlen(s);
}

static void offer(const char *word, size_t len, const char *cur)
{
	if (len >= strlen(cur) && strncmp(word, cur, strlen(cur)) == 0)
		printf("%.*s\n", (int)len, word);
}

static void ask_daemon(const struct kind *k, const char *socket, const char *cur)
{
	oc_http_call c = { .socket = socket, .method = "GET", .target = k->target,
		.host = "outcalld", .timeout_s = ASK_TIMEOUT_S, .max_body = 4 << 20 };
	int status = 0;
	char *body = NULL;
	size_t len;
	if (oc_http_call_fetch(&c, &status, &body, &len) != 0 || status != 200) {
		free(body);
		return;
	}
	json_t *j = json_loadb(body, len, 0, NULL);
	free(body);
	json_t *items = json_object_get(j, k->list);
	for (size_t i = 0; i < json_array_size(items); i++) {
		const char *v = json_string_value(json_object_get(json_array_get(items, i), k->field));
		bool seen = false;
		for (size_t p = 0; v && p < i && !seen; p++)
			seen = json_equal(json_object_get(json_array_get(items, p), k->field),
				json_object_get(json_array_get(items, i), k->field));
		if (v && plain(v) && !seen)
			offer(v, strlen(v), cur);
	}
	json_decref(j);
}

static void complete_kind(const char *name, const char *socket, const char *cur)
{
	for (const struct kind *k = kinds; name && k->name; k++) {
		if (strcmp(k->name, name) != 0)
			continue;
		if (!k->fixed) {
			ask_daemon(k, socket, cur);
			return;
		}
		for (const char *w = k->fixed; *w;) {
			size_t n = strcspn(w, " ");
			offer(w, n, cur);
			w += n + (w[n] == ' ');
		}
		return;
	}
}

static const cli_opt *find(const cli_opt *opts, const char *name, size_t len)
{
	for (size_t i = 0; opts && opts[i].name; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static void offer_options(const cli_opt *opts, const char *cur)
{
	for (size_t i = 0; opts && opts[i].name; i++) {
		char word[64];
		snprintf(word, sizeof(word), "--%s", opts[i].name);
		offer(word, strlen(word), cur);
	}
}

int cli_complete(const cli_cmd *root, const cli_opt *globals, int n, char **words)
{
	const cli_cmd *cmd = root;
	const char *socket = getenv("OUTCALL_SOCKET");
	const cli_opt *want_value = NULL;
	char path[256] = "";
	bool options_done = false;
	for (int i = 0; i + 1 < n; i++) {
		const char *w = words[i];
		want_value = NULL;
		if (!options_done && strcmp(w, "--") == 0) {
			options_done = true;
		} else if (!options_done && strncmp(w, "--", 2) == 0) {
			const char *eq = strchr(w + 2, '=');
			size_t len = eq ? (size_t)(eq - w - 2) : strlen(w + 2);
			const cli_opt *o = find(cmd->opts, w + 2, len);
			const cli_opt *g = o ? NULL : find(globals, w + 2, len);
			if (g && strcmp(g->name, "socket") == 0 && eq)
				socket = eq + 1;
			else if (g && strcmp(g->name, "socket") == 0 && i + 2 < n)
				socket = words[i + 1];
			const cli_opt *taken = o ? o : g;
			if (taken && taken->arg && !eq) {
				if (i + 2 < n)
					i++; /* its value, not the word being completed */
				else
					want_value = taken;
			}
		} else if (w[0] == '-' && !options_done) {
			continue;
		} else if (cmd->subs) {
			const cli_cmd *found = NULL;
			for (const cli_cmd *c = cmd->subs; c->name && !found; c++)
				if (strcmp(c->name, w) == 0)
					found = c;
			if (!found)
				return OC_EXIT_OK;
			cmd = found;
			size_t used = strlen(path);
			snprintf(path + used, sizeof(path) - used, "%s%s", used ? " " : "", w);
		}
	}
	const char *cur = n > 0 ? words[n - 1] : "";
	if (!socket || !*socket)
		socket = CLI_DEFAULT_SOCKET;
	if (want_value) {
		for (size_t i = 0; values[i].opt; i++)
			if (strcmp(values[i].opt, want_value->name) == 0)
				complete_kind(values[i].kind, socket, cur);
	} else if (cur[0] == '-' && !options_done) {
		offer_options(cmd->opts, cur);
		offer_options(globals, cur);
	} else if (cmd->subs) {
		for (const cli_cmd *c = cmd->subs; c->name; c++)
			offer(c->name, strlen(c->name), cur);
	} else {
		for (size_t i = 0; arguments[i].path; i++)
			if (strcmp(arguments[i].path, path) == 0)
				complete_kind(arguments[i].kind, socket, cur);
	}
	return OC_EXIT_OK;
}

static const char bash_script[] =
	"# bash completion for outcall; generated by `outcall completion bash`.\n"
	"# Load it with: source <(outcall completion bash)\n"
	"_outcall() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\\n'\n"
	"\tCOMPREPLY=($(\"${COMP_WORDS[0]}\" __complete \"${COMP_WORDS[@]:1:COMP_CWORD}\" "
	"2>/dev/null))\n"
	"\t[[ ${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- \"$cur\"))\n"
	"\treturn 0\n"
	"}\n"
	"complete -F _outcall outcall\n";

static const char zsh_script[] =
	"#compdef outcall\n"
	"# zsh completion for outcall; generated by `outcall completion zsh`.\n"
	"# Install it as _outcall in a directory of $fpath, or load it with:\n"
	"# source <(outcall completion zsh)\n"
	"_outcall() {\n"
	"\tlocal -a c\n"
	"\tc=(\"${(@f)$(${words[1]} __complete \"${(@Q)words[2,CURRENT]}\" 2>/dev/null)}\")\n"
	"\tc=(${c:#})\n"
	"\tif (( ${#c} )); then\n"
	"\t\tcompadd -a c\n"
	"\telse\n"
	"\t\t_files\n"
	"\tfi\n"
	"}\n"
	"if [[ ${funcstack[1]} == _outcall ]]; then\n"
	"\t_outcall \"$@\"\n"
	"else\n"
	"\tcompdef _outcall outcall\n"
	"fi\n";

static const char fish_script[] =
	"# fish completion for outcall; generated by `outcall completion fish`.\n"
	"# Install it as outcall.fish in ~/.config/fish/completions, or load it with:\n"
	"# outcall completion fish | source\n"
	"function __outcall_complete\n"
	"\tset -l words (commandline -opc)\n"
	"\tset -l cur (commandline -ct)\n"
	"\tset -l out (command $words[1] __complete $words[2..-1] $cur 2>/dev/null)\n"
	"\tif set -q out[1]\n"
	"\t\tprintf '%s\\n' $out\n"
	"\telse\n"
	"\t\t__fish_complete_path $cur\n"
	"\tend\n"
	"end\n"
	"complete -c outcall -f -a '(__outcall_complete)'\n";

static const struct { const char *shell, *script; } scripts[] = {
	{ "bash", bash_script }, { "zsh", zsh_script }, { "fish", fish_script },
};

int cli_print_completion(const char *shell)
{
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		if (strcmp(scripts[i].shell, shell) == 0) {
			fputs(scripts[i].script, stdout);
			return OC_EXIT_OK;
		}
	}
	return -1;
}
