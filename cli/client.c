#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/text.h"
#include "net/sendall.h"

static int connect_daemon(const cli_args *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(a->socket) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "outcall: socket path too long: %s\n", a->socket);
		close(fd);
		return -1;
	}
	strcpy(sa.sun_path, a->socket);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		fprintf(stderr, "outcall: cannot reach outcalld at %s: %s.\n"
			"Start it with `outcalld` (or `systemctl start outcalld`), or point --socket "
			"(or $OUTCALL_SOCKET) at its host socket.\n", a->socket, strerror(e));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_request(int fd, const char *method, const char *path, const char *body)
{
	oc_buf req = OC_BUF_INIT;
	oc_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: outcalld\r\nConnection: close\r\n", method, path);
	if (body)
		oc_buf_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			strlen(body), body);
	else
		oc_buf_puts(&req, "\r\n");
	int rc = req.data ? oc_send_all(fd, req.data, req.len) : -1;
	oc_buf_free(&req);
	return rc;
}

/* Reads the head; returns the status and leaves what follows it in buf. */
static int read_head(int fd, oc_buf *buf, size_t *body_start, bool *chunked)
{
	for (;;) {
		char *end = buf->data ? strstr(buf->data, "\r\n\r\n") : NULL;
		if (end) {
			*body_start = (size_t)(end - buf->data) + 4;
			*chunked = strcasestr(buf->data, "\r\ntransfer-encoding: chunked") &&
				strcasestr(buf->data, "\r\ntransfer-encoding: chunked") < end;
			int status = 0;
			sscanf(buf->data, "HTTP/1.%*d %d", &status);
			return status;
		}
		if (oc_buf_reserve(buf, 4096) != 0)
			return -1;
		ssize_t n = recv(fd, buf->data + buf->len, 4096, 0);
		if (n <= 0)
			return -1;
		buf->len += (size_t)n;
		buf->data[buf->len] = '\0';
	}
}

int cli_call(const cli_args *a, const char *method, const char *path, json_t *body,
	int *status, json_t **out, char **text)
{
	*out = NULL;
	if (text)
		*text = NULL;
	char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	int fd = connect_daemon(a);
	if (fd < 0) {
		free(b);
		return EXIT_UNREACHABLE;
	}
	int rc = send_request(fd, method, path, b);
	free(b);
	oc_buf buf = OC_BUF_INIT;
	size_t start = 0;
	bool chunked = false;
	*status = rc ? -1 : read_head(fd, &buf, &start, &chunked);
	if (*status < 0) {
		fprintf(stderr, "outcall: outcalld at %s closed the connection without an answer\n",
			a->socket);
		oc_buf_free(&buf);
		close(fd);
		return EXIT_UNREACHABLE;
	}
	/* Connection: close: the body ends when the daemon closes. */
	for (;;) {
		if (oc_buf_reserve(&buf, 65536) != 0)
			break;
		ssize_t n = recv(fd, buf.data + buf.len, 65536, 0);
		if (n <= 0)
			break;
		buf.len += (size_t)n;
		buf.data[buf.len] = '\0';
	}
	close(fd);
	const char *payload = buf.data + start;
	json_t *j = json_loads(payload, JSON_DECODE_ANY, NULL);
	if (j)
		*out = j;
	else if (text)
		*text = strdup(payload);
	oc_buf_free(&buf);
	return EXIT_OK;
}

static int api_error(int status, json_t *answer)
{
	json_t *err = json_object_get(answer, "error");
	const char *msg = cli_jstr(err, "message");
	fprintf(stderr, "outcall: %s (HTTP %d)\n", msg ? msg : "the daemon refused the request",
		status);
	json_decref(answer);
	return EXIT_ERR;
}

int cli_stream(const cli_args *a, const char *path, int (*fn)(json_t *line, void *arg), void *arg)
{
	int fd = connect_daemon(a);
	if (fd < 0)
		return EXIT_UNREACHABLE;
	oc_buf buf = OC_BUF_INIT;
	size_t start = 0;
	bool chunked = false;
	int status = send_request(fd, "GET", path, NULL) ? -1 : read_head(fd, &buf, &start, &chunked);
	if (status != 200 || !chunked) {
		fprintf(stderr, "outcall: the daemon did not start a stream (HTTP %d)\n", status);
		oc_buf_free(&buf);
		close(fd);
		return status < 0 ? EXIT_UNREACHABLE : EXIT_ERR;
	}
	/* De-chunk as data arrives; each chunk holds whole lines. */
	size_t pos = start;
	int rc = EXIT_OK;
	for (;;) {
		char *crlf;
		while ((crlf = strstr(buf.data + pos, "\r\n"))) {
			size_t size = strtoul(buf.data + pos, NULL, 16);
			size_t data = (size_t)(crlf - buf.data) + 2;
			if (buf.len < data + size + 2)
				break;
			if (size == 0)
				goto done;
			char save = buf.data[data + size];
			buf.data[data + size] = '\0';
			for (char *line = buf.data + data, *nl; *line; line = nl + 1) {
				nl = strchr(line, '\n');
				if (!nl)
					nl = line + strlen(line) - 1;
				json_t *j = json_loadb(line, (size_t)(nl - line + 1), 0, NULL);
				if (j && fn(j, arg) != 0) {
					json_decref(j);
					goto done;
				}
				json_decref(j);
			}
			buf.data[data + size] = save;
			pos = data + size + 2;
		}
		/* What was printed goes, so a stream that runs for days holds
		 * one partial chunk, not everything it ever carried. */
		memmove(buf.data, buf.data + pos, buf.len - pos + 1);
		buf.len -= pos;
		pos = 0;
		if (oc_buf_reserve(&buf, 65536) != 0)
			break;
		ssize_t n = recv(fd, buf.data + buf.len, 65536, 0);
		if (n <= 0) {
			fprintf(stderr, "outcall: the daemon closed the stream\n");
			rc = EXIT_UNREACHABLE;
			break;
		}
		buf.len += (size_t)n;
		buf.data[buf.len] = '\0';
	}
done:
	oc_buf_free(&buf);
	close(fd);
	return rc;
}

void cli_print_json(json_t *j)
{
	/* ASCII only: a C1 control or bidi override in a string is \u-escaped
	 * rather than handed to the terminal. */
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (s)
		puts(s);
	free(s);
	json_decref(j);
}

/* Calls the API; prints JSON or hands the answer to `human`. */
int cli_fetch(const cli_args *a, const char *method, const char *path, json_t *body,
	json_t **out, char **text)
{
	int status;
	int rc = cli_call(a, method, path, body, &status, out, text);
	if (rc != EXIT_OK || status < 400)
		return rc;
	if (text) {
		free(*text);
		*text = NULL;
	}
	rc = api_error(status, *out);
	*out = NULL;
	return rc;
}

int cli_show(cli_args *a, const char *method, const char *path, json_t *body,
	void (*human)(json_t *j))
{
	json_t *j = NULL;
	char *text = NULL;
	int rc = cli_fetch(a, method, path, body, &j, &text);
	if (rc != EXIT_OK)
		return rc;
	if (!j) {
		cli_put(text ? text : "", true);
		free(text);
		return EXIT_OK;
	}
	if (a->json || !human)
		cli_print_json(j);
	else {
		human(j);
		json_decref(j);
	}
	return EXIT_OK;
}

/* The escaped text replaces the original in o, so it lives as long as o
 * does, and asking again finds nothing left to escape. */
static const char *printable(json_t *o, const char *k, bool lines)
{
	json_t *v = json_object_get(o, k);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (!s || oc_text_unsafe_at(s, len, lines) == len)
		return s;
	oc_buf b = OC_BUF_INIT;
	if (oc_text_escape(&b, s, len, lines) != 0 || json_object_set_new(o, k,
	    json_stringn(b.data, b.len)) != 0) {
		oc_buf_free(&b);
		return "(out of memory)";
	}
	oc_buf_free(&b);
	return json_string_value(json_object_get(o, k));
}

const char *cli_jstr(json_t *o, const char *k)
{
	return printable(o, k, false);
}

const char *cli_jtext(json_t *o, const char *k)
{
	return printable(o, k, true);
}

void cli_put(const char *s, bool lines)
{
	oc_buf b = OC_BUF_INIT;
	if (oc_text_escape(&b, s, strlen(s), lines) == 0 && b.data)
		fwrite(b.data, 1, b.len, stdout);
	oc_buf_free(&b);
}

long long cli_jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

