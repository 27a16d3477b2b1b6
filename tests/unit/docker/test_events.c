/* Following events: the stream is opened, `synced` tells the owner to
 * list, events arrive parsed, and a lost stream is reopened with backoff
 * (and a fresh version negotiation). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fake.h"

#define EVENT_START "{\"status\":\"start\",\"id\":\"abc\",\"Type\":\"container\"," \
	"\"Action\":\"start\",\"Actor\":{\"ID\":\"abc\",\"Attributes\":{\"image\":\"busybox\"," \
	"\"name\":\"coder-1\",\"io.outcall.managed\":\"true\"}},\"scope\":\"local\"," \
	"\"time\":1,\"timeNano\":1000000001}\n"
#define EVENT_DIE "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"abc\"," \
	"\"Attributes\":{\"name\":\"coder-1\",\"exitCode\":\"137\"}},\"timeNano\":2}\n"

static char stream_answer[4096];

static struct fake_answer engine(const struct fake_request *req, void *arg)
{
	(void)arg;
	if (strcmp(req->target, "/version") == 0)
		return (struct fake_answer){ fake_version("1.41") };
	if (strncmp(req->target, "/v1.41/events", 13) == 0)
		return (struct fake_answer){ stream_answer, true };
	return (struct fake_answer){ fake_json(500, "{\"message\":\"unexpected\"}") };
}

struct seen {
	int synced, lost, events;
	char actions[8][16];
	char name[64];
	char managed[16];
	char exit_code[16];
	unsigned retry[8];
	int last_rc;
	/* run_until stops once all of these counts are reached: a stream's
	 * events may come in later loop turns than its `synced`. */
	int want_synced, want_lost, want_events;
	bool flag;
};

static void reached(struct seen *s)
{
	s->flag = s->synced >= s->want_synced && s->lost >= s->want_lost &&
		s->events >= s->want_events;
}

static void synced(void *arg)
{
	struct seen *s = arg;
	s->synced++;
	reached(s);
}

static void event(const oc_docker_event *ev, void *arg)
{
	struct seen *s = arg;
	if (s->events < 8)
		snprintf(s->actions[s->events], sizeof(s->actions[0]), "%s/%s", ev->type, ev->action);
	s->events++;
	if (strcmp(ev->action, "start") == 0) {
		snprintf(s->name, sizeof(s->name), "%s", ev->name);
		cr_assert_str_eq(ev->id, "abc");
		cr_assert_eq(ev->time_ns, 1000000001);
		for (size_t i = 0; i < ev->attributes.count; i++)
			if (!strcmp(ev->attributes.items[i].key, "io.outcall.managed"))
				snprintf(s->managed, sizeof(s->managed), "%s", ev->attributes.items[i].value);
	}
	for (size_t i = 0; i < ev->attributes.count; i++)
		if (!strcmp(ev->attributes.items[i].key, "exitCode"))
			snprintf(s->exit_code, sizeof(s->exit_code), "%s", ev->attributes.items[i].value);
	reached(s);
}

static void lost(int rc, unsigned retry_ms, void *arg)
{
	struct seen *s = arg;
	cr_assert_lt(rc, 0);
	cr_assert(oc_error_last()->message[0]);
	if (s->lost < 8)
		s->retry[s->lost] = retry_ms;
	s->lost++;
	s->last_rc = rc;
	reached(s);
}

static const oc_docker_watch_ops ops = { synced, event, lost };

static oc_docker *client(oc_loop *loop, const char *socket)
{
	oc_docker_options o;
	oc_docker_options_init(&o);
	o.socket = socket;
	o.timeout_ms = 2000;
	o.backoff_min_ms = 20;
	o.backoff_max_ms = 80;
	oc_docker *d;
	cr_assert_eq(oc_docker_new(loop, &o, &d), 0);
	return d;
}

Test(docker_events, follow_and_reconnect)
{
	snprintf(stream_answer, sizeof(stream_answer), "HTTP/1.1 200 OK\r\nContent-Type: "
		"application/json\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n%zx\r\n%s\r\n",
		strlen(EVENT_START), EVENT_START, strlen(EVENT_DIE), EVENT_DIE);
	struct fake f;
	fake_start(&f, engine, NULL);
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	oc_docker *d = client(loop, f.path);
	struct seen s = { .want_synced = 1, .want_events = 2 };
	const char *types[] = { "container", "network", NULL };
	oc_docker_watch *w;
	cr_assert_eq(oc_docker_watch_start(d, types, &ops, &s, &w), 0);
	cr_assert_eq(s.synced, 0, "nothing is called before start returns");
	cr_assert(run_until(loop, &s.flag));
	cr_assert_eq(s.synced, 1);
	cr_assert(oc_docker_watch_connected(w));
	cr_assert_str_eq(s.actions[0], "container/start");
	cr_assert_str_eq(s.actions[1], "container/die");
	cr_assert_str_eq(s.name, "coder-1");
	cr_assert_str_eq(s.managed, "true", "labels come with the attributes");
	cr_assert_str_eq(s.exit_code, "137");
	cr_assert_str_eq(fake_request(&f, 1).target, "/v1.41/events?filters=%7B%22type%22%3A%5B"
		"%22container%22%2C%22network%22%5D%7D");

	/* the engine drops the stream: lost, then synced again on a new one */
	s.flag = false;
	s.want_synced = 2;
	s.want_events = 4;
	fake_drop_hung(&f);
	cr_assert(run_until(loop, &s.flag));
	cr_assert_eq(s.lost, 1);
	cr_assert_eq(s.retry[0], 20);
	cr_assert_eq(s.last_rc, OC_EUNREACHABLE);
	cr_assert_eq(s.synced, 2);
	cr_assert_eq(s.events, 4, "the new stream's events arrive too");
	cr_assert_eq(fake_count(&f), 4, "version, events, version again, events");
	cr_assert_str_eq(fake_request(&f, 2).target, "/version");

	oc_docker_watch_stop(w);
	fake_drop_hung(&f);
	for (int i = 0; i < 10; i++)
		oc_loop_run_once(loop, 5);
	cr_assert_eq(s.lost, 1, "a stopped watch calls nothing");
	oc_docker_free(d);
	fake_stop(&f);
	oc_loop_free(loop);
}

Test(docker_events, backoff_while_the_engine_is_away)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	oc_docker *d = client(loop, "/nonexistent/outcall-test/docker.sock");
	struct seen s = { .want_lost = 4 };
	oc_docker_watch *w;
	cr_assert_eq(oc_docker_watch_start(d, NULL, &ops, &s, &w), 0);
	cr_assert(run_until(loop, &s.flag));
	cr_assert_eq(s.last_rc, OC_EUNREACHABLE);
	cr_assert_eq(s.retry[0], 20);
	cr_assert_eq(s.retry[1], 40);
	cr_assert_eq(s.retry[2], 80);
	cr_assert_eq(s.retry[3], 80, "capped at the maximum");
	cr_assert_not(oc_docker_watch_connected(w));
	/* freeing the client frees a watch that is still running */
	oc_docker_free(d);
	oc_loop_free(loop);
}
