/* The API server over a real Unix socket: the loop runs on the test's
 * thread, a client thread speaks raw HTTP. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "httpd/server.h"
#include "tmpfiles.h"

static char sock_path[100];
static oc_loop *loop;
static oc_api_server *srv;
static atomic_int client_done;
static oc_api_conn *held;     /* a deferred request */
static int closed_calls;

static void on_held_close(oc_api_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	closed_calls++;
	held = NULL;
}

static void stream_close(oc_api_conn *c, void *arg)
{
	(void)c;
	(void)arg;
}

static void handler(oc_api_request *r, void *arg)
{
	(void)arg;
	if (strcmp(r->path, "/v1/echo") == 0) {
		oc_api_respond_json(r->conn, 200, json_pack("{s:s, s:s, s:s, s:i}", "method", r->method,
			"query", r->query, "body", r->body, "uid", (int)r->uid));
	} else if (strcmp(r->path, "/v1/later") == 0) {
		held = r->conn;
		oc_api_defer(r->conn, on_held_close, NULL);
	} else if (strcmp(r->path, "/v1/stream") == 0) {
		oc_api_stream_begin(r->conn, "application/x-ndjson", stream_close, NULL);
		oc_api_stream_write(r->conn, "{\"a\":1}\n", 8);
		oc_api_stream_write(r->conn, "{\"b\":2}\n", 8);
		oc_api_stream_end(r->conn);
	} else {
		oc_api_respond_error(r->conn, 404, "not_found", "no such endpoint: %s", r->path);
	}
}

static void setup(void)
{
	const char *d = tmp_dir();
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", d);
	cr_assert_eq(oc_loop_new(&loop), 0);
	oc_api_limits lim;
	oc_api_limits_init(&lim);
	lim.max_body = 64;
	lim.head_timeout_ms = 300;
	lim.max_conns_per_listener = 2;
	cr_assert_eq(oc_api_server_new(loop, &lim, handler, NULL, &srv), 0);
	cr_assert_eq(oc_api_server_listen(srv, sock_path, 0600, (uid_t)-1, (gid_t)-1, NULL, NULL), 0,
		"%s", oc_error_last()->message);
	atomic_store(&client_done, 0);
	held = NULL;
	closed_calls = 0;
}

static void teardown(void)
{
	oc_api_server_free(srv);
	oc_loop_free(loop);
	tmp_cleanup();
}

TestSuite(api, .init = setup, .fini = teardown, .timeout = 20);

static int connect_client(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

struct exchange {
	const char *send;     /* sent at once */
	const char *send2;    /* sent after the first answer was read (keep-alive) */
	int hold_fd;          /* > 0: keep this many extra idle connections open */
	bool close_early;     /* close without reading (long-poll abandoned) */
	char reply[8192];
	size_t len;
};

static void read_some(int fd, struct exchange *x, const char *until)
{
	while (x->len < sizeof(x->reply) - 1) {
		ssize_t n = recv(fd, x->reply + x->len, sizeof(x->reply) - 1 - x->len, 0);
		if (n <= 0)
			break;
		x->len += (size_t)n;
		x->reply[x->len] = '\0';
		if (until && strstr(x->reply, until))
			break;
	}
}

static void *client(void *arg)
{
	struct exchange *x = arg;
	int fd = connect_client();
	if (fd >= 0) {
		send(fd, x->send, strlen(x->send), MSG_NOSIGNAL);
		if (x->close_early) {
			usleep(100 * 1000);
		} else if (x->send2) {
			read_some(fd, x, "}\n");
			send(fd, x->send2, strlen(x->send2), MSG_NOSIGNAL);
			read_some(fd, x, NULL);
		} else {
			read_some(fd, x, NULL);
		}
		close(fd);
	}
	atomic_store(&client_done, 1);
	return NULL;
}

static void run_exchange(struct exchange *x)
{
	pthread_t t;
	pthread_create(&t, NULL, client, x);
	for (int i = 0; i < 1000 && !atomic_load(&client_done); i++)
		oc_loop_run_once(loop, 10);
	for (int i = 0; i < 5; i++)
		oc_loop_run_once(loop, 0);
	pthread_join(t, NULL);
}

Test(api, json_answer_and_keep_alive)
{
	struct exchange x = {
		.send = "GET /v1/echo?x=1 HTTP/1.1\r\nHost: h\r\n\r\n",
		.send2 = "POST /v1/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
	};
	run_exchange(&x);
	cr_assert(strstr(x.reply, "HTTP/1.1 200 OK\r\n"), "%s", x.reply);
	cr_assert(strstr(x.reply, "Content-Type: application/json"), "%s", x.reply);
	cr_assert(strstr(x.reply, "\"query\":\"x=1\""), "%s", x.reply);
	cr_assert(strstr(x.reply, "\"uid\":"), "%s", x.reply);
	cr_assert(strstr(x.reply, "\"body\":\"hello\""), "second request on the same connection: %s", x.reply);
	cr_assert(strstr(x.reply, "\"method\":\"POST\""), "%s", x.reply);
}

Test(api, pipelined_requests_are_each_answered)
{
	struct exchange x = {
		.send = "GET /v1/echo?n=1 HTTP/1.1\r\nHost: h\r\n\r\n"
			"GET /v1/echo?n=2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
	};
	run_exchange(&x);
	cr_assert(strstr(x.reply, "\"query\":\"n=1\""), "%s", x.reply);
	cr_assert(strstr(x.reply, "\"query\":\"n=2\""), "%s", x.reply);
}

Test(api, malformed_requests_get_a_json_error_and_close)
{
	struct exchange x = { .send = "GET /v1/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx" };
	run_exchange(&x);
	cr_assert(strstr(x.reply, "HTTP/1.1 400"), "%s", x.reply);
	cr_assert(strstr(x.reply, "\"error\":{\"code\":\"bad_request\""), "%s", x.reply);
	cr_assert(strstr(x.reply, "Connection: close"), "%s", x.reply);
}

Test(api, limits_answer_politely)
{
	struct exchange big = { .send = "POST /v1/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 65\r\n\r\n" };
	run_exchange(&big);
	cr_assert(strstr(big.reply, "HTTP/1.1 413"), "%s", big.reply);
	atomic_store(&client_done, 0);
	struct exchange chunked = { .send = "POST /v1/echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" };
	run_exchange(&chunked);
	cr_assert(strstr(chunked.reply, "HTTP/1.1 411"), "%s", chunked.reply);
	atomic_store(&client_done, 0);
	struct exchange slow = { .send = "GET /v1/echo HTTP/1.1\r\nHo" };
	run_exchange(&slow);
	cr_assert(strstr(slow.reply, "HTTP/1.1 408"), "a half-sent request times out: %s", slow.reply);
	atomic_store(&client_done, 0);
	struct exchange nf = { .send = "GET /nope HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" };
	run_exchange(&nf);
	cr_assert(strstr(nf.reply, "HTTP/1.1 404"), "%s", nf.reply);
	cr_assert(strstr(nf.reply, "no such endpoint: /nope"), "%s", nf.reply);
}

static void *big_client(void *arg)
{
	struct exchange *x = arg;
	int fd = connect_client();
	static char body[200000];
	memset(body, 'x', sizeof(body));
	char head[128];
	int n = snprintf(head, sizeof(head), "POST /v1/echo HTTP/1.1\r\nHost: h\r\n"
		"Content-Length: %zu\r\n\r\n", sizeof(body));
	send(fd, head, (size_t)n, MSG_NOSIGNAL);
	/* Keep sending after the server has answered: like curl, a client
	 * whose send fails gives up without reading the answer, so the server
	 * must keep reading until the client is done. */
	size_t off = 0;
	while (off < sizeof(body)) {
		ssize_t w = send(fd, body + off, sizeof(body) - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	x->len = 0;
	if (off == sizeof(body))
		read_some(fd, x, NULL);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(api, an_oversized_body_still_gets_its_answer)
{
	struct exchange x = { 0 };
	pthread_t t;
	pthread_create(&t, NULL, big_client, &x);
	for (int i = 0; i < 1000 && !atomic_load(&client_done); i++)
		oc_loop_run_once(loop, 10);
	pthread_join(t, NULL);
	cr_assert(strstr(x.reply, "HTTP/1.1 413"), "%s", x.reply);
}

Test(api, connection_cap_refuses_with_503)
{
	int a = connect_client(), b = connect_client();
	cr_assert(a >= 0 && b >= 0);
	/* Both must be accepted before the third arrives (bounded wait). */
	for (int i = 0; i < 400 && oc_api_server_conn_count(srv) < 2; i++)
		oc_loop_run_once(loop, 5);
	cr_assert_eq(oc_api_server_conn_count(srv), 2);
	struct exchange x = { .send = "GET /v1/echo HTTP/1.1\r\nHost: h\r\n\r\n" };
	run_exchange(&x);
	cr_assert(strstr(x.reply, "HTTP/1.1 503"), "%s", x.reply);
	cr_assert(strstr(x.reply, "Retry-After: 1"), "%s", x.reply);
	close(a);
	close(b);
}

/* Refused at once: a connection over the cap that stays open is not kept
 * (it was held for two seconds, one descriptor each, which a flood turned
 * into descriptor exhaustion). */
Test(api, a_connection_over_the_cap_is_not_kept)
{
	int a = connect_client(), b = connect_client();
	for (int i = 0; i < 400 && oc_api_server_conn_count(srv) < 2; i++)
		oc_loop_run_once(loop, 5);
	cr_assert_eq(oc_api_server_conn_count(srv), 2);
	int c = connect_client();
	struct pollfd p = { .fd = c, .events = POLLIN };
	for (int i = 0; i < 400 && poll(&p, 1, 0) == 0; i++)
		oc_loop_run_once(loop, 5);
	char buf[512] = "";
	cr_assert_gt(recv(c, buf, sizeof(buf) - 1, 0), 0);
	cr_assert(strstr(buf, "HTTP/1.1 503"), "%s", buf);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(oc_api_server_conn_count(srv), 2, "the refused connection is closed");
	cr_assert_eq(oc_api_server_refused(srv), 1);
	close(a);
	close(b);
	close(c);
}

/* accept() out of descriptors must not spin: the listener is level-
 * triggered, so without a pause every iteration reports it again. */
Test(api, accept_out_of_descriptors_pauses_instead_of_spinning)
{
	int c = connect_client();
	cr_assert(c >= 0);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	int top = dup(0);
	close(top);
	rl.rlim_cur = (rlim_t)top + 8;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	int filler[64], n = 0;
	while (n < 64 && (filler[n] = dup(0)) >= 0)
		n++;
	cr_assert(n < 64, "descriptors are exhausted");
	int busy = 0;
	for (int i = 0; i < 10; i++)
		busy += oc_loop_run_once(loop, 0) > 0;
	cr_assert_leq(busy, 1, "the loop woke %d times of 10 for a connection it cannot take", busy);
	cr_assert_eq(oc_api_server_conn_count(srv), 0);
	while (n)
		close(filler[--n]);
	for (int i = 0; i < 400 && oc_api_server_conn_count(srv) < 1; i++)
		oc_loop_run_once(loop, 5);
	cr_assert_eq(oc_api_server_conn_count(srv), 1, "accepting resumes once descriptors are back");
	close(c);
}

Test(api, deferred_answer_and_abandoned_wait)
{
	struct exchange x = { .send = "GET /v1/later HTTP/1.1\r\nHost: h\r\n\r\n", .close_early = true };
	run_exchange(&x);
	for (int i = 0; i < 20 && held; i++)
		oc_loop_run_once(loop, 10);
	cr_assert_eq(closed_calls, 1, "on_close runs when the client leaves");
	cr_assert_null(held);
}

static void *late_client(void *arg)
{
	struct exchange *x = arg;
	int fd = connect_client();
	send(fd, x->send, strlen(x->send), MSG_NOSIGNAL);
	read_some(fd, x, NULL);
	close(fd);
	atomic_store(&client_done, 1);
	return NULL;
}

Test(api, deferred_answer_arrives_later)
{
	struct exchange x = { .send = "GET /v1/later HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" };
	pthread_t t;
	pthread_create(&t, NULL, late_client, &x);
	for (int i = 0; i < 500 && !held; i++)
		oc_loop_run_once(loop, 10);
	cr_assert_not_null(held);
	oc_api_respond_json(held, 200, json_pack("{s:s}", "status", "approved"));
	held = NULL;
	for (int i = 0; i < 500 && !atomic_load(&client_done); i++)
		oc_loop_run_once(loop, 10);
	pthread_join(t, NULL);
	cr_assert(strstr(x.reply, "\"status\":\"approved\""), "%s", x.reply);
	cr_assert_eq(closed_calls, 0);
}

Test(api, streaming_chunks)
{
	struct exchange x = { .send = "GET /v1/stream HTTP/1.1\r\nHost: h\r\n\r\n" };
	run_exchange(&x);
	cr_assert(strstr(x.reply, "Transfer-Encoding: chunked"), "%s", x.reply);
	cr_assert(strstr(x.reply, "8\r\n{\"a\":1}\n\r\n8\r\n{\"b\":2}\n\r\n0\r\n\r\n"), "%s", x.reply);
}
