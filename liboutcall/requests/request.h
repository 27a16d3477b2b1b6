/*
 * One access request (PRODUCT.md §7): what an agent asked for, who asked,
 * and what the operator decided. Records live in memory in the store
 * (store.h) and on disk as <state_dir>/requests/<id>.json.
 *
 * Ownership: every string is owned by the record (oc_req_free).
 * Thread-safety: plain data, owned by the store's loop thread.
 */
#ifndef OC_REQUESTS_REQUEST_H
#define OC_REQUESTS_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* "r-" and six base32 characters: 2^30 ids, drawn at random. */
#define OC_REQ_ID_LEN 8
/* Longest justification and rejection reason, in bytes. */
#define OC_REQ_TEXT_MAX 1000

typedef enum oc_req_status {
	OC_REQ_PENDING,
	OC_REQ_APPROVED,
	OC_REQ_REJECTED,
	OC_REQ_EXPIRED,
	OC_REQ_REVOKED,      /* approved, then taken back by the operator (revoke.c) */
} oc_req_status;

/* Whom an approved rule reaches: the one container that asked (its
 * container.id), every container of its agent.name, or every container. */
typedef enum oc_req_scope {
	OC_REQ_SCOPE_AGENT,      /* 0: what records from before scopes meant */
	OC_REQ_SCOPE_CONTAINER,
	OC_REQ_SCOPE_ALL,
} oc_req_scope;

/* What an agent asks for: a host (optionally narrowed to a port, a method
 * and a path prefix) or a whole rule file. */
typedef struct oc_req_ask {
	char *host;          /* normal form; NULL when a rule file is asked for */
	int port;            /* 0: any */
	char *method;        /* NULL: any */
	char *path_prefix;   /* NULL: any */
	char *rule_file;     /* the agent's rule file as sent (validated), or NULL */
	char *justification;
	int64_t wanted_s;    /* the duration the agent asked for; 0: none */
} oc_req_ask;

typedef struct oc_req {
	char id[OC_REQ_ID_LEN + 1];
	oc_req_status status;
	oc_req_ask ask;
	char *container;     /* the socket it came through */
	char *agent;         /* agent.name of that container */
	char *container_id;  /* its container.id (Docker's), or NULL when it has none */
	bool name_generated; /* `outcall run` chose its name: container scope by default */
	pid_t pid;           /* SO_PEERCRED of the submitter */
	uid_t uid;
	gid_t gid;
	int64_t created_at;  /* Unix seconds */
	int64_t decided_at;  /* 0 while pending */
	char *decided_by;    /* "uid=0", or NULL */
	char *reason;        /* rejection or revocation reason, or NULL */
	oc_req_scope scope;  /* whom the approved rule reaches */
	int64_t expires_at;  /* approved rule's expiry; 0: none */
	char *rule;          /* the rule file body approval wrote, or NULL */
	int64_t revoked_at;  /* 0 unless revoked */
	char *revoked_by;    /* "uid=0 (root)", or NULL */
} oc_req;

void oc_req_free(oc_req *r);
void oc_req_ask_clear(oc_req_ask *a);

const char *oc_req_status_name(oc_req_status s);
/* "container", "agent" or "all". */
const char *oc_req_scope_name(oc_req_scope s);
/* The scope named `name`; OC_EINVAL naming the three otherwise. */
int oc_req_scope_parse(const char *name, oc_req_scope *out);
/* What an approval without a scope uses: the container when its name was
 * generated (an unnamed `outcall run` container: its agent.name is its
 * own, but nothing about it is meant to be shared) and it has an id, else
 * the agent. */
oc_req_scope oc_req_default_scope(const oc_req *r);
/* True if id has the form of a request id (so it is safe in a path). */
bool oc_req_id_valid(const char *id);
/* A fresh random id. Returns 0 or OC_EOS. */
int oc_req_id_new(char id[OC_REQ_ID_LEN + 1]);

/* The record as stored. */
json_t *oc_req_to_json(const oc_req *r);
/* What the API shows: the stored record (operator) or the agent's view of
 * its own request (without submitter and approver), both with "rule_id"
 * and, where it applies, "note". */
json_t *oc_req_to_operator_json(const oc_req *r);
json_t *oc_req_to_agent_json(const oc_req *r);
/* Reads a stored record back; OC_ECORRUPT naming `what` (the file) on any
 * missing or ill-typed field. */
int oc_req_from_json(json_t *j, const char *what, oc_req **out);

/* What the operator must know about an ask before approving it ("method
 * and path only match plain http://"), or NULL. */
const char *oc_req_note(const oc_req_ask *a);

#endif
