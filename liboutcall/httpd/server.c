/* The API server (server.h): accept, read a whole request, dispatch, write
 * the answer, keep alive or close. One small state machine per
 * connection. */
#include "httpd/server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "http/request.h"
#include "http/response.h"
#include "loop/accept.h"
#include "sockets/sock.h"

enum conn_state {
	READING,    /* waiting for (the rest of) a request */
	HANDLING,   /* the handler has the request (deferred answer) */
	WRITING,    /* an answer is being written */
	STREAMING,  /* a chunked answer stays open */
	LINGERING,  /* answered and shut down for writing; draining input */
};

/* After an answer that closes the connection, input the client is still
 * sending (a body over the limit, say) is read and dropped for this long:
 * closing with unread data would reset the connection and could destroy
 * the answer before the client reads it. */
#define LINGER_MS 2000
#define LINGER_BYTES (1u << 20)

struct oc_api_listener {
	oc_api_server *srv;
	int fd;
	char *path;
	void *arg;
	bool (*admit)(int fd, pid_t pid, void *arg);
	size_t nconns;
	oc_accept_gate accept;
	oc_api_listener *next;
};

struct oc_api_conn {
	oc_api_server *srv;
	oc_api_listener *lst;
	int fd;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	enum conn_state state;
	oc_buf in;
	oc_http_request req;
	oc_buf out;
	size_t out_off;
	bool close_after;        /* close once `out` is written */
	bool stream_done;
	bool dispatch_queued;    /* a deferred call will serve pipelined input */
	bool dead;               /* closed; freed by that deferred call */
	uint64_t timer;
	void (*on_close)(oc_api_conn *c, void *arg);
	void *close_arg;
	char *strings;           /* method, path, query, body of the request in hand */
	oc_api_conn *prev, *next;
};

struct oc_api_server {
	oc_loop *loop;
	oc_api_limits lim;
	oc_api_handler handler;
	void *arg;
	oc_api_listener *listeners;
	oc_api_conn *conns;
	size_t nconns;
	uint64_t refused;
	uint64_t pauses;         /* accept pauses of listeners closed since */
};

void oc_api_limits_init(oc_api_limits *l)
{
	*l = (oc_api_limits){
		.max_conns = 64, .max_conns_per_listener = 16, .max_head = 8192,
		.max_body = 65536, .head_timeout_ms = 5000, .idle_timeout_ms = 30000,
		.max_stream_backlog = 1 << 20,
	};
}

int oc_api_server_new(oc_loop *loop, const oc_api_limits *limits, oc_api_handler handler,
	void *arg, oc_api_server **out)
{
	oc_api_server *s = calloc(1, sizeof(*s));
	if (!s)
		return oc_error_nomem();
	s->loop = loop;
	if (limits)
		s->lim = *limits;
	else
		oc_api_limits_init(&s->lim);
	if (s->lim.max_head > 65535)
		s->lim.max_head = 65535;
	s->handler = handler;
	s->arg = arg;
	*out = s;
	return 0;
}

size_t oc_api_server_conn_count(const oc_api_server *s)
{
	return s->nconns;
}

uint64_t oc_api_server_refused(const oc_api_server *s)
{
	return s->refused;
}

uint64_t oc_api_server_accept_pauses(const oc_api_server *s)
{
	uint64_t n = s->pauses;
	for (const oc_api_listener *l = s->listeners; l; l = l->next)
		n += oc_accept_pauses(&l->accept);
	return n;
}

static void conn_close(oc_api_conn *c)
{
	oc_api_server *s = c->srv;
	if (c->on_close) {
		void (*fn)(oc_api_conn *, void *) = c->on_close;
		c->on_close = NULL;
		fn(c, c->close_arg);
	}
	oc_loop_del_fd(s->loop, c->fd);
	close(c->fd);
	if (c->timer)
		oc_loop_timer_cancel(s->loop, c->timer);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	if (c->lst)
		c->lst->nconns--;
	oc_buf_free(&c->in);
	oc_buf_free(&c->out);
	free(c->strings);
	c->strings = NULL;
	free(c->groups);
	c->groups = NULL;
	if (c->dispatch_queued)
		c->dead = true; /* the queued call still holds c */
	else
		free(c);
}

static void on_timeout(oc_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	oc_api_conn *c = arg;
	c->timer = 0;
	if (c->state == LINGERING) {
		conn_close(c);
		return;
	}
	if (c->state == READING && c->in.len > 0) {
		/* A partial request that never completed: tell the client why. */
		c->close_after = true;
		oc_api_respond_error(c, 408, "timeout", "request not received within %u ms",
			c->srv->lim.head_timeout_ms);
		return;
	}
	if (c->state == READING)
		conn_close(c);
}

static void arm(oc_api_conn *c, unsigned ms)
{
	if (c->timer && oc_loop_timer_rearm(c->srv->loop, c->timer, ms) == 0)
		return;
	c->timer = 0;
	oc_loop_timer_add(c->srv->loop, ms, on_timeout, c, &c->timer);
}

static void disarm(oc_api_conn *c)
{
	if (c->timer)
		oc_loop_timer_cancel(c->srv->loop, c->timer);
	c->timer = 0;
}

static void on_conn_io(oc_loop *loop, int fd, unsigned events, void *arg);
static void try_dispatch(oc_api_conn *c);
static void arm(oc_api_conn *c, unsigned ms);

static void linger(oc_api_conn *c)
{
	c->state = LINGERING;
	c->on_close = NULL;
	shutdown(c->fd, SHUT_WR);
	oc_buf_free(&c->in);
	oc_buf_free(&c->out);
	c->out_off = 0;
	arm(c, LINGER_MS);
}

/* Pipelined requests are served from the loop, not from inside the
 * previous answer, so a burst of them cannot recurse. */
static void queued_dispatch(oc_loop *loop, void *arg)
{
	(void)loop;
	oc_api_conn *c = arg;
	c->dispatch_queued = false;
	if (c->dead) {
		free(c);
		return;
	}
	if (c->state == READING && c->in.len)
		try_dispatch(c);
}

/* Writes what is pending; returns false when the connection was closed. */
static bool flush_out(oc_api_conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			oc_loop_mod_fd(c->srv->loop, c->fd, OC_LOOP_READ | OC_LOOP_WRITE);
			return true;
		}
		if (w <= 0) {
			conn_close(c);
			return false;
		}
		c->out_off += (size_t)w;
	}
	oc_buf_reset(&c->out);
	c->out_off = 0;
	oc_loop_mod_fd(c->srv->loop, c->fd, OC_LOOP_READ);
	if (c->state == STREAMING) {
		if (c->stream_done) {
			conn_close(c);
			return false;
		}
		return true;
	}
	if (c->state == WRITING) {
		if (c->close_after) {
			linger(c);
			return false;
		}
		/* The request is done: drop its bytes and serve a pipelined one. */
		c->state = READING;
		size_t used = c->req.head_len + (c->req.framing == OC_HTTP_BODY_LENGTH ?
			(size_t)c->req.content_length : 0);
		if (used > c->in.len)
			used = c->in.len;
		memmove(c->in.data, c->in.data + used, c->in.len - used);
		c->in.len -= used;
		free(c->strings);
		c->strings = NULL;
		oc_http_request_init(&c->req);
		c->req.max_head = (uint16_t)c->srv->lim.max_head;
		arm(c, c->in.len ? c->srv->lim.head_timeout_ms : c->srv->lim.idle_timeout_ms);
		if (c->in.len && !c->dispatch_queued &&
		    oc_loop_defer(c->srv->loop, queued_dispatch, c) == 0)
			c->dispatch_queued = true;
	}
	return true;
}

int oc_api_respond(oc_api_conn *c, int status, const char *content_type, const char *body,
	size_t len, const char *const *extra)
{
	if (c->state != READING && c->state != HANDLING)
		return oc_error_set(OC_ESTATE, "response already sent");
	oc_kv hdrs[8];
	size_t n = 0;
	for (size_t i = 0; extra && extra[i] && extra[i + 1] && n < 8; i += 2)
		hdrs[n++] = (oc_kv){ extra[i], extra[i + 1] };
	bool keep = !c->close_after && (c->req.flags & OC_HTTP_REQ_KEEP_ALIVE);
	oc_http_response r = {
		.status = status, .content_type = content_type, .body = body, .body_len = len,
		.headers = hdrs, .nheaders = n, .close = !keep,
	};
	c->close_after = !keep;
	c->on_close = NULL;
	c->state = WRITING;
	disarm(c);
	int rc = oc_http_response_write(&c->out, &r);
	if (rc) {
		conn_close(c);
		return rc;
	}
	return flush_out(c) ? 0 : OC_EUNREACHABLE;
}

int oc_api_respond_json(oc_api_conn *c, int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return oc_api_respond(c, 500, "application/json",
			"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n", 57, NULL);
	size_t len = strlen(text);
	/* One JSON document per line reads well in curl and in logs. */
	char *nl = realloc(text, len + 2);
	if (nl) {
		text = nl;
		text[len++] = '\n';
		text[len] = '\0';
	}
	int rc = oc_api_respond(c, status, "application/json", text, len, NULL);
	free(text);
	return rc;
}

int oc_api_respond_verror(oc_api_conn *c, int status, const char *code, const char *fmt,
	va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	return oc_api_respond_json(c, status, json_pack("{s:{s:s, s:s}}", "error", "code", code,
		"message", msg));
}

int oc_api_respond_error(oc_api_conn *c, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = oc_api_respond_verror(c, status, code, fmt, ap);
	va_end(ap);
	return rc;
}

void oc_api_defer(oc_api_conn *c, void (*on_close)(oc_api_conn *, void *), void *arg)
{
	c->on_close = on_close;
	c->close_arg = arg;
}

int oc_api_stream_begin(oc_api_conn *c, const char *content_type,
	void (*on_close)(oc_api_conn *, void *), void *arg)
{
	if (c->state != HANDLING)
		return oc_error_set(OC_ESTATE, "response already sent");
	disarm(c);
	c->state = STREAMING;
	c->on_close = on_close;
	c->close_arg = arg;
	int rc = oc_buf_printf(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
		"Transfer-Encoding: chunked\r\nCache-Control: no-store\r\n\r\n", content_type);
	if (rc) {
		conn_close(c);
		return rc;
	}
	return flush_out(c) ? 0 : OC_EUNREACHABLE;
}

int oc_api_stream_write(oc_api_conn *c, const char *data, size_t len)
{
	if (c->state != STREAMING || !len)
		return 0;
	if (c->out.len - c->out_off + len > c->srv->lim.max_stream_backlog) {
		conn_close(c);
		return oc_error_set(OC_ELIMIT, "stream reader too slow; closed");
	}
	bool idle = c->out.len == 0;
	int rc = oc_buf_printf(&c->out, "%zx\r\n", len);
	if (!rc)
		rc = oc_buf_append(&c->out, data, len);
	if (!rc)
		rc = oc_buf_puts(&c->out, "\r\n");
	if (rc) {
		conn_close(c);
		return rc;
	}
	if (!idle)
		return 0; /* the write watch drains it */
	return flush_out(c) ? 0 : OC_EUNREACHABLE;
}

int oc_api_stream_end(oc_api_conn *c)
{
	if (c->state != STREAMING)
		return 0;
	c->on_close = NULL;
	c->stream_done = true;
	bool idle = c->out.len == 0;
	oc_buf_puts(&c->out, "0\r\n\r\n");
	if (!idle)
		return 0;
	flush_out(c);
	return 0;
}

/* Copies method, path, query and body into one allocation, so handlers get
 * NUL-terminated strings while the input buffer may move. */
static int build_request(oc_api_conn *c, oc_api_request *r)
{
	const char *b = c->in.data;
	const oc_http_request *q = &c->req;
	size_t body_len = q->framing == OC_HTTP_BODY_LENGTH ? (size_t)q->content_length : 0;
	size_t need = q->method_text.len + q->path.len + q->query.len + body_len + 8;
	char *s = malloc(need), *p = s;
	if (!s)
		return oc_error_nomem();
	free(c->strings);
	c->strings = s;
#define TAKE(dst, src, n) do { dst = p; memcpy(p, src, n); p += n; *p++ = '\0'; } while (0)
	TAKE(r->method, b + q->method_text.off, q->method_text.len);
	if (q->path.len) {
		TAKE(r->path, b + q->path.off, q->path.len);
	} else {
		r->path = p;
		*p++ = '/';
		*p++ = '\0';
	}
	TAKE(r->query, b + q->query.off, q->query.len);
	TAKE(r->body, b + q->head_len, body_len);
#undef TAKE
	r->body_len = body_len;
	r->pid = c->pid;
	r->uid = c->uid;
	r->gid = c->gid;
	r->groups = c->groups;
	r->ngroups = c->ngroups;
	r->listener_arg = c->lst ? c->lst->arg : NULL;
	r->conn = c;
	return 0;
}

static void try_dispatch(oc_api_conn *c)
{
	oc_api_server *s = c->srv;
	int rc = oc_http_request_parse(&c->req, c->in.data, c->in.len);
	if (rc == OC_HTTP_MORE) {
		if (c->in.len >= s->lim.max_head) {
			c->close_after = true;
			oc_api_respond_error(c, 431, "too_large", "request head over %zu bytes",
				s->lim.max_head);
		}
		return;
	}
	if (rc < 0) {
		c->close_after = true;
		oc_api_respond_error(c, c->req.status ? c->req.status : 400, "bad_request",
			"malformed request: %s", c->req.error ? c->req.error : "parse error");
		return;
	}
	if (c->req.framing == OC_HTTP_BODY_CHUNKED) {
		c->close_after = true;
		oc_api_respond_error(c, 411, "length_required",
			"send the body with a Content-Length, not chunked");
		return;
	}
	if (c->req.framing == OC_HTTP_BODY_LENGTH && c->req.content_length > s->lim.max_body) {
		c->close_after = true;
		oc_api_respond_error(c, 413, "too_large", "request body of %llu bytes is over the "
			"%zu-byte limit", (unsigned long long)c->req.content_length, s->lim.max_body);
		return;
	}
	size_t body = c->req.framing == OC_HTTP_BODY_LENGTH ? (size_t)c->req.content_length : 0;
	if (c->in.len < c->req.head_len + body)
		return; /* the rest of the body is on its way */
	oc_api_request r;
	if (build_request(c, &r) != 0) {
		c->close_after = true;
		oc_api_respond_error(c, 500, "internal", "out of memory");
		return;
	}
	c->state = HANDLING;
	disarm(c);
	s->handler(&r, s->arg);
}

static void on_conn_io(oc_loop *loop, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)fd;
	oc_api_conn *c = arg;
	if (events & OC_LOOP_WRITE) {
		if (!flush_out(c))
			return;
	}
	if (!(events & (OC_LOOP_READ | OC_LOOP_HUP | OC_LOOP_ERR)))
		return;
	if (c->state == LINGERING) {
		char sink[16384];
		ssize_t n = recv(c->fd, sink, sizeof(sink), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		c->out_off += n > 0 ? (size_t)n : 0; /* bytes dropped so far */
		if (n <= 0 || c->out_off > LINGER_BYTES)
			conn_close(c);
		return;
	}
	size_t cap = c->srv->lim.max_head + c->srv->lim.max_body + 1;
	if (c->in.len >= cap) {
		/* Input is full while an answer is pending: wait for it. */
		if (c->state == READING) {
			c->close_after = true;
			oc_api_respond_error(c, 413, "too_large", "request too large");
		}
		return;
	}
	if (oc_buf_reserve(&c->in, 4096) != 0) {
		conn_close(c);
		return;
	}
	size_t room = c->in.cap - c->in.len - 1;
	if (room > cap - c->in.len)
		room = cap - c->in.len;
	ssize_t n = recv(c->fd, c->in.data + c->in.len, room, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->in.len += (size_t)n;
	c->in.data[c->in.len] = '\0';
	if (c->state == READING) {
		arm(c, c->srv->lim.head_timeout_ms);
		try_dispatch(c);
	}
}

/* Over a cap: the 503 is sent at once and the connection closed, so a
 * client that opens many holds nothing. What it sent already is read
 * first, as closing a Unix socket with unread input would make the
 * client's read fail with ECONNRESET instead of showing the answer. */
static void refuse(oc_api_server *s, int fd)
{
	static const char body[] =
		"{\"error\":{\"code\":\"busy\",\"message\":\"too many connections; retry\"}}\n";
	char busy[256];
	int n = snprintf(busy, sizeof(busy), "HTTP/1.1 503 Service Unavailable\r\n"
		"Content-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
		"Content-Length: %zu\r\n\r\n%s", sizeof(body) - 1, body);
	char sink[4096];
	s->refused++;
	(void)!recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
	(void)!send(fd, busy, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void set_listening(void *arg, bool on)
{
	oc_api_listener *l = arg;
	oc_loop_mod_fd(l->srv->loop, l->fd, on ? OC_LOOP_READ : 0);
}

static void on_accept(oc_loop *loop, int fd, unsigned events, void *arg)
{
	(void)events;
	oc_api_listener *l = arg;
	oc_api_server *s = l->srv;
	for (int i = 0; i < 16; i++) {
		int cfd = oc_sock_accept(fd, NULL);
		if (cfd < 0) {
			if (!oc_accept_failed(&l->accept, errno))
				return;
			continue;
		}
		if (s->nconns >= s->lim.max_conns || l->nconns >= s->lim.max_conns_per_listener) {
			refuse(s, cfd);
			continue;
		}
		oc_api_conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->srv = s;
		c->lst = l;
		c->fd = cfd;
		/* Who is calling is the whole basis of every check: a peer whose
		 * credentials cannot be read, or whom the listener refuses, is
		 * closed before it can say anything. */
		if (oc_sock_peercred(cfd, &c->pid, &c->uid, &c->gid) != 0 ||
		    oc_sock_peergroups(cfd, &c->groups, &c->ngroups) != 0 ||
		    (l->admit && !l->admit(cfd, c->pid, l->arg))) {
			close(cfd);
			free(c->groups);
			free(c);
			continue;
		}
		oc_http_request_init(&c->req);
		c->req.max_head = (uint16_t)s->lim.max_head;
		if (oc_loop_add_fd(loop, cfd, OC_LOOP_READ, on_conn_io, c) != 0) {
			close(cfd);
			free(c->groups);
			free(c);
			continue;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		l->nconns++;
		arm(c, s->lim.head_timeout_ms);
	}
}

int oc_api_server_listen(oc_api_server *s, const char *path, mode_t mode, uid_t uid, gid_t gid,
	void *listener_arg, oc_api_listener **out)
{
	oc_api_listener *l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		return oc_error_nomem();
	}
	l->fd = oc_sock_listen_unix(path, mode, uid, gid, 64);
	if (l->fd < 0) {
		int rc = l->fd;
		free(l->path);
		free(l);
		return rc;
	}
	int rc = oc_loop_add_fd(s->loop, l->fd, OC_LOOP_READ, on_accept, l);
	if (rc) {
		close(l->fd);
		unlink(path);
		free(l->path);
		free(l);
		return rc;
	}
	l->srv = s;
	l->arg = listener_arg;
	l->accept = (oc_accept_gate){ .loop = s->loop, .set = set_listening, .arg = l };
	l->next = s->listeners;
	s->listeners = l;
	if (out)
		*out = l;
	return 0;
}

void oc_api_listener_set_admit(oc_api_listener *l, bool (*admit)(int fd, pid_t pid, void *arg))
{
	l->admit = admit;
}

void oc_api_listener_close(oc_api_listener *l)
{
	oc_api_server *s = l->srv;
	for (oc_api_conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (c->lst == l)
			conn_close(c);
	}
	oc_accept_gate_stop(&l->accept);
	s->pauses += oc_accept_pauses(&l->accept);
	oc_loop_del_fd(s->loop, l->fd);
	close(l->fd);
	unlink(l->path);
	for (oc_api_listener **p = &s->listeners; *p; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			break;
		}
	}
	free(l->path);
	free(l);
}

void oc_api_server_free(oc_api_server *s)
{
	if (!s)
		return;
	while (s->listeners)
		oc_api_listener_close(s->listeners);
	while (s->conns)
		conn_close(s->conns);
	free(s);
}
