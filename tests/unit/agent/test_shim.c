/* outcall-shim against real agent sockets: exit codes, text and --json,
 * a request approved while the shim waits, and no daemon at all. The
 * shim is a child process; the test's thread runs the loop meanwhile. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/operator.h"
#include "httpd/server.h"
#include "harness.h"

static void setup(void)
{
	if (!getenv("OC_SHIM"))
		cr_skip_test("no OC_SHIM: this build has no static shim (sanitizers)");
	h_setup();
}

TestSuite(shim, .init = setup, .fini = h_teardown, .timeout = 60);

struct run {
	pid_t pid;
	int status;      /* exit code, -1 if it did not exit */
	char out[8192], err[4096];
	char out_path[256], err_path[256];
};

static void start(struct run *r, const char *container, const char *const *args)
{
	char sock[108];
	h_sock_path(container, sock, sizeof(sock));
	snprintf(r->out_path, sizeof(r->out_path), "%s/shim.out", h_state);
	snprintf(r->err_path, sizeof(r->err_path), "%s/shim.err", h_state);
	r->pid = fork();
	if (r->pid == 0) {
		int o = open(r->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(r->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		setenv("OUTCALL_AGENT_SOCKET", container[0] == '/' ? container : sock, 1);
		const char *argv[16] = { "outcall-shim" };
		for (int i = 0; args[i] && i < 14; i++)
			argv[i + 1] = args[i];
		execv(getenv("OC_SHIM"), (char *const *)argv);
		_exit(127);
	}
	cr_assert_gt(r->pid, 0);
}

static bool exited(void *arg)
{
	struct run *r = arg;
	int st;
	if (waitpid(r->pid, &st, WNOHANG) != r->pid)
		return false;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return true;
}

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
}

static void finish(struct run *r)
{
	if (!h_run_until(exited, r, 20000)) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		cr_assert_fail("the shim did not exit within 20 s");
	}
	slurp(r->out_path, r->out, sizeof(r->out));
	slurp(r->err_path, r->err, sizeof(r->err));
}

/* Runs the shim as `container` and returns its exit code. */
static int shim(struct run *r, const char *container, const char *const *args)
{
	start(r, container, args);
	finish(r);
	return r->status;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(shim, check_exit_codes_and_text)
{
	struct run r;
	cr_assert_eq(shim(&r, "coder-1", ARGS("check", "https://web.example/")), 0, "%s", r.err);
	cr_assert(strstr(r.out, "allowed: allowed by rule \"web\""), "%s", r.out);
	cr_assert_eq(shim(&r, "coder-1", ARGS("check", "http://evil.example/x")), 1);
	cr_assert(strstr(r.out, "blocked: blocked by rule \"no-evil\""), "%s", r.out);
	cr_assert(strstr(r.out, "outcall-shim request --host evil.example --port 80 --why"), "%s",
		r.out);
	cr_assert_eq(shim(&r, "coder-1", ARGS("check", "web.example:8443")), 1, "the proxy's port rule");
	cr_assert_eq(shim(&r, "coder-1", ARGS("check", "web.example")), 0);
	cr_assert_eq(shim(&r, "coder-1", ARGS("--json", "check", "https://web.example/")), 0);
	json_t *j = json_loads(r.out, 0, NULL);
	cr_assert_not_null(j, "%s", r.out);
	cr_assert(json_is_true(json_object_get(j, "allowed")));
	json_decref(j);
}

Test(shim, usage_and_refusals)
{
	struct run r;
	cr_assert_eq(shim(&r, "coder-1", ARGS("--help")), 0);
	cr_assert(strstr(r.out, "request --host H [--port P] [--method M] [--path P] --why TEXT"));
	cr_assert(strstr(r.out, "OUTCALL_AGENT_SOCKET"));
	cr_assert_eq(shim(&r, "coder-1", ARGS("frobnicate")), 2);
	cr_assert_eq(shim(&r, "coder-1", ARGS("check")), 2);
	cr_assert_eq(shim(&r, "coder-1", ARGS("check", "a:b")), 2);
	cr_assert_eq(shim(&r, "coder-1", ARGS("request", "--host", "a.example")), 2);
	cr_assert(strstr(r.err, "--why is required"), "%s", r.err);
	cr_assert_eq(shim(&r, "coder-1", ARGS("request", "--host", "a.example", "--bogus", "x")), 2);
	/* The daemon's own refusal of a value is a usage error too. */
	cr_assert_eq(shim(&r, "coder-1", ARGS("request", "--host", "a.example", "--method", "G T",
		"--why", "x")), 2);
	cr_assert(strstr(r.err, "not an HTTP method"), "%s", r.err);
	cr_assert_eq(shim(&r, "coder-1", ARGS("status", "r-zzzzzz")), 4);
}

/* The scheme of all three programs (core/exitcode.h): 3, as the CLI. */
Test(shim, no_daemon_is_exit_3)
{
	struct run r;
	char path[256];
	snprintf(path, sizeof(path), "%s/nothing-here.sock", h_state);
	cr_assert_eq(shim(&r, path, ARGS("check", "https://web.example/")), 3);
	cr_assert(strstr(r.err, "cannot reach outcalld"), "%s", r.err);
	cr_assert_eq(shim(&r, path, ARGS("whoami")), 3);
}

static bool waiting(void *arg)
{
	(void)arg;
	oc_agents_stats st = OC_AGENTS_STATS_INIT;
	oc_agents_get_stats(h_agents, &st);
	return st.waiters == 1;
}

/* The id in "request r-xxxxxx: ..." */
static void id_of(const char *out, char id[16])
{
	const char *p = strstr(out, "request r-");
	cr_assert_not_null(p, "%s", out);
	snprintf(id, 16, "%.8s", p + 8);
}

Test(shim, request_then_approval_while_waiting)
{
	struct run r;
	start(&r, "coder-1", ARGS("request", "--host", "api.example.com", "--port", "443", "--why",
		"read the docs", "--wait", "30"));
	cr_assert(h_run_until(waiting, NULL, 10000), "the shim waits on the socket");
	char *list = NULL;
	cr_assert_eq(oc_agents_requests_json(h_agents, "pending", &list), 0);
	json_t *j = json_loads(list, 0, NULL);
	free(list);
	const char *id = json_string_value(json_object_get(json_array_get(json_object_get(j,
		"requests"), 0), "id"));
	char *text = NULL;
	oc_agents_approval ap = { .by = "uid=0" };
	cr_assert_eq(oc_agents_approve_json(h_agents, id, &ap, &text), 0);
	free(text);
	json_decref(j);
	finish(&r);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, ": approved"), "%s", r.out);
	cr_assert_eq(shim(&r, "coder-1", ARGS("check", "https://api.example.com/")), 0);
	cr_assert_eq(shim(&r, "other-1", ARGS("check", "https://api.example.com/")), 1);
}

Test(shim, request_status_and_rejection)
{
	struct run r;
	cr_assert_eq(shim(&r, "coder-1", ARGS("request", "--host", "api.example.com", "--method",
		"GET", "--path", "/v1/", "--why", "x", "--for", "1h")), 0, "%s", r.err);
	cr_assert(strstr(r.out, "note: method and path_prefix"), "%s", r.out);
	char id[16];
	id_of(r.out, id);
	cr_assert_eq(shim(&r, "coder-1", ARGS("status", id, "--wait", "1")), 5, "still pending");
	cr_assert_eq(shim(&r, "other-1", ARGS("status", id)), 4, "not another container's");
	char *text = NULL;
	cr_assert_eq(oc_agents_reject_json(h_agents, id, "use the mirror", "uid=0", &text), 0);
	free(text);
	cr_assert_eq(shim(&r, "coder-1", ARGS("wait", id)), 1);
	cr_assert(strstr(r.out, "reason: use the mirror"), "%s", r.out);
	cr_assert_eq(shim(&r, "coder-1", ARGS("--json", "status", id)), 1);
	json_t *j = json_loads(r.out, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "rejected");
	json_decref(j);
}

Test(shim, whoami_and_env)
{
	struct run r;
	cr_assert_eq(shim(&r, "coder-1", ARGS("whoami")), 0);
	cr_assert(strstr(r.out, "agent coder (container coder-1) on network default, address "
		"10.200.0.2"), "%s", r.out);
	/* Without networks the daemon knows no gateway, so there is no proxy to export. */
	cr_assert_eq(shim(&r, "coder-1", ARGS("env")), 4);
	cr_assert(strstr(r.err, "did not name a proxy"), "%s", r.err);
}

/* A daemon that answers whoami with hostile env values and names. */
static void hostile_whoami(oc_api_request *r, void *arg)
{
	(void)arg;
	oc_api_respond_json(r->conn, 200, json_pack("{s:s, s:s, s:{s:s, s:s}}", "agent", "a",
		"container", "a-1", "env", "HTTP_PROXY", "http://x'$(id)'\\", "X;rm -rf /", "v"));
}

Test(shim, env_values_are_one_shell_word)
{
	char sock[200], out[256];
	snprintf(sock, sizeof(sock), "%s/hostile.sock", h_state);
	oc_api_server *srv;
	cr_assert_eq(oc_api_server_new(h_loop, NULL, hostile_whoami, NULL, &srv), 0);
	cr_assert_eq(oc_api_server_listen(srv, sock, 0600, (uid_t)-1, (gid_t)-1, NULL, NULL), 0);
	struct run r;
	cr_assert_eq(shim(&r, sock, ARGS("env")), 0, "%s", r.err);
	oc_api_server_free(srv);
	cr_assert_str_eq(r.out, "export HTTP_PROXY='http://x'\\''$(id)'\\''\\'\n"
		"export http_proxy='http://x'\\''$(id)'\\''\\'\n", "a name that is no shell name is "
		"left out, a quote closes and reopens: %s", r.out);
	/* and a shell reads back exactly the value */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "sh -c '. %s && printf %%s \"$HTTP_PROXY\"'", r.out_path);
	FILE *p = popen(cmd, "r");
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	cr_assert_str_eq(out, "http://x'$(id)'\\");
}
