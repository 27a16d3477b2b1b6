/*
 * Docker in the daemon: the event watch and the re-sync that keep
 * Outcall's records in step with the engine's containers and networks.
 *
 * A container is Outcall's to follow when it carries Outcall's label
 * (made by `outcall run`) or was attached by `outcall attach CONTAINER`
 * (its id is remembered in <state_dir>/docker.json). Its start attaches
 * it (by the pid of its init process), its die and destroy detach it,
 * which takes its grants out of the kernel; a restart is a die and a
 * start. Each time the event stream is (re)established the daemon lists
 * what the engine has and corrects its own records, so events missed
 * while the daemon or the engine was away are made up for.
 */
#include "daemon/docker.h"
#include "identity/registry.h"
#include "bridges/networks.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomicfile.h"
#include "docker/caps.h"
#include "identity/names.h"

struct oc_dk {
	oc_docker *client;
	oc_docker_watch *watch;
	char last_error[512];
	oc_docker_version version;
	bool have_version;
	struct followed *followed;  /* attached by `outcall attach CONTAINER` */
	size_t nfollowed;
	char removing[200];         /* Docker network `outcall network rm` is removing */
};

static void remember_error(oc_daemon *d, const char *what)
{
	snprintf(d->docker->last_error, sizeof(d->docker->last_error), "%s: %s", what,
		oc_error_last()->message);
	oc_daemon_log(d, OC_LOG_WARN, "docker: %s", d->docker->last_error);
}

oc_docker *oc_dk_client(oc_daemon *d)
{
	if (d->docker && d->docker->client)
		return d->docker->client;
	oc_error_set(OC_ESTATE, "Docker is off in this outcalld (start it with --docker-socket "
		"PATH; `outcall doctor` checks the engine)");
	return NULL;
}

void oc_dk_network_name(oc_daemon *d, const char *network, char *out, size_t size)
{
	snprintf(out, size, "%s-%s", d->cfg.kernel.bridge_prefix, network);
}

int oc_dk_agent_dir(oc_daemon *d, const char *name, bool create, char *out, size_t size)
{
	/* Names come from Docker's events too: one that is not a container
	 * name must not become a path (rmdir of agents/..). */
	if (!oc_name_valid(name))
		return oc_error_set(OC_EINVAL, "'%.80s' is not a container name: no agent directory",
			name);
	if ((size_t)snprintf(out, size, "%s/agents/%s", d->cfg.run_dir, name) >= size)
		return oc_error_set(OC_ELIMIT, "agent directory of '%s' under %s is too long", name,
			d->cfg.run_dir);
	return create ? oc_mkdir_p(out, 0755) : 0;
}

/* ---- followed containers ---- */

/* A container attached by `outcall attach CONTAINER`: no label says it
 * is Outcall's or which network it is on, so both are remembered. */
struct followed {
	char id[65];
	char network[OC_NAME_MAX];
	bool accept_caps;
};

static void followed_path(oc_daemon *d, char *out, size_t size)
{
	snprintf(out, size, "%s/docker.json", d->cfg.state_dir);
}

static struct followed *find_followed(struct oc_dk *k, const char *id)
{
	for (size_t i = 0; i < k->nfollowed; i++)
		if (strcmp(k->followed[i].id, id) == 0)
			return &k->followed[i];
	return NULL;
}

static void save_followed(oc_daemon *d)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < d->docker->nfollowed; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "id",
			d->docker->followed[i].id, "network", d->docker->followed[i].network,
			"accept_caps", d->docker->followed[i].accept_caps));
	json_t *j = json_pack("{s:i, s:o}", "version", 1, "followed", list);
	char *text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	json_decref(j);
	char path[4200];
	followed_path(d, path, sizeof(path));
	if (!text || oc_file_write_atomic(path, text, strlen(text), 0600) != 0)
		remember_error(d, "saving the followed containers");
	free(text);
}

static void load_followed(oc_daemon *d)
{
	char path[4200];
	followed_path(d, path, sizeof(path));
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	if (!j) {
		if (access(path, F_OK) == 0)
			oc_daemon_log(d, OC_LOG_WARN, "docker: %s is unreadable (%s); containers "
				"attached with `outcall attach CONTAINER` are followed again once "
				"re-attached", path, err.text);
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "followed"), i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *net = json_string_value(json_object_get(v, "network"));
		if (id && net)
			oc_dk_follow(d, id, net, json_is_true(json_object_get(v, "accept_caps")));
	}
	json_decref(j);
}

void oc_dk_follow(oc_daemon *d, const char *id, const char *network, bool accept_caps)
{
	struct oc_dk *k = d->docker;
	if (!k)
		return;
	struct followed *f = find_followed(k, id);
	if (!f) {
		struct followed *grown = realloc(k->followed, (k->nfollowed + 1) * sizeof(*grown));
		if (!grown) {
			oc_error_nomem();
			remember_error(d, "following a container");
			return;
		}
		k->followed = grown;
		f = &k->followed[k->nfollowed++];
	}
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->network, sizeof(f->network), "%s", network);
	f->accept_caps = accept_caps;
	save_followed(d);
}

static void unfollow(oc_daemon *d, const char *id)
{
	struct oc_dk *k = d->docker;
	struct followed *f = find_followed(k, id);
	if (!f)
		return;
	*f = k->followed[--k->nfollowed];
	save_followed(d);
}

/* ---- containers ---- */

static const char *label_of(const oc_map *m, const char *key)
{
	for (size_t i = 0; i < m->count; i++)
		if (strcmp(m->items[i].key, key) == 0)
			return m->items[i].value;
	return NULL;
}

static bool is_managed(const oc_map *m)
{
	const char *v = label_of(m, OC_DOCKER_LABEL_MANAGED);
	return v && strcmp(v, "true") == 0;
}

/* The attached record of Docker container `id`, or NULL. */
static oc_container *record_of(oc_daemon *d, const char *id)
{
	oc_container **l;
	size_t n;
	oc_container *found = NULL;
	if (oc_registry_snapshot(oc_networks_registry(d->nets), &l, &n) != 0)
		return NULL;
	for (size_t i = 0; i < n && !found; i++)
		if (strcmp(oc_container_id(l[i]), id) == 0)
			found = oc_container_ref(l[i]);
	oc_containers_release(l, n);
	return found;
}

/* Attached to this very process, and its veth still there? */
static bool still_attached(oc_container *c, const char *id, pid_t pid)
{
	char want[32];
	snprintf(want, sizeof(want), "pid %d", (int)pid);
	return strcmp(oc_container_id(c), id) == 0 && strcmp(oc_container_netns(c), want) == 0 &&
		if_nametoindex(oc_container_veth(c)) != 0;
}

/* Docker's defaults keep CAP_NET_RAW: the operator takes that on knowingly
 * (docker/caps.c says why), and a container that kept one is logged as
 * such every time it is attached. */
static int check_caps(oc_daemon *d, const oc_docker_container *c, bool accept, uint64_t *kept)
{
	uint64_t risky;
	int rc = oc_caps_risky_of(c->pid, &risky);
	if (rc)
		return rc;
	if (kept)
		*kept = risky;
	if (!risky)
		return 0;
	char names[96];
	oc_caps_names(risky, names, sizeof(names));
	if (!accept)
		return oc_error_set(OC_EPERM, "Docker container %s keeps %s: root inside it can "
			"forge frames or change its own network. Recreate it with --cap-drop ALL (or "
			"drop those), or attach it with --accept-caps (label %s=true) to accept that",
			c->name, names, OC_DOCKER_LABEL_ACCEPT_CAPS);
	oc_daemon_log_about(d, OC_LOG_WARN, &(oc_log_about){ .container = c->name },
		"docker: container %s keeps %s, accepted by the operator; Outcall's layer-2 and "
		"kernel rules still judge every frame it sends", c->name, names);
	return 0;
}

int oc_dk_adopt(oc_daemon *d, const oc_docker_container *c, const char *network,
	bool accept_caps, uint64_t *kept, oc_container **out)
{
	if (!c->running || c->pid <= 0)
		return oc_error_set(OC_ESTATE, "Docker container %s is not running (%s): start it "
			"first", c->name, c->state);
	if (strcmp(c->network_mode, "none") != 0)
		return oc_error_set(OC_ESTATE, "Docker container %s runs with network mode '%s': "
			"Outcall attaches only containers started with --network none, whose only way "
			"out is then Outcall's bridge; recreate it with --network none", c->name,
			c->network_mode);
	if (!network)
		network = label_of(&c->labels, OC_DOCKER_LABEL_NETWORK);
	oc_registry *reg = oc_networks_registry(d->nets);
	oc_container *old = oc_registry_by_name(reg, c->name);
	if (old && still_attached(old, c->id, c->pid)) {
		if (out)
			*out = old;
		else
			oc_container_unref(old);
		return 0;
	}
	/* after the re-sync's no-op above: checked (and warned about) once
	 * per attach, not at every event stream */
	const char *accepted = label_of(&c->labels, OC_DOCKER_LABEL_ACCEPT_CAPS);
	int rc = check_caps(d, c, accept_caps || (accepted && strcmp(accepted, "true") == 0),
		kept);
	if (rc) {
		oc_container_unref(old);
		return rc;
	}
	if (old && oc_container_id(old)[0] && strcmp(oc_container_id(old), c->id) != 0)
		rc = oc_error_set(OC_EEXIST, "an Outcall container named '%s' is attached already "
			"(Docker id %.12s); detach it first or give this one another name", c->name,
			oc_container_id(old));
	else if (old)
		rc = oc_daemon_detach(d, c->name); /* a restart: its old namespace is gone */
	oc_container_unref(old);
	if (rc)
		return rc;
	oc_attach_options o = {
		.name = c->name, .network = network, .pid = c->pid, .container_id = c->id,
		.image = c->image, .labels = c->labels,
	};
	/* Whatever Docker holds, a record keeps what its state can load back. */
	if (o.labels.count > OC_CONTAINER_MAX_LABELS) {
		oc_daemon_log_about(d, OC_LOG_WARN, &(oc_log_about){ .container = c->name },
			"docker: container %s has %zu labels; Outcall keeps the first %d "
			"(container.labels in rules sees only those)", c->name, o.labels.count,
			OC_CONTAINER_MAX_LABELS);
		o.labels.count = OC_CONTAINER_MAX_LABELS;
	}
	rc = oc_daemon_attach(d, &o, out);
	if (!rc)
		oc_daemon_log_about(d, OC_LOG_INFO, &(oc_log_about){ .container = c->name,
			.network = network }, "docker: attached container %s (%.12s, pid %d)",
			c->name, c->id, (int)c->pid);
	return rc;
}

/* Detaches the record of Docker container `id`, if there is one. */
static void let_go(oc_daemon *d, const char *id, const char *why)
{
	oc_container *c = record_of(d, id);
	if (!c)
		return;
	char name[OC_NAME_MAX];
	snprintf(name, sizeof(name), "%s", oc_container_name(c));
	oc_container_unref(c);
	if (oc_daemon_detach(d, name) == 0)
		oc_daemon_log_about(d, OC_LOG_INFO, &(oc_log_about){ .container = name },
			"docker: detached container %s (%.12s): %s", name, id, why);
	else
		remember_error(d, "detaching a container Docker reported gone");
}

static void inspected(int rc, const oc_docker_result *res, void *arg)
{
	oc_daemon *d = arg;
	if (rc == OC_ENOTFOUND)
		return; /* gone meanwhile: its destroy event does the rest */
	if (rc) {
		remember_error(d, "inspecting a container");
		return;
	}
	const oc_docker_container *c = &res->containers[0];
	struct followed *f = find_followed(d->docker, c->id);
	if (!is_managed(&c->labels) && !f)
		return;
	if (!c->running) {
		let_go(d, c->id, "not running");
		return;
	}
	if (oc_dk_adopt(d, c, f ? f->network : NULL, f && f->accept_caps, NULL, NULL) != 0)
		remember_error(d, "attaching a container");
}

static void look_at(oc_daemon *d, const char *id)
{
	if (oc_docker_container_inspect(d->docker->client, id, inspected, d) != 0)
		remember_error(d, "inspecting a container");
}

static void forget_agent(oc_daemon *d, const char *name)
{
	char dir[4200];
	if (oc_dk_agent_dir(d, name, false, dir, sizeof(dir)) == 0 && rmdir(dir) != 0 &&
	    errno != ENOENT)
		oc_daemon_log(d, OC_LOG_DEBUG, "docker: agent directory %s stays: %s", dir,
			strerror(errno));
}

static void container_event(oc_daemon *d, const oc_docker_event *ev)
{
	bool ours = is_managed(&ev->attributes) || find_followed(d->docker, ev->id);
	if (!ours)
		return;
	if (strcmp(ev->action, "start") == 0) {
		look_at(d, ev->id);
	} else if (strcmp(ev->action, "die") == 0) {
		let_go(d, ev->id, "its process ended");
	} else if (strcmp(ev->action, "destroy") == 0) {
		let_go(d, ev->id, "removed from Docker");
		if (is_managed(&ev->attributes) && ev->name[0])
			forget_agent(d, ev->name);
		unfollow(d, ev->id);
	}
}

/* `docker network rm` of an Outcall network's Docker network leaves the
 * bridge without its address; Outcall owns the address and puts it back. */
static void network_event(oc_daemon *d, const oc_docker_event *ev)
{
	if (strcmp(ev->action, "destroy") != 0 || strcmp(ev->name, d->docker->removing) == 0)
		return;
	oc_network_info *nets = NULL;
	size_t n = 0;
	if (oc_networks_snapshot(d->nets, &nets, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char name[200];
		oc_dk_network_name(d, nets[i].name, name, sizeof(name));
		if (strcmp(name, ev->name) != 0)
			continue;
		oc_network_info info;
		char gw[INET_ADDRSTRLEN];
		if (oc_network_create(d->nets, nets[i].name, &info) == 0)
			oc_daemon_log_about(d, OC_LOG_INFO, &(oc_log_about){ .network = nets[i].name },
				"docker: network %s was removed from Docker; gateway %s kept on bridge %s",
				ev->name,
				inet_ntop(AF_INET, &info.gateway, gw, sizeof(gw)), info.bridge);
		else
			remember_error(d, "restoring a bridge's gateway address");
	}
	free(nets);
}

static void on_event(const oc_docker_event *ev, void *arg)
{
	oc_daemon *d = arg;
	if (strcmp(ev->type, "container") == 0)
		container_event(d, ev);
	else if (strcmp(ev->type, "network") == 0)
		network_event(d, ev);
}

/* ---- re-sync ---- */

static void listed(int rc, const oc_docker_result *res, void *arg)
{
	oc_daemon *d = arg;
	if (rc) {
		remember_error(d, "listing Outcall's containers");
		return;
	}
	for (size_t i = 0; i < res->ncontainers; i++)
		if (res->containers[i].running)
			look_at(d, res->containers[i].id);
}

static void network_ensured(int rc, const oc_docker_result *res, void *arg)
{
	(void)res;
	if (rc)
		remember_error(arg, "creating the Docker network of an Outcall network");
}

static void pinged(int rc, const oc_docker_result *res, void *arg)
{
	oc_daemon *d = arg;
	if (rc) {
		remember_error(d, "asking the engine's version");
		return;
	}
	d->docker->version = *res->version;
	d->docker->have_version = true;
}

/* What the engine has now, against what Outcall believes. */
static void synced(void *arg)
{
	oc_daemon *d = arg;
	struct oc_dk *k = d->docker;
	oc_daemon_log(d, OC_LOG_INFO, "docker: following the engine's events at %s; re-syncing",
		oc_docker_socket(k->client));
	k->last_error[0] = '\0';
	if (oc_docker_ping(k->client, pinged, d) != 0)
		remember_error(d, "asking the engine's version");
	if (oc_docker_containers_list(k->client, OC_DOCKER_LABEL_MANAGED "=true", listed, d) != 0)
		remember_error(d, "listing Outcall's containers");
	/* attached containers Docker may have stopped or removed meanwhile */
	oc_container **l;
	size_t n;
	if (oc_registry_snapshot(oc_networks_registry(d->nets), &l, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (oc_container_id(l[i])[0])
				look_at(d, oc_container_id(l[i]));
		oc_containers_release(l, n);
	}
	for (size_t i = 0; i < k->nfollowed; i++)
		look_at(d, k->followed[i].id);
	oc_network_info *nets = NULL;
	if (oc_networks_snapshot(d->nets, &nets, &n) == 0)
		for (size_t i = 0; i < n; i++)
			oc_dk_network_ensure(d, &nets[i], network_ensured, d);
	free(nets);
}

static void lost(int rc, unsigned retry_ms, void *arg)
{
	oc_daemon *d = arg;
	(void)rc;
	snprintf(d->docker->last_error, sizeof(d->docker->last_error), "%s",
		oc_error_last()->message);
	oc_daemon_log(d, OC_LOG_WARN, "docker: %s; trying again in %u ms (attached containers "
		"stay enforced meanwhile)", d->docker->last_error, retry_ms);
}

/* ---- networks ---- */

struct ensure {
	oc_daemon *d;
	oc_network_info net;
	oc_docker_cb cb;
	void *arg;
};

static void ensure_done(struct ensure *e, int rc, const oc_docker_result *res)
{
	if (e->cb)
		e->cb(rc, res, e->arg);
	free(e);
}

static void ensure_created(int rc, const oc_docker_result *res, void *arg)
{
	struct ensure *e = arg;
	if (!rc)
		oc_daemon_log_about(e->d, OC_LOG_INFO, &(oc_log_about){ .network = e->net.name },
			"docker: created network %.12s on bridge %s", res->id, e->net.bridge);
	ensure_done(e, rc, res);
}

static void ensure_inspected(int rc, const oc_docker_result *res, void *arg)
{
	struct ensure *e = arg;
	char name[200];
	oc_dk_network_name(e->d, e->net.name, name, sizeof(name));
	if (rc == OC_ENOTFOUND) {
		char subnet[32], gw[32];
		inet_ntop(AF_INET, &e->net.subnet, subnet, sizeof(subnet));
		strcat(subnet, "/24");
		inet_ntop(AF_INET, &e->net.gateway, gw, sizeof(gw));
		oc_docker_network_spec s = { name, e->net.bridge, subnet, gw, e->net.name };
		rc = oc_docker_network_create(e->d->docker->client, &s, ensure_created, e);
		if (!rc)
			return;
	} else if (!rc && strcmp(res->networks[0].bridge, e->net.bridge) != 0) {
		rc = oc_error_set(OC_EEXIST, "Docker network %s exists but is not on bridge %s "
			"(it uses '%s'): remove it with `docker network rm %s`", name, e->net.bridge,
			res->networks[0].bridge, name);
	}
	ensure_done(e, rc, res);
}

int oc_dk_network_ensure(oc_daemon *d, const oc_network_info *net, oc_docker_cb cb, void *arg)
{
	oc_docker *client = oc_dk_client(d);
	if (!client)
		return OC_ESTATE;
	struct ensure *e = malloc(sizeof(*e));
	if (!e)
		return oc_error_nomem();
	*e = (struct ensure){ d, *net, cb, arg };
	char name[200];
	oc_dk_network_name(d, net->name, name, sizeof(name));
	int rc = oc_docker_network_inspect(client, name, ensure_inspected, e);
	if (rc)
		free(e);
	return rc;
}

void oc_dk_removing(oc_daemon *d, const char *docker_name)
{
	if (d->docker)
		snprintf(d->docker->removing, sizeof(d->docker->removing), "%s",
			docker_name ? docker_name : "");
}

/* ---- life ---- */

int oc_dk_start(oc_daemon *d)
{
	if (!d->cfg.docker_socket)
		return 0;
	struct oc_dk *k = calloc(1, sizeof(*k));
	if (!k)
		return oc_error_nomem();
	d->docker = k;
	char rules[4200], state[4200];
	snprintf(rules, sizeof(rules), "%s", d->cfg.rules_dir);
	snprintf(state, sizeof(state), "%s", d->cfg.state_dir);
	/* what no agent container may be given: Outcall's sockets, rules and state */
	const char *protect[] = { d->cfg.run_dir, d->host_socket, rules, state, NULL };
	/* --run-bind-dirs, "a:b:c", as a list (empty entries dropped) */
	char binds[4200];
	const char *bind_dirs[64] = { NULL };
	size_t nb = 0;
	const char *dirs = d->cfg.run_bind_dirs ? d->cfg.run_bind_dirs : "";
	snprintf(binds, sizeof(binds), "%s", dirs);
	for (char *save = NULL, *t = strtok_r(binds, ":", &save); t;
	     t = strtok_r(NULL, ":", &save)) {
		if (t[0] != '/' || nb == 63 || strlen(dirs) >= sizeof(binds) - 1) {
			oc_dk_stop(d);
			return oc_error_set(OC_EINVAL, "--run-bind-dirs '%.200s': give at most 63 "
				"absolute directories, colon-separated, in less than 4 KiB", dirs);
		}
		bind_dirs[nb++] = t;
	}
	oc_docker_options o;
	oc_docker_options_init(&o);
	o.socket = d->cfg.docker_socket;
	o.protected_paths = protect;
	o.bind_dirs = bind_dirs;
	static const char *const types[] = { "container", "network", NULL };
	static const oc_docker_watch_ops ops = { synced, on_event, lost };
	int rc = oc_docker_new(d->loop, &o, &k->client);
	if (!rc) {
		load_followed(d);
		rc = oc_docker_watch_start(k->client, types, &ops, d, &k->watch);
	}
	if (rc)
		oc_dk_stop(d);
	return rc;
}

void oc_dk_stop(oc_daemon *d)
{
	struct oc_dk *k = d->docker;
	if (!k)
		return;
	oc_docker_free(k->client); /* the watch with it: no callback comes after this */
	free(k->followed);
	free(k);
	d->docker = NULL;
}

json_t *oc_dk_status(oc_daemon *d)
{
	struct oc_dk *k = d->docker;
	if (!k)
		return json_pack("{s:b}", "enabled", false);
	return json_pack("{s:b, s:s, s:b, s:s?, s:s?, s:s?, s:I}", "enabled", true,
		"socket", oc_docker_socket(k->client), "connected", oc_docker_watch_connected(k->watch),
		"version", k->have_version ? k->version.version : NULL,
		"api", k->have_version ? k->version.api_used : NULL,
		"last_error", k->last_error[0] ? k->last_error : NULL,
		"followed", (json_int_t)k->nfollowed);
}
