/*
 * Events: one record per decision of every layer, plus
 * security events (an SNI that differs from its CONNECT host), access
 * request lifecycle and reloads. Layers fill an oc_event and hand it to an
 * oc_events hub, which numbers it, keeps the last N in a ring, appends it
 * as a JSON line to the decision log file (if any), counts it for the
 * metrics and calls the subscribers (an embedder's callback, the host
 * API's `decisions follow`).
 *
 * Hot path: emitting copies the record into a preallocated ring slot under
 * a mutex; nothing is allocated. JSON is produced only for the log file,
 * for readers of the ring, and for subscribers that ask for it.
 *
 * Thread-safety: every function may be called from any thread.
 * Ownership: the hub is owned by its creator (oc_events_free). Strings in an
 * oc_event are borrowed for the duration of oc_events_emit only; the ring
 * keeps truncated copies (hosts and paths to 255 bytes).
 */
#ifndef OUTCALL_EVENTS_H
#define OUTCALL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum oc_event_kind {
	OC_EVENT_DECISION = 0, /* a layer allowed or blocked something */
	OC_EVENT_SECURITY,     /* something an operator must look at */
	OC_EVENT_REQUEST,      /* an access request was submitted, approved, ... */
	OC_EVENT_RELOAD,       /* the rule set was (or failed to be) reloaded */
	OC_EVENT_AUDIT,        /* an operator's incident command (revoke, flush, lockdown, grant):
	                        * peer is who ("uid=0 user=root"), verdict what, path the target,
	                        * reason the operator's reason */
} oc_event_kind;

/* Where an event comes from: its record's "layer". Not the rule
 * language's oc_layer (context.h), which says what a context knows. */
typedef enum oc_event_layer {
	OC_EVENT_LAYER_NONE = 0,
	OC_EVENT_LAYER_DNS,
	OC_EVENT_LAYER_HTTP,
	OC_EVENT_LAYER_TLS,
	OC_EVENT_LAYER_AGENT,
	OC_EVENT_LAYER_KERNEL,
	OC_EVENT_LAYER_REQUESTS,
	OC_EVENT_LAYER_RULES,
	OC_EVENT_LAYER_INCIDENT,
} oc_event_layer;

/* What a layer did: a decision's verdict, and the security events of the
 * agent sockets ("refused", "error"). Other events say their outcome in
 * oc_event.outcome instead. */
typedef enum oc_event_verdict {
	OC_EVENT_VERDICT_NONE = 0,
	OC_EVENT_VERDICT_ALLOW,
	OC_EVENT_VERDICT_BLOCK,
	OC_EVENT_VERDICT_REFUSED,
	OC_EVENT_VERDICT_ERROR,
} oc_event_verdict;

/* The names in a record ("decision", "dns", "allow"); NULL for a value
 * that has none (NONE, or out of range). */
OC_API const char *oc_event_kind_name(oc_event_kind kind);
OC_API const char *oc_event_layer_name(oc_event_layer layer);
OC_API const char *oc_event_verdict_name(oc_event_verdict verdict);
/* The reverse; OC_EINVAL, naming every valid name, for any other text. */
OC_API int oc_event_kind_parse(const char *name, oc_event_kind *out);
OC_API int oc_event_layer_parse(const char *name, oc_event_layer *out);

typedef struct oc_event {
	oc_event_kind kind;
	uint64_t id;            /* 0: assigned by oc_events_emit */
	int64_t time_us;        /* 0: now (CLOCK_REALTIME, microseconds) */
	oc_event_layer layer;
	const char *agent;      /* agent.name; NULL for an unknown peer */
	const char *container;  /* container name */
	const char *peer;       /* "10.200.0.2:41000", or "pid=12 uid=0 gid=0" on a socket */
	const char *host;
	int port;
	const char *method;
	const char *path;
	oc_event_verdict verdict;
	const char *outcome;    /* what the other events did, where verdict is NONE: a reload's
	                         * "ok"/"failed", a request's new status, an audit record's
	                         * action, a proxy connection "closed" */
	const char *rule;       /* deciding rule id, "default", or NULL where no rule was asked */
	uint64_t generation;    /* rule set generation the decision used (0: none) */
	int64_t latency_us;     /* time to decide (and, for DNS, to answer) */
	const char *reason;     /* short explanation ("rate limited", "sni mismatch", ...) */
	/* Layer details; zero / NULL when they do not apply. */
	const char *dns_type;
	int dns_rcode;          /* rcode sent, -1 when not applicable */
	int answers_kept, answers_removed;
	int status;             /* HTTP status sent */
	int64_t bytes_up, bytes_down;
	int64_t duration_ms;
} oc_event;

/* Initialises ev to "nothing known" (dns_rcode -1, the rest zero). */
OC_API void oc_event_init(oc_event *ev, oc_event_kind kind, oc_event_layer layer);
/* The record's "verdict": the verdict's name, else the outcome (may be NULL). */
OC_API const char *oc_event_verdict_text(const oc_event *ev);

typedef struct oc_events oc_events;

/* A hub keeping the last `ring_size` events (0: 4096) in *out; 0 or
 * OC_ENOMEM. */
OC_API int oc_events_new(size_t ring_size, oc_events **out);
OC_API void oc_events_free(oc_events *hub);

/* Appends every event as one JSON line to `path` (created 0600 if
 * missing). NULL stops file logging. Reopening the same path after
 * logrotate moved it is oc_events_reopen. */
OC_API int oc_events_set_log_file(oc_events *hub, const char *path);
OC_API int oc_events_reopen(oc_events *hub);
/* Size-based rotation of the log file, so a flood of decisions cannot fill
 * the disk: when a write takes the file to max_bytes or more, FILE.N-1
 * becomes FILE.N ... FILE becomes FILE.1 and a new FILE is started; the
 * oldest beyond `keep` is overwritten. keep 0 empties FILE instead. The
 * disk holds at most (keep + 1) x (max_bytes + one line). max_bytes 0
 * (the default) never rotates. */
OC_API void oc_events_set_log_rotation(oc_events *hub, uint64_t max_bytes, unsigned keep);

/* A fresh decision id, for layers that must show it before emitting (the
 * proxy's 403 page names it). Ids are unique within a hub and start from a
 * random base, so ids of two daemon runs do not collide in a log. */
OC_API uint64_t oc_events_next_id(oc_events *hub);

/* The text form of a decision id, as logs, 403 pages and APIs show it:
 * 16 lower-case hex digits. `out` has room for 17 bytes. */
#define OC_EVENT_ID_LEN 17
OC_API void oc_event_id_format(uint64_t id, char out[OC_EVENT_ID_LEN]);

/* Records ev; returns its id. Never fails: a full ring drops its oldest
 * record, a failing log file is counted (oc_events_stats) and retried. */
OC_API uint64_t oc_events_emit(oc_events *hub, const oc_event *ev);

/* Subscribers are called after each emit, on the emitting thread, with the
 * hub's lock released; they must be quick and must not emit. Returns a
 * handle for oc_events_unsubscribe, or 0 on failure. */
typedef void (*oc_event_fn)(const oc_event *ev, void *arg);
OC_API uint64_t oc_events_subscribe(oc_events *hub, oc_event_fn fn, void *arg);
OC_API void oc_events_unsubscribe(oc_events *hub, uint64_t handle);

/* Reading the ring: calls fn for each kept event with sequence number >
 * after_seq (oldest first) that passes the filter (NULL fields: any),
 * up to `max` events; returns the sequence number of the last event seen
 * (pass it as after_seq to continue). Sequence numbers start at 1. */
typedef struct oc_event_filter {
	const char *agent;
	oc_event_layer layer;   /* OC_EVENT_LAYER_NONE: any */
	const char *verdict;    /* compared with oc_event_verdict_text */
	int kind;               /* an oc_event_kind; -1: any */
} oc_event_filter;
OC_API uint64_t oc_events_read(oc_events *hub, uint64_t after_seq, const oc_event_filter *filter,
	size_t max, oc_event_fn fn, void *arg);

/* The event as one JSON object (no newline) appended to *out, a buffer
 * grown with realloc; *len is updated. Returns 0 or OC_ENOMEM. */
OC_API int oc_event_to_json(const oc_event *ev, char **out, size_t *len, size_t *cap);

typedef struct oc_events_stats {
	unsigned int version;        /* OC_EVENTS_STATS_VERSION, set by the caller */
	uint64_t emitted;
	uint64_t dropped_from_ring;  /* overwritten before anyone read them */
	uint64_t log_write_errors;
	uint64_t by_layer_verdict[8][4]; /* see oc_events_stat_layers / _verdicts */
	uint64_t log_rotations;      /* size-based rotations of the log file */
	uint64_t log_rotate_errors;  /* rotations that failed (writing went on) */
} oc_events_stats;
#define OC_EVENTS_STATS_VERSION 1
#define OC_EVENTS_STATS_INIT { .version = OC_EVENTS_STATS_VERSION }
OC_API int oc_events_stats_init(oc_events_stats *st, unsigned int version);
OC_API int oc_events_get_stats(oc_events *hub, oc_events_stats *out);
/* Decisions per deciding rule id (including "default"), for the metrics;
 * at most 65,536 distinct ids are counted, later ones under "other". */
OC_API void oc_events_rule_hits(oc_events *hub, void (*fn)(const char *rule, uint64_t hits,
	void *arg), void *arg);
/* Names behind the indexes of by_layer_verdict ("dns", ... / "allow", ...). */
OC_API const char *const *oc_events_stat_layers(void);
OC_API const char *const *oc_events_stat_verdicts(void);

#ifdef __cplusplus
}
#endif
#endif
