/* The Docker client against a fake engine: version negotiation, answers
 * framed by length, chunks and close, Docker's errors, timeouts, an
 * unreachable socket, and what the calls send and read. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fake.h"

struct got {
	bool done;
	int rc;
	char message[1024];
	char id[80];
	oc_docker_version version;
	oc_docker_container container;
	char label[128];
	size_t n;
	char names[4][130];
};

static void record(int rc, const oc_docker_result *res, void *arg)
{
	struct got *g = arg;
	g->done = true;
	g->rc = rc;
	snprintf(g->message, sizeof(g->message), "%s", rc ? oc_error_last()->message : "");
	if (res->id)
		snprintf(g->id, sizeof(g->id), "%s", res->id);
	if (res->version)
		g->version = *res->version;
	g->n = res->containers ? res->ncontainers : res->nnetworks;
	for (size_t i = 0; i < g->n && i < 4; i++)
		snprintf(g->names[i], sizeof(g->names[i]), "%s", res->containers ?
			res->containers[i].name : res->networks[i].name);
	if (res->containers && res->ncontainers) {
		g->container = res->containers[0];
		g->container.labels = (oc_map){ NULL, 0 };
		oc_map l = res->containers[0].labels;
		if (l.count)
			snprintf(g->label, sizeof(g->label), "%s=%s", l.items[0].key, l.items[0].value);
	}
}

struct world {
	struct fake fake;
	oc_loop *loop;
	oc_docker *d;
};

static void up(struct world *w, fake_answer_fn answer, void *arg, unsigned timeout_ms)
{
	fake_start(&w->fake, answer, arg);
	cr_assert_eq(oc_loop_new(&w->loop), 0);
	oc_docker_options o;
	oc_docker_options_init(&o);
	o.socket = w->fake.path;
	o.timeout_ms = timeout_ms;
	o.backoff_min_ms = 20;
	o.backoff_max_ms = 80;
	cr_assert_eq(oc_docker_new(w->loop, &o, &w->d), 0, "%s", oc_error_last()->message);
}

static void down(struct world *w)
{
	oc_docker_free(w->d);
	fake_stop(&w->fake);
	oc_loop_free(w->loop);
}

static struct fake_answer engine_141(const struct fake_request *req, void *arg)
{
	(void)arg;
	if (strcmp(req->target, "/version") == 0)
		return (struct fake_answer){ fake_version("1.41") };
	if (strcmp(req->target, "/v1.41/containers/c1/json") == 0)
		return (struct fake_answer){ fake_json(200, "{\"Id\":\"abc123\",\"Name\":\"/c1\","
			"\"Config\":{\"Image\":\"busybox\",\"Labels\":{\"io.outcall.managed\":\"true\"}},"
			"\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":4242},"
			"\"HostConfig\":{\"NetworkMode\":\"none\"}}") };
	if (strcmp(req->target, "/v1.41/containers/gone/json") == 0)
		return (struct fake_answer){ fake_json(404, "{\"message\":\"No such container: gone\"}") };
	if (strncmp(req->target, "/v1.41/containers/json?all=1", 28) == 0)
		/* chunked, split inside the JSON */
		return (struct fake_answer){ "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Transfer-Encoding: chunked\r\n\r\n"
			"17\r\n[{\"Id\":\"a1\",\"Names\":[\"/\r\n"
			"4b\r\nx1\"],\"Image\":\"i\",\"State\":\"exited\",\"Labels\":{}},{\"Id\":\"b2\",\"Names\":[\"/x2\"]}]\r\n"
			"0\r\n\r\n" };
	if (strcmp(req->target, "/v1.41/networks") == 0)
		/* delimited by close */
		return (struct fake_answer){ "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
			"[{\"Id\":\"n1\",\"Name\":\"outcall-default\",\"Driver\":\"bridge\","
			"\"Options\":{\"com.docker.network.bridge.name\":\"outcall0\"}}]" };
	if (strcmp(req->target, "/v1.41/containers/slow/json") == 0)
		return (struct fake_answer){ "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", true };
	if (strcmp(req->target, "/v1.41/containers/bad/json") == 0)
		return (struct fake_answer){ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnope!" };
	return (struct fake_answer){ fake_json(500, "{\"message\":\"unexpected\"}") };
}

Test(docker_client, negotiates_then_inspects)
{
	struct world w;
	up(&w, engine_141, NULL, 2000);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_container_inspect(w.d, "c1", record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(g.rc, 0, "%s", g.message);
	cr_assert_str_eq(g.container.id, "abc123");
	cr_assert_str_eq(g.container.name, "c1", "Docker's leading / is dropped");
	cr_assert_str_eq(g.container.image, "busybox");
	cr_assert_eq(g.container.pid, 4242);
	cr_assert(g.container.running);
	cr_assert_str_eq(g.container.network_mode, "none");
	cr_assert_str_eq(g.label, "io.outcall.managed=true");
	cr_assert_eq(fake_count(&w.fake), 2);
	cr_assert_str_eq(fake_request(&w.fake, 0).target, "/version");
	cr_assert_str_eq(fake_request(&w.fake, 1).target, "/v1.41/containers/c1/json");

	/* the version is kept: the next call goes straight out */
	g = (struct got){ 0 };
	cr_assert_eq(oc_docker_container_inspect(w.d, "c1", record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(fake_count(&w.fake), 3);
	down(&w);
}

Test(docker_client, several_calls_wait_for_one_negotiation)
{
	struct world w;
	up(&w, engine_141, NULL, 2000);
	struct got a = { 0 }, b = { 0 };
	cr_assert_eq(oc_docker_container_inspect(w.d, "c1", record, &a), 0);
	cr_assert_eq(oc_docker_container_inspect(w.d, "gone", record, &b), 0);
	cr_assert(run_until(w.loop, &a.done));
	cr_assert(run_until(w.loop, &b.done));
	cr_assert_eq(a.rc, 0);
	cr_assert_eq(b.rc, OC_ENOTFOUND);
	cr_assert_eq(fake_count(&w.fake), 3, "one GET /version for both");
	down(&w);
}

Test(docker_client, docker_errors_carry_its_message)
{
	struct world w;
	up(&w, engine_141, NULL, 2000);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_container_inspect(w.d, "gone", record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(g.rc, OC_ENOTFOUND);
	cr_assert(strstr(g.message, "No such container: gone"), "%s", g.message);
	cr_assert(strstr(g.message, "HTTP 404"), "%s", g.message);
	cr_assert(strstr(g.message, "/containers/gone/json"), "%s", g.message);
	down(&w);
}

Test(docker_client, chunked_list_with_label_filter)
{
	struct world w;
	up(&w, engine_141, NULL, 2000);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_containers_list(w.d, "io.outcall.managed=true", record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(g.rc, 0, "%s", g.message);
	cr_assert_eq(g.n, 2);
	cr_assert_str_eq(g.names[0], "x1");
	cr_assert_str_eq(g.names[1], "x2");
	cr_assert_not(g.container.running);
	cr_assert_str_eq(fake_request(&w.fake, 1).target, "/v1.41/containers/json?all=1&filters="
		"%7B%22label%22%3A%5B%22io.outcall.managed%3Dtrue%22%5D%7D");
	down(&w);
}

Test(docker_client, answer_until_close)
{
	struct world w;
	up(&w, engine_141, NULL, 2000);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_networks_list(w.d, NULL, record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(g.rc, 0, "%s", g.message);
	cr_assert_eq(g.n, 1);
	cr_assert_str_eq(g.names[0], "outcall-default");
	down(&w);
}

Test(docker_client, timeout_and_bad_json)
{
	struct world w;
	up(&w, engine_141, NULL, 300);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_container_inspect(w.d, "slow", record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(g.rc, OC_ETIMEOUT);
	cr_assert(strstr(g.message, "within 300 ms"), "%s", g.message);
	g = (struct got){ 0 };
	cr_assert_eq(oc_docker_container_inspect(w.d, "bad", record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(g.rc, OC_EPARSE);
	cr_assert(strstr(g.message, "not JSON"), "%s", g.message);
	down(&w);
}

static struct fake_answer engine_old(const struct fake_request *req, void *arg)
{
	return (struct fake_answer){ fake_version(arg) };
}

Test(docker_client, version_range)
{
	struct world w;
	up(&w, engine_old, "1.39", 2000);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_ping(w.d, record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(g.rc, OC_ESTATE);
	cr_assert(strstr(g.message, "speaks API 1.39") && strstr(g.message, OC_DOCKER_API_MIN),
		"%s", g.message);
	down(&w);

	up(&w, engine_old, "1.45", 2000);
	g = (struct got){ 0 };
	cr_assert_eq(oc_docker_ping(w.d, record, &g), 0);
	cr_assert(run_until(w.loop, &g.done));
	cr_assert_eq(g.rc, 0, "%s", g.message);
	cr_assert_str_eq(g.version.api_version, "1.45");
	cr_assert_str_eq(g.version.api_used, OC_DOCKER_API_MAX, "capped at what the client knows");
	cr_assert_str_eq(g.version.version, "99.0-fake");
	cr_assert_str_eq(fake_request(&w.fake, 1).target, "/v" OC_DOCKER_API_MAX "/version");
	down(&w);
}

Test(docker_client, unreachable_socket)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	oc_docker_options o;
	oc_docker_options_init(&o);
	o.socket = "/nonexistent/outcall-test/docker.sock";
	oc_docker *d;
	cr_assert_eq(oc_docker_new(loop, &o, &d), 0);
	cr_assert_str_eq(oc_docker_socket(d), o.socket);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_ping(d, record, &g), OC_EUNREACHABLE);
	cr_assert_not(g.done, "a call that did not start calls nothing");
	cr_assert(strstr(oc_error_last()->message, "does not exist"));
	cr_assert(strstr(oc_error_last()->message, o.socket));
	oc_docker_free(d);
	oc_loop_free(loop);
}

Test(docker_client, refs_are_checked)
{
	struct world w;
	up(&w, engine_141, NULL, 2000);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_container_inspect(w.d, "../images", record, &g), OC_EINVAL);
	cr_assert_eq(oc_docker_container_remove(w.d, "a b", record, &g), OC_EINVAL);
	cr_assert_eq(oc_docker_network_remove(w.d, "", record, &g), OC_EINVAL);
	cr_assert_eq(fake_count(&w.fake), 0);
	down(&w);
}

Test(docker_client, free_with_calls_in_flight)
{
	struct world w;
	up(&w, engine_141, NULL, 2000);
	struct got g = { 0 };
	cr_assert_eq(oc_docker_container_inspect(w.d, "slow", record, &g), 0);
	for (int i = 0; i < 5; i++)
		oc_loop_run_once(w.loop, 10);
	down(&w);
	cr_assert_not(g.done, "freeing drops calls without calling back");
}
