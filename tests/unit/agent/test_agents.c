/* Agent sockets: where they are and who may use them, whoami, checks
 * judged like the real layers, malformed input, limits, detach and
 * restart. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "agent/operator.h"
#include "harness.h"

TestSuite(sockets, .init = h_setup, .fini = h_teardown, .timeout = 60);

Test(sockets, one_socket_per_container_open_to_any_uid)
{
	char path[108], dir[256];
	h_sock_path("coder-1", path, sizeof(path));
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0, "%s", path);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0666);
	cr_assert_eq(oc_agents_dir(h_agents, "coder-1", dir, sizeof(dir)), 0);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0755);
	snprintf(dir, sizeof(dir), "%s/agents/.coder-1.sock", h_run);
	cr_assert_neq(access(dir, F_OK), 0, "the socket's first name is gone after the rename");
	if (geteuid() != 0)
		return;
	/* An agent runs as a numeric non-root user. */
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
		_exit(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : 1);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(WEXITSTATUS(status), 0, "uid 65534 could not connect");
}

Test(sockets, whoami_comes_from_the_socket)
{
	json_t *j;
	cr_assert_eq(h_req("coder-1", "GET", "/v1/whoami", NULL, &j), 200);
	cr_assert_str_eq(h_str(j, "agent"), "coder");
	cr_assert_str_eq(h_str(j, "container"), "coder-1");
	cr_assert_str_eq(h_str(j, "network"), "default");
	cr_assert_str_eq(h_str(j, "ip"), "10.200.0.2");
	cr_assert_str_eq(h_str(j, "socket"), "/run/outcall/agent.sock");
	cr_assert(strstr(h_str(j, "request_command"), "outcall-shim request --host HOST --port PORT "
		"--why"));
	cr_assert_geq(json_array_size(json_object_get(j, "usage")), 2);
	json_decref(j);
	cr_assert_eq(h_req("other-1", "GET", "/v1/whoami", NULL, &j), 200);
	cr_assert_str_eq(h_str(j, "container"), "other-1");
	json_decref(j);
}

static json_t *check(const char *container, const char *body, int want)
{
	json_t *j;
	int status = h_req(container, "POST", "/v1/check", body, &j);
	cr_assert_eq(status, want, "%s -> %d", body, status);
	return j;
}

struct seen {
	int n;
	char peer[64], layer[16], reason[64], rule[64];
};

static void last_event(const oc_event *ev, void *arg)
{
	struct seen *s = arg;
	s->n++;
	snprintf(s->peer, sizeof(s->peer), "%s", ev->peer);
	snprintf(s->layer, sizeof(s->layer), "%s", oc_event_layer_name(ev->layer));
	snprintf(s->reason, sizeof(s->reason), "%s", ev->reason);
	snprintf(s->rule, sizeof(s->rule), "%s", ev->rule);
}

Test(sockets, check_without_rules_is_the_default_block_as_in_the_layers)
{
	oc_live_publish(h_live, NULL);
	json_t *j = check("coder-1", "{\"url\": \"https://web.example/x\"}", 200);
	cr_assert(json_is_false(json_object_get(j, "allowed")));
	cr_assert_str_eq(h_str(j, "rule"), "default");
	cr_assert(strstr(h_str(j, "reason"), "default block"), "%s", h_str(j, "reason"));
	json_decref(j);
}

Test(sockets, check_allowed_and_blocked_with_a_logged_decision)
{
	json_t *j = check("coder-1", "{\"url\": \"https://web.example/x\"}", 200);
	cr_assert(json_is_true(json_object_get(j, "allowed")));
	cr_assert_str_eq(h_str(j, "layer"), "tls");
	cr_assert_str_eq(h_str(j, "rule"), "web");
	cr_assert_str_eq(h_str(j, "egress"), "proxy");
	cr_assert_eq(strlen(h_str(j, "decision_id")), 16);
	cr_assert(strstr(h_str(j, "reason"), "allowed by rule \"web\""));
	json_decref(j);
	struct seen s = { 0 };
	oc_event_filter f = { .layer = OC_EVENT_LAYER_AGENT, .kind = -1 };
	oc_events_read(h_events, 0, &f, 100, last_event, &s);
	cr_assert_eq(s.n, 1);
	char want[64];
	snprintf(want, sizeof(want), "pid=%d uid=%u gid=%u", (int)getpid(), (unsigned)getuid(),
		(unsigned)getgid());
	cr_assert_str_eq(s.peer, want);
	cr_assert_str_eq(s.reason, "check as tls");

	j = check("coder-1", "{\"url\": \"http://evil.example/\"}", 200);
	cr_assert(json_is_false(json_object_get(j, "allowed")));
	cr_assert_str_eq(h_str(j, "rule"), "no-evil");
	cr_assert(strstr(h_str(j, "reason"), "ask for access: outcall-shim request --host "
		"evil.example --port 80 --why"), "%s", h_str(j, "reason"));
	json_decref(j);
	j = check("coder-1", "{\"host\": \"nowhere.example\", \"port\": 8443}", 200);
	cr_assert_str_eq(h_str(j, "rule"), "default");
	cr_assert_str_eq(h_str(j, "layer"), "tls");
	cr_assert(strstr(h_str(j, "reason"), "default block"));
	json_decref(j);
}

Test(sockets, check_uses_the_layer_that_would_see_it)
{
	json_t *j = check("coder-1", "{\"dns\": \"web.example\"}", 200);
	cr_assert_str_eq(h_str(j, "layer"), "dns");
	cr_assert(json_is_true(json_object_get(j, "allowed")));
	json_decref(j);
	/* A method is only visible on plain HTTP. */
	j = check("coder-1", "{\"host\": \"plain.example\", \"method\": \"GET\", \"path\": \"/a\"}", 200);
	cr_assert_str_eq(h_str(j, "layer"), "http");
	cr_assert(json_is_true(json_object_get(j, "allowed")));
	json_decref(j);
	j = check("coder-1", "{\"url\": \"https://plain.example/a\", \"method\": \"GET\"}", 200);
	cr_assert(json_is_false(json_object_get(j, "allowed")));
	json_decref(j);
	j = check("coder-1", "{\"url\": \"http://plain.example/a\", \"method\": \"POST\"}", 200);
	cr_assert(json_is_false(json_object_get(j, "allowed")));
	json_decref(j);
}

Test(sockets, check_refuses_what_the_proxy_would_refuse)
{
	/* "web" names the host only: the proxy opens it for HTTPS on 443. */
	json_t *j = check("coder-1", "{\"host\": \"web.example\", \"port\": 8443}", 200);
	cr_assert(json_is_false(json_object_get(j, "allowed")));
	cr_assert_str_eq(h_str(j, "rule"), "web");
	cr_assert(strstr(h_str(j, "reason"), "does not name the port"), "%s", h_str(j, "reason"));
	json_decref(j);
	j = check("coder-1", "{\"url\": \"https://web.example:8443/\"}", 200);
	cr_assert(json_is_false(json_object_get(j, "allowed")));
	json_decref(j);
	j = check("coder-1", "{\"host\": \"web.example\", \"port\": 443}", 200);
	cr_assert(json_is_true(json_object_get(j, "allowed")));
	json_decref(j);	/* Plain HTTP likewise: port 80 only, unless the rule names the port. */
	j = check("coder-1", "{\"url\": \"http://web.example:2222/\"}", 200);
	cr_assert(json_is_false(json_object_get(j, "allowed")));
	cr_assert(strstr(h_str(j, "reason"), "plain HTTP to a port other than 80"), "%s",
		h_str(j, "reason"));
	json_decref(j);
	j = check("coder-1", "{\"url\": \"http://web.example/\"}", 200);
	cr_assert(json_is_true(json_object_get(j, "allowed")));
	json_decref(j);
}

Test(sockets, identity_is_the_socket_not_the_body)
{
	json_t *j = check("coder-1", "{\"url\": \"https://only-coder.example/\"}", 200);
	cr_assert(json_is_true(json_object_get(j, "allowed")));
	json_decref(j);
	j = check("other-1", "{\"url\": \"https://only-coder.example/\"}", 200);
	cr_assert(json_is_false(json_object_get(j, "allowed")));
	json_decref(j);
	/* Naming an agent in the body is not a way in. */
	j = check("other-1", "{\"url\": \"https://only-coder.example/\", \"agent\": \"coder\"}", 400);
	json_decref(j);
}

Test(sockets, malformed_bodies_are_400_with_a_message)
{
	static const char *const bodies[] = {
		"", "{", "[1]", "\"x\"", "{\"url\": 1}", "{\"url\": \"ftp://x/\"}",
		"{\"url\": \"https://a/\", \"host\": \"a\"}", "{}", "{\"host\": \"a\", \"port\": \"80\"}",
		"{\"host\": \"a\", \"port\": 70000}", "{\"dns\": \"a\", \"port\": 1}",
		"{\"host\": \"a b\"}", "{\"host\": \"a\", \"path\": \"x\"}", "{\"url\": \"https://a/\", \"x\": 1}",
		"{\"url\": \"https://a/\", \"url\": \"https://b/\"}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		json_t *j = check("coder-1", bodies[i], 400);
		json_t *err = json_object_get(j, "error");
		cr_expect(json_string_length(json_object_get(err, "message")) > 5, "%s", bodies[i]);
		json_decref(j);
	}
	oc_agents_stats st = OC_AGENTS_STATS_INIT;
	oc_agents_get_stats(h_agents, &st);
	cr_assert_eq(st.refused, sizeof(bodies) / sizeof(bodies[0]));
	cr_assert_eq(st.checks, 0);
}

Test(sockets, unknown_endpoints_and_methods)
{
	cr_assert_eq(h_req("coder-1", "GET", "/v1/rules", NULL, NULL), 404);
	cr_assert_eq(h_req("coder-1", "POST", "/v1/requests/r-abcdef/approve", NULL, NULL), 405);
	cr_assert_eq(h_req("coder-1", "GET", "/v1/check", NULL, NULL), 405);
	cr_assert_eq(h_req("coder-1", "DELETE", "/v1/whoami", NULL, NULL), 405);
	cr_assert_eq(h_req("coder-1", "GET", "/metrics", NULL, NULL), 404);
}

Test(sockets, huge_bodies_are_refused_before_reading)
{
	h_call c = { 0 };
	const char head[] = "POST /v1/check HTTP/1.1\r\nHost: o\r\nContent-Length: 10000000\r\n\r\n{";
	h_call_start_raw(&c, "coder-1", head, sizeof(head) - 1);
	h_call_finish(&c);
	cr_assert_eq(c.status, 413, "%s", c.reply);
	h_call_free(&c);
}

Test(sockets, a_detached_container_loses_its_socket)
{
	char path[256], dir[256];
	h_sock_path("other-1", path, sizeof(path));
	oc_agents_dir(h_agents, "other-1", dir, sizeof(dir));
	cr_assert_eq(oc_registry_remove(h_registry, "other-1"), 0);
	/* Between the registry and the socket going: closed, not judged. */
	cr_assert_eq(h_req("other-1", "GET", "/v1/whoami", NULL, NULL), 0);
	oc_agents_detach(h_agents, "other-1");
	cr_assert_neq(access(path, F_OK), 0);
	cr_assert_eq(access(dir, F_OK), 0, "the directory stays for the container's mount");
	oc_agents_detach(h_agents, "other-1");
	oc_agents_stats st = OC_AGENTS_STATS_INIT;
	oc_agents_get_stats(h_agents, &st);
	cr_assert_eq(st.sockets, 1);
	h_put_container("other-1", "10.200.0.3");
	cr_assert_eq(oc_agents_attach(h_agents, "other-1"), 0);
	cr_assert_eq(h_req("other-1", "GET", "/v1/whoami", NULL, NULL), 200);
	cr_assert_eq(oc_agents_attach(h_agents, "../x"), OC_EINVAL);
}

Test(sockets, a_restart_recreates_the_socket_in_the_same_directory)
{
	char dir[256];
	oc_agents_dir(h_agents, "coder-1", dir, sizeof(dir));
	struct stat before, after;
	cr_assert_eq(stat(dir, &before), 0);
	h_restart();
	cr_assert_eq(stat(dir, &after), 0);
	cr_assert_eq(before.st_ino, after.st_ino, "a bind mount of the directory stays valid");
	cr_assert_eq(h_req("coder-1", "GET", "/v1/whoami", NULL, NULL), 200);
}

Test(sockets, whatever_the_container_left_at_agent_sock_is_replaced)
{
	char path[256];
	h_sock_path("coder-1", path, sizeof(path));
	oc_agents_free(h_agents);
	h_agents = NULL;
	unlink(path);
	cr_assert_eq(symlink("/etc/passwd", path), 0);
	h_restart();
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(lstat("/etc/passwd", &st), 0);
	cr_assert_neq(st.st_mode & 0777, 0666);
}

/* Tests that build the world with other limits. */
TestSuite(tuned, .fini = h_teardown, .timeout = 60);

Test(sockets, one_broken_directory_does_not_stop_the_others)
{
	oc_agents_free(h_agents);
	h_agents = NULL;
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/agents/other-1", h_run);
	/* Freeing removed the socket; a file now stands where the directory was. */
	cr_assert_eq(rmdir(dir), 0, "%s", dir);
	int fd = open(dir, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	h_restart();
	cr_assert_eq(h_req("coder-1", "GET", "/v1/whoami", NULL, NULL), 200);
	struct seen s = { 0 };
	oc_event_filter f = { .layer = OC_EVENT_LAYER_AGENT, .verdict = "error", .kind = -1 };
	oc_events_read(h_events, 0, &f, 100, last_event, &s);
	cr_assert_eq(s.n, 1);
	cr_assert(strstr(s.reason, "other-1") || strstr(s.reason, "agents"), "%s", s.reason);
}

static void tight_conns(oc_agents_config *cfg)
{
	cfg->max_conns_per_socket = 2;
}

Test(tuned, connections_are_capped_per_socket)
{
	h_setup_with(tight_conns);
	h_call idle[2] = { 0 };
	for (int i = 0; i < 2; i++) /* incomplete heads hold their connections */
		h_call_start_raw(&idle[i], "coder-1", "GET /v1/whoami HTTP/1.1\r\n", 25);
	for (int i = 0; i < 20; i++)
		oc_loop_run_once(h_loop, 10);
	cr_assert_eq(h_req("coder-1", "GET", "/v1/whoami", NULL, NULL), 503);
	cr_assert_eq(h_req("other-1", "GET", "/v1/whoami", NULL, NULL), 200,
		"another container's socket is not affected");
	for (int i = 0; i < 2; i++) {
		h_call_finish(&idle[i]);
		cr_assert_eq(idle[i].status, 408, "a slow client is cut off: %s", idle[i].reply);
		h_call_free(&idle[i]);
	}
}

static void slow_checks(oc_agents_config *cfg)
{
	cfg->checks_per_second = 0.5;
	cfg->checks_burst = 3;
}

Test(tuned, checks_are_rate_limited_per_container)
{
	h_setup_with(slow_checks);
	for (int i = 0; i < 3; i++)
		json_decref(check("coder-1", "{\"dns\": \"web.example\"}", 200));
	h_call c = { 0 };
	h_call_start(&c, "coder-1", "POST", "/v1/check", "{\"dns\": \"web.example\"}");
	h_call_finish(&c);
	cr_assert_eq(c.status, 429);
	cr_assert_str_eq(c.retry_after, "2");
	h_call_free(&c);
	json_decref(check("other-1", "{\"dns\": \"web.example\"}", 200));
}

/* The socket is the container's identity: a process of another network
 * namespace (a local user of the host, another container) is closed
 * before anything it sends is read, and the refusal is logged; one in the
 * container's namespace is served, whatever its uid. */
Test(sockets, only_the_containers_own_processes_are_served)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to make a network namespace");
	char path[108];
	h_sock_path("coder-1", path, sizeof(path));
	pid_t pid = fork();
	if (pid == 0) {
		/* another namespace, as uid 65534: what a local user or another
		 * container would be */
		if (unshare(CLONE_NEWNET) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
			_exit(3);
		static const char req[] = "POST /v1/requests HTTP/1.1\r\nHost: a\r\n"
			"Content-Length: 47\r\n\r\n{\"host\":\"a.example\",\"justification\":\"x\"}";
		send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
		char buf[256];
		struct timeval tv = { 10, 0 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		/* closed unread, the kernel may say so with a reset */
		_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : n > 0 ? 4 : 5);
	}
	int status = -1;
	for (int i = 0; i < 1000 && waitpid(pid, &status, WNOHANG) == 0; i++)
		oc_loop_run_once(h_loop, 10);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"the stranger was answered instead of closed (exit %d)", WEXITSTATUS(status));
	char *text = NULL;
	cr_assert_eq(oc_agents_requests_json(h_agents, NULL, &text), 0);
	cr_assert_str_eq(text, "{\"requests\":[]}", "nothing was filed as coder-1");
	free(text);
	struct seen seen = { 0 };
	oc_event_filter f = { .layer = OC_EVENT_LAYER_AGENT, .verdict = "refused", .kind = OC_EVENT_SECURITY };
	oc_events_read(h_events, 0, &f, 100, last_event, &seen);
	cr_assert_eq(seen.n, 1, "the refusal is logged");
	cr_assert(strstr(seen.reason, "not a process of this container"), "%s", seen.reason);
	cr_assert(strncmp(seen.peer, "pid=", 4) == 0, "%s", seen.peer);
	/* the container's own processes still get through */
	cr_assert_eq(h_req("coder-1", "GET", "/v1/whoami", NULL, NULL), 200);
}
