/* Who may use the host socket: root, or a member (primary or
 * supplementary) of the operator group; everyone else gets 403 before any
 * endpoint runs. The real handler on a real socket, peers forked with
 * other credentials (SO_PEERCRED is what the daemon trusts). */
#include <criterion/criterion.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/internal.h"
#include "tmpfiles.h"

#define NOBODY 65534
#define OPERATORS 4242

static char sock_path[100];
static oc_loop *loop;
static oc_api_server *srv;
static struct oc_daemon d; /* only the authorisation fields are read before 403 */

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to make peers of other uids");
	const char *dir = tmp_dir();
	chmod(dir, 0755);
	snprintf(sock_path, sizeof(sock_path), "%s/host.sock", dir);
	memset(&d, 0, sizeof(d));
	cr_assert_eq(oc_loop_new(&loop), 0);
	oc_api_limits lim;
	oc_api_limits_init(&lim);
	cr_assert_eq(oc_api_server_new(loop, &lim, oc_hostapi_handle, &d, &srv), 0);
	/* The file mode lets anyone connect: only the daemon's check stands. */
	cr_assert_eq(oc_api_server_listen(srv, sock_path, 0666, (uid_t)-1, (gid_t)-1, NULL, NULL),
		0, "%s", oc_error_last()->message);
}

static void teardown(void)
{
	if (srv)
		oc_api_server_free(srv);
	if (loop)
		oc_loop_free(loop);
	srv = NULL;
	loop = NULL;
	tmp_cleanup();
}

TestSuite(hostauth, .init = setup, .fini = teardown, .timeout = 30);

/* GET /v1/health as uid/gid with these supplementary groups; the status
 * code of the answer (0: none), and its body in body. */
static int health_as(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, char *body,
	size_t size)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		if (setgroups(ngroups, groups) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
			_exit(1);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
		struct timeval tv = { 5, 0 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
			_exit(2);
		static const char req[] = "GET /v1/health HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n";
		send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
		char buf[4096];
		ssize_t n;
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			(void)!write(fds[1], buf, (size_t)n);
		_exit(0);
	}
	close(fds[1]);
	int status = -1;
	for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; i++)
		oc_loop_run_once(loop, 10);
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the peer could not ask (%d)",
		status);
	char reply[4096] = "";
	ssize_t n = read(fds[0], reply, sizeof(reply) - 1);
	close(fds[0]);
	reply[n > 0 ? n : 0] = '\0';
	int code = 0;
	sscanf(reply, "HTTP/1.1 %d", &code);
	const char *b = strstr(reply, "\r\n\r\n");
	snprintf(body, size, "%s", b ? b + 4 : "");
	return code;
}

Test(hostauth, root_is_served)
{
	char body[1024];
	cr_assert_eq(health_as(0, 0, NULL, 0, body, sizeof(body)), 200, "%s", body);
	cr_assert_str_eq(body, "{\"status\":\"ok\"}\n");
}

Test(hostauth, another_uid_gets_403_naming_it)
{
	char body[1024];
	cr_assert_eq(health_as(NOBODY, NOBODY, NULL, 0, body, sizeof(body)), 403, "%s", body);
	cr_assert(strstr(body, "\"code\":\"forbidden\""), "%s", body);
	cr_assert(strstr(body, "uid 65534 is not allowed on the host socket"), "%s", body);
}

Test(hostauth, without_an_operator_group_a_group_is_not_enough)
{
	char body[1024];
	gid_t g = OPERATORS;
	cr_assert_eq(health_as(NOBODY, OPERATORS, &g, 1, body, sizeof(body)), 403, "%s", body);
}

Test(hostauth, the_operator_group_primary_or_supplementary)
{
	d.has_operator_gid = true;
	d.operator_gid = OPERATORS;
	char body[1024];
	gid_t g = OPERATORS;
	cr_assert_eq(health_as(NOBODY, OPERATORS, NULL, 0, body, sizeof(body)), 200,
		"primary group: %s", body);
	cr_assert_eq(health_as(NOBODY, NOBODY, &g, 1, body, sizeof(body)), 200,
		"supplementary group: %s", body);
	cr_assert_eq(health_as(NOBODY, NOBODY, NULL, 0, body, sizeof(body)), 403,
		"neither: %s", body);
}
