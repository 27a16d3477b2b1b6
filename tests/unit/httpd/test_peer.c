/* Who the peer is, as the API server learns it at accept: credentials
 * that cannot be read close the connection (they must not read as uid 0),
 * the groups come from the socket, and a listener's admit check runs
 * before anything is read. getsockopt is wrapped (-Wl,--wrap) so a test
 * can make SO_PEERCRED or SO_PEERGROUPS fail. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "httpd/server.h"
#include "tmpfiles.h"

int __real_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len);

static int fail_opt = -1;     /* the SOL_SOCKET option that fails, -1: none */

int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	if (level == SOL_SOCKET && name == fail_opt) {
		errno = EINVAL;
		return -1;
	}
	return __real_getsockopt(fd, level, name, val, len);
}

static char sock_path[100];
static oc_loop *loop;
static oc_api_server *srv;
static oc_api_listener *lst;
static int handled, admitted;
static bool admit_answer;

static void handler(oc_api_request *r, void *arg)
{
	(void)arg;
	handled++;
	json_t *groups = json_array();
	for (size_t i = 0; i < r->ngroups; i++)
		json_array_append_new(groups, json_integer(r->groups[i]));
	oc_api_respond_json(r->conn, 200, json_pack("{s:i, s:o}", "uid", (int)r->uid, "groups",
		groups));
}

static bool admit(int fd, pid_t pid, void *arg)
{
	(void)fd;
	(void)arg;
	cr_assert_eq(pid, getpid(), "admit sees the connecting process");
	admitted++;
	return admit_answer;
}

static void setup(void)
{
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", tmp_dir());
	cr_assert_eq(oc_loop_new(&loop), 0);
	cr_assert_eq(oc_api_server_new(loop, NULL, handler, NULL, &srv), 0);
	cr_assert_eq(oc_api_server_listen(srv, sock_path, 0600, (uid_t)-1, (gid_t)-1, NULL, &lst),
		0, "%s", oc_error_last()->message);
	fail_opt = -1;
	handled = admitted = 0;
	admit_answer = true;
}

static void teardown(void)
{
	oc_api_server_free(srv);
	oc_loop_free(loop);
	tmp_cleanup();
}

TestSuite(peer, .init = setup, .fini = teardown, .timeout = 20);

struct client {
	char reply[4096];
	size_t len;
	volatile bool done;
};

static void *client(void *arg)
{
	struct client *c = arg;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		static const char req[] = "GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
		send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
		ssize_t n;
		while (c->len < sizeof(c->reply) - 1 &&
		       (n = recv(fd, c->reply + c->len, sizeof(c->reply) - 1 - c->len, 0)) > 0)
			c->len += (size_t)n;
	}
	close(fd);
	c->done = true;
	return NULL;
}

static void exchange(struct client *c)
{
	pthread_t t;
	pthread_create(&t, NULL, client, c);
	for (int i = 0; i < 1000 && !c->done; i++)
		oc_loop_run_once(loop, 10);
	pthread_join(t, NULL);
}

Test(peer, readable_credentials_reach_the_handler)
{
	struct client c = { 0 };
	exchange(&c);
	cr_assert(strstr(c.reply, "HTTP/1.1 200"), "%s", c.reply);
	cr_assert_eq(handled, 1);
}

Test(peer, unreadable_credentials_close_the_connection)
{
	fail_opt = SO_PEERCRED;
	struct client c = { 0 };
	exchange(&c);
	cr_assert_eq(c.len, 0, "no answer, not one for uid 0: %s", c.reply);
	cr_assert_eq(handled, 0);
}

Test(peer, unreadable_groups_close_the_connection)
{
	fail_opt = SO_PEERGROUPS;
	struct client c = { 0 };
	exchange(&c);
	cr_assert_eq(c.len, 0, "%s", c.reply);
	cr_assert_eq(handled, 0);
}

Test(peer, groups_are_the_peers_own)
{
	gid_t mine[64];
	int n = getgroups(64, mine);
	cr_assert_geq(n, 0);
	struct client c = { 0 };
	exchange(&c);
	char *body = strstr(c.reply, "\r\n\r\n");
	cr_assert_not_null(body, "%s", c.reply);
	json_t *j = json_loads(body + 4, 0, NULL);
	cr_assert_not_null(j, "%s", body);
	json_t *g = json_object_get(j, "groups");
	cr_assert_eq(json_array_size(g), (size_t)n, "%s", body);
	for (int i = 0; i < n; i++)
		cr_assert_eq(json_integer_value(json_array_get(g, (size_t)i)), mine[i]);
	json_decref(j);
}

Test(peer, a_refused_peer_is_closed_before_it_is_read)
{
	oc_api_listener_set_admit(lst, admit);
	admit_answer = false;
	struct client c = { 0 };
	exchange(&c);
	cr_assert_eq(admitted, 1);
	cr_assert_eq(c.len, 0, "%s", c.reply);
	cr_assert_eq(handled, 0);
	admit_answer = true;
	struct client ok = { 0 };
	exchange(&ok);
	cr_assert_eq(admitted, 2);
	cr_assert(strstr(ok.reply, "HTTP/1.1 200"), "%s", ok.reply);
}
