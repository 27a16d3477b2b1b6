#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/sendall.h"

/* Agent socket answers are small JSON documents; anything larger is not
 * the daemon. */
#define MAX_REPLY (4u << 20)

static int fail(char *err, size_t errsz, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errsz, fmt, a, b);
	return -1;
}

static int connect_to(const char *path, unsigned timeout_s, char *err, size_t errsz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, errsz, "socket path too long: %s%s", path, "");
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errsz, "socket: %s%s", strerror(errno), "");
	struct timeval tv = { .tv_sec = (time_t)timeout_s };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fail(err, errsz, "cannot reach outcalld at %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads until the daemon closes (it does after answering a request that
 * said Connection: close), the buffer limit, or the timeout. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 8192;
	char *buf = malloc(cap);
	*len = 0;
	while (buf) {
		if (*len + 1 >= cap) {
			char *g = cap >= MAX_REPLY ? NULL : realloc(buf, cap * 2);
			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
		ssize_t n = recv(fd, buf + *len, cap - 1 - *len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	if (buf)
		buf[*len] = '\0';
	return buf;
}

int shim_http(const char *path, const char *method, const char *target, const char *body,
	unsigned timeout_s, shim_reply *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof(*out));
	int fd = connect_to(path, timeout_s, err, errsz);
	if (fd < 0)
		return -1;
	size_t blen = body ? strlen(body) : 0;
	size_t need = strlen(method) + strlen(target) + blen + 160;
	char *req = malloc(need);
	int n = req ? snprintf(req, need, "%s %s HTTP/1.1\r\nHost: outcall\r\nConnection: close\r\n"
		"Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", method, target,
		blen, body ? body : "") : -1;
	int rc = n > 0 ? oc_send_all(fd, req, (size_t)n) : -1;
	free(req);
	size_t len = 0;
	char *resp = rc ? NULL : read_all(fd, &len);
	close(fd);
	char *head_end = resp ? strstr(resp, "\r\n\r\n") : NULL;
	if (!head_end || sscanf(resp, "HTTP/1.%*d %d", &out->status) != 1) {
		free(resp);
		return fail(err, errsz, "outcalld at %s did not answer%s", path,
			rc ? " (the request could not be sent)" : "");
	}
	/* The body starts after the head and runs to Content-Length. */
	size_t off = (size_t)(head_end - resp) + 4, blen_got = len - off;
	const char *cl = strcasestr(resp, "\r\ncontent-length:");
	if (cl && cl < head_end) {
		size_t want = strtoul(cl + 17, NULL, 10);
		if (want < blen_got)
			blen_got = want;
	}
	memmove(resp, resp + off, blen_got);
	resp[blen_got] = '\0';
	out->body = resp;
	out->body_len = blen_got;
	return 0;
}
