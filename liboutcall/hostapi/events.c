/* Host API: recent decisions, and `follow` streams fed from the ring. */
#include "hostapi/hostapi.h"
#include "core/grow.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct filter_args {
	char agent[128], layer[32], verdict[32], kind[32];
	oc_event_filter f;
};

/* -1 with the last error naming the valid values for an unknown layer or
 * kind. */
static int parse_filter(const oc_api_request *r, struct filter_args *a)
{
	a->f = (oc_event_filter){ .kind = -1 };
	a->f.agent = oc_hostapi_query(r, "agent", a->agent, sizeof(a->agent));
	a->f.verdict = oc_hostapi_query(r, "verdict", a->verdict, sizeof(a->verdict));
	if (oc_hostapi_query(r, "layer", a->layer, sizeof(a->layer)) &&
	    oc_event_layer_parse(a->layer, &a->f.layer) != 0)
		return -1;
	oc_event_kind kind;
	if (oc_hostapi_query(r, "kind", a->kind, sizeof(a->kind))) {
		if (oc_event_kind_parse(a->kind, &kind) != 0)
			return -1;
		a->f.kind = (int)kind;
	}
	return 0;
}

/* Matching events as JSON texts, each at starts[i] in out. */
struct collect {
	oc_buf out;
	size_t *starts;
	size_t n, cap;
	char *json;
	size_t json_cap;
};

static void collect_event(const oc_event *ev, void *arg)
{
	struct collect *c = arg;
	size_t len = 0;
	if (oc_event_to_json(ev, &c->json, &len, &c->json_cap) != 0)
		return;
	/* one more than the events: starts[n] ends the last */
	size_t *g = oc_grow(c->starts, &c->cap, c->n + 2, sizeof(*g));
	if (!g)
		return;
	c->starts = g;
	c->starts[c->n++] = c->out.len;
	oc_buf_append(&c->out, c->json, len);
	c->starts[c->n] = c->out.len;
}

void oc_hostapi_decisions(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	struct filter_args fa;
	char num[32];
	if (parse_filter(r, &fa) != 0) {
		oc_api_respond_error(r->conn, 400, "invalid", "%s", oc_error_last()->message);
		return;
	}
	unsigned long long after = 0, limit = 100;
	if (oc_hostapi_query(r, "after", num, sizeof(num)))
		after = strtoull(num, NULL, 10);
	if (oc_hostapi_query(r, "limit", num, sizeof(num)))
		limit = strtoull(num, NULL, 10);
	/* The ring is bounded, so collecting every match and keeping the
	 * newest `limit` costs at most one ring's worth. */
	struct collect c = { OC_BUF_INIT, NULL, 0, 0, NULL, 0 };
	uint64_t last = oc_events_read(d->events, (uint64_t)after, &fa.f, 0, collect_event, &c);
	size_t first = limit && c.n > limit ? c.n - (size_t)limit : 0;
	oc_buf page = OC_BUF_INIT;
	oc_buf_puts(&page, "{\"decisions\":[");
	for (size_t i = first; i < c.n; i++) {
		if (i > first)
			oc_buf_puts(&page, ",");
		oc_buf_append(&page, c.out.data + c.starts[i], c.starts[i + 1] - c.starts[i]);
	}
	oc_buf_printf(&page, "],\"last\":%llu}\n", (unsigned long long)last);
	oc_api_respond(r->conn, 200, "application/json", page.data, page.len, NULL);
	oc_buf_free(&page);
	oc_buf_free(&c.out);
	free(c.starts);
	free(c.json);
}

/* Followers: the hub's subscriber only posts a wake-up to the loop (it may
 * run on a proxy thread); the loop then reads the ring for each follower. */
struct follower {
	oc_daemon *d;
	oc_api_conn *conn;
	struct filter_args fa;
	uint64_t seq;
	struct follower *next;
};

struct oc_followers {
	struct follower *list;
	uint64_t sub;
	atomic_bool posted;
	oc_daemon *d;
	/* The follower being flushed: a write that fails closes its
	 * connection, whose on_close must not free it under the flush. */
	struct follower *flushing;
	bool flushing_gone;
};

struct stream_ctx {
	oc_api_conn *conn;
	int rc;
	char *json;
	size_t cap;
};

static void stream_event(const oc_event *ev, void *arg)
{
	struct stream_ctx *s = arg;
	size_t len = 0;
	if (s->rc || oc_event_to_json(ev, &s->json, &len, &s->cap) != 0)
		return;
	s->json[len++] = '\n';
	s->rc = oc_api_stream_write(s->conn, s->json, len);
}

static void flush_followers(oc_loop *loop, void *arg)
{
	(void)loop;
	struct oc_followers *fs = arg;
	atomic_store(&fs->posted, false);
	for (struct follower *f = fs->list, *next; f; f = next) {
		next = f->next;
		struct stream_ctx s = { f->conn, 0, NULL, 0 };
		fs->flushing = f;
		fs->flushing_gone = false;
		uint64_t seq = oc_events_read(fs->d->events, f->seq, &f->fa.f, 0, stream_event, &s);
		fs->flushing = NULL;
		free(s.json);
		/* A failed write closed the conn; its on_close unlinked f. */
		if (fs->flushing_gone)
			free(f);
		else
			f->seq = seq;
	}
}

static void on_event(const oc_event *ev, void *arg)
{
	(void)ev;
	struct oc_followers *fs = arg;
	if (!atomic_exchange(&fs->posted, true))
		oc_loop_post(oc_daemon_loop(fs->d), flush_followers, fs);
}

static void follower_gone(oc_api_conn *c, void *arg)
{
	(void)c;
	struct follower *f = arg;
	struct oc_followers *fs = f->d->followers;
	for (struct follower **p = &fs->list; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	if (fs->flushing == f)
		fs->flushing_gone = true;
	else
		free(f);
}

void oc_hostapi_free_followers(oc_daemon *d)
{
	struct oc_followers *fs = d->followers;
	if (!fs)
		return;
	/* Connections are closed by the API server before this runs. */
	if (fs->sub)
		oc_events_unsubscribe(d->events, fs->sub);
	free(fs);
	d->followers = NULL;
}

void oc_hostapi_decisions_follow(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	struct follower *f = calloc(1, sizeof(*f));
	if (!f) {
		oc_api_respond_error(r->conn, 500, "internal", "out of memory");
		return;
	}
	if (parse_filter(r, &f->fa) != 0) {
		free(f);
		oc_api_respond_error(r->conn, 400, "invalid", "%s", oc_error_last()->message);
		return;
	}
	f->d = d;
	f->conn = r->conn;
	/* Start from now: history is GET /v1/decisions. */
	struct collect none = { OC_BUF_INIT, NULL, 0, 0, NULL, 0 };
	oc_event_filter nothing = { .kind = 99 };
	f->seq = oc_events_read(d->events, 0, &nothing, 0, collect_event, &none);
	if (!d->followers && (d->followers = calloc(1, sizeof(*d->followers))))
		d->followers->d = d;
	struct oc_followers *fs = d->followers;
	if (!fs || (!fs->sub && !(fs->sub = oc_events_subscribe(d->events, on_event, fs)))) {
		free(f);
		oc_api_respond_error(r->conn, 503, "busy", "cannot follow decisions now");
		return;
	}
	f->next = fs->list;
	fs->list = f;
	oc_api_stream_begin(r->conn, "application/x-ndjson", follower_gone, f);
}
