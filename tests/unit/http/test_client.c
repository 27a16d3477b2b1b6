/* The CLI's and the shim's Unix-socket client (http/client.h) against a
 * one-answer server on a thread. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <outcall/error.h>

#include "http/client.h"

struct server {
	char path[108];
	int fd;
	const char *answer;
	char request[2048];
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	size_t n = 0;
	while (n < sizeof(s->request) - 1 && !strstr(s->request, "\r\n\r\n")) {
		ssize_t r = recv(c, s->request + n, sizeof(s->request) - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		s->request[n] = '\0';
	}
	send(c, s->answer, strlen(s->answer), MSG_NOSIGNAL);
	close(c);
	return NULL;
}

static void start(struct server *s, const char *answer)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "/tmp/oc-http-client-%d.sock", (int)getpid());
	unlink(s->path);
	s->answer = answer;
	s->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, s->path);
	cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s->fd, 1), 0);
	pthread_create(&s->thread, NULL, serve, s);
}

static void stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
	unlink(s->path);
}

static int fetch(struct server *s, size_t max_body, int *status, char **body, size_t *len)
{
	oc_http_call c = { .socket = s->path, .method = "POST", .target = "/v1/check",
		.host = "outcall", .body = "{}", .timeout_s = 30, .max_body = max_body };
	return oc_http_call_fetch(&c, status, body, len);
}

Test(client, chunked_body_is_decoded)
{
	struct server s;
	start(&s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\n\r\n");
	int status;
	char *body;
	size_t len;
	cr_assert_eq(fetch(&s, 0, &status, &body, &len), 0, "%s", oc_error_last()->message);
	stop(&s);
	cr_assert_eq(status, 200);
	cr_assert_eq(len, 7);
	cr_assert_str_eq(body, "abcdefg");
	cr_assert(strstr(s.request, "POST /v1/check HTTP/1.1\r\nHost: outcall\r\n"));
	cr_assert(strstr(s.request, "Content-Length: 2\r\n"));
	free(body);
}

/* The body the client makes of `answer`, which must be accepted. */
static char *body_of(const char *answer, int want_status)
{
	struct server s;
	start(&s, answer);
	int status;
	char *body;
	size_t len;
	cr_assert_eq(fetch(&s, 0, &status, &body, &len), 0, "%s", oc_error_last()->message);
	stop(&s);
	cr_assert_eq(status, want_status);
	return body;
}

Test(client, content_length_ends_the_body)
{
	char *body = body_of("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabcTRAILING", 404);
	cr_assert_str_eq(body, "abc");
	free(body);
}

Test(client, a_body_without_framing_runs_to_the_close)
{
	char *body = body_of("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"a\":1}", 200);
	cr_assert_str_eq(body, "{\"a\":1}");
	free(body);
}

Test(client, a_malformed_answer_is_refused)
{
	const char *bad[] = {
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct server s;
		start(&s, bad[i]);
		int status;
		char *body = NULL;
		size_t len;
		cr_assert_eq(fetch(&s, 0, &status, &body, &len), OC_EPARSE, "answer %zu", i);
		stop(&s);
		cr_assert_null(body);
		cr_assert(strstr(oc_error_last()->message, s.path), "%s", oc_error_last()->message);
	}
}

Test(client, an_answer_over_the_cap_is_refused)
{
	struct server s;
	start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
	int status;
	char *body = NULL;
	size_t len;
	cr_assert_eq(fetch(&s, 4, &status, &body, &len), OC_ELIMIT);
	stop(&s);
	cr_assert_null(body);
}

Test(client, nothing_listening_is_unreachable)
{
	oc_http_call c = { .socket = "/tmp/oc-http-client-nobody.sock", .method = "GET",
		.target = "/", .host = "outcall" };
	int status;
	char *body;
	size_t len;
	cr_assert_eq(oc_http_call_fetch(&c, &status, &body, &len), OC_EUNREACHABLE);
	cr_assert(strstr(oc_error_last()->message, "cannot reach outcalld at "
		"/tmp/oc-http-client-nobody.sock"), "%s", oc_error_last()->message);
}
