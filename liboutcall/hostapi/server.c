/* The host API: who may call it, and which handler serves which path. */
#include "hostapi/hostapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errcode.h"

struct route {
	const char *method;
	const char *path;    /* a '*' stands for one path segment, handed over as `name` */
	oc_route_fn fn;
};

static const struct route routes[] = {
	{ "GET", "/v1/status", oc_hostapi_status },
	{ "GET", "/v1/rules", oc_hostapi_rules_list },
	{ "POST", "/v1/rules/reload", oc_hostapi_rules_reload },
	{ "POST", "/v1/rules/evaluate", oc_hostapi_rules_evaluate },
	{ "GET", "/v1/rules/*", oc_hostapi_rules_get },
	{ "GET", "/v1/dns", oc_hostapi_dns_status },
	{ "GET", "/v1/dns/cache", oc_hostapi_dns_cache },
	{ "POST", "/v1/dns/flush", oc_hostapi_dns_flush },
	{ "GET", "/v1/proxy", oc_hostapi_proxy_status },
	{ "GET", "/v1/networks", oc_hostapi_networks_list },
	{ "POST", "/v1/networks", oc_hostapi_networks_create },
	{ "DELETE", "/v1/networks/*", oc_hostapi_networks_delete },
	{ "GET", "/v1/containers", oc_hostapi_containers_list },
	{ "POST", "/v1/containers", oc_hostapi_containers_attach },
	{ "POST", "/v1/containers/run", oc_hostapi_docker_run },
	{ "DELETE", "/v1/containers/*", oc_hostapi_containers_detach },
	{ "GET", "/v1/decisions", oc_hostapi_decisions },
	{ "GET", "/v1/decisions/follow", oc_hostapi_decisions_follow },
	{ "GET", "/v1/nft", oc_hostapi_nft },
	{ "GET", "/v1/grants", oc_hostapi_grants },
	{ "POST", "/v1/grants/flush", oc_hostapi_grants_flush },
	{ "GET", "/v1/lockdown", oc_hostapi_lockdown },
	{ "POST", "/v1/lockdown/on", oc_hostapi_lockdown_on },
	{ "POST", "/v1/lockdown/off", oc_hostapi_lockdown_off },
	{ "POST", "/v1/requests/grant", oc_hostapi_grant },
	{ "GET", "/v1/requests", oc_hostapi_requests_list },
	{ "GET", "/v1/requests/*", oc_hostapi_requests_get },
	{ "POST", "/v1/requests/*/approve", oc_hostapi_requests_approve },
	{ "POST", "/v1/requests/*/reject", oc_hostapi_requests_reject },
	{ "POST", "/v1/requests/*/revoke", oc_hostapi_requests_revoke },
	{ "GET", "/metrics", oc_hostapi_metrics },
};

/* Matches path against a route's pattern; the segment that '*' stood for
 * is copied into name (NUL-terminated; longer segments do not match). */
static bool match(const char *pattern, const char *path, char *name, size_t cap)
{
	name[0] = '\0';
	while (*pattern && *path) {
		if (*pattern != '*') {
			if (*pattern++ != *path++)
				return false;
			continue;
		}
		size_t n = strcspn(path, "/");
		if (n == 0 || n >= cap)
			return false;
		memcpy(name, path, n);
		name[n] = '\0';
		path += n;
		pattern++;
	}
	return !*pattern && !*path;
}

/* The groups come from the socket (SO_PEERCRED's primary group and
 * SO_PEERGROUPS), fixed at connect: a list read from /proc/<pid> later
 * could belong to another process that reused the pid. */
static bool in_group(const oc_api_request *r, gid_t want)
{
	if (r->gid == want)
		return true;
	for (size_t i = 0; i < r->ngroups; i++)
		if (r->groups[i] == want)
			return true;
	return false;
}

static bool authorised(oc_daemon *d, const oc_api_request *r)
{
	if (r->uid == 0)
		return true;
	return d->has_operator_gid && in_group(r, d->operator_gid);
}

void oc_hostapi_handle(oc_api_request *r, void *arg)
{
	oc_daemon *d = arg;
	if (!authorised(d, r)) {
		oc_api_respond_error(r->conn, 403, "forbidden", "uid %d is not allowed on the host "
			"socket: use root or a member of the --operator-group", (int)r->uid);
		return;
	}
	if (strcmp(r->path, "/v1/health") == 0) {
		oc_api_respond_json(r->conn, 200, json_pack("{s:s}", "status", "ok"));
		return;
	}
	if (strcmp(r->path, "/v1/ready") == 0) {
		oc_api_respond_json(r->conn, d->ready ? 200 : 503, json_pack("{s:b}", "ready", d->ready));
		return;
	}
	bool path_known = false;
	char name[256];
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		if (!match(rt->path, r->path, name, sizeof(name)))
			continue;
		path_known = true;
		if (strcmp(r->method, rt->method) != 0)
			continue;
		rt->fn(d, r, name[0] ? name : NULL);
		return;
	}
	if (path_known)
		oc_api_respond_error(r->conn, 405, "method_not_allowed", "%s is not allowed on %s",
			r->method, r->path);
	else
		oc_api_respond_error(r->conn, 404, "not_found", "no endpoint %s %s (see `outcall "
			"--help` for what the API offers)", r->method, r->path);
}

json_t *oc_hostapi_body(oc_api_request *r)
{
	json_error_t err;
	json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		oc_api_respond_error(r->conn, 400, "bad_json", "the body must be a JSON object%s%s",
			j ? "" : ": ", j ? "" : err.text);
		return NULL;
	}
	return j;
}

int oc_hostapi_known_keys(json_t *body, const char *const *keys)
{
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], key) != 0)
			i++;
		if (!keys[i])
			return oc_error_set(OC_EINVAL, "unknown field '%.64s'", key);
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *oc_hostapi_query(const oc_api_request *r, const char *key, char *buf, size_t cap)
{
	size_t klen = strlen(key);
	for (const char *p = r->query; *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t o = 0;
			for (size_t i = klen + 1; i < len && o + 1 < cap; i++) {
				int h, l;
				if (p[i] == '%' && i + 2 < len && (h = hexval(p[i + 1])) >= 0 &&
				    (l = hexval(p[i + 2])) >= 0) {
					buf[o++] = (char)(h * 16 + l);
					i += 2;
				} else {
					buf[o++] = p[i] == '+' ? ' ' : p[i];
				}
			}
			buf[o] = '\0';
			return buf;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return NULL;
}

void oc_hostapi_fail(oc_api_request *r)
{
	oc_hostapi_fail_conn(r->conn);
}

void oc_hostapi_fail_conn(oc_api_conn *conn)
{
	const oc_error *e = oc_error_last();
	const oc_errcode *c = oc_errcode_of(e->code);
	oc_api_respond_error(conn, c->status, c->id, "%s", e->message);
}
