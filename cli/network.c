/* outcall network create|list|rm, attach, detach, containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "identity/names.h"
#include "table.h"

static void human_networks(json_t *j)
{
	static const char *const h[] = { "NAME", "BRIDGE", "SUBNET", "GATEWAY" };
	cli_table *t = cli_table_new(4, h);
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(j, "networks"), i, n) {
		const char *row[] = { cli_jstr(n, "name"), cli_jstr(n, "bridge"), cli_jstr(n, "subnet"),
			cli_jstr(n, "gateway") };
		cli_table_add(t, row);
	}
	cli_table_print(t, "no networks");
}

static int run_network_list(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "GET", "/v1/networks", NULL, human_networks);
}

static void human_network(json_t *n)
{
	printf("network %s: bridge %s, %s, gateway %s\n", cli_jstr(n, "name"), cli_jstr(n, "bridge"),
		cli_jstr(n, "subnet"), cli_jstr(n, "gateway"));
	if (cli_jstr(n, "docker_network"))
		printf("Docker network %s on the same bridge\n", cli_jstr(n, "docker_network"));
	if (cli_jstr(n, "docker_error"))
		printf("warning: no Docker network yet (made when outcalld next syncs with Docker): "
			"%s\n", cli_jstr(n, "docker_error"));
}

static int run_network_create(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos != 1)
		return cli_usage_error(cmd, "give one network name (see `outcall network list`)");
	return cli_show(a, "POST", "/v1/networks", json_pack("{s:s}", "name", a->pos[0]),
		human_network);
}

static void human_deleted(json_t *j)
{
	printf("removed %s\n", cli_jstr(j, "deleted") ? cli_jstr(j, "deleted") : cli_jstr(j, "detached"));
	if (cli_jstr(j, "docker_network"))
		printf("removed Docker network %s\n", cli_jstr(j, "docker_network"));
}

static int run_network_rm(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos != 1)
		return cli_usage_error(cmd, "give one network name (see `outcall network list`)");
	if (!oc_name_valid(a->pos[0]))
		return cli_usage_error(cmd, "'%s' is no network name: 1 to 64 letters, digits, '.', "
			"'_' and '-' (see `outcall network list`)", a->pos[0]);
	char path[512];
	snprintf(path, sizeof(path), "/v1/networks/%s", a->pos[0]);
	return cli_show(a, "DELETE", path, NULL, human_deleted);
}

const cli_cmd cli_network_cmds[] = {
	{ "create", "create a network (a bridge and a /24)", "NAME", NULL, NULL, run_network_create, NULL },
	{ "list", "list networks", "", NULL, NULL, run_network_list, NULL },
	{ "rm", "remove a network without containers", "NAME", NULL, NULL, run_network_rm, NULL },
	{ NULL },
};

static void human_container(json_t *c)
{
	printf("attached %s (agent %s) to %s: %s %s on %s\n", cli_jstr(c, "name"), cli_jstr(c, "agent"),
		cli_jstr(c, "network"), cli_jstr(c, "ip"), cli_jstr(c, "mac"), cli_jstr(c, "veth"));
}

const cli_opt cli_attach_opts[] = {
	{ "name", "NAME", "the container's name (agent.name is NAME without a trailing -<digits>)" },
	{ "netns", "PATH", "its network namespace, e.g. /var/run/netns/agent1" },
	{ "pid", "PID", "or a process inside it" },
	{ "network", "NET", "the Outcall network (default: default)" },
	{ "accept-caps", NULL, "attach a Docker container although its processes could hold "
		"CAP_NET_RAW, CAP_NET_ADMIN or CAP_SYS_ADMIN (refused otherwise; remembered for its "
		"restarts)" },
	{ NULL },
};

int cli_run_attach(const cli_cmd *cmd, cli_args *a)
{
	const char *name = cli_opt_value(cmd, a, "name");
	const char *netns = cli_opt_value(cmd, a, "netns");
	const char *pid = cli_opt_value(cmd, a, "pid");
	if (a->npos == 1 && !name && !netns && !pid)
		return cli_attach_docker(cmd, a);
	if (!name || !netns == !pid || a->npos)
		return cli_usage_error(cmd, "attach needs a Docker container, or --name and one of "
			"--netns or --pid");
	if (cli_opt_set(cmd, a, "accept-caps"))
		return cli_usage_error(cmd, "--accept-caps is for a Docker container: a namespace "
			"has no capabilities of its own to check");
	json_t *body = json_pack("{s:s}", "name", name);
	if (netns)
		json_object_set_new(body, "netns", json_string(netns));
	if (pid) {
		char *end;
		long p = strtol(pid, &end, 10);
		if (*end || p <= 0) {
			json_decref(body);
			return cli_usage_error(cmd, "--pid needs a process id");
		}
		json_object_set_new(body, "pid", json_integer(p));
	}
	const char *net = cli_opt_value(cmd, a, "network");
	if (net)
		json_object_set_new(body, "network", json_string(net));
	return cli_show(a, "POST", "/v1/containers", body, human_container);
}

int cli_run_detach(const cli_cmd *cmd, cli_args *a)
{
	if (a->npos != 1)
		return cli_usage_error(cmd, "give one container name (see `outcall containers`)");
	if (!oc_name_valid(a->pos[0]))
		return cli_usage_error(cmd, "'%s' is no container name: 1 to 64 letters, digits, "
			"'.', '_' and '-' (see `outcall containers`)", a->pos[0]);
	char path[512];
	snprintf(path, sizeof(path), "/v1/containers/%s", a->pos[0]);
	return cli_show(a, "DELETE", path, NULL, human_deleted);
}

static void human_containers(json_t *j)
{
	static const char *const h[] = { "NAME", "AGENT", "NETWORK", "IP", "MAC", "VETH", "IMAGE" };
	cli_table *t = cli_table_new(7, h);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(j, "containers"), i, c) {
		const char *img = cli_jstr(c, "image");
		const char *row[] = { cli_jstr(c, "name"), cli_jstr(c, "agent"), cli_jstr(c, "network"),
			cli_jstr(c, "ip"), cli_jstr(c, "mac"), cli_jstr(c, "veth"), img && *img ? img : NULL };
		cli_table_add(t, row);
	}
	cli_table_print(t, "no containers are attached");
}

int cli_run_containers(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "GET", "/v1/containers", NULL, human_containers);
}
