/*
 * Following the engine's events: GET /events as a stream of JSON lines,
 * reopened with exponential backoff whenever it ends, and a `synced` call
 * each time it is established so the owner can list what it may have
 * missed. The stream is opened before the owner lists, so an event that
 * happens during the listing is seen (twice at worst, never not at all).
 */
#include "docker/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oc_docker_watch {
	oc_docker *d;
	oc_dlist node;             /* in the client's watches */
	oc_docker_watch_ops ops;
	void *arg;
	char path[512];
	struct oc_docker_req *req;
	uint64_t retry_timer;
	unsigned backoff;
	bool connected;
};

static void opened(oc_docker *d, void *arg)
{
	struct oc_docker_watch *w = arg;
	w->connected = true;
	w->backoff = d->backoff_min_ms;
	if (w->ops.synced)
		w->ops.synced(w->arg);
}

static void line(oc_docker *d, json_t *v, void *arg)
{
	(void)d;
	struct oc_docker_watch *w = arg;
	json_t *actor = json_object_get(v, "Actor");
	json_t *attrs = json_object_get(actor, "Attributes");
	const char *type = json_string_value(json_object_get(v, "Type"));
	const char *action = json_string_value(json_object_get(v, "Action"));
	const char *id = json_string_value(json_object_get(actor, "ID"));
	const char *name = json_string_value(json_object_get(attrs, "name"));
	/* lines without these are not events this client understands */
	if (!type || !action || !id || !w->ops.event)
		return;
	oc_docker_event ev = {
		.type = type, .action = action, .id = id, .name = name ? name : "",
		.time_ns = json_integer_value(json_object_get(v, "timeNano")),
	};
	oc_kv *items = NULL;
	if (oc_docker_jmap(attrs, &ev.attributes, &items) == 0)
		w->ops.event(&ev, w->arg);
	free(items);
}

static void reconnect(oc_loop *loop, uint64_t id, void *arg);

/* The stream is down (rc says why): try again after the backoff. */
static void retry_later(struct oc_docker_watch *w, int rc)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
	unsigned delay = w->backoff;
	w->backoff = w->backoff > w->d->backoff_max_ms / 2 ? w->d->backoff_max_ms : w->backoff * 2;
	w->connected = false;
	/* the engine may come back as another version */
	oc_docker_forget_version(w->d);
	int trc = oc_loop_timer_add(w->d->loop, delay, reconnect, w, &w->retry_timer);
	if (w->ops.lost) {
		oc_error_set(rc, "%s%s", msg, trc ? " (and no retry could be scheduled: out of "
			"memory; restart the watch)" : "");
		w->ops.lost(rc, trc ? 0 : delay, w->arg);
	}
}

static void ended(oc_docker *d, int rc, int status, json_t *answer, void *arg)
{
	(void)status;
	(void)answer;
	struct oc_docker_watch *w = arg;
	w->req = NULL;
	if (!rc)
		rc = oc_error_set(OC_EUNREACHABLE, "Docker at %s ended its event stream", d->socket);
	retry_later(w, rc);
}

static void reconnect(oc_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	struct oc_docker_watch *w = arg;
	w->retry_timer = 0;
	int rc = oc_docker_stream(w->d, w->path, opened, line, ended, w, &w->req);
	if (rc)
		retry_later(w, rc);
}

int oc_docker_watch_start(oc_docker *d, const char *const *types,
	const oc_docker_watch_ops *ops, void *arg, oc_docker_watch **out)
{
	struct oc_docker_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return oc_error_nomem();
	w->d = d;
	w->ops = *ops;
	w->arg = arg;
	w->backoff = d->backoff_min_ms;
	snprintf(w->path, sizeof(w->path), "/events");
	int rc = 0;
	if (types && types[0]) {
		json_t *list = json_array();
		for (size_t i = 0; list && types[i]; i++)
			json_array_append_new(list, json_string(types[i]));
		json_t *f = json_pack("{s:o}", "type", list);
		char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
		json_decref(f);
		char enc[400];
		rc = text ? oc_docker_urlencode(text, enc, sizeof(enc)) : oc_error_nomem();
		free(text);
		if (!rc)
			snprintf(w->path, sizeof(w->path), "/events?filters=%s", enc);
	}
	/* The first try runs from the loop, so no callback comes before the
	 * caller has its handle. */
	if (!rc)
		rc = oc_loop_timer_add(d->loop, 0, reconnect, w, &w->retry_timer);
	if (rc) {
		free(w);
		return rc;
	}
	oc_dlist_push(&d->watches, &w->node);
	*out = w;
	return 0;
}

oc_docker_watch *oc_docker_watch_of(oc_dlist *node)
{
	return oc_container_of(node, oc_docker_watch, node);
}

void oc_docker_watch_stop(oc_docker_watch *w)
{
	if (!w)
		return;
	oc_docker_req_cancel(w->req);
	oc_loop_timer_cancel(w->d->loop, w->retry_timer);
	oc_dlist_remove(&w->node);
	free(w);
}

bool oc_docker_watch_connected(const oc_docker_watch *w)
{
	return w->connected;
}
