/*
 * Host API: what involves the Docker engine. Each of these answers once
 * Docker has (the request is deferred as an oc_hostapi_job, jobs.c):
 *   POST /v1/containers/run          `outcall run`: a hardened container, attached
 *   POST /v1/containers {"docker"}   `outcall attach CONTAINER`
 *   POST /v1/networks, DELETE /v1/networks/NAME with Docker on: the
 *     Docker network of the Outcall network is made and removed with it.
 */
#include "hostapi/hostapi.h"
#include "identity/registry.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomicfile.h"
#include "core/random.h"
#include "docker/caps.h"
#include "daemon/docker.h"
#include "identity/names.h"

/* ---- outcall run ---- */

struct run_job {
	struct oc_hostapi_job base;
	json_t *body;              /* the request; the spec's strings point into it */
	char name[OC_NAME_MAX];
	char network[OC_NAME_MAX];
	char id[65];
	char agent_dir[4200];
	char gateway[INET_ADDRSTRLEN];
};

static void run_free(struct oc_hostapi_job *j)
{
	json_decref(((struct run_job *)j)->body);
}

static void removed_after_failure(int rc, const oc_docker_result *res, void *arg)
{
	(void)res;
	oc_daemon *d = arg;
	if (rc && rc != OC_ENOTFOUND)
		oc_daemon_log(d, OC_LOG_WARN, "docker: could not remove a container whose start "
			"failed: %s", oc_error_last()->message);
}

/* Answers the failure, then takes back what was made. */
static void run_failed(struct run_job *j, int rc)
{
	oc_daemon *d = j->base.d;
	char id[65], dir[4200];
	snprintf(id, sizeof(id), "%s", j->id);
	snprintf(dir, sizeof(dir), "%s", j->agent_dir);
	oc_hostapi_job_end(j, rc, 0, NULL);
	if (id[0] && oc_docker_container_remove(oc_dk_client(d), id, removed_after_failure, d))
		removed_after_failure(OC_ERROR, NULL, d);
	rmdir(dir);
}

static void run_inspected(int rc, const oc_docker_result *res, void *arg)
{
	struct run_job *j = arg;
	oc_container *c = NULL;
	if (!rc)
		rc = oc_dk_adopt(j->base.d, &res->containers[0], j->network, false, NULL, &c);
	if (rc) {
		run_failed(j, rc);
		return;
	}
	json_t *out = oc_hostapi_container_json(c);
	oc_container_unref(c);
	oc_hostapi_job_end(j, 0, 201, out);
}

static void run_started(int rc, const oc_docker_result *res, void *arg)
{
	(void)res;
	struct run_job *j = arg;
	if (!rc)
		rc = oc_docker_container_inspect(oc_dk_client(j->base.d), j->id, run_inspected, j);
	if (rc)
		run_failed(j, rc);
}

static void run_created(int rc, const oc_docker_result *res, void *arg)
{
	struct run_job *j = arg;
	if (!rc) {
		snprintf(j->id, sizeof(j->id), "%s", res->id);
		rc = oc_docker_container_start(oc_dk_client(j->base.d), j->id, run_started, j);
	}
	if (rc)
		run_failed(j, rc);
}

/* A NULL-terminated copy of a JSON array of strings (pointing into it). */
static const char **string_list(json_t *a, const char *what, int *rc)
{
	if (!a)
		return NULL;
	size_t n = json_array_size(a);
	const char **l = calloc(n + 1, sizeof(char *));
	if (!l) {
		*rc = oc_error_nomem();
		return NULL;
	}
	for (size_t i = 0; i < n && !*rc; i++)
		if (!(l[i] = json_string_value(json_array_get(a, i))))
			*rc = oc_error_set(OC_EINVAL, "\"%s\" must be a list of strings", what);
	if (!json_is_array(a))
		*rc = oc_error_set(OC_EINVAL, "\"%s\" must be a list of strings", what);
	return l;
}

static int binds_of(json_t *a, oc_docker_bind **out, size_t *n)
{
	*out = NULL;
	*n = json_array_size(a);
	if (a && !json_is_array(a))
		return oc_error_set(OC_EINVAL, "\"binds\" must be a list of {source, target, read_only}");
	if (!*n)
		return 0;
	oc_docker_bind *b = calloc(*n, sizeof(*b));
	if (!b)
		return oc_error_nomem();
	*out = b;
	for (size_t i = 0; i < *n; i++) {
		json_t *o = json_array_get(a, i);
		b[i] = (oc_docker_bind){
			json_string_value(json_object_get(o, "source")),
			json_string_value(json_object_get(o, "target")),
			json_is_true(json_object_get(o, "read_only")),
		};
		if (!b[i].source || !b[i].target)
			return oc_error_set(OC_EINVAL, "bind %zu needs \"source\" and \"target\"", i + 1);
	}
	return 0;
}

/* "agent-<8 letters>": no trailing digits for agent.name to drop, so
 * every unnamed container is an agent of its own, and an approval for
 * one reaches no other (agent-000001 and agent-000002 were both "agent"). */
static void pick_name(char *out, size_t size)
{
	static const char letters[] = "abcdefghijkmnpqrstuvwxyz";
	uint8_t r[8];
	oc_random_bytes(r, sizeof(r));
	char tail[sizeof(r) + 1];
	for (size_t i = 0; i < sizeof(r); i++)
		tail[i] = letters[r[i] % (sizeof(letters) - 1)];
	tail[sizeof(r)] = '\0';
	snprintf(out, size, "agent-%s", tail);
}

static int run_spec(oc_daemon *d, struct run_job *j, oc_docker_run *s, oc_network_info *net)
{
	static const char *const known[] = { "name", "network", "image", "cmd", "env", "binds",
		"user", "memory", "pids", "read_only", NULL };
	json_t *b = j->body;
	int rc = oc_hostapi_known_keys(b, known);
	const char *name = json_string_value(json_object_get(b, "name"));
	const char *network = json_string_value(json_object_get(b, "network"));
	if (name)
		snprintf(j->name, sizeof(j->name), "%s", name);
	else
		pick_name(j->name, sizeof(j->name));
	snprintf(j->network, sizeof(j->network), "%s", network ? network : "default");
	/* the name becomes a path (its agent directory): checked first */
	if (!rc && (!oc_name_valid(j->name) || (name && strlen(name) >= sizeof(j->name))))
		rc = oc_error_set(OC_EINVAL, "container name '%.80s' must be 1 to 64 characters of "
			"[A-Za-z0-9._-]", name ? name : j->name);
	if (!rc)
		rc = oc_network_get(d->nets, j->network, net);
	oc_container *dup = rc ? NULL : oc_registry_by_name(oc_networks_registry(d->nets), j->name);
	if (dup) {
		oc_container_unref(dup);
		rc = oc_error_set(OC_EEXIST, "a container named '%s' is attached already", j->name);
	}
	if (!rc)
		rc = oc_dk_agent_dir(d, j->name, false, j->agent_dir, sizeof(j->agent_dir));
	if (!rc && d->cfg.docker_shim && access(d->cfg.docker_shim, X_OK) != 0)
		rc = oc_error_set(OC_ESTATE, "outcall-shim is not at %s: install it, or start "
			"outcalld with --docker-shim PATH (empty for none)", d->cfg.docker_shim);
	inet_ntop(AF_INET, &net->gateway, j->gateway, sizeof(j->gateway));
	*s = (oc_docker_run){
		.name = j->name, .name_generated = !name,
		.image = json_string_value(json_object_get(b, "image")),
		.user = json_string_value(json_object_get(b, "user")),
		.memory_bytes = json_integer_value(json_object_get(b, "memory")),
		.pids_limit = json_integer_value(json_object_get(b, "pids")),
		.read_only_root = json_is_true(json_object_get(b, "read_only")),
		.network = j->network, .gateway = j->gateway, .proxy_port = d->cfg.kernel.proxy_port,
		.agent_dir = j->agent_dir, .shim = d->cfg.docker_shim,
	};
	if (!s->image)
		s->image = d->cfg.docker_image;
	if (!rc)
		s->cmd = string_list(json_object_get(b, "cmd"), "cmd", &rc);
	if (!rc)
		s->env = string_list(json_object_get(b, "env"), "env", &rc);
	oc_docker_bind *binds = NULL;
	if (!rc)
		rc = binds_of(json_object_get(b, "binds"), &binds, &s->nbinds);
	s->binds = binds;
	return rc;
}

void oc_hostapi_docker_run(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	json_t *body = oc_hostapi_body(r);
	if (!body)
		return;
	struct run_job *j = oc_hostapi_job_new(d, r, sizeof(*j));
	if (!j) {
		json_decref(body);
		return;
	}
	j->body = body;
	j->base.free_extra = run_free;
	oc_docker_run s;
	oc_network_info net = { 0 };
	int rc = run_spec(d, j, &s, &net);
	/* root may run an agent as a host account; the operator group may not */
	s.host_ids_allowed = r->uid == 0;
	/* the binds are checked before anything is made, Docker included */
	if (!rc)
		rc = oc_docker_check_run(oc_dk_client(d), &s);
	if (!rc)
		rc = oc_mkdir_p(j->agent_dir, 0755);
	if (!rc)
		rc = oc_docker_container_create(oc_dk_client(d), &s, run_created, j);
	free((void *)s.cmd);
	free((void *)s.env);
	free((void *)s.binds);
	if (rc)
		run_failed(j, rc);
}

/* ---- outcall attach CONTAINER ---- */

struct attach_job {
	struct oc_hostapi_job base;
	char network[OC_NAME_MAX];
	bool accept_caps;
};

static void attach_inspected(int rc, const oc_docker_result *res, void *arg)
{
	struct attach_job *j = arg;
	oc_container *c = NULL;
	uint64_t kept = 0;
	if (!rc)
		rc = oc_dk_adopt(j->base.d, &res->containers[0], j->network[0] ? j->network : NULL,
			j->accept_caps, &kept, &c);
	if (rc) {
		oc_hostapi_job_end(j, rc, 0, NULL);
		return;
	}
	oc_dk_follow(j->base.d, res->containers[0].id, oc_container_network(c), j->accept_caps);
	json_t *out = oc_hostapi_container_json(c);
	oc_container_unref(c);
	char names[96];
	oc_caps_names(kept, names, sizeof(names));
	json_object_set_new(out, "kept_capabilities", json_string(names));
	oc_hostapi_job_end(j, 0, 201, out);
}

/* {"docker": NAME-OR-ID, "network": NET, "accept_caps": BOOL} */
void oc_hostapi_docker_attach(oc_daemon *d, oc_api_request *r, json_t *body)
{
	static const char *const known[] = { "docker", "network", "accept_caps", NULL };
	struct attach_job *j = oc_hostapi_job_new(d, r, sizeof(*j));
	if (!j)
		return;
	const char *ref = json_string_value(json_object_get(body, "docker"));
	const char *net = json_string_value(json_object_get(body, "network"));
	snprintf(j->network, sizeof(j->network), "%s", net ? net : "");
	json_t *accept = json_object_get(body, "accept_caps");
	j->accept_caps = json_is_true(accept);
	int rc = oc_hostapi_known_keys(body, known);
	if (!rc && accept && !json_is_boolean(accept))
		rc = oc_error_set(OC_EINVAL, "\"accept_caps\" must be true or false");
	if (!rc && !ref)
		rc = oc_error_set(OC_EINVAL, "\"docker\" must name a container");
	if (!rc)
		rc = oc_docker_container_inspect(oc_dk_client(d), ref, attach_inspected, j);
	if (rc)
		oc_hostapi_job_end(j, rc, 0, NULL);
}

/* ---- networks ---- */

struct net_job {
	struct oc_hostapi_job base;
	oc_network_info net;
	char docker_name[200];
};

static void net_created(int rc, const oc_docker_result *res, void *arg)
{
	(void)res;
	struct net_job *j = arg;
	json_t *out = oc_hostapi_network_json(&j->net);
	/* the Outcall network works without its Docker twin, which the next
	 * re-sync makes: say what went wrong, keep the network */
	json_object_set_new(out, "docker_network", rc ? json_null() : json_string(j->docker_name));
	if (rc)
		json_object_set_new(out, "docker_error", json_string(oc_error_last()->message));
	oc_hostapi_job_end(j, 0, 201, out);
}

void oc_hostapi_docker_network_create(oc_daemon *d, oc_api_request *r, const char *name)
{
	struct net_job *j = oc_hostapi_job_new(d, r, sizeof(*j));
	if (!j)
		return;
	int rc = oc_daemon_network_create(d, name, &j->net);
	oc_dk_network_name(d, name, j->docker_name, sizeof(j->docker_name));
	if (!rc && oc_dk_network_ensure(d, &j->net, net_created, j) != 0)
		net_created(oc_error_last()->code, NULL, j);
	else if (rc)
		oc_hostapi_job_end(j, rc, 0, NULL);
}

static void net_removed(int rc, const oc_docker_result *res, void *arg)
{
	(void)res;
	struct net_job *j = arg;
	if (rc == OC_ENOTFOUND)
		rc = 0;
	if (!rc)
		rc = oc_daemon_network_delete(j->base.d, j->net.name);
	oc_dk_removing(j->base.d, NULL);
	oc_hostapi_job_end(j, rc, 200, rc ? NULL : json_pack("{s:s, s:s}", "deleted", j->net.name,
		"docker_network", j->docker_name));
}

static void net_inspected(int rc, const oc_docker_result *res, void *arg)
{
	struct net_job *j = arg;
	if (rc == OC_ENOTFOUND) {
		net_removed(OC_ENOTFOUND, NULL, j);
		return;
	}
	if (!rc && res->networks[0].ncontainers)
		rc = oc_error_set(OC_ESTATE, "Docker network %s still has %zu container%s attached "
			"by Docker (see `docker network inspect %s`): disconnect them first",
			j->docker_name, res->networks[0].ncontainers,
			res->networks[0].ncontainers == 1 ? "" : "s", j->docker_name);
	if (!rc) {
		oc_dk_removing(j->base.d, j->docker_name);
		rc = oc_docker_network_remove(oc_dk_client(j->base.d), j->docker_name, net_removed, j);
	}
	if (rc) {
		oc_dk_removing(j->base.d, NULL);
		oc_hostapi_job_end(j, rc, 0, NULL);
	}
}

static size_t attached_to(oc_daemon *d, const char *network)
{
	oc_container **l;
	size_t n, count = 0;
	if (oc_registry_snapshot(oc_networks_registry(d->nets), &l, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		count += strcmp(oc_container_network(l[i]), network) == 0;
	oc_containers_release(l, n);
	return count;
}

void oc_hostapi_docker_network_delete(oc_daemon *d, oc_api_request *r, const char *name)
{
	struct net_job *j = oc_hostapi_job_new(d, r, sizeof(*j));
	if (!j)
		return;
	int rc = strcmp(name, "default") == 0 ?
		oc_error_set(OC_EPERM, "the network 'default' cannot be removed") :
		oc_network_get(d->nets, name, &j->net);
	size_t busy = rc ? 0 : attached_to(d, name);
	/* checked before Docker's network goes, which takes the gateway along */
	if (busy)
		rc = oc_error_set(OC_ESTATE, "network '%s' still has %zu container%s attached: "
			"detach them first", name, busy, busy == 1 ? "" : "s");
	oc_dk_network_name(d, name, j->docker_name, sizeof(j->docker_name));
	if (!rc)
		rc = oc_docker_network_inspect(oc_dk_client(d), j->docker_name, net_inspected, j);
	if (rc)
		oc_hostapi_job_end(j, rc, 0, NULL);
}
