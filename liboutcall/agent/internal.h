/* The inside of oc_agents, shared by its files: sockets and dispatch
 * (agents.c), answers (reply.c), the endpoints (whoami.c, check.c,
 * submit.c) and the operator's side (operator.c). */
#ifndef OC_AGENT_INTERNAL_H
#define OC_AGENT_INTERNAL_H

#include <outcall/agents.h>
#include <outcall/identity.h>

#include "httpd/server.h"
#include "core/ratelimit.h"
#include "identity/lockdown.h"
#include "identity/names.h"
#include "requests/store.h"

/* One container's socket. */
struct oc_agent_sock {
	oc_agents *agents;
	char name[OC_NAME_MAX];
	char path[4096];             /* <run_dir>/agents/<name>/agent.sock */
	oc_api_listener *listener;
	struct oc_agent_sock *next;
};

/* A long-poll on one request (submit.c). */
struct oc_agent_waiter;

struct oc_agents {
	oc_loop *loop;
	oc_services svc;
	oc_agents_config cfg;        /* strings point at the copies below */
	char *run_dir, *state_dir, *rules_dir;
	oc_api_server *server;
	oc_req_store *store;
	oc_ratelimit *checks_rl, *requests_rl;
	struct oc_agent_sock *socks;
	struct oc_agent_waiter *waiters;
	oc_agents_stats stats;
};

/* What a handler knows about the caller: its container (a reference held
 * for the request) and its credentials as text for the decision log. */
typedef struct oc_agent_call {
	oc_agents *a;
	oc_api_request *req;
	oc_container *c;
	char peer[64];               /* "pid=1 uid=1000 gid=1000" */
} oc_agent_call;

/* Answers (reply.c). Each finishes the request. */
void oc_agent_reply_error(oc_agent_call *k, int status, const char *code, const char *fmt, ...)
	OC_PRINTF(4, 5);
/* 400 / 404 / 409 / 429 ... from the last error's code and message. */
void oc_agent_reply_failure(oc_agent_call *k);
/* 429 with Retry-After: the bucket refills one token in 1/rate seconds. */
void oc_agent_reply_rate_limited(oc_agent_call *k, const char *what, double per_second);
/* Parses the body as one JSON object; on failure answers 400 and returns
 * NULL. */
json_t *oc_agent_body(oc_agent_call *k);
/* Takes a token from the container's bucket, or answers 429. */
bool oc_agent_take(oc_agent_call *k, oc_ratelimit *rl, const char *what, double per_second);

/* The endpoints. */
void oc_agent_whoami(oc_agent_call *k);
void oc_agent_check(oc_agent_call *k);
void oc_agent_submit(oc_agent_call *k);
void oc_agent_status(oc_agent_call *k, const char *id);

/* Lockdowns (lockdown.c): the text every answer gives a locked container,
 * whether k's container is locked (*out may be NULL), and a 403 for a
 * locked container (true when it was sent). */
void oc_agent_lockdown_text(const struct oc_lock *l, char *buf, size_t size);
bool oc_agent_locked(oc_agent_call *k, struct oc_lock *out);
bool oc_agent_refuse_locked(oc_agent_call *k);

/* The operator's side (operator.c), shared with incident.c: OC_ESTATE
 * before oc_agents_start; the JSON text of j (taken); a request as the
 * operator sees it. */
int oc_agents_ready(const oc_agents *a);
int oc_agents_dump(json_t *j, char **json);
json_t *oc_agents_view(const oc_agents *a, const oc_req *r);

/* Long-polls (submit.c): the store tells of decisions and expiries. */
void oc_agent_request_changed(const oc_req *r, void *arg);
/* Adds "proposed_rule" (or "proposed_rule_error") to a pending request's
 * JSON: the rule approval with that scope would add. */
void oc_agent_add_proposal(json_t *o, const oc_req *r, oc_req_scope scope);

/* The shim command an agent runs to ask for host[:port] (NULL host: the
 * bare command). */
void oc_agent_request_command(const oc_agents *a, const char *host, int port, char *buf,
	size_t size);

#endif
