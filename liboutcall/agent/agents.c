/* oc_agents: lifecycle, one socket per container, and routing. */
#include "agent/internal.h"
#include "identity/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/version.h"
#include "core/atomicfile.h"
#include "core/error.h"
#include "core/services.h"

/* Rate-limit tables hold this many containers before the least recently
 * seen one is forgotten. */
#define MAX_RATE_KEYS 4096

OC_DEFINE_STRUCT_INIT(oc_agents_config, OC_AGENTS_CONFIG)

OC_DEFINE_STRUCT_INIT(oc_agents_stats, OC_AGENTS_STATS)

static void route(oc_agent_call *k)
{
	const oc_api_request *r = k->req;
	static const char requests[] = "/v1/requests";
	const char *path = r->path;
	bool get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
	if (strcmp(path, "/v1/whoami") == 0 && get)
		oc_agent_whoami(k);
	else if (strcmp(path, "/v1/check") == 0 && post)
		oc_agent_check(k);
	else if (strcmp(path, requests) == 0 && post)
		oc_agent_submit(k);
	else if (strncmp(path, requests, sizeof(requests) - 1) == 0 &&
		 path[sizeof(requests) - 1] == '/' && get)
		oc_agent_status(k, path + sizeof(requests));
	else if (strcmp(path, "/v1/whoami") == 0 || strcmp(path, "/v1/check") == 0 ||
		 strncmp(path, requests, sizeof(requests) - 1) == 0)
		oc_agent_reply_error(k, 405, "method_not_allowed", "%s is not allowed on %s",
			r->method, path);
	else
		oc_agent_reply_error(k, 404, "not_found", "no endpoint %s %s: the agent socket offers "
			"GET /v1/whoami, POST /v1/check, POST /v1/requests and GET /v1/requests/ID",
			r->method, path);
}

/* The socket is the identity: its container, looked up now, so a detached
 * or replaced container is seen as it is at this moment. */
static void dispatch(oc_api_request *req, void *arg)
{
	oc_agents *a = arg;
	struct oc_agent_sock *s = req->listener_arg;
	oc_agent_call k = { .a = a, .req = req };
	snprintf(k.peer, sizeof(k.peer), "pid=%d uid=%u gid=%u", (int)req->pid,
		(unsigned)req->uid, (unsigned)req->gid);
	k.c = oc_registry_by_name(a->svc.registry, s->name);
	if (!k.c) {
		oc_agent_reply_error(&k, 403, "not_attached", "this socket belongs to container %s, "
			"which is not attached to Outcall any more", s->name);
		return;
	}
	route(&k);
	oc_container_unref(k.c);
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77   /* Linux 6.5; older headers lack it */
#endif

/* The network namespace of the process at the other end of fd, as of now.
 * SO_PEERCRED's pid named the peer at connect; should the peer have exited
 * since, the pid could name another process. Where the kernel offers a
 * pidfd of the peer (6.5 and later), the peer must still exist after the
 * namespace was read, so the pid was still its own while it was read; on
 * older kernels the check runs at accept, right after the connect. */
static int peer_netns(int fd, pid_t pid, struct stat *ns)
{
	int pidfd = -1;
	socklen_t len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) != 0)
		pidfd = -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	int rc = pid > 0 ? stat(path, ns) : -1;
	if (pidfd >= 0) {
		if (rc == 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) != 0)
			rc = -1;
		close(pidfd);
	}
	return rc;
}

static void refused(oc_agents *a, const oc_container *c, const char *name, pid_t pid,
	const char *why)
{
	char peer[32];
	snprintf(peer, sizeof(peer), "pid=%d", (int)pid);
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_SECURITY, OC_EVENT_LAYER_AGENT);
	ev.container = name;
	ev.agent = c ? oc_container_agent_name(c) : NULL;
	ev.peer = peer;
	ev.verdict = OC_EVENT_VERDICT_REFUSED;
	ev.reason = why;
	oc_events_emit(a->svc.events, &ev);
}

/*
 * A container's socket is its identity, so only the container may use
 * it: the peer must be a process in the network namespace the container
 * was attached with. A local user of the host, another container, or a
 * process that was handed the path is closed before it is read, and the
 * refusal is a security event.
 */
static bool admit(int fd, pid_t pid, void *arg)
{
	struct oc_agent_sock *s = arg;
	oc_agents *a = s->agents;
	oc_container *c = oc_registry_by_name(a->svc.registry, s->name);
	struct stat ns;
	const char *why = NULL;
	if (!c)
		why = "the container is not attached any more";
	else if (!oc_container_netns_ino(c))
		why = "the container's network namespace is unknown (attached by an earlier "
			"version): attach it again";
	else if (peer_netns(fd, pid, &ns) != 0)
		why = "the peer's network namespace cannot be read (it has exited)";
	else if ((uint64_t)ns.st_ino != oc_container_netns_ino(c) ||
		 (uint64_t)ns.st_dev != oc_container_netns_dev(c))
		why = "the peer is not a process of this container (another network namespace)";
	if (why)
		refused(a, c, s->name, pid, why);
	oc_container_unref(c);
	return !why;
}

static char *copy(const char *s)
{
	char *d = strdup(s);
	if (!d)
		oc_error_nomem();
	return d;
}

int oc_agents_new(oc_loop *loop, const oc_services *svc, const oc_agents_config *cfg,
	oc_agents **out)
{
	int rc = oc_services_check("agent sockets", loop, svc, false);
	if (!rc && cfg)
		rc = oc_struct_version_check(cfg->version, OC_AGENTS_CONFIG_VERSION, "oc_agents_config");
	if (rc)
		return rc;
	oc_agents *a = calloc(1, sizeof(*a));
	if (!a)
		return oc_error_nomem();
	a->loop = loop;
	a->svc = *svc;
	a->cfg = cfg ? *cfg : (oc_agents_config)OC_AGENTS_CONFIG_INIT;
	rc = 0;
	if (!(a->run_dir = copy(a->cfg.run_dir)) || !(a->state_dir = copy(a->cfg.state_dir)) ||
	    !(a->rules_dir = copy(a->cfg.rules_dir)))
		rc = OC_ENOMEM;
	a->cfg.run_dir = a->run_dir;
	a->cfg.state_dir = a->state_dir;
	a->cfg.rules_dir = a->rules_dir;
	if (!rc)
		rc = oc_ratelimit_new(a->cfg.checks_per_second, a->cfg.checks_burst, MAX_RATE_KEYS,
			&a->checks_rl);
	if (!rc)
		rc = oc_ratelimit_new(a->cfg.requests_per_minute / 60.0, a->cfg.requests_burst,
			MAX_RATE_KEYS, &a->requests_rl);
	if (!rc && (!a->cfg.max_pending || !a->cfg.max_pending_per_container || !a->cfg.max_wait_s))
		rc = oc_error_set(OC_EINVAL, "agent sockets: max_pending, max_pending_per_container "
			"and max_wait_s must be at least 1");
	oc_api_limits lim;
	oc_api_limits_init(&lim);
	lim.max_body = a->cfg.max_body;
	lim.max_conns = a->cfg.max_conns;
	lim.max_conns_per_listener = a->cfg.max_conns_per_socket;
	if (!rc)
		rc = oc_api_server_new(loop, &lim, dispatch, a, &a->server);
	if (rc) {
		oc_agents_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int oc_agents_dir(const oc_agents *a, const char *container, char *buf, size_t size)
{
	if (!oc_name_valid(container))
		return oc_error_set(OC_EINVAL, "'%.80s' is not a container name", container);
	int n = snprintf(buf, size, "%s/agents/%s", a->run_dir, container);
	if (n < 0 || (size_t)n >= size)
		return oc_error_set(OC_ELIMIT, "agent socket directory for %s: path too long", container);
	return 0;
}

static struct oc_agent_sock **find_sock(oc_agents *a, const char *name)
{
	struct oc_agent_sock **p = &a->socks;
	while (*p && strcmp((*p)->name, name) != 0)
		p = &(*p)->next;
	return p;
}

/* The container may own its directory's contents (it is mounted there),
 * so the directory itself must be a real one with the modes we promise. */
static int prepare_dir(const char *dir)
{
	int rc = oc_mkdir_p(dir, 0755);
	if (rc)
		return rc;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return oc_error_os("agent socket directory %s", dir);
	if (fchmod(fd, 0755) != 0)
		rc = oc_error_os("agent socket directory %s: chmod", dir);
	close(fd);
	return rc;
}

/*
 * Listens under a name in <run_dir>/agents (which no container sees), then
 * renames the socket into the container's directory: the chmod to 0666
 * happens where a root in the container cannot swap the socket for a
 * symlink, and the rename replaces whatever it left at agent.sock.
 */
static int open_socket(oc_agents *a, struct oc_agent_sock *s)
{
	char dir[4096], tmp[4096];
	int rc = oc_agents_dir(a, s->name, dir, sizeof(dir));
	if (!rc)
		rc = prepare_dir(dir);
	if (rc)
		return rc;
	int n = snprintf(s->path, sizeof(s->path), "%s/agent.sock", dir);
	int m = snprintf(tmp, sizeof(tmp), "%s/agents/.%s.sock", a->run_dir, s->name);
	if (n < 0 || m < 0 || (size_t)n >= sizeof(s->path) || (size_t)m >= sizeof(tmp))
		return oc_error_set(OC_ELIMIT, "agent socket for %s: path too long", s->name);
	rc = oc_api_server_listen(a->server, tmp, 0666, (uid_t)-1, (gid_t)-1, s, &s->listener);
	if (rc)
		return rc;
	oc_api_listener_set_admit(s->listener, admit);
	if (rename(tmp, s->path) != 0) {
		rc = oc_error_os("agent socket for %s: cannot move %s to %s", s->name, tmp, s->path);
		oc_api_listener_close(s->listener);
		s->listener = NULL;
	}
	return rc;
}

static void close_socket(struct oc_agent_sock *s)
{
	/* Closing unlinks the listener's first name, which the rename took. */
	oc_api_listener_close(s->listener);
	unlink(s->path);
}

int oc_agents_attach(oc_agents *a, const char *container)
{
	if (!oc_name_valid(container))
		return oc_error_set(OC_EINVAL, "'%.80s' is not a container name", container);
	struct oc_agent_sock **p = find_sock(a, container);
	if (*p) {
		struct oc_agent_sock *old = *p;
		*p = old->next;
		close_socket(old);
		free(old);
	}
	struct oc_agent_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return oc_error_nomem();
	s->agents = a;
	snprintf(s->name, sizeof(s->name), "%s", container);
	int rc = open_socket(a, s);
	if (rc) {
		free(s);
		return rc;
	}
	s->next = a->socks;
	a->socks = s;
	return 0;
}

void oc_agents_detach(oc_agents *a, const char *container)
{
	struct oc_agent_sock **p = find_sock(a, container);
	struct oc_agent_sock *s = *p;
	if (!s)
		return;
	*p = s->next;
	/* The directory stays: a container that still has it mounted (a
	 * detach and re-attach) gets its socket back in the same place. */
	close_socket(s);
	/* the next container of that name starts with full buckets */
	oc_ratelimit_reset(a->checks_rl, container, strlen(container));
	oc_ratelimit_reset(a->requests_rl, container, strlen(container));
	free(s);
}

int oc_agents_start(oc_agents *a)
{
	oc_req_store_config sc = {
		.state_dir = a->state_dir, .rules_dir = a->rules_dir, .loop = a->loop,
		.events = a->svc.events, .reload = a->cfg.reload, .reload_arg = a->cfg.reload_arg,
		.changed = oc_agent_request_changed, .changed_arg = a,
		.max_pending_per_container = a->cfg.max_pending_per_container,
		.max_pending = a->cfg.max_pending, .max_records = a->cfg.max_records,
	};
	char agents_dir[4096];
	snprintf(agents_dir, sizeof(agents_dir), "%s/agents", a->run_dir);
	int rc = oc_req_store_open(&sc, &a->store);
	if (!rc)
		rc = oc_mkdir_p(agents_dir, 0755);
	oc_container **list = NULL;
	size_t n = 0;
	if (!rc)
		rc = oc_registry_snapshot(a->svc.registry, &list, &n);
	if (rc)
		return rc;
	/* One container's broken directory must not keep the daemon or the
	 * others' sockets down: it is reported, and the rest open. */
	for (size_t i = 0; i < n; i++) {
		const char *name = oc_container_name(list[i]);
		if (oc_agents_attach(a, name) == 0)
			continue;
		oc_event ev;
		oc_event_init(&ev, OC_EVENT_SECURITY, OC_EVENT_LAYER_AGENT);
		ev.container = name;
		ev.agent = oc_container_agent_name(list[i]);
		ev.verdict = OC_EVENT_VERDICT_ERROR;
		ev.reason = oc_error_last()->message;
		oc_events_emit(a->svc.events, &ev);
	}
	oc_containers_release(list, n);
	return 0;
}

void oc_agents_free(oc_agents *a)
{
	if (!a)
		return;
	/* Sockets first: closing them ends the long-polls, which the store's
	 * records outlive. */
	while (a->socks) {
		struct oc_agent_sock *s = a->socks;
		a->socks = s->next;
		close_socket(s);
		free(s);
	}
	oc_api_server_free(a->server);
	oc_req_store_free(a->store);
	oc_ratelimit_free(a->checks_rl);
	oc_ratelimit_free(a->requests_rl);
	free(a->run_dir);
	free(a->state_dir);
	free(a->rules_dir);
	free(a);
}

int oc_agents_get_stats(oc_agents *a, oc_agents_stats *out)
{
	int rc = oc_struct_version_check(out->version, OC_AGENTS_STATS_VERSION, "oc_agents_stats");
	if (rc)
		return rc;
	*out = a->stats;
	out->conns_refused = oc_api_server_refused(a->server);
	out->accept_pauses = oc_api_server_accept_pauses(a->server);
	out->version = OC_AGENTS_STATS_VERSION;
	for (struct oc_agent_sock *s = a->socks; s; s = s->next)
		out->sockets++;
	if (a->store) {
		oc_req_stats st;
		oc_req_store_stats(a->store, &st);
		out->pending = st.pending;
		out->submitted = st.submitted;
		out->approved = st.approved;
		out->rejected = st.rejected;
		out->expired = st.expired;
	}
	return 0;
}
