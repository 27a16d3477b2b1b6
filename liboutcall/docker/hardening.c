/*
 * Agent containers as Outcall creates them. The body of POST
 * /containers/create is built here and nowhere else, so every container
 * gets the same floor whatever the operator asked for: no Docker network,
 * no capabilities, no privilege gain, a non-root numeric user (a name
 * could map to 0 in the image's /etc/passwd), limits, the gateway as
 * resolver and proxy, and Outcall's mounts and labels.
 */
#include "docker/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <outcall/agents.h>

#include "identity/names.h"

#define DEFAULT_USER "65534:65534"
#define DEFAULT_MEMORY (1LL << 30)
#define DEFAULT_PIDS 512
#define MIN_MEMORY (6LL << 20) /* Docker refuses less */
#define LABEL_PREFIX "io.outcall."

/* Set by Outcall from the gateway; an operator's value would only
 * disagree with it. */
static const char *const proxy_vars[] = {
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "FTP_PROXY", NULL,
};

static bool id_ok(const char *s, size_t n)
{
	if (n == 0 || n > 10)
		return false;
	bool nonzero = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		nonzero |= s[i] != '0';
	}
	return nonzero && strtoull(s, NULL, 10) < 2147483647ULL;
}

static int check_user(const char *user)
{
	if (!user)
		return 0;
	const char *colon = strchr(user, ':');
	size_t un = colon ? (size_t)(colon - user) : strlen(user);
	if (id_ok(user, un) && (!colon || id_ok(colon + 1, strlen(colon + 1))))
		return 0;
	return oc_error_set(OC_EINVAL, "user '%s' refused: give a numeric UID[:GID], neither 0 "
		"(names are looked up in the image, where any of them may be root)", user);
}

/* nobody and nogroup: the default user, meant to own nothing */
#define NOBODY 65534UL

/* Looks up uid (is_gid: gid) in the host's databases (NSS: files, LDAP...)
 * and writes its name to `name`; 1 found, 0 not, an oc_err when the
 * lookup failed (refused: unknown is not absent). */
static int host_account(unsigned long id, bool is_gid, char *name, size_t size)
{
	size_t len = 16384;
	for (;;) {
		char *buf = malloc(len);
		if (!buf)
			return oc_error_nomem();
		struct passwd pw, *pwp = NULL;
		struct group gr, *grp = NULL;
		int e = is_gid ? getgrgid_r((gid_t)id, &gr, buf, len, &grp) :
			getpwuid_r((uid_t)id, &pw, buf, len, &pwp);
		if (!e && (pwp || grp))
			snprintf(name, size, "%s", pwp ? pwp->pw_name : grp->gr_name);
		free(buf);
		if (e == ERANGE && len < (1u << 20)) {
			len *= 4;
			continue;
		}
		if (e)
			return oc_error_set(OC_EOS, "cannot look up %s %lu in the host's %s database: "
				"%s", is_gid ? "gid" : "uid", id, is_gid ? "group" : "passwd", strerror(e));
		return pwp || grp;
	}
}

/* Someone other than root may not run an agent as a host account: with a
 * bind, it would read what that account owns. */
static int check_host_ids(const char *user)
{
	if (!user)
		return 0;
	const char *colon = strchr(user, ':');
	if (!colon)
		return oc_error_set(OC_EPERM, "user '%s' refused: give UID:GID; without a GID Docker "
			"takes the image's, which may be 0 (root's group), and only root may leave it "
			"to the image", user);
	unsigned long ids[2] = { strtoul(user, NULL, 10), strtoul(colon + 1, NULL, 10) };
	for (int g = 0; g < 2; g++) {
		char name[256];
		int found = ids[g] == NOBODY ? 0 : host_account(ids[g], g, name, sizeof(name));
		if (found < 0)
			return found;
		if (found)
			return oc_error_set(OC_EPERM, "user '%s' refused: %s %lu is the host's %s '%s', "
				"and only root may run an agent container as a host account; pick a %s no "
				"host account has (or leave --user out: 65534:65534)", user,
				g ? "gid" : "uid", ids[g], g ? "group" : "user", name, g ? "gid" : "uid");
	}
	return 0;
}

static int check_env(const char *const *env)
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		size_t n = eq ? (size_t)(eq - env[i]) : 0;
		if (!n)
			return oc_error_set(OC_EINVAL, "environment entry '%s' is not KEY=VALUE", env[i]);
		for (size_t k = 0; proxy_vars[k]; k++)
			if (strlen(proxy_vars[k]) == n && strncasecmp(env[i], proxy_vars[k], n) == 0)
				return oc_error_set(OC_EINVAL, "environment %.*s is set by Outcall (the "
					"proxy on the network's gateway); leave it out", (int)n, env[i]);
	}
	return 0;
}

static int check_labels(oc_map labels)
{
	for (size_t i = 0; i < labels.count; i++)
		if (!labels.items[i].key || !labels.items[i].value ||
		    strncmp(labels.items[i].key, LABEL_PREFIX, strlen(LABEL_PREFIX)) == 0)
			return oc_error_set(OC_EINVAL, "label '%s' refused: labels under " LABEL_PREFIX
				" are Outcall's", labels.items[i].key ? labels.items[i].key : "(null)");
	return 0;
}

/* Everything but the binds. */
static int check_spec(const oc_docker_run *s)
{
	if (!s || !s->name || !s->image || !s->image[0] || !s->network || !s->gateway ||
	    !s->agent_dir)
		return oc_error_set(OC_EINVAL, "agent container: name, image, network, gateway and "
			"agent directory are all needed");
	if (!oc_name_valid(s->name))
		return oc_error_set(OC_EINVAL, "container name '%s' must be 1 to 64 characters of "
			"[A-Za-z0-9._-]", s->name);
	int rc = oc_docker_check_ref(s->name, "container name");
	struct in_addr gw;
	if (!rc && inet_pton(AF_INET, s->gateway, &gw) != 1)
		rc = oc_error_set(OC_EINVAL, "gateway '%s' is not an IPv4 address", s->gateway);
	if (!rc && (s->agent_dir[0] != '/' || (s->shim && s->shim[0] != '/')))
		rc = oc_error_set(OC_EINVAL, "the agent directory and the shim must be absolute "
			"host paths");
	if (!rc && (strpbrk(s->agent_dir, ":,") || strlen(s->agent_dir) > 4000))
		rc = oc_error_set(OC_EINVAL, "agent directory %s: a run directory for Docker may not "
			"hold ':' or ',' and must be shorter than 4000 bytes", s->agent_dir);
	if (!rc && (s->memory_bytes < 0 || (s->memory_bytes && s->memory_bytes < MIN_MEMORY)))
		rc = oc_error_set(OC_EINVAL, "memory limit %lld bytes: give at least %lld (6 MiB)",
			(long long)s->memory_bytes, MIN_MEMORY);
	if (!rc && s->pids_limit < 0)
		rc = oc_error_set(OC_EINVAL, "pids limit %lld: give a positive number",
			(long long)s->pids_limit);
	if (!rc)
		rc = check_user(s->user);
	if (!rc && !s->host_ids_allowed)
		rc = check_host_ids(s->user);
	if (!rc)
		rc = check_env(s->env);
	if (!rc)
		rc = check_labels(s->labels);
	return rc;
}

int oc_docker_check_run(oc_docker *d, const oc_docker_run *spec)
{
	int rc = check_spec(spec);
	char **resolved = NULL;
	if (!rc)
		rc = oc_docker_binds_check(d, spec->binds, spec->nbinds, &resolved);
	if (!rc)
		oc_docker_binds_free(resolved, spec->nbinds);
	return rc;
}

/* Appends the strings of a NULL-terminated list; NULL if one is not
 * UTF-8 (jansson refuses it), so nothing is dropped silently. */
static json_t *strings(json_t *arr, const char *const *list)
{
	for (size_t i = 0; arr && list && list[i]; i++) {
		json_t *v = json_string(list[i]);
		if (!v || json_array_append_new(arr, v) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* NULL (and mounts released) if the mount cannot be added. */
static json_t *add_mount(json_t *mounts, const char *source, const char *target, bool ro)
{
	json_t *m = mounts ? json_pack("{s:s, s:s, s:s, s:b, s:{s:s}}", "Type", "bind",
		"Source", source, "Target", target, "ReadOnly", ro,
		"BindOptions", "Propagation", "rprivate") : NULL;
	if (!m || json_array_append_new(mounts, m) != 0) {
		json_decref(mounts);
		return NULL;
	}
	return mounts;
}

static json_t *environment(const oc_docker_run *s)
{
	char proxy[64], no_proxy[64];
	snprintf(proxy, sizeof(proxy), "http://%s:%u", s->gateway, s->proxy_port ? s->proxy_port : 8080);
	snprintf(no_proxy, sizeof(no_proxy), "%s,localhost,127.0.0.1", s->gateway);
	const char *pairs[][2] = {
		{ "HTTP_PROXY", proxy }, { "HTTPS_PROXY", proxy }, { "http_proxy", proxy },
		{ "https_proxy", proxy }, { "NO_PROXY", no_proxy }, { "no_proxy", no_proxy },
		{ "OUTCALL_AGENT_SOCKET", OC_DOCKER_AGENT_DIR "/agent.sock" },
	};
	enum { NPAIRS = sizeof(pairs) / sizeof(pairs[0]) };
	char kv[NPAIRS][128];
	const char *ours[NPAIRS + 1];
	for (size_t i = 0; i < NPAIRS; i++) {
		snprintf(kv[i], sizeof(kv[i]), "%s=%s", pairs[i][0], pairs[i][1]);
		ours[i] = kv[i];
	}
	ours[NPAIRS] = NULL;
	return strings(strings(json_array(), ours), s->env);
}

static json_t *host_config(const oc_docker_run *s, char **resolved)
{
	/* The agent directory is read-only: connecting to its socket needs no
	 * write access, and the agent cannot plant files there. It is a bind
	 * in the -v syntax because Docker then creates it when it is missing:
	 * the daemon removes it when the container stops, and a `docker
	 * start` must not fail for that. */
	char agent_bind[4200];
	snprintf(agent_bind, sizeof(agent_bind), "%s:" OC_DOCKER_AGENT_DIR ":ro", s->agent_dir);
	json_t *mounts = json_array();
	if (s->shim)
		mounts = add_mount(mounts, s->shim, OC_DOCKER_SHIM_PATH, true);
	for (size_t i = 0; i < s->nbinds; i++)
		mounts = add_mount(mounts, resolved[i], s->binds[i].target, s->binds[i].read_only);
	int64_t mem = s->memory_bytes ? s->memory_bytes : DEFAULT_MEMORY;
	return json_pack("{s:s, s:[s], s:[], s:[s], s:[], s:[s], s:b, s:I, s:I, s:I, s:b, s:s, "
		"s:[s], s:o, s:{s:s}}",
		"NetworkMode", "none", "Dns", s->gateway, "DnsSearch", "CapDrop", "ALL", "CapAdd",
		"SecurityOpt", "no-new-privileges=true", "Privileged", 0,
		"PidsLimit", (json_int_t)(s->pids_limit ? s->pids_limit : DEFAULT_PIDS),
		"Memory", (json_int_t)mem, "MemorySwap", (json_int_t)mem,
		"ReadonlyRootfs", s->read_only_root, "IpcMode", "private",
		"Binds", agent_bind, "Mounts", mounts, "RestartPolicy", "Name", "no");
}

int oc_docker_run_body(oc_docker *d, const oc_docker_run *s, json_t **out)
{
	int rc = check_spec(s);
	char **resolved = NULL;
	if (!rc)
		rc = oc_docker_binds_check(d, s->binds, s->nbinds, &resolved);
	if (rc)
		return rc;
	json_t *labels = json_pack("{s:s, s:s}", OC_DOCKER_LABEL_MANAGED, "true",
		OC_DOCKER_LABEL_NETWORK, s->network);
	/* in Docker, so it outlives outcalld's state: a restart adopts it again */
	if (labels && s->name_generated &&
	    json_object_set_new(labels, OC_LABEL_NAME_GENERATED, json_string("true")) != 0) {
		json_decref(labels);
		labels = NULL;
	}
	for (size_t i = 0; labels && i < s->labels.count; i++)
		if (json_object_set_new(labels, s->labels.items[i].key,
			    json_string(s->labels.items[i].value)) != 0) {
			json_decref(labels);
			labels = NULL;
		}
	json_t *body = json_pack("{s:s, s:s, s:o, s:o, s:o}", "Image", s->image,
		"User", s->user ? s->user : DEFAULT_USER, "Env", environment(s), "Labels", labels,
		"HostConfig", host_config(s, resolved));
	oc_docker_binds_free(resolved, s->nbinds);
	if (body && s->cmd && json_object_set_new(body, "Cmd", strings(json_array(), s->cmd))) {
		json_decref(body);
		body = NULL;
	}
	if (!body)
		return oc_error_set(OC_ENOMEM, "agent container '%s': cannot build the request (out "
			"of memory, or text that is not UTF-8)", s->name);
	*out = body;
	return 0;
}
