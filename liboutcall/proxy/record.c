/* Decision records: one per request or tunnel, opened when the head (or
 * hello) has been read, decided by the judge, emitted when it ends, with
 * the bytes it moved and how long it took. */
#include "proxy/conn.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"

/* Longest rule id (policy: [A-Za-z0-9._-]{1,128}) and its NUL. */
#define RULE_MAX 129

static int64_t realtime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int px_record_open(struct px_conn *c, oc_event_layer layer, const char *host, uint16_t port,
	const char *method, const char *path)
{
	struct px_record *r = &c->rec;
	if (r->active)
		px_record_emit(c, NULL);
	size_t lh = strlen(host) + 1, lm = method ? strlen(method) + 1 : 0;
	size_t lp = path ? strlen(path) + 1 : 0;
	char *s = malloc(lh + lm + lp + RULE_MAX);
	if (!s)
		return oc_error_nomem();
	*r = (struct px_record){
		.active = true,
		.id = oc_events_next_id(c->p->svc.events),
		.time_us = realtime_us(),
		.start_ms = oc_loop_now(c->p->loop),
		.layer = layer,
		.verdict = OC_EVENT_VERDICT_ERROR,
		.port = port,
		.strings = s,
		.up0 = c->up.moved,
		.down0 = c->down.moved,
	};
	r->host = memcpy(s, host, lh);
	r->method = method ? memcpy(s + lh, method, lm) : NULL;
	r->path = path ? memcpy(s + lh + lm, path, lp) : NULL;
	r->rule = s + lh + lm + lp;
	r->rule[0] = '\0';
	return 0;
}

void px_record_decided(struct px_conn *c, const char *rule, oc_event_verdict verdict,
	const char *reason, uint64_t generation, oc_container *ctr)
{
	struct px_record *r = &c->rec;
	snprintf(r->rule, RULE_MAX, "%s", rule ? rule : "");
	r->verdict = verdict;
	r->reason = reason;
	r->generation = generation;
	if (r->ctr)
		oc_container_unref(r->ctr); /* a tunnel is decided twice: CONNECT, then hello */
	r->ctr = ctr;
	r->latency_us = realtime_us() - r->time_us;
}

static void count_verdict(oc_proxy *p, oc_event_verdict verdict)
{
	switch (verdict) {
	case OC_EVENT_VERDICT_ALLOW: px_count(&p->n.requests_allowed, 1); break;
	case OC_EVENT_VERDICT_BLOCK: px_count(&p->n.requests_blocked, 1); break;
	case OC_EVENT_VERDICT_REFUSED: px_count(&p->n.requests_refused, 1); break;
	default: px_count(&p->n.requests_invalid, 1); break;
	}
}

static void fill(struct px_conn *c, oc_event *ev, char *peer)
{
	struct px_record *r = &c->rec;
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &c->peer_ip, ip, sizeof(ip));
	snprintf(peer, OC_SOCKADDR_STRLEN, "%s:%u", ip, c->peer_port);
	ev->id = r->id;
	ev->time_us = r->time_us;
	ev->agent = r->ctr ? oc_container_agent_name(r->ctr) : NULL;
	ev->container = r->ctr ? oc_container_name(r->ctr) : NULL;
	ev->peer = peer;
	ev->host = r->host;
	ev->port = r->port;
	ev->method = r->method;
	ev->path = r->path;
	ev->generation = r->generation;
}

int px_record_keep_http(struct px_conn *c, const oc_context *ctx)
{
	struct px_record *r = &c->rec;
	const oc_map *m = &ctx->http_headers;
	size_t bytes = m->count * sizeof(oc_kv);
	for (size_t i = 0; i < m->count; i++)
		bytes += strlen(m->items[i].key) + strlen(m->items[i].value) + 2;
	char *mem = malloc(bytes ? bytes : 1);
	if (!mem)
		return oc_error_nomem();
	oc_kv *kv = (oc_kv *)(void *)mem;
	char *s = mem + m->count * sizeof(oc_kv);
	for (size_t i = 0; i < m->count; i++) {
		size_t lk = strlen(m->items[i].key) + 1, lv = strlen(m->items[i].value) + 1;
		kv[i].key = memcpy(s, m->items[i].key, lk);
		kv[i].value = memcpy(s + lk, m->items[i].value, lv);
		s += lk + lv;
	}
	free(r->headers);
	r->headers = mem;
	r->header_map = (oc_map){ kv, m->count };
	r->body_size = ctx->http_body_size;
	r->http_allowed = true;
	return 0;
}

void px_record_emit(struct px_conn *c, const char *reason)
{
	struct px_record *r = &c->rec;
	if (!r->active)
		return;
	oc_proxy *p = c->p;
	oc_event ev;
	char peer[OC_SOCKADDR_STRLEN];
	oc_event_init(&ev, OC_EVENT_DECISION, r->layer);
	fill(c, &ev, peer);
	ev.verdict = r->verdict;
	ev.rule = r->rule[0] ? r->rule : NULL;
	ev.latency_us = r->latency_us;
	ev.reason = r->reason ? r->reason : reason;
	ev.status = r->status;
	ev.bytes_up = (int64_t)(c->up.moved - r->up0);
	ev.bytes_down = (int64_t)(c->down.moved - r->down0);
	ev.duration_ms = (int64_t)(oc_loop_now(p->loop) - r->start_ms);
	oc_events_emit(p->svc.events, &ev);
	count_verdict(p, r->verdict);
	px_count(&p->n.bytes_up, (uint64_t)ev.bytes_up);
	px_count(&p->n.bytes_down, (uint64_t)ev.bytes_down);
	if (r->ctr)
		oc_container_unref(r->ctr);
	free(r->strings);
	free(r->headers);
	*r = (struct px_record){ 0 };
}

void px_record_security(struct px_conn *c, const char *reason)
{
	oc_event ev;
	char peer[OC_SOCKADDR_STRLEN];
	oc_event_init(&ev, OC_EVENT_SECURITY, c->rec.layer);
	fill(c, &ev, peer);
	ev.id = 0; /* its own id; the decision record keeps the decision's */
	ev.outcome = "closed";
	ev.reason = reason;
	oc_events_emit(c->p->svc.events, &ev);
}
