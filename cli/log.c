/* outcall log [-f]: decisions from the daemon's ring, or live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "identity/names.h"

const cli_opt cli_log_opts[] = {
	{ "follow", NULL, "keep printing decisions as they happen (also -f)", false, 'f' },
	{ "agent", "NAME", "only this agent's decisions" },
	{ "blocked", NULL, "only blocks" },
	{ "layer", "LAYER", "only one layer's decisions: dns, http, tls or agent" },
	{ "limit", "N", "the newest N (default 100; not with --follow)" },
	{ NULL },
};

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

/* One line per decision: time, layer, agent, verdict, rule, what. */
static void print_line(json_t *e)
{
	const char *time = cli_jstr(e, "time"), *host = cli_jstr(e, "host");
	const char *method = cli_jstr(e, "method"), *path = cli_jstr(e, "path");
	const char *dns_type = cli_jstr(e, "dns_type"), *reason = cli_jstr(e, "reason");
	long long port = cli_jint(e, "port");
	char target[700];
	if (dns_type)
		snprintf(target, sizeof(target), "%s %s", dns_type, or_dash(host));
	else if (port)
		snprintf(target, sizeof(target), "%s%s%s:%lld%s", method ? method : "",
			method ? " " : "", or_dash(host), port, path ? path : "");
	else
		snprintf(target, sizeof(target), "%s", or_dash(host));
	printf("%s  %-5s %-12s %-7s %-24s %s%s%s\n", time && strlen(time) > 11 ? time + 11 : "-",
		or_dash(cli_jstr(e, "layer")), cli_jstr(e, "agent") ? cli_jstr(e, "agent") : "(unknown)",
		or_dash(cli_jstr(e, "verdict")), or_dash(cli_jstr(e, "rule")), target,
		reason ? "  # " : "", reason ? reason : "");
}

static int follow_line(json_t *line, void *arg)
{
	const cli_args *a = arg;
	if (a->json) {
		char *s = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (s)
			puts(s);
		free(s);
	} else {
		print_line(line);
	}
	fflush(stdout);
	return 0;
}

int cli_run_log(const cli_cmd *cmd, cli_args *a)
{
	bool follow = cli_opt_set(cmd, a, "follow");
	if (a->npos)
		return cli_usage_error(cmd, "unexpected argument '%s'", a->pos[0]);
	char path[512];
	const char *agent = cli_opt_value(cmd, a, "agent"), *layer = cli_opt_value(cmd, a, "layer");
	const char *limit = cli_opt_value(cmd, a, "limit");
	/* the layers that record decisions (an unknown one would match none) */
	static const char *const layers[] = { "dns", "http", "tls", "agent", NULL };
	bool known = !layer;
	for (size_t i = 0; !known && layers[i]; i++)
		known = strcmp(layer, layers[i]) == 0;
	if (!known)
		return cli_usage_error(cmd, "--layer '%s' is no layer: use dns, http, tls or agent",
			layer);
	/* Both go into the query as they are: nothing but what they may hold. */
	if (agent && !oc_name_valid(agent))
		return cli_usage_error(cmd, "--agent '%s' is no agent name: 1 to 64 letters, digits, "
			"'.', '_' and '-' (the AGENT column of `outcall containers`)", agent);
	if (limit && (strspn(limit, "0123456789") != strlen(limit) || strlen(limit) > 9 ||
	    atoi(limit) < 1))
		return cli_usage_error(cmd, "--limit '%s' is not a whole number of 1 or more", limit);
	if (limit && follow)
		return cli_usage_error(cmd, "--limit counts recent decisions; --follow prints new ones "
			"as they come: give one of them");
	snprintf(path, sizeof(path), "/v1/decisions%s?kind=decision%s%s%s%s%s%s%s",
		follow ? "/follow" : "", agent ? "&agent=" : "", agent ? agent : "",
		layer ? "&layer=" : "", layer ? layer : "",
		cli_opt_set(cmd, a, "blocked") ? "&verdict=block" : "",
		limit ? "&limit=" : "", limit ? limit : "");
	if (follow)
		return cli_stream(a, path, follow_line, a);
	json_t *j = NULL;
	int rc = cli_fetch(a, "GET", path, NULL, &j, NULL);
	if (rc != OC_EXIT_OK)
		return rc;
	if (a->json) {
		cli_print_json(j);
		return OC_EXIT_OK;
	}
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(j, "decisions"), i, e)
		print_line(e);
	if (json_array_size(json_object_get(j, "decisions")) == 0)
		printf(agent || layer || cli_opt_set(cmd, a, "blocked") ?
			"no decisions match these filters\n" : "no decisions recorded yet\n");
	json_decref(j);
	return OC_EXIT_OK;
}
