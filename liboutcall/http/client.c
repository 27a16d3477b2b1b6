/* The CLI's and the shim's HTTP/1.1 client (client.h). */
#include "http/client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "http/chunked.h"
#include "http/response_parse.h"
#include "sockets/sendall.h"

#define READ_SIZE 65536

struct reader {
	const oc_http_call *c;
	int fd;
	oc_buf in;               /* received, not yet consumed */
	oc_http_body_fn fn;
	void *arg;
	size_t delivered;
	bool stop;               /* fn asked to stop */
	int rc;                  /* the first failure of a delivery */
};

static int dial(const oc_http_call *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(c->socket);
	if (n >= sizeof(sa.sun_path))
		return oc_error_set(OC_EINVAL, "socket path too long: %s", c->socket);
	memcpy(sa.sun_path, c->socket, n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return oc_error_os("cannot make a socket for %s", c->socket);
	if (c->timeout_s) {
		struct timeval tv = { .tv_sec = (time_t)c->timeout_s };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		/* A socket that refused us is not a daemon that is down. */
		int e = errno;
		int rc = oc_error_set(e == EACCES || e == EPERM ? OC_EPERM : OC_EUNREACHABLE,
			"cannot reach outcalld at %s: %s", c->socket, strerror(e));
		close(fd);
		return rc;
	}
	return fd;
}

static int send_request(const oc_http_call *c, int fd)
{
	oc_buf req = OC_BUF_INIT;
	oc_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", c->method,
		c->target, c->host);
	if (c->body)
		oc_buf_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			strlen(c->body), c->body);
	else
		oc_buf_puts(&req, "\r\n");
	int rc = !req.data ? oc_error_nomem() : oc_send_all(fd, req.data, req.len) == 0 ? 0 :
		oc_error_os("cannot send %s %s to outcalld at %s", c->method, c->target, c->socket);
	oc_buf_free(&req);
	return rc;
}

/* Appends what arrives to r->in: the byte count, 0 when the daemon
 * closed, or a negative oc_err. */
static ssize_t receive(struct reader *r)
{
	if (oc_buf_reserve(&r->in, READ_SIZE) != 0)
		return oc_error_nomem();
	for (;;) {
		ssize_t n = recv(r->fd, r->in.data + r->in.len, READ_SIZE, 0);
		if (n >= 0) {
			r->in.len += (size_t)n;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return oc_error_set(OC_ETIMEOUT, "outcalld at %s did not answer in %u s",
				r->c->socket, r->c->timeout_s);
		return oc_error_os("cannot read the answer of outcalld at %s", r->c->socket);
	}
}

static void consume(struct reader *r, size_t n)
{
	memmove(r->in.data, r->in.data + n, r->in.len - n);
	r->in.len -= n;
}

static void deliver(struct reader *r, const char *data, size_t len)
{
	if (r->stop || r->rc || !len)
		return;
	if (r->c->max_body && len > r->c->max_body - r->delivered) {
		r->rc = oc_error_set(OC_ELIMIT, "the answer of outcalld at %s is over %zu bytes",
			r->c->socket, r->c->max_body);
		return;
	}
	r->delivered += len;
	if (r->fn(data, len, r->arg) != 0)
		r->stop = true;
}

static void chunk_data(void *arg, const char *data, size_t len)
{
	deliver(arg, data, len);
}

static int cut_short(const struct reader *r)
{
	return oc_error_set(OC_EPARSE, "outcalld at %s closed the connection before the end of "
		"its answer", r->c->socket);
}

static int read_body(struct reader *r, const oc_http_response_head *h)
{
	oc_http_chunked ch;
	oc_http_chunked_init(&ch);
	uint64_t left = h->content_length;
	for (;;) {
		size_t used = r->in.len;
		if (h->framing == OC_HTTP_BODY_CHUNKED) {
			int rc = oc_http_chunked_feed(&ch, r->in.data, r->in.len, &used, chunk_data, r);
			if (rc < 0)
				return oc_error_set(OC_EPARSE, "outcalld at %s sent a bad chunked body: %s",
					r->c->socket, ch.error);
			if (rc == OC_HTTP_DONE)
				return r->rc;
		} else if (h->framing == OC_HTTP_BODY_LENGTH) {
			used = used < left ? used : (size_t)left;
			deliver(r, r->in.data, used);
			left -= used;
		} else {
			deliver(r, r->in.data, used);
		}
		consume(r, used);
		if (r->rc || r->stop || (h->framing == OC_HTTP_BODY_LENGTH && !left))
			return r->rc;
		ssize_t n = receive(r);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return h->framing == OC_HTTP_BODY_UNTIL_CLOSE ? 0 : cut_short(r);
	}
}

int oc_http_call_stream(const oc_http_call *c, int *status, oc_http_body_fn fn, void *arg)
{
	*status = 0;
	struct reader r = { .c = c, .fn = fn, .arg = arg, .in = OC_BUF_INIT };
	r.fd = dial(c);
	if (r.fd < 0)
		return r.fd;
	int rc = send_request(c, r.fd);
	oc_http_response_head h;
	oc_http_response_head_init(&h);
	h.head = strcmp(c->method, "HEAD") == 0;
	while (!rc) {
		rc = r.in.len ? oc_http_response_head_parse(&h, r.in.data, r.in.len) : OC_HTTP_MORE;
		if (rc == OC_HTTP_DONE) {
			rc = 0;
			break;
		}
		if (rc < 0) {
			rc = oc_error_set(rc, "outcalld at %s sent a bad answer: %s", c->socket,
				h.error ? h.error : oc_error_last()->message);
			break;
		}
		ssize_t n = receive(&r);
		if (n == 0)
			rc = oc_error_set(OC_EPARSE, "outcalld at %s closed the connection without an "
				"answer", c->socket);
		else if (n < 0)
			rc = (int)n;
	}
	if (!rc) {
		*status = h.status;
		consume(&r, h.head_len);
		rc = read_body(&r, &h);
	}
	oc_buf_free(&r.in);
	close(r.fd);
	return rc;
}

struct collected {
	oc_buf b;
	int rc;
};

static int collect(const char *data, size_t len, void *arg)
{
	struct collected *k = arg;
	return k->rc = oc_buf_append(&k->b, data, len);
}

int oc_http_call_fetch(const oc_http_call *c, int *status, char **body, size_t *len)
{
	struct collected k = { OC_BUF_INIT, 0 };
	*body = NULL;
	*len = 0;
	int rc = oc_http_call_stream(c, status, collect, &k);
	if (!rc)
		rc = k.rc;
	if (rc) {
		oc_buf_free(&k.b);
		return rc;
	}
	*len = k.b.len;
	*body = oc_buf_steal(&k.b); /* NUL-terminated, "" when empty */
	return *body ? 0 : oc_error_nomem();
}
