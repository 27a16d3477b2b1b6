/*
 * Internal, not public API: the daemon's (outcall run, Docker networks,
 * following containers) and the CLI's doctor. An embedder gets Docker
 * through oc_daemon's config; the client itself would freeze thirty calls
 * shaped by the daemon's needs, so it is not installed.
 *
 * A Docker Engine API client (docs/docker.md): HTTP/1.1 + JSON over the
 * engine's Unix socket, on an oc_loop, for what Outcall does with Docker:
 * hardened agent containers, Docker networks on Outcall's bridges, and
 * following container events.
 *
 * Every call is asynchronous. It returns 0 when the request is under way,
 * and then calls its callback exactly once, from the loop, with rc 0 or a
 * negative oc_err (the message, in oc_error_last() during the callback,
 * carries Docker's own text: "Docker: No such container: x (GET
 * /containers/x/json: HTTP 404)"). A call that returns an error did not
 * start and calls nothing; in particular a container whose binds are
 * refused (oc_docker_check_run) never reaches Docker.
 *
 * The API version is negotiated with GET /version before the first call
 * (and again after an event stream is lost, since the engine may have been
 * upgraded): the engine's version, capped at the newest one this client
 * knows (OC_DOCKER_API_MAX). An engine older than OC_DOCKER_API_MIN is
 * refused with a message naming both versions.
 *
 * Every call is bounded by timeout_ms from connect to the end of the
 * answer; answers are capped at max_answer bytes. An event stream is
 * bounded until its head arrives and then lives until the engine ends it.
 *
 * Errors: OC_EUNREACHABLE (no socket, nothing listening), OC_EPERM (the
 * socket refused us: permissions), OC_ETIMEOUT, OC_EPARSE (an answer that
 * is not HTTP/JSON as expected), OC_ELIMIT (answer too large), and for
 * Docker's own refusals by status: 400 OC_EINVAL, 404 OC_ENOTFOUND, 409
 * OC_EEXIST, others OC_ERROR.
 *
 * Ownership: results passed to callbacks (oc_docker_result and everything
 * it points to) are valid only during the callback; copy what you keep.
 * Options and specs are borrowed only for the call that receives them.
 *
 * Thread-safety: an oc_docker belongs to its loop's thread; every call,
 * and oc_docker_free, must be made there. Do not free the client (or stop
 * a watch) from inside one of its own callbacks: defer it (oc_loop_defer).
 */
#ifndef OC_DOCKER_DOCKER_H
#define OC_DOCKER_DOCKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <outcall/context.h>
#include <outcall/loop.h>

/* API versions this client speaks (Docker 19.03 to 24). */
#define OC_DOCKER_API_MIN "1.40"
#define OC_DOCKER_API_MAX "1.43"

/* Labels on what Outcall makes: its containers and networks carry
 * OC_DOCKER_LABEL_MANAGED=true; containers also carry the Outcall network
 * they are attached to. */
#define OC_DOCKER_LABEL_MANAGED "io.outcall.managed"
#define OC_DOCKER_LABEL_NETWORK "io.outcall.network"
/* "true": attach takes the container although it keeps risky capabilities
 * (docker/caps.h); set by whoever creates it, as --accept-caps is. */
#define OC_DOCKER_LABEL_ACCEPT_CAPS "io.outcall.accept-caps"

/* Where a container sees Outcall: its agent-socket directory, the shim
 * and the proxy variables point here. */
#define OC_DOCKER_AGENT_DIR "/run/outcall"
#define OC_DOCKER_SHIM_PATH "/usr/local/bin/outcall-shim"
#define OC_DOCKER_RESOLV_CONF "/etc/resolv.conf"

typedef struct oc_docker oc_docker;

typedef struct oc_docker_options {
	const char *socket;             /* ["/var/run/docker.sock"] */
	unsigned timeout_ms;            /* [30000] one call, connect to last byte */
	size_t max_answer;              /* [16 MiB] body bytes of one answer */
	unsigned backoff_min_ms;        /* [250] first retry of a lost event stream */
	unsigned backoff_max_ms;        /* [30000] retries double up to this */
	/* Host paths no container may see through a bind, besides the
	 * client's own socket and the engines' sockets Outcall knows (Docker,
	 * containerd, podman, buildkit): the daemon's run directory (host and
	 * agent sockets), rules and state. NULL-terminated; may be NULL. */
	const char *const *protected_paths;
	/* Host directories at or below which a bind source must lie (both
	 * resolved: symlinks and ".." gone), the operator's allow-list.
	 * NULL-terminated; NULL or empty: no bind is allowed. */
	const char *const *bind_dirs;
} oc_docker_options;

void oc_docker_options_init(oc_docker_options *o);

/* A client on `loop` (borrowed; it must outlive the client). Connects
 * nothing yet: a missing socket shows at the first call. */
int oc_docker_new(oc_loop *loop, const oc_docker_options *o, oc_docker **out);
/* Drops every call in flight without calling back and frees the watches
 * still running (their handles become invalid). NULL is allowed. */
void oc_docker_free(oc_docker *d);
const char *oc_docker_socket(const oc_docker *d);

typedef struct oc_docker_version {
	char version[64];         /* the engine's, "20.10.24+dfsg1" */
	char api_version[16];     /* the newest API it speaks */
	char min_api_version[16];
	char api_used[16];        /* what this client sends */
	char os[32];
	char arch[32];
	char kernel[128];
} oc_docker_version;

typedef struct oc_docker_container {
	char id[65];
	char name[129];           /* without Docker's leading '/' */
	char image[256];
	char state[16];           /* "created", "running", "exited", ... */
	bool running;
	pid_t pid;                /* inspect only: the init process, 0 unless running */
	char network_mode[64];    /* "none", "bridge", "container:<id>", ... */
	oc_map labels;
} oc_docker_container;

typedef struct oc_docker_network {
	char id[65];
	char name[129];
	char driver[32];
	char bridge[16];          /* its com.docker.network.bridge.name, "" if none */
	size_t ncontainers;       /* inspect only: containers attached */
	oc_map labels;
} oc_docker_network;

/* What a call produced; the fields a call does not fill are 0/NULL. */
typedef struct oc_docker_result {
	const char *id;                         /* creates: the new object's id */
	const oc_docker_version *version;       /* oc_docker_ping */
	const oc_docker_container *containers;  /* inspect: one; list: all */
	size_t ncontainers;
	const oc_docker_network *networks;      /* inspect: one; list: all */
	size_t nnetworks;
} oc_docker_result;

typedef void (*oc_docker_cb)(int rc, const oc_docker_result *res, void *arg);

/* Negotiates (again) and reports the engine's version. */
int oc_docker_ping(oc_docker *d, oc_docker_cb cb, void *arg);

/* ---- containers ---- */

typedef struct oc_docker_bind {
	const char *source;       /* host path; must exist */
	const char *target;       /* absolute path in the container */
	bool read_only;
} oc_docker_bind;

/*
 * An agent container. Whatever the spec says, it is created hardened: no
 * network of Docker's (NetworkMode none: Outcall attaches it by pid),
 * every capability dropped, no-new-privileges, a non-root numeric user,
 * memory and pids limits, not privileged, private IPC, Outcall's labels,
 * the gateway as its only resolver, proxy variables for the gateway, the
 * agent directory at OC_DOCKER_AGENT_DIR and the shim read-only at
 * OC_DOCKER_SHIM_PATH.
 */
typedef struct oc_docker_run {
	const char *name;               /* required: the container's name in Docker and Outcall */
	bool name_generated;            /* Outcall chose it: label OC_LABEL_NAME_GENERATED=true */
	const char *image;              /* required */
	const char *const *cmd;         /* NULL-terminated; NULL: the image's */
	const char *const *env;         /* NULL-terminated "KEY=VALUE"; proxy variables are refused */
	const char *user;               /* "UID[:GID]", numeric, neither 0; NULL: "65534:65534" */
	/* Root asked: the user may be a host account's uid or gid. Otherwise
	 * both must be given and neither may be in the host's passwd or group
	 * databases (65534, nobody and nogroup, excepted). */
	bool host_ids_allowed;
	const oc_docker_bind *binds;    /* the operator's; checked by oc_docker_check_run */
	size_t nbinds;
	oc_map labels;                  /* extra labels; Outcall's own keys are refused */
	int64_t memory_bytes;           /* [1 GiB]; at least 6 MiB (Docker's minimum) */
	int64_t pids_limit;             /* [512] */
	bool read_only_root;            /* root filesystem read-only */
	/* Filled by whoever attaches the container (the daemon): */
	const char *network;            /* the Outcall network: a label */
	const char *gateway;            /* "10.200.0.1": DNS and proxy host */
	uint16_t proxy_port;            /* [8080] */
	const char *agent_dir;          /* host directory mounted at OC_DOCKER_AGENT_DIR */
	const char *shim;               /* host path of outcall-shim; NULL: not mounted */
} oc_docker_run;

/*
 * The checks oc_docker_container_create makes before calling Docker:
 * required fields, the user, extra labels and environment, and every
 * bind. A bind source is resolved (symlinks, "..") and refused when it is,
 * contains or lies inside a protected path: the client's socket, the
 * known engine sockets and their directories, and the options'
 * protected_paths; the comparison is also made by inode, so another path
 * to the same file or directory (a bind mount, a hard link to a socket)
 * is refused too. Then it must lie at or below one of the options'
 * bind_dirs (OC_EPERM naming the source and the list). A bind target may
 * not be, contain or lie inside OC_DOCKER_AGENT_DIR or
 * OC_DOCKER_RESOLV_CONF (it would shadow the agent socket or the
 * resolver). Unless host_ids_allowed, a user's uid or gid of a host
 * account is refused (OC_EPERM naming it). Errors are OC_EINVAL or
 * OC_EPERM with a message naming the bind, path or id.
 */
int oc_docker_check_run(oc_docker *d, const oc_docker_run *spec);

/* Creates (does not start) the container; res->id. */
int oc_docker_container_create(oc_docker *d, const oc_docker_run *spec, oc_docker_cb cb,
	void *arg);
int oc_docker_container_start(oc_docker *d, const char *id, oc_docker_cb cb, void *arg);
/* res->containers[0], with its pid. */
int oc_docker_container_inspect(oc_docker *d, const char *id_or_name, oc_docker_cb cb,
	void *arg);
/* Kills and removes it with its anonymous volumes. */
int oc_docker_container_remove(oc_docker *d, const char *id, oc_docker_cb cb, void *arg);
/* Every container (running or not) with `label` ("key" or "key=value";
 * NULL: all). No pids: inspect the running ones for theirs. */
int oc_docker_containers_list(oc_docker *d, const char *label, oc_docker_cb cb, void *arg);

/* ---- networks ---- */

/* A Docker network on an existing Outcall bridge, for `docker network ls`
 * and tools that look there: bridge driver with the bridge's name, no
 * masquerade, no inter-container traffic, Outcall's label. */
typedef struct oc_docker_network_spec {
	const char *name;         /* the Docker network's name */
	const char *bridge;       /* "outcall0" */
	const char *subnet;       /* "10.200.0.0/24" */
	const char *gateway;      /* "10.200.0.1" */
	const char *outcall_network; /* label OC_DOCKER_LABEL_NETWORK */
} oc_docker_network_spec;

int oc_docker_network_create(oc_docker *d, const oc_docker_network_spec *spec,
	oc_docker_cb cb, void *arg);
/* res->networks[0], with the number of containers attached. */
int oc_docker_network_inspect(oc_docker *d, const char *id_or_name, oc_docker_cb cb,
	void *arg);
int oc_docker_network_remove(oc_docker *d, const char *id_or_name, oc_docker_cb cb,
	void *arg);
int oc_docker_networks_list(oc_docker *d, const char *label, oc_docker_cb cb, void *arg);

/* ---- events ---- */

typedef struct oc_docker_event {
	const char *type;         /* "container", "network", ... */
	const char *action;       /* "start", "die", "destroy", "create", ... */
	const char *id;           /* the object's id */
	const char *name;         /* its name ("" if the event has none) */
	oc_map attributes;        /* for containers: image, name, exitCode and every label */
	int64_t time_ns;
} oc_docker_event;

typedef struct oc_docker_watch_ops {
	/* The stream is (again) established: list what exists now, since
	 * events may have been missed. Events after this call are live. */
	void (*synced)(void *arg);
	void (*event)(const oc_docker_event *ev, void *arg);
	/* The stream was lost or could not be opened (rc and message say
	 * why); the next try is in retry_ms. */
	void (*lost)(int rc, unsigned retry_ms, void *arg);
} oc_docker_watch_ops;

typedef struct oc_docker_watch oc_docker_watch;

/*
 * Follows the engine's events of the given types (NULL-terminated, e.g.
 * {"container", "network", NULL}; NULL: all), reconnecting with
 * exponential backoff (backoff_min_ms to backoff_max_ms, back to the
 * minimum once a stream is established) for as long as the watch runs.
 * ops is copied; arg is borrowed.
 */
int oc_docker_watch_start(oc_docker *d, const char *const *types,
	const oc_docker_watch_ops *ops, void *arg, oc_docker_watch **out);
/* Stops following and frees the watch; no callback runs after it. */
void oc_docker_watch_stop(oc_docker_watch *w);
/* True while the stream is established. */
bool oc_docker_watch_connected(const oc_docker_watch *w);

#endif
