/*
 * Agent sockets and access requests.
 *
 * Every attached container gets one Unix socket,
 *   <run_dir>/agents/<container>/agent.sock   (directory 0755, socket 0666)
 * whose directory is meant to be bind-mounted at /run/outcall in the
 * container (the agent sees /run/outcall/agent.sock). The daemon can
 * recreate the socket inside the mounted directory after a restart, so a
 * container never needs remounting. The socket a client connected to is
 * its identity: nothing it sends names the container, and its SO_PEERCRED
 * goes into the decision log. Agents usually run as a non-root uid, hence
 * the open modes; the socket is created in a directory the container
 * cannot see and then renamed into place, so a hostile root in the
 * container cannot redirect its permissions.
 *
 * HTTP/1.1 + JSON on each socket (and nothing that changes policy or
 * reaches the host API):
 *   GET  /v1/whoami              agent, container, network, proxy and DNS
 *                                addresses, and how to use them
 *   POST /v1/check               {"url": U, "method": M} |
 *                                {"host": H, "port": P, "method": M, "path": P} |
 *                                {"dns": NAME, "type": T}
 *                                -> {allowed, layer, rule, reason, decision_id}
 *                                judged by the layer that would see it (a URL
 *                                or a method/path: http or tls; a host and
 *                                port alone: a CONNECT tunnel, tls)
 *   POST /v1/requests            {"host", "port"?, "method"?, "path_prefix"?,
 *                                 "justification", "duration"?} or
 *                                {"rule_file", "justification", "duration"?}
 *   GET  /v1/requests/ID[?wait=SECONDS]   the request, after waiting (at
 *                                most max_wait_s) for a decision
 * Bodies are capped; checks and submissions are rate limited per
 * container (429 with Retry-After); pending requests are capped per
 * container and in total; connections are capped per socket. A container
 * sees only the requests it submitted.
 *
 * The operator side (list, show, approve, reject) is below; the host API
 * and the dashboard serve it.
 *
 * Threads: every call on the loop's thread. Ownership: the loop and the
 * services are borrowed and must outlive the object; config strings are
 * copied.
 */
#ifndef OUTCALL_AGENTS_H
#define OUTCALL_AGENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <outcall/common.h>
#include <outcall/loop.h>
#include <outcall/network.h>
#include <outcall/services.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oc_agents_config {
	unsigned int version;        /* OC_AGENTS_CONFIG_VERSION */
	const char *run_dir;         /* [/run/outcall]: sockets in <run_dir>/agents/ */
	const char *state_dir;       /* [/var/lib/outcall]: records in <state_dir>/requests/ */
	const char *rules_dir;       /* [/etc/outcall/rules.d]: approvals in <rules_dir>/requests/ */
	oc_networks *networks;       /* optional: gateways for whoami (proxy and DNS addresses) */
	uint16_t proxy_port;         /* [8080] the explicit proxy on each gateway */
	uint16_t dns_port;           /* [53] the DNS filter on each gateway */
	/* Loads the rules directory and publishes it (the daemon's reload);
	 * called after an approval wrote a rule file, which is removed again
	 * if this fails, and after an expired one was removed. NULL: no reload
	 * (an embedder that watches the directory itself). */
	int (*reload)(void *arg);
	void *reload_arg;
	size_t max_body;             /* [65536] bytes of a request body */
	size_t max_conns_per_socket; /* [8] */
	size_t max_conns;            /* [4096] over all agent sockets */
	double checks_per_second;    /* [10] per container: checks, whoami, status */
	double checks_burst;         /* [20] */
	double requests_per_minute;  /* [6] per container: submissions */
	double requests_burst;       /* [3] */
	size_t max_pending_per_container; /* [5] */
	size_t max_pending;          /* [200] over all containers */
	size_t max_records;          /* [10000] older rejected/expired records are deleted */
	unsigned max_wait_s;         /* [300] longest long-poll */
} oc_agents_config;

#define OC_AGENTS_CONFIG_VERSION 1
#define OC_AGENTS_CONFIG_INIT { \
	.version = OC_AGENTS_CONFIG_VERSION, .run_dir = "/run/outcall", \
	.state_dir = "/var/lib/outcall", .rules_dir = "/etc/outcall/rules.d", \
	.proxy_port = 8080, .dns_port = 53, .max_body = 65536, .max_conns_per_socket = 8, \
	.max_conns = 4096, .checks_per_second = 10, .checks_burst = 20, \
	.requests_per_minute = 6, .requests_burst = 3, .max_pending_per_container = 5, \
	.max_pending = 200, .max_records = 10000, .max_wait_s = 300 }

/* Fills every field with its default. */
OC_API int oc_agents_config_init(oc_agents_config *cfg, unsigned int version);

typedef struct oc_agents oc_agents;

/* svc->rules, registry and events are required (services.h). */
OC_API int oc_agents_new(oc_loop *loop, const oc_services *svc, const oc_agents_config *cfg,
	oc_agents **out);
/* Reads the request records, arms the expiry of approved rules (expiring
 * at once what expired while stopped), and opens a socket for every
 * container in the registry. A socket that cannot be opened does not fail
 * the start: it is reported as an OC_EVENT_SECURITY record (layer "agent",
 * verdict "error", the container and the cause). */
OC_API int oc_agents_start(oc_agents *a);
/* Closes every socket (their files are removed; directories stay for the
 * mounts) and frees everything. Records and rule files stay. */
OC_API void oc_agents_free(oc_agents *a);

/* Opens the socket of a container that was just attached (re-opening
 * replaces it). OC_EINVAL for a name that is not a container name. */
OC_API int oc_agents_attach(oc_agents *a, const char *container);
/* Closes it and removes the socket file. The directory stays, so a
 * container that still has it mounted finds its socket again after a
 * re-attach. Harmless for a container without a socket. */
OC_API void oc_agents_detach(oc_agents *a, const char *container);
/* The host directory to bind-mount at /run/outcall in the container. */
OC_API int oc_agents_dir(const oc_agents *a, const char *container, char *buf, size_t size);

/*
 * The operator's side. Each call returns 0 with its answer in *out (may be
 * NULL when the caller does not want it; free it with oc_request_free or
 * oc_request_list_free), or an oc_err with the last error set:
 * OC_ENOTFOUND (no such request), OC_ESTATE (already decided), OC_EINVAL
 * (bad status, duration, reason or edited rule), OC_EPARSE (the rule does
 * not load with the others). The host API serves the same requests as
 * JSON (docs/api.md); the fields below carry the same names.
 */
typedef struct oc_request oc_request;
typedef struct oc_request_list oc_request_list;

/* A container an approved rule reaches. */
typedef struct oc_request_match {
	const char *name;
	const char *container_id;  /* "" for a container without one */
	const char *agent;
} oc_request_match;

/* One access request as it stood when the call returned. Strings are
 * borrowed from the oc_request (or list) and NULL when not set; times are
 * Unix seconds, 0 when not set. Fields are only ever added at the end. */
typedef struct oc_request_info {
	const char *id;
	const char *status;          /* "pending", "approved", "rejected", "expired", "revoked" */
	const char *container, *container_id, *agent;
	const char *justification;   /* the agent's words */
	const char *host;            /* what it asked for: a host (and port, method, path) ... */
	int port;
	const char *method, *path_prefix;
	const char *rule_file;       /* ... or a whole rule file */
	int64_t duration_s;          /* how long it asked for; 0: no limit asked */
	int64_t created_at, decided_at, expires_at, revoked_at;
	const char *decided_by, *revoked_by;
	const char *reason;          /* the operator's reason (reject, revoke) */
	const char *rule;            /* the rule file an approval wrote */
	const char *rule_id;         /* "req-<id>" */
	const char *rule_path;       /* <rules_dir>/requests/<id>.yaml */
	const char *note;            /* what the operator should know before approving */
	const char *scope;           /* "container", "agent" or "all": whom the rule reaches */
	const char *default_scope;
	const char *proposed_rule;   /* pending: the exact rule file approval with `scope` adds */
	const char *proposed_rule_error; /* pending: why none could be proposed */
	const oc_request_match *matches; /* pending or approved (oc_agents_request and
	                                  * decisions): whom the rule reaches now */
	size_t nmatches;
} oc_request_info;

OC_API const oc_request_info *oc_request_get_info(const oc_request *r);
OC_API void oc_request_free(oc_request *r);
OC_API size_t oc_request_list_count(const oc_request_list *l);
/* NULL past the end; valid until oc_request_list_free. */
OC_API const oc_request_info *oc_request_list_get(const oc_request_list *l, size_t i);
OC_API void oc_request_list_free(oc_request_list *l);

/* Oldest first; status "pending", "approved", "rejected", "expired",
 * "revoked" or NULL for all. */
OC_API int oc_agents_requests(oc_agents *a, const char *status, oc_request_list **out);
/*
 * Whom an approved rule reaches:
 * - CONTAINER: the container that asked (container.id == its id); only
 *   for a container with an id (Docker's);
 * - AGENT: every container of its agent.name (the name without a
 *   trailing -<digits>: coder-1, coder-2...);
 * - ALL: every container.
 * DEFAULT is CONTAINER for a container whose name `outcall run` chose
 * (label OC_LABEL_NAME_GENERATED) and AGENT otherwise (default_scope).
 */
typedef enum oc_agents_scope {
	OC_AGENTS_SCOPE_DEFAULT,
	OC_AGENTS_SCOPE_CONTAINER,
	OC_AGENTS_SCOPE_AGENT,
	OC_AGENTS_SCOPE_ALL,
} oc_agents_scope;

/* Set by `outcall run` on a container whose name it chose ("true"). */
#define OC_LABEL_NAME_GENERATED "io.outcall.generated-name"

/* One request with everything the operator needs to decide; while it is
 * pending, with the scope `scope` (its proposed_rule and matches follow
 * it). An approved request has its own scope and the matches of its rule. */
OC_API int oc_agents_request(oc_agents *a, const char *id, oc_agents_scope scope,
	oc_request **out);

typedef struct oc_agents_approval {
	const char *by;         /* who approves, for the record ("uid=0") */
	const char *duration;   /* "30s", "10m", "2h", "1d"; "never"; NULL: what the agent asked for */
	oc_agents_scope scope;  /* whom the rule reaches */
	const char *rule_file;  /* the operator's edit of proposed_rule, or NULL */
} oc_agents_approval;

/* Writes <rules_dir>/requests/<id>.yaml and reloads; the waiting agent
 * hears "approved". Answers with the request and its matches (for an
 * edited rule: the containers its scope reaches; the edit's own
 * conditions are not analysed). */
OC_API int oc_agents_approve(oc_agents *a, const char *id, const oc_agents_approval *ap,
	oc_request **out);
/* The agent hears "rejected" and the reason. */
OC_API int oc_agents_reject(oc_agents *a, const char *id, const char *reason, const char *by,
	oc_request **out);

/* Incident response. Revokes an approved request: its rule file is
 * removed and the rules reload (flows its direct_ip grants carried are
 * cut); the agent reads "revoked" and the reason in its request's status
 * and in its next check of that host. OC_ESTATE when it is not approved. */
OC_API int oc_agents_revoke(oc_agents *a, const char *id, const char *reason, const char *by,
	oc_request **out);

/* A temporary grant by hand: an access request filed for the operator
 * (container "outcall.operator") and approved at once for `duration`, scoped to
 * `agent`; listed, expired and revoked like any approval. */
typedef struct oc_agents_grant_spec {
	const char *agent;      /* agent.name */
	const char *host;
	int port;               /* 0: any */
	const char *duration;   /* required: "30s" .. "24h" */
	const char *reason;     /* the record's justification; NULL: "granted by hand" */
	const char *by;         /* who grants, for the record ("uid=0 (root)") */
	uid_t uid;
	gid_t gid;
} oc_agents_grant_spec;
OC_API int oc_agents_grant(oc_agents *a, const oc_agents_grant_spec *spec, oc_request **out);

typedef struct oc_agents_stats {
	unsigned int version;         /* OC_AGENTS_STATS_VERSION, set by the caller */
	size_t sockets;               /* containers with an open socket */
	size_t waiters;               /* long-polls in progress */
	size_t pending;               /* requests awaiting a decision */
	uint64_t checks;              /* POST /v1/check answered */
	uint64_t rate_limited;        /* 429 answers */
	uint64_t refused;             /* 400 answers (malformed, unknown fields, bad values) */
	uint64_t submitted, approved, rejected, expired;
	uint64_t conns_refused;       /* connections over a cap, answered 503 and closed */
	uint64_t accept_pauses;       /* accept() out of descriptors: sockets paused */
} oc_agents_stats;
#define OC_AGENTS_STATS_VERSION 1
#define OC_AGENTS_STATS_INIT { .version = OC_AGENTS_STATS_VERSION }
OC_API int oc_agents_stats_init(oc_agents_stats *st, unsigned int version);
OC_API int oc_agents_get_stats(oc_agents *a, oc_agents_stats *out);

#ifdef __cplusplus
}
#endif
#endif
