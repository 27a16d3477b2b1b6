/*
 * The access request store: records in memory and in
 * <state_dir>/requests/<id>.json (atomic writes, so they survive crashes
 * and restarts), approval into <rules_dir>/requests/<id>.yaml, and expiry
 * of approved rules on the event loop.
 *
 * Every change emits an OC_EVENT_REQUEST record (layer "requests",
 * verdict "submitted", "approved", "rejected", "expired", "revoked" or "error",
 * rule "req-<id>"), so the decision log has the whole lifecycle.
 *
 * Ownership: the store owns its records; pointers it returns are valid
 * until the next call that changes the store. Thread-safety: none; every
 * call on the loop's thread.
 */
#ifndef OC_REQUESTS_STORE_H
#define OC_REQUESTS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <outcall/events.h>
#include <outcall/loop.h>
#include "requests/request.h"

typedef struct oc_req_store oc_req_store;

typedef struct oc_req_store_config {
	const char *state_dir;   /* records in <state_dir>/requests/ (made 0700) */
	const char *rules_dir;   /* approved rules in <rules_dir>/requests/ (made 0755) */
	oc_loop *loop;           /* expiry timers */
	oc_events *events;
	/* Loads the rules directory and publishes it; called after an approved
	 * file was written (a failure undoes the approval) or one was removed.
	 * NULL: nothing is reloaded. */
	int (*reload)(void *arg);
	void *reload_arg;
	/* Told after a request was decided or expired (long-poll waiters). */
	void (*changed)(const oc_req *r, void *arg);
	void *changed_arg;
	size_t max_pending_per_container;  /* >= 1 */
	size_t max_pending;                /* >= 1 */
	size_t max_records;  /* rejected and expired records beyond this are deleted, oldest first */
} oc_req_store_config;

/*
 * Before the rules are first loaded: an approval that did not finish
 * (outcalld stopped between writing <rules_dir>/requests/<id>.yaml and
 * saving the record as approved) left a live rule with a pending record.
 * Each such file is moved to <id>.yaml.unfinished, so no access stands that
 * was never acknowledged; `report` is told (the request stays pending, to
 * be approved again). OC_EOS if a file cannot be moved.
 */
int oc_req_settle(const char *state_dir, const char *rules_dir,
	void (*report)(const char *msg, void *arg), void *arg);

/* Reads every record (a corrupt one is moved aside to <id>.json.corrupt and
 * reported as an event), arms the expiry of approved rules from the rule
 * files' headers and the records, and expires at once (on the loop's next
 * iteration) what expired while the daemon was down. */
int oc_req_store_open(const oc_req_store_config *cfg, oc_req_store **out);
/* Cancels the timers; files stay. */
void oc_req_store_free(oc_req_store *s);

typedef struct oc_req_submitter {
	const char *container;
	const char *agent;
	const char *container_id;  /* container.id, "" or NULL when it has none */
	bool name_generated;       /* `outcall run` chose the name */
	pid_t pid;
	uid_t uid;
	gid_t gid;
} oc_req_submitter;

/*
 * Queues an ask (oc_req_ask_parse). Its rule is generated and compiled
 * now, so a bad rule file is refused to the agent (OC_EINVAL / OC_EPARSE).
 * OC_ELIMIT when the container or the store has its maximum of pending
 * requests. A pending request of the same container asking for the same
 * thing is returned instead of a new one (*duplicate set). On success the
 * ask's strings now belong to the record and *ask is cleared.
 */
int oc_req_store_submit(oc_req_store *s, const oc_req_submitter *who, oc_req_ask *ask,
	const oc_req **out, bool *duplicate);

/* NULL if there is no such request (or id is malformed). */
const oc_req *oc_req_store_find(oc_req_store *s, const char *id);
/* Records oldest first. */
size_t oc_req_store_count(const oc_req_store *s);
const oc_req *oc_req_store_at(const oc_req_store *s, size_t i);

/* Durations for an approval. */
#define OC_REQ_FOR_ASKED 0    /* what the agent asked for, else no expiry */
#define OC_REQ_FOR_NEVER (-1) /* no expiry */

typedef struct oc_req_approval {
	const char *by;         /* who approves, for the record: "uid=0" */
	int64_t for_s;          /* > 0 seconds, or OC_REQ_FOR_ASKED / OC_REQ_FOR_NEVER */
	oc_req_scope scope;     /* whom the rule reaches (oc_req_default_scope) */
	const char *rule_body;  /* the operator's edit of the proposed body, or NULL */
} oc_req_approval;

/* Writes the rule file and reloads; the request is approved only if the
 * reload took it and its record was saved (else the file goes again).
 * OC_ENOTFOUND, OC_ESTATE (already decided), OC_EINVAL (edited body does
 * not load), OC_EOS (the file or the record could not be written). */
int oc_req_store_approve(oc_req_store *s, const char *id, const oc_req_approval *a,
	const oc_req **out);
/* OC_ENOTFOUND, OC_ESTATE, OC_EINVAL (no reason). */
int oc_req_store_reject(oc_req_store *s, const char *id, const char *by, const char *reason,
	const oc_req **out);

/* Revokes an approved request (revoke.c): removes its rule file and
 * reloads; the record becomes "revoked" with `reason` (NULL or "": a
 * default text) and `by`. OC_ENOTFOUND, OC_ESTATE (not approved); a failed
 * reload still revokes (the error says the rule stays live until the rules
 * load again). */
int oc_req_store_revoke(oc_req_store *s, const char *id, const char *by, const char *reason,
	const oc_req **out);
/* The latest revoked host request that covered agent and host (normal
 * form), or NULL: what an agent's check of that host is told. */
const oc_req *oc_req_store_revoked_for(oc_req_store *s, const char *agent, const char *host);
/* What the agent is told about it, in its check and on the proxy's block
 * page: "access request ID for HOST was revoked by the operator: REASON"
 * (OC_REQ_REVOKED_TEXT_MAX holds it whole).
 * Returns the length written (cut to size), 0 with buf "" when there is
 * none. */
#define OC_REQ_REVOKED_TEXT_MAX (OC_REQ_TEXT_MAX + 384)
size_t oc_req_revoked_text(oc_req_store *s, const char *agent, const char *host, char *buf,
	size_t size);

/* The container a grant by hand is filed under. It must be a valid name
 * (it goes into the rule file's header); a container that took it would
 * see the grants' records, never change them. */
#define OC_REQ_OPERATOR "outcall.operator"
/* The longest grant by hand: 24 hours. Longer access is a rule file. */
#define OC_REQ_GRANT_MAX_S (24 * 3600)

typedef struct oc_req_grant {
	const char *agent;       /* agent.name the rule is scoped to */
	const char *host;        /* as typed; normalised like an agent's ask */
	int port;                /* 0: any */
	int64_t for_s;           /* 1 .. OC_REQ_GRANT_MAX_S */
	const char *reason;      /* the record's justification; NULL: "granted by hand" */
	const char *by;          /* "uid=0 (root)" */
	uid_t uid;
	gid_t gid;
} oc_req_grant;

/* A temporary grant by hand (grant.c): a request filed for the operator
 * (container OC_REQ_OPERATOR) and approved at once with an expiry, so it
 * is listed, expired and revoked like any approval. OC_EINVAL for a bad
 * agent, host, port, duration or reason. */
int oc_req_store_grant(oc_req_store *s, const oc_req_grant *g, const oc_req **out);

typedef struct oc_req_stats {
	uint64_t submitted, approved, rejected, expired, revoked;
	size_t pending;
} oc_req_stats;
void oc_req_store_stats(const oc_req_store *s, oc_req_stats *out);

#endif
