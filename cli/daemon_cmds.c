/* outcall status, dns, proxy, nft, grants, and rules list|show|reload:
 * the commands that read or steer a running outcalld. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "table.h"

static void human_status(json_t *j)
{
	printf("outcalld %s, %s, up %llds\n", cli_jstr(j, "version"),
		json_is_true(json_object_get(j, "ready")) ? "ready" : "NOT ready", cli_jint(j, "uptime_s"));
	json_t *rules = json_object_get(j, "rules");
	printf("rules: generation %lld, %lld rules (reloads: %lld ok, %lld failed)\n",
		cli_jint(j, "generation"), cli_jint(rules, "count"), cli_jint(rules, "reloads_ok"),
		cli_jint(rules, "reloads_failed"));
	if (cli_jstr(rules, "last_error"))
		printf("last reload error: %s\n", cli_jstr(rules, "last_error"));
	json_t *tables = json_object_get(j, "tables");
	printf("kernel: tables '%s' %s\n", cli_jstr(tables, "name"),
		json_is_true(json_object_get(tables, "installed")) ? "installed" : "MISSING");
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(j, "networks"), i, n)
		printf("network %s: bridge %s, %s, gateway %s\n", cli_jstr(n, "name"), cli_jstr(n, "bridge"),
			cli_jstr(n, "subnet"), cli_jstr(n, "gateway"));
	printf("containers: %lld\n", cli_jint(j, "containers"));
	cli_print_lockdowns(j);
}

int cli_run_status(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "GET", "/v1/status", NULL, human_status);
}

static int run_dns_status(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "GET", "/v1/dns", NULL, cli_human_flat);
}

static void human_cache(json_t *j)
{
	static const char *const h[] = { "NAME", "TYPE", "TTL", "BYTES" };
	cli_table *t = cli_table_new(4, h);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(j, "entries"), i, e) {
		char ttl[32], bytes[32];
		snprintf(ttl, sizeof(ttl), "%lld", cli_jint(e, "ttl"));
		snprintf(bytes, sizeof(bytes), "%lld", cli_jint(e, "bytes"));
		const char *row[] = { cli_jstr(e, "name"), cli_jstr(e, "type"), ttl, bytes };
		cli_table_add(t, row);
	}
	cli_table_print(t, "the DNS cache is empty");
}

static int run_dns_cache(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "GET", "/v1/dns/cache", NULL, human_cache);
}

static void human_flushed(json_t *j)
{
	(void)j;
	printf("DNS cache flushed\n");
}

static int run_dns_flush(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "POST", "/v1/dns/flush", NULL, human_flushed);
}

static int run_proxy_status(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "GET", "/v1/proxy", NULL, cli_human_flat);
}

static int run_nft_show(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	json_t *j = NULL;
	char *text = NULL;
	int rc = cli_fetch(a, "GET", "/v1/nft", NULL, &j, &text);
	if (rc != OC_EXIT_OK)
		return rc;
	if (a->json)
		cli_print_json(json_pack("{s:s}", "nft", text ? text : ""));
	else
		cli_put(text ? text : "", true);
	free(text);
	json_decref(j);
	return OC_EXIT_OK;
}

static void human_grants(json_t *j)
{
	static const char *const h[] = { "RULE", "CONTAINER", "DESTINATION", "PORT", "EXPIRES IN", "NOTE" };
	cli_table *t = cli_table_new(6, h);
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(j, "grants"), i, g) {
		char port[16], left[32];
		snprintf(port, sizeof(port), "%lld", cli_jint(g, "port"));
		snprintf(left, sizeof(left), "%llds", cli_jint(g, "remaining_ms") / 1000);
		const char *row[] = { cli_jstr(g, "rule"), cli_jstr(g, "container_ip"), cli_jstr(g, "destination"),
			port, left, cli_jstr(g, "note") };
		cli_table_add(t, row);
	}
	cli_table_print(t, "no direct_ip grants are live");
}

int cli_run_grants(const cli_cmd *cmd, cli_args *a)
{
	(void)cmd;
	return cli_show(a, "GET", "/v1/grants", NULL, human_grants);
}

const cli_cmd cli_dns_cmds[] = {
	{ "status", "DNS filter counters: queries, cache, upstreams", "", NULL, NULL, run_dns_status, NULL },
	{ "cache", "list the DNS cache", "", NULL, NULL, run_dns_cache, NULL },
	{ "flush", "empty the DNS cache", "", NULL, NULL, run_dns_flush, NULL },
	{ NULL },
};

const cli_cmd cli_proxy_cmds[] = {
	{ "status", "proxy counters: connections, requests, bytes", "", NULL, NULL, run_proxy_status, NULL },
	{ NULL },
};

const cli_cmd cli_nft_cmds[] = {
	{ "show", "print the tables outcalld installs, as nft text (what it intends; `nft list "
		"table inet outcall` shows the kernel's)", "", NULL, NULL, run_nft_show, NULL },
	{ NULL },
};


