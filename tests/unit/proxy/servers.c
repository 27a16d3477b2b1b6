#include "servers.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"

struct srv {
	oc_loop *loop;
	int fd;
	bool echo;
	atomic_uint conns, requests;
};

struct sconn {
	struct srv *s;
	int fd;
	oc_buf in, out;
	size_t outoff;
	bool close_after, eof, silent;
};

static void sconn_free(struct sconn *c)
{
	oc_loop_del_fd(c->s->loop, c->fd);
	close(c->fd);
	oc_buf_free(&c->in);
	oc_buf_free(&c->out);
	free(c);
}

/* The value of header `name` in head[0..n), or NULL. */
static const char *header(const char *head, size_t n, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p && p < head + n; p = strstr(p + 2, "\r\n")) {
		const char *l = p + 2;
		if (!strncasecmp(l, name, nl) && l[nl] == ':') {
			const char *v = l + nl + 1;
			while (*v == ' ')
				v++;
			*len = (size_t)(strstr(v, "\r\n") - v);
			return v;
		}
	}
	return NULL;
}

/* Length of a complete chunked body at p[0..n) (with its payload size
 * in *size), or 0 if incomplete. */
static size_t chunked_len(const char *p, size_t n, size_t *size, unsigned *sum)
{
	size_t off = 0;
	*size = 0;
	for (;;) {
		const char *crlf = memmem(p + off, n - off, "\r\n", 2);
		if (!crlf)
			return 0;
		size_t k = strtoul(p + off, NULL, 16);
		off = (size_t)(crlf - p) + 2;
		if (k == 0)
			return off + 2 <= n ? off + 2 : 0; /* no trailers in the tests */
		if (off + k + 2 > n)
			return 0;
		for (size_t i = 0; i < k; i++)
			*sum += (unsigned char)p[off + i];
		*size += k;
		off += k + 2;
	}
}

static void respond(struct sconn *c, const char *head, size_t hlen, size_t body, unsigned sum)
{
	char method[32], target[2048], host[256] = "";
	size_t vlen;
	sscanf(head, "%31s %2047s", method, target);
	const char *h = header(head, hlen, "host", &vlen);
	if (h)
		snprintf(host, sizeof(host), "%.*s", (int)vlen, h);
	const char *conn = header(head, hlen, "connection", &vlen);
	c->close_after = conn && vlen == 5 && !strncasecmp(conn, "close", 5);
	oc_buf *o = &c->out;
	atomic_fetch_add(&c->s->requests, 1);
	if (!strcmp(target, "/echo-head")) {
		oc_buf_printf(o, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", hlen);
		oc_buf_append(o, head, hlen);
	} else if (!strncmp(target, "/big?n=", 7)) {
		size_t n = strtoul(target + 7, NULL, 10);
		oc_buf_printf(o, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
		oc_buf_reserve(o, n);
		for (size_t i = 0; i < n; i++)
			o->data[o->len + i] = (char)(i % 251);
		o->len += n;
	} else if (!strcmp(target, "/chunked")) {
		oc_buf_puts(o, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n");
	} else if (!strcmp(target, "/close")) {
		oc_buf_puts(o, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
		c->close_after = true;
	} else if (!strcmp(target, "/silent")) {
		c->silent = true;
	} else {
		char body_text[2600];
		int n = snprintf(body_text, sizeof(body_text), "web:%s:%s:%s:%zu:%u", host, method,
			target, body, sum);
		oc_buf_printf(o, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Server: test\r\n"
			"Keep-Alive: timeout=5\r\n\r\n%s", n, body_text);
	}
}

/* Answers every complete request in c->in. */
static void serve(struct sconn *c)
{
	while (!c->silent) {
		char *end = c->in.len ? memmem(c->in.data, c->in.len, "\r\n\r\n", 4) : NULL;
		if (!end)
			return;
		size_t hlen = (size_t)(end - c->in.data) + 4, vlen, body = 0, blen = 0;
		unsigned sum = 0;
		char *head = strndup(c->in.data, hlen);
		const char *cl = header(head, hlen, "content-length", &vlen);
		const char *te = header(head, hlen, "transfer-encoding", &vlen);
		if (te) {
			blen = chunked_len(c->in.data + hlen, c->in.len - hlen, &body, &sum);
			if (!blen) {
				free(head);
				return;
			}
		} else if (cl) {
			body = blen = strtoul(cl, NULL, 10);
			if (c->in.len - hlen < blen) {
				free(head);
				return;
			}
			for (size_t i = 0; i < blen; i++)
				sum += (unsigned char)c->in.data[hlen + i];
		}
		respond(c, head, hlen, body, sum);
		free(head);
		memmove(c->in.data, c->in.data + hlen + blen, c->in.len - hlen - blen);
		c->in.len -= hlen + blen;
	}
}

static void on_conn(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct sconn *c = arg;
	if (events & (OC_LOOP_READ | OC_LOOP_HUP | OC_LOOP_ERR) && !c->eof) {
		oc_buf_reserve(&c->in, 65536);
		ssize_t n = recv(fd, c->in.data + c->in.len, 65536, 0);
		if (n > 0) {
			c->in.len += (size_t)n;
			if (c->s->echo)
				oc_buf_append(&c->out, c->in.data, c->in.len), c->in.len = 0;
			else
				serve(c);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			c->eof = true;
		}
	}
	while (c->outoff < c->out.len) {
		ssize_t n = send(fd, c->out.data + c->outoff, c->out.len - c->outoff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				sconn_free(c);
				return;
			}
			break;
		}
		c->outoff += (size_t)n;
	}
	bool flushed = c->outoff == c->out.len;
	if (flushed)
		c->out.len = c->outoff = 0;
	if (flushed && (c->eof || c->close_after)) {
		if (c->s->echo && c->eof) {
			/* Pass the half-close on, then wait for the peer's close. */
			shutdown(fd, SHUT_WR);
		}
		sconn_free(c);
		return;
	}
	oc_loop_mod_fd(loop, fd, (c->eof ? 0 : OC_LOOP_READ) | (flushed ? 0 : OC_LOOP_WRITE));
}

static void on_accept(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct srv *s = arg;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return;
	struct sconn *sc = calloc(1, sizeof(*sc));
	cr_assert_not_null(sc);
	sc->s = s;
	sc->fd = c;
	atomic_fetch_add(&s->conns, 1);
	cr_assert_eq(oc_loop_add_fd(loop, c, OC_LOOP_READ, on_conn, sc), 0);
}

static struct srv *srv_new(oc_loop *loop, const char *addr, bool echo)
{
	struct srv *s = calloc(1, sizeof(*s));
	char host[64];
	cr_assert_not_null(s);
	snprintf(host, sizeof(host), "%s", addr);
	char *colon = strchr(host, ':');
	cr_assert_not_null(colon);
	*colon = '\0';
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
	cr_assert_eq(inet_pton(AF_INET, host, &sa.sin_addr), 1);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s", addr);
	cr_assert_eq(listen(s->fd, 512), 0);
	s->loop = loop;
	s->echo = echo;
	cr_assert_eq(oc_loop_add_fd(loop, s->fd, OC_LOOP_READ, on_accept, s), 0);
	return s;
}

struct srv *websrv_new(oc_loop *loop, const char *addr)
{
	return srv_new(loop, addr, false);
}

struct srv *echosrv_new(oc_loop *loop, const char *addr)
{
	return srv_new(loop, addr, true);
}

void srv_free(struct srv *s)
{
	/* Connections still open end with the test's process. */
	oc_loop_del_fd(s->loop, s->fd);
	close(s->fd);
	free(s);
}

unsigned srv_connections(const struct srv *s)
{
	return atomic_load(&((struct srv *)s)->conns);
}

unsigned srv_requests(const struct srv *s)
{
	return atomic_load(&((struct srv *)s)->requests);
}
