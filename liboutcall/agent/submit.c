/* POST /v1/requests and GET /v1/requests/ID[?wait=SECONDS]: submitting
 * access requests and waiting for the operator's decision. */
#include "agent/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "requests/ask.h"
#include "requests/rulegen.h"

struct oc_agent_waiter {
	oc_agents *a;
	oc_api_conn *conn;
	char id[OC_REQ_ID_LEN + 1];
	uint64_t timer;
	struct oc_agent_waiter *prev, *next;
};

void oc_agent_add_proposal(json_t *o, const oc_req *r, oc_req_scope scope)
{
	if (!o || r->status != OC_REQ_PENDING)
		return;
	char *body = NULL;
	if (oc_req_rule_body(r, scope, &body) == 0)
		json_object_set_new(o, "proposed_rule", json_string(body));
	else
		json_object_set_new(o, "proposed_rule_error", json_string(oc_error_last()->message));
	free(body);
}

/* The label only narrows what an approval reaches by default, so a
 * container made elsewhere that carries it harms nobody but itself. */
static bool name_generated(const oc_container *c)
{
	oc_map m = oc_container_labels(c);
	for (size_t i = 0; i < m.count; i++)
		if (strcmp(m.items[i].key, OC_LABEL_NAME_GENERATED) == 0)
			return strcmp(m.items[i].value, "true") == 0;
	return false;
}

static json_t *agent_view(const oc_req *r)
{
	json_t *o = oc_req_to_agent_json(r);
	oc_agent_add_proposal(o, r, oc_req_default_scope(r));
	return o;
}

static void reply_view(oc_api_conn *conn, int status, const oc_req *r)
{
	json_t *o = agent_view(r);
	if (o)
		oc_api_respond_json(conn, status, o);
	else
		oc_api_respond_error(conn, 500, "internal", "out of memory");
}

void oc_agent_submit(oc_agent_call *k)
{
	oc_agents *a = k->a;
	if (!oc_agent_take(k, a->requests_rl, "access requests", a->cfg.requests_per_minute / 60.0))
		return;
	if (oc_agent_refuse_locked(k))
		return;
	json_t *body = oc_agent_body(k);
	if (!body)
		return;
	oc_req_ask ask;
	int rc = oc_req_ask_parse(body, &ask);
	json_decref(body);
	if (rc) {
		oc_agent_reply_failure(k);
		return;
	}
	oc_req_submitter who = { oc_container_name(k->c), oc_container_agent_name(k->c),
		oc_container_id(k->c), name_generated(k->c), k->req->pid, k->req->uid,
		k->req->gid };
	const oc_req *r;
	bool dup;
	rc = oc_req_store_submit(a->store, &who, &ask, &r, &dup);
	oc_req_ask_clear(&ask);
	if (rc) {
		oc_agent_reply_failure(k);
		return;
	}
	json_t *o = agent_view(r);
	char wait[64], cmd[64];
	snprintf(wait, sizeof(wait), "/v1/requests/%s?wait=%u", r->id, a->cfg.max_wait_s);
	snprintf(cmd, sizeof(cmd), "outcall-shim wait %s", r->id);
	if (o) {
		json_object_set_new(o, "duplicate", json_boolean(dup));
		json_object_set_new(o, "wait_url", json_string(wait));
		json_object_set_new(o, "wait_command", json_string(cmd));
		oc_api_respond_json(k->req->conn, dup ? 200 : 201, o);
	} else {
		oc_agent_reply_error(k, 500, "internal", "out of memory");
	}
}

static void waiter_free(struct oc_agent_waiter *w)
{
	oc_agents *a = w->a;
	if (w->prev)
		w->prev->next = w->next;
	else
		a->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	oc_loop_timer_cancel(a->loop, w->timer);
	a->stats.waiters--;
	free(w);
}

static void waiter_closed(oc_api_conn *c, void *arg)
{
	(void)c;
	waiter_free(arg);
}

/* The wait ran out: the request as it is now (still pending). */
static void waiter_timeout(oc_loop *loop, uint64_t timer, void *arg)
{
	(void)loop;
	(void)timer;
	struct oc_agent_waiter *w = arg;
	w->timer = 0;
	const oc_req *r = oc_req_store_find(w->a->store, w->id);
	oc_api_conn *conn = w->conn;
	char id[sizeof(w->id)];
	memcpy(id, w->id, sizeof(id));
	waiter_free(w);
	if (r)
		reply_view(conn, 200, r);
	else
		oc_api_respond_error(conn, 404, "not_found", "request %s is gone", id);
}

void oc_agent_request_changed(const oc_req *r, void *arg)
{
	oc_agents *a = arg;
	for (struct oc_agent_waiter *w = a->waiters, *next; w; w = next) {
		next = w->next;
		if (strcmp(w->id, r->id) != 0)
			continue;
		oc_api_conn *conn = w->conn;
		waiter_free(w);
		reply_view(conn, 200, r);
	}
}

/* ?wait=SECONDS (the only parameter): -1 when malformed. */
static long wait_param(const char *query)
{
	if (!query[0])
		return 0;
	if (strncmp(query, "wait=", 5) != 0)
		return -1;
	const char *v = query + 5;
	size_t n = strspn(v, "0123456789");
	if (n == 0 || n > 9 || v[n])
		return -1;
	return strtol(v, NULL, 10);
}

void oc_agent_status(oc_agent_call *k, const char *id)
{
	oc_agents *a = k->a;
	if (!oc_agent_take(k, a->checks_rl, "calls", a->cfg.checks_per_second))
		return;
	const oc_req *r = oc_req_store_find(a->store, id);
	/* Another container's request does not exist, as far as this one
	 * can tell. */
	if (!r || strcmp(r->container, oc_container_name(k->c)) != 0) {
		oc_agent_reply_error(k, 404, "not_found", "no request '%.40s' from this container", id);
		return;
	}
	long wait = wait_param(k->req->query);
	if (wait < 0) {
		oc_agent_reply_error(k, 400, "invalid", "the only parameter is wait=SECONDS (a whole "
			"number; at most %u is honoured)", a->cfg.max_wait_s);
		return;
	}
	if (wait == 0 || r->status != OC_REQ_PENDING) {
		reply_view(k->req->conn, 200, r);
		return;
	}
	if ((unsigned long)wait > a->cfg.max_wait_s)
		wait = a->cfg.max_wait_s;
	struct oc_agent_waiter *w = calloc(1, sizeof(*w));
	if (!w || oc_loop_timer_add(a->loop, (uint64_t)wait * 1000, waiter_timeout, w,
		&w->timer) != 0) {
		free(w);
		oc_agent_reply_error(k, 500, "internal", "cannot wait: %s", oc_error_last()->message);
		return;
	}
	w->a = a;
	w->conn = k->req->conn;
	memcpy(w->id, r->id, sizeof(w->id));
	w->next = a->waiters;
	if (a->waiters)
		a->waiters->prev = w;
	a->waiters = w;
	a->stats.waiters++;
	oc_api_defer(k->req->conn, waiter_closed, w);
}
