/* The inside of oc_daemon, shared by its files: lifecycle (daemon.c),
 * reloads (reload.c), the host API and metrics (../hostapi/).
 * The agent sockets and access requests are liboutcall/agent. */
#ifndef OC_DAEMON_INTERNAL_H
#define OC_DAEMON_INTERNAL_H

#include <outcall/agents.h>
#include <outcall/daemon.h>
#include <outcall/services.h>
#include <time.h>

#include "httpd/server.h"
#include "core/dlist.h"
#include "core/error.h"
#include "incident/lockdown.h"

struct oc_daemon {
	oc_daemon_config cfg;        /* a copy: its strings live in cfg_storage */
	void *cfg_storage;
	oc_log_record_fn log_record; /* instead of cfg.log when set */
	void *log_record_arg;
	oc_loop *loop;
	oc_live *live;
	oc_events *events;
	oc_addr_policy *private_ranges;
	oc_networks *nets;
	oc_services svc;
	oc_dns_server *dns;
	oc_proxy *proxy;
	oc_api_server *api;          /* host API */
	oc_agents *agents;           /* agent sockets and access requests */
	char state_path[4096];
	char host_socket[4096];
	char caps_summary[512];      /* the pool caps, as the descriptor limit sized them */
	gid_t operator_gid;
	bool has_operator_gid;
	bool ready;
	bool stopping;
	bool state_unsaved;          /* the last save failed: retried by the watch */
	uint64_t log_errors_seen;    /* decision log write errors reported (disks.c) */
	time_t log_errors_told;
	time_t started_at;
	/* rules directory watch */
	int inotify_fd;
	uint64_t reload_timer;
	/* reload bookkeeping, for status and metrics */
	uint64_t reloads_ok, reloads_failed;
	char last_reload_error[1024];
	time_t last_reload_at;
	uint64_t drain_timer;
	struct oc_reload *reload_job;         /* a reload in progress (reload.c) */
	struct oc_reload_waiter *next_waiters;   /* API calls waiting for the next one */
	bool reload_again;
	struct oc_followers *followers; /* `decisions follow` streams (hostapi/events.c) */
	oc_dlist docker_jobs;        /* host API requests waiting on Docker (hostapi/jobs.c) */
	struct oc_dk *docker;        /* NULL: Docker off (docker.c) */
	struct oc_kwatch *kwatch;    /* the watch over the kernel tables (kwatch.c) */
	/* incident response (incident.c) */
	struct oc_lockdowns locks;   /* as in lockdown_path and the registry */
	char lockdown_path[4096];
	uint64_t incident_flows_cut; /* conntrack flows cut by lockdowns and flushes */
	uint64_t audit_records;      /* incident commands audited */
};

void oc_daemon_log(oc_daemon *d, oc_log_level level, const char *fmt, ...) OC_PRINTF(3, 4);
/* The same, saying what the message is about (structured logs). */
void oc_daemon_log_about(oc_daemon *d, oc_log_level level, const oc_log_about *about,
	const char *fmt, ...) OC_PRINTF(4, 5);

/* Copies `in` into *out with every string and array it points to in one
 * allocation (*storage, free() it); checks the versions of the config and
 * the layer configs in it. */
int oc_daemon_config_copy(const oc_daemon_config *in, oc_daemon_config *out, void **storage);

/* Reload and the rules watch (reload.c). */
typedef void (*oc_reload_done_fn)(oc_daemon *d, void *arg, int rc);
/* Reloads with the rules compiled on a thread. `done` (may be NULL) is
 * told on the loop once the new set is live or refused, with the last
 * error set when rc != 0; the returned waiter lets a caller that goes away
 * first forget it. NULL when done is NULL, or when out of memory (done was
 * told at once). */
struct oc_reload_waiter *oc_daemon_reload_async(oc_daemon *d, oc_reload_done_fn done, void *arg);
/* `done` is not told; the waiter is freed with the reload. */
void oc_daemon_reload_forget(struct oc_reload_waiter *w);
void oc_daemon_reload_collect(oc_loop *loop, void *arg);
/* At free: waits for a loading thread. */
void oc_daemon_reload_wait(oc_daemon *d);
int oc_daemon_load_rules(oc_daemon *d, oc_ruleset **out);
int oc_daemon_apply_rules(oc_daemon *d, oc_ruleset *rs);
int oc_daemon_watch_rules(oc_daemon *d);
void oc_daemon_unwatch_rules(oc_daemon *d);

/* Reinstalls tables someone else removed, cuts flows of expired grants. */
int oc_daemon_kwatch_start(oc_daemon *d);
void oc_daemon_kwatch_stop(oc_daemon *d);

/* Listeners of the DNS filter and proxy on one network's gateway. */
int oc_daemon_listen_network(oc_daemon *d, const oc_network_info *net);
void oc_daemon_unlisten_network(oc_daemon *d, const oc_network_info *net);

/* Completes the records the tables gave back with what the state file
 * knows of them (Docker id, image, labels). */
struct oc_state;
int oc_daemon_restore_identity(oc_daemon *d, const struct oc_state *st);

/* Saves networks and containers to the state file; a failure is logged
 * and the save retried by oc_daemon_state_retry. */
int oc_daemon_save_state(oc_daemon *d);
/* Saves again after a failed save, quietly until it works (the watch's
 * timer). */
void oc_daemon_state_retry(oc_daemon *d);
/* Tells the operator's log when decision lines could not be written, and
 * why (disks.c; the watch's timer). */
void oc_daemon_log_check(oc_daemon *d);

/* The host API's request handler (hostapi/server.c). */
void oc_hostapi_handle(oc_api_request *req, void *arg);
/* Frees the follow streams' bookkeeping, after the API server is gone. */
void oc_hostapi_free_followers(oc_daemon *d);
/* Frees the requests that waited on Docker, once its client is gone. */
void oc_hostapi_free_jobs(oc_daemon *d);

/* Prometheus text for GET /metrics (hostapi/metrics.c). */
int oc_daemon_metrics(oc_daemon *d, char **text, size_t *len);

#endif
