/* outcall run, and attach of a Docker container: the daemon talks to
 * Docker; the CLI only turns flags into the request. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

const cli_opt cli_run_opts[] = {
	{ "name", "NAME", "container name in Docker and Outcall (default: agent-<8 random letters>, its own agent.name)" },
	{ "network", "NET", "the Outcall network (default: default)" },
	{ "image", "IMAGE", "the image (default: outcalld's --docker-image)" },
	{ "volume", "SRC:DST[:ro]", "bind a host path from a directory of outcalld's --run-bind-dirs "
		"[/srv/outcall/workspaces]; Outcall's and the engine's sockets are refused",
		true },
	{ "env", "KEY=VALUE", "set a variable (the proxy variables are Outcall's)", true },
	{ "user", "UID[:GID]", "numeric, not root (default 65534:65534); unless root runs outcall, "
		"UID:GID, neither a host account's" },
	{ "memory", "BYTES", "memory limit, k/m/g suffixes allowed (default 1g)" },
	{ "pids", "N", "process limit (default 512)" },
	{ "read-only", NULL, "make the root filesystem read-only" },
	{ NULL },
};

/* "SRC:DST[:ro|:rw]"; a relative SRC is taken from the current
 * directory (the daemon resolves links itself). */
static json_t *volume(const cli_cmd *cmd, const char *v)
{
	char src[PATH_MAX + 256], *copy = strdup(v);
	char *colon = copy ? strchr(copy, ':') : NULL;
	if (!colon || colon == copy || !colon[1]) {
		free(copy);
		cli_usage_error(cmd, "--volume '%s': give SRC:DST[:ro]", v);
		return NULL;
	}
	*colon = '\0';
	char *dst = colon + 1, *mode = strchr(dst, ':');
	bool ro = false;
	if (mode) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0) {
			free(copy);
			cli_usage_error(cmd, "--volume '%s': the mode is ro or rw", v);
			return NULL;
		}
		ro = strcmp(mode, "ro") == 0;
	}
	char cwd[PATH_MAX];
	if (copy[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(src, sizeof(src), "%s/%s", cwd, copy);
	else
		snprintf(src, sizeof(src), "%s", copy);
	json_t *b = json_pack("{s:s, s:s, s:b}", "source", src, "target", dst, "read_only", ro);
	free(copy);
	return b;
}

static bool bytes(const char *s, long long *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	int shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (errno || end == s || *end || n <= 0 || n > (LLONG_MAX >> shift))
		return false;
	*out = n << shift;
	return true;
}

static void human_started(json_t *c)
{
	printf("started %s (agent %s, Docker %.12s) on %s: %s %s on %s\n", cli_jstr(c, "name"),
		cli_jstr(c, "agent"), cli_jstr(c, "container_id"), cli_jstr(c, "network"),
		cli_jstr(c, "ip"), cli_jstr(c, "mac"), cli_jstr(c, "veth"));
}

static int add_string(json_t *body, const char *key, const char *value)
{
	return value ? json_object_set_new(body, key, json_string(value)) : 0;
}

int cli_run_run(const cli_cmd *cmd, cli_args *a)
{
	json_t *body = json_object();
	add_string(body, "name", cli_opt_value(cmd, a, "name"));
	add_string(body, "network", cli_opt_value(cmd, a, "network"));
	add_string(body, "image", cli_opt_value(cmd, a, "image"));
	add_string(body, "user", cli_opt_value(cmd, a, "user"));
	if (cli_opt_set(cmd, a, "read-only"))
		json_object_set_new(body, "read_only", json_true());
	const char *mem = cli_opt_value(cmd, a, "memory"), *pids = cli_opt_value(cmd, a, "pids");
	long long n;
	if (mem && !bytes(mem, &n)) {
		json_decref(body);
		return cli_usage_error(cmd, "--memory '%s' is not a size (e.g. 512m)", mem);
	}
	if (mem)
		json_object_set_new(body, "memory", json_integer(n));
	if (pids && !bytes(pids, &n)) {
		json_decref(body);
		return cli_usage_error(cmd, "--pids '%s' is not a positive number", pids);
	}
	if (pids)
		json_object_set_new(body, "pids", json_integer(n));
	/* the option table is fixed: indexes follow cli_run_opts */
	for (int k = 0; cli_run_opts[k].name; k++) {
		const char *opt = cli_run_opts[k].name;
		if (strcmp(opt, "volume") != 0 && strcmp(opt, "env") != 0)
			continue;
		json_t *list = json_array();
		for (size_t i = 0; i < a->nvalues[k]; i++) {
			json_t *v = strcmp(opt, "env") == 0 ? json_string(a->values[k][i]) :
				volume(cmd, a->values[k][i]);
			if (!v) {
				json_decref(list);
				json_decref(body);
				return OC_EXIT_USAGE;
			}
			json_array_append_new(list, v);
		}
		if (json_array_size(list))
			json_object_set_new(body, strcmp(opt, "env") == 0 ? "env" : "binds", list);
		else
			json_decref(list);
	}
	if (a->npos) {
		json_t *argv = json_array();
		for (int i = 0; i < a->npos; i++)
			json_array_append_new(argv, json_string(a->pos[i]));
		json_object_set_new(body, "cmd", argv);
	}
	return cli_show(a, "POST", "/v1/containers/run", body, human_started);
}

static void human_attached(json_t *c)
{
	printf("attached Docker container %s (%.12s) to %s: %s %s on %s\n", cli_jstr(c, "name"),
		cli_jstr(c, "container_id"), cli_jstr(c, "network"), cli_jstr(c, "ip"),
		cli_jstr(c, "mac"), cli_jstr(c, "veth"));
	const char *kept = cli_jstr(c, "kept_capabilities");
	if (kept && *kept)
		fprintf(stderr, "warning: %s keeps %s (accepted with --accept-caps): root inside it "
			"can forge frames or change its own network\n", cli_jstr(c, "name"), kept);
}

int cli_attach_docker(const cli_cmd *cmd, cli_args *a)
{
	json_t *body = json_pack("{s:s}", "docker", a->pos[0]);
	add_string(body, "network", cli_opt_value(cmd, a, "network"));
	if (cli_opt_set(cmd, a, "accept-caps"))
		json_object_set_new(body, "accept_caps", json_true());
	return cli_show(a, "POST", "/v1/containers", body, human_attached);
}
