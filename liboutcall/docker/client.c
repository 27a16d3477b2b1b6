/*
 * The transport: one Unix-socket connection per call, the request written
 * and the answer read on the loop, the head checked by the strict response
 * parser and the body framed by length, chunks or close. Calls made
 * before the API version is known wait for GET /version.
 */
#include "docker/client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <outcall/outcall.h>

#include "core/buf.h"
#include "http/chunked.h"
#include "http/response_parse.h"

/* One line of an event stream; Docker's events are a few KB at most. */
#define STREAM_LINE_MAX (1u << 20)

struct oc_docker_req {
	oc_docker *d;
	oc_dlist node;             /* in the client's reqs */
	int fd;
	uint64_t timer;
	bool stream;
	bool waiting;            /* for the API version */
	bool batch;              /* released by the negotiation that just ended */
	bool unversioned;        /* the negotiation's own GET /version */
	char method[8];
	char *path;
	char *body;              /* serialised JSON, or NULL */
	oc_buf out;
	size_t sent;
	oc_buf in;               /* the head, while it arrives */
	bool head_done;
	oc_http_response_head head;
	oc_http_chunked chunked;
	oc_buf body_buf;         /* the body (or a stream's unfinished line) */
	int body_error;          /* set while decoding, acted on after */
	oc_docker_done_fn done;
	oc_docker_open_fn open;
	oc_docker_line_fn line;
	void *arg;
};

void oc_docker_options_init(oc_docker_options *o)
{
	*o = (oc_docker_options){
		.socket = "/var/run/docker.sock",
		.timeout_ms = 30000,
		.max_answer = 16u << 20,
		.backoff_min_ms = 250,
		.backoff_max_ms = 30000,
	};
}

static void free_paths(char **paths)
{
	for (size_t i = 0; paths && paths[i]; i++)
		free(paths[i]);
	free(paths);
}

/* A NULL-terminated copy of a NULL-terminated list (NULL: empty). */
static char **copy_paths(const char *const *in)
{
	size_t n = 0;
	while (in && in[n])
		n++;
	char **out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(in[i]))) {
			free_paths(out);
			return NULL;
		}
	return out;
}

int oc_docker_new(oc_loop *loop, const oc_docker_options *o, oc_docker **out)
{
	oc_docker_options def;
	if (!o) {
		oc_docker_options_init(&def);
		o = &def;
	}
	if (!loop || !o->socket || !o->socket[0])
		return oc_error_set(OC_EINVAL, "Docker client: a loop and a socket path are needed");
	if (strlen(o->socket) >= sizeof(((oc_docker *)0)->socket))
		return oc_error_set(OC_EINVAL, "Docker socket path '%s' is longer than a Unix socket "
			"path may be (107 bytes)", o->socket);
	if (!o->timeout_ms || !o->max_answer || !o->backoff_min_ms ||
	    o->backoff_max_ms < o->backoff_min_ms)
		return oc_error_set(OC_EINVAL, "Docker client: timeout, answer size and backoff must "
			"be positive (and the maximum backoff at least the minimum)");
	oc_docker *d = calloc(1, sizeof(*d));
	if (!d)
		return oc_error_nomem();
	d->loop = loop;
	oc_dlist_init(&d->reqs);
	oc_dlist_init(&d->watches);
	strcpy(d->socket, o->socket);
	d->timeout_ms = o->timeout_ms;
	d->max_answer = o->max_answer;
	d->backoff_min_ms = o->backoff_min_ms;
	d->backoff_max_ms = o->backoff_max_ms;
	d->protected_paths = copy_paths(o->protected_paths);
	d->bind_dirs = copy_paths(o->bind_dirs);
	if (!d->protected_paths || !d->bind_dirs) {
		free_paths(d->protected_paths);
		free_paths(d->bind_dirs);
		free(d);
		return oc_error_nomem();
	}
	*out = d;
	return 0;
}

const char *oc_docker_socket(const oc_docker *d)
{
	return d->socket;
}

/* ---- request lifetime ---- */

static void unwatch(struct oc_docker_req *r)
{
	if (r->fd >= 0) {
		oc_loop_del_fd(r->d->loop, r->fd);
		close(r->fd);
		r->fd = -1;
	}
	oc_loop_timer_cancel(r->d->loop, r->timer);
	r->timer = 0;
}

static void free_req(struct oc_docker_req *r)
{
	unwatch(r);
	oc_dlist_remove(&r->node);
	free(r->path);
	free(r->body);
	oc_buf_free(&r->out);
	oc_buf_free(&r->in);
	oc_buf_free(&r->body_buf);
	free(r);
}

void oc_docker_req_cancel(struct oc_docker_req *r)
{
	if (r)
		free_req(r);
}

/* Docker's own words for a refusal: {"message": "..."}, else the body. */
static int docker_error(struct oc_docker_req *r, int status, json_t *answer)
{
	const char *msg = json_string_value(json_object_get(answer, "message"));
	char text[512];
	if (!msg) {
		snprintf(text, sizeof(text), "%.*s", (int)(r->body_buf.len < 300 ? r->body_buf.len : 300),
			r->body_buf.data ? r->body_buf.data : "");
		char *nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		msg = text[0] ? text : "no message";
	}
	int code = status == 400 ? OC_EINVAL : status == 404 ? OC_ENOTFOUND :
		status == 409 ? OC_EEXIST : OC_ERROR;
	return oc_error_set(code, "Docker: %s (%s %s: HTTP %d)", msg, r->method, r->path, status);
}

/* Ends a request: rc, or the answer's verdict. The request is unlinked
 * before `done` runs, so the callback may start new calls. */
static void finish(struct oc_docker_req *r, int rc)
{
	int status = r->head_done ? r->head.status : 0;
	json_t *answer = NULL;
	if (!rc && !r->stream && r->body_buf.len) {
		json_error_t err;
		answer = json_loadb(r->body_buf.data, r->body_buf.len, 0, &err);
		if (!answer && status < 400)
			rc = oc_error_set(OC_EPARSE, "Docker answered %s %s with a body that is not "
				"JSON: %s", r->method, r->path, err.text);
	}
	if (!rc && status >= 400)
		rc = docker_error(r, status, answer);
	unwatch(r);
	oc_docker_done_fn done = r->done;
	void *arg = r->arg;
	oc_docker *d = r->d;
	bool stream_ok = r->stream && !rc;
	free_req(r);
	done(d, rc, stream_ok ? 200 : status, rc ? NULL : answer, arg);
	json_decref(answer);
}

/* ---- answers ---- */

static void stream_lines(struct oc_docker_req *r)
{
	oc_buf *b = &r->body_buf;
	char *nl;
	size_t start = 0;
	while (!r->body_error && (nl = memchr(b->data + start, '\n', b->len - start))) {
		size_t n = (size_t)(nl - (b->data + start));
		if (n) {
			json_error_t err;
			json_t *v = json_loadb(b->data + start, n, 0, &err);
			if (!v) {
				r->body_error = oc_error_set(OC_EPARSE, "Docker's stream %s carried a "
					"line that is not JSON: %s", r->path, err.text);
				break;
			}
			r->line(r->d, v, r->arg);
			json_decref(v);
		}
		start += n + 1;
	}
	memmove(b->data, b->data + start, b->len - start);
	b->len -= start;
	if (!r->body_error && b->len > STREAM_LINE_MAX)
		r->body_error = oc_error_set(OC_ELIMIT, "Docker's stream %s sent a line over %u "
			"bytes", r->path, STREAM_LINE_MAX);
}

static void body_data(void *arg, const char *data, size_t len)
{
	struct oc_docker_req *r = arg;
	if (r->body_error)
		return;
	if (!r->stream && r->body_buf.len + len > r->d->max_answer) {
		r->body_error = oc_error_set(OC_ELIMIT, "Docker's answer to %s %s is larger than "
			"%zu bytes", r->method, r->path, r->d->max_answer);
		return;
	}
	if (oc_buf_append(&r->body_buf, data, len) != 0) {
		r->body_error = OC_ENOMEM;
		return;
	}
	if (r->stream)
		stream_lines(r);
}

/* Body bytes as they arrive; returns true when the body is complete. */
static bool take_body(struct oc_docker_req *r, const char *data, size_t len)
{
	switch (r->head.framing) {
	case OC_HTTP_BODY_NONE:
		return true;
	case OC_HTTP_BODY_LENGTH: {
		uint64_t want = r->head.content_length - r->body_buf.len;
		body_data(r, data, len < want ? len : (size_t)want);
		return r->body_buf.len == r->head.content_length;
	}
	case OC_HTTP_BODY_CHUNKED: {
		size_t used;
		int rc = oc_http_chunked_feed(&r->chunked, data, len, &used, body_data, r);
		if (rc < 0 && !r->body_error)
			r->body_error = oc_error_set(OC_EPARSE, "Docker's answer to %s %s has a bad "
				"chunked body: %s", r->method, r->path, r->chunked.error);
		return rc == OC_HTTP_DONE;
	}
	case OC_HTTP_BODY_UNTIL_CLOSE:
		body_data(r, data, len);
		return false;
	}
	return false;
}

/* The head is complete: what follows it in `in` is body. */
static int head_done(struct oc_docker_req *r, bool *complete)
{
	r->head_done = true;
	oc_http_chunked_init(&r->chunked);
	if (r->stream && r->head.status == 200) {
		/* the stream may stay quiet for hours: only the head was timed */
		oc_loop_timer_cancel(r->d->loop, r->timer);
		r->timer = 0;
		r->open(r->d, r->arg);
	} else if (r->stream) {
		r->stream = false; /* an error answer: read it whole, like a call */
	}
	*complete = take_body(r, r->in.data + r->head.head_len, r->in.len - r->head.head_len);
	return r->body_error;
}

static void on_readable(struct oc_docker_req *r)
{
	char chunk[65536];
	ssize_t n = recv(r->fd, chunk, sizeof(chunk), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		finish(r, oc_error_os("Docker socket %s: reading the answer to %s %s", r->d->socket,
			r->method, r->path));
		return;
	}
	if (n == 0) {
		if (r->head_done && r->head.framing == OC_HTTP_BODY_UNTIL_CLOSE)
			finish(r, r->body_error);
		else
			finish(r, oc_error_set(OC_EUNREACHABLE, "Docker closed the connection before "
				"the %s to %s %s was complete", r->head_done ? "answer" : "answer's head",
				r->method, r->path));
		return;
	}
	bool complete = false;
	int rc = 0;
	if (r->head_done) {
		complete = take_body(r, chunk, (size_t)n);
		rc = r->body_error;
	} else {
		if (oc_buf_append(&r->in, chunk, (size_t)n) != 0) {
			finish(r, OC_ENOMEM);
			return;
		}
		rc = oc_http_response_head_parse(&r->head, r->in.data, r->in.len);
		if (rc == OC_HTTP_MORE)
			return;
		if (rc == OC_HTTP_DONE)
			rc = head_done(r, &complete);
		else
			rc = oc_error_set(rc, "Docker's answer to %s %s: %s", r->method, r->path,
				r->head.error);
	}
	if (rc || complete)
		finish(r, rc);
}

static int send_some(struct oc_docker_req *r)
{
	while (r->sent < r->out.len) {
		ssize_t n = send(r->fd, r->out.data + r->sent, r->out.len - r->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return oc_error_os("Docker socket %s: sending %s %s", r->d->socket, r->method,
				r->path);
		r->sent += (size_t)n;
	}
	return oc_loop_mod_fd(r->d->loop, r->fd, OC_LOOP_READ);
}

static void on_event(oc_loop *loop, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)fd;
	struct oc_docker_req *r = arg;
	if (events & OC_LOOP_WRITE) {
		int rc = send_some(r);
		if (rc) {
			finish(r, rc);
			return;
		}
	}
	if (events & (OC_LOOP_READ | OC_LOOP_HUP | OC_LOOP_ERR))
		on_readable(r);
}

static void on_timeout(oc_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	struct oc_docker_req *r = arg;
	r->timer = 0;
	finish(r, oc_error_set(OC_ETIMEOUT, "Docker did not answer %s %s within %u ms (socket %s)",
		r->method, r->path, r->d->timeout_ms, r->d->socket));
}

/* ---- starting ---- */

/* A blocking connect bounded by SO_SNDTIMEO: a local socket accepts at
 * once unless the engine's backlog is full, and then the wait is bounded. */
static int connect_engine(oc_docker *d, int *out)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return oc_error_os("Docker socket %s: socket", d->socket);
	struct timeval tv = { .tv_sec = d->timeout_ms / 1000, .tv_usec = (d->timeout_ms % 1000) * 1000 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, d->socket);
	int rc = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		rc = oc_error_os("Docker socket %s: setting the connect timeout", d->socket);
	else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		if (e == ENOENT)
			rc = oc_error_set(OC_EUNREACHABLE, "Docker socket %s does not exist: is dockerd "
				"running? (or point Outcall at its socket)", d->socket);
		else if (e == ECONNREFUSED)
			rc = oc_error_set(OC_EUNREACHABLE, "nothing listens on Docker socket %s: is "
				"dockerd running?", d->socket);
		else if (e == EACCES || e == EPERM)
			rc = oc_error_set(OC_EPERM, "no permission to connect to Docker socket %s: run "
				"as root or as a member of the socket's group", d->socket);
		else if (e == EAGAIN || e == EINPROGRESS)
			rc = oc_error_set(OC_ETIMEOUT, "Docker socket %s accepted no connection within "
				"%u ms", d->socket, d->timeout_ms);
		else
			rc = oc_error_set(OC_EUNREACHABLE, "cannot connect to Docker socket %s: %s",
				d->socket, strerror(e));
	} else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		rc = oc_error_os("Docker socket %s: making the connection nonblocking", d->socket);
	}
	if (rc) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

static int start(struct oc_docker_req *r)
{
	oc_docker *d = r->d;
	size_t blen = r->body ? strlen(r->body) : 0;
	int rc = oc_buf_printf(&r->out, "%s %s%s%s HTTP/1.1\r\nHost: docker\r\n"
		"User-Agent: outcall/%s\r\nAccept: application/json\r\nConnection: close\r\n",
		r->method, r->unversioned ? "" : "/v", r->unversioned ? "" : d->api, r->path,
		oc_version());
	if (!rc && (r->body || strcmp(r->method, "POST") == 0))
		rc = oc_buf_printf(&r->out, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
			blen);
	if (!rc)
		rc = oc_buf_puts(&r->out, "\r\n");
	if (!rc && r->body)
		rc = oc_buf_append(&r->out, r->body, blen);
	oc_http_response_head_init(&r->head);
	if (!rc)
		rc = connect_engine(d, &r->fd);
	if (!rc)
		rc = oc_loop_add_fd(d->loop, r->fd, OC_LOOP_READ | OC_LOOP_WRITE, on_event, r);
	if (!rc)
		rc = oc_loop_timer_add(d->loop, d->timeout_ms, on_timeout, r, &r->timer);
	return rc;
}

static int version_num(const char *v, int *major, int *minor)
{
	char *end;
	long a = strtol(v, &end, 10);
	if (end == v || *end != '.')
		return -1;
	const char *m = end + 1;
	long b = strtol(m, &end, 10);
	if (end == m || *end || a < 0 || b < 0 || a > 99 || b > 999)
		return -1;
	*major = (int)a;
	*minor = (int)b;
	return 0;
}

static int version_cmp(const char *a, const char *b)
{
	int a1 = 0, a2 = 0, b1 = 0, b2 = 0;
	version_num(a, &a1, &a2);
	version_num(b, &b1, &b2);
	return a1 != b1 ? a1 - b1 : a2 - b2;
}

static int adopt_version(oc_docker *d, json_t *answer)
{
	oc_docker_version *v = &d->version;
	memset(v, 0, sizeof(*v));
	oc_docker_jcopy(answer, "Version", v->version, sizeof(v->version));
	oc_docker_jcopy(answer, "ApiVersion", v->api_version, sizeof(v->api_version));
	oc_docker_jcopy(answer, "MinAPIVersion", v->min_api_version, sizeof(v->min_api_version));
	oc_docker_jcopy(answer, "Os", v->os, sizeof(v->os));
	oc_docker_jcopy(answer, "Arch", v->arch, sizeof(v->arch));
	oc_docker_jcopy(answer, "KernelVersion", v->kernel, sizeof(v->kernel));
	int major, minor;
	if (version_num(v->api_version, &major, &minor) != 0)
		return oc_error_set(OC_EPARSE, "Docker at %s answered GET /version without a usable "
			"ApiVersion ('%s')", d->socket, v->api_version);
	if (version_cmp(v->api_version, OC_DOCKER_API_MIN) < 0)
		return oc_error_set(OC_ESTATE, "Docker at %s (engine %s) speaks API %s; Outcall needs "
			"API " OC_DOCKER_API_MIN " (Docker 19.03) or newer", d->socket, v->version,
			v->api_version);
	const char *use = version_cmp(v->api_version, OC_DOCKER_API_MAX) > 0 ? OC_DOCKER_API_MAX :
		v->api_version;
	if (v->min_api_version[0] && version_cmp(use, v->min_api_version) < 0)
		return oc_error_set(OC_ESTATE, "Docker at %s (engine %s) no longer speaks API %s "
			"(its oldest is %s); this Outcall is too old for it", d->socket, v->version, use,
			v->min_api_version);
	snprintf(v->api_used, sizeof(v->api_used), "%s", use);
	snprintf(d->api, sizeof(d->api), "%s", use);
	return 0;
}

static void fail_waiting(struct oc_docker_req *r, int rc, const char *msg)
{
	oc_error_set(rc, "%s", msg);
	finish(r, rc);
}

static void negotiated(oc_docker *d, int rc, int status, json_t *answer, void *arg)
{
	(void)status;
	(void)arg;
	d->negotiating = false;
	if (!rc)
		rc = adopt_version(d, answer);
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", rc ? oc_error_last()->message : "");
	/* Callbacks below may add requests; only the ones waiting now are ours. */
	oc_dlist *n, *tmp;
	oc_dlist_each(n, tmp, &d->reqs) {
		struct oc_docker_req *r = oc_container_of(n, struct oc_docker_req, node);
		if (r->waiting)
			r->batch = true;
	}
	for (;;) {
		struct oc_docker_req *r = NULL;
		oc_dlist_each(n, tmp, &d->reqs) {
			r = oc_container_of(n, struct oc_docker_req, node);
			if (r->batch)
				break;
			r = NULL;
		}
		if (!r)
			break;
		r->batch = r->waiting = false;
		int src = rc ? rc : start(r);
		if (src && !rc)
			snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
		if (src)
			fail_waiting(r, src, msg);
	}
}

static struct oc_docker_req *new_req(oc_docker *d, const char *method, const char *path)
{
	struct oc_docker_req *r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(path))) {
		free(r);
		oc_error_nomem();
		return NULL;
	}
	r->d = d;
	r->fd = -1;
	snprintf(r->method, sizeof(r->method), "%s", method);
	oc_dlist_push(&d->reqs, &r->node);
	return r;
}

static int negotiate(oc_docker *d)
{
	struct oc_docker_req *v = new_req(d, "GET", "/version");
	if (!v)
		return OC_ENOMEM;
	v->unversioned = true;
	v->done = negotiated;
	int rc = start(v);
	if (rc) {
		free_req(v);
		return rc;
	}
	d->negotiating = true;
	return 0;
}

/* Starts r now, or once the version is known. On failure r is freed. */
static int submit(struct oc_docker_req *r)
{
	oc_docker *d = r->d;
	int rc = 0;
	if (d->api[0]) {
		rc = start(r);
	} else {
		r->waiting = true;
		if (!d->negotiating)
			rc = negotiate(d);
	}
	if (rc)
		free_req(r);
	return rc;
}

int oc_docker_call(oc_docker *d, const char *method, const char *path, json_t *body,
	oc_docker_done_fn done, void *arg)
{
	struct oc_docker_req *r = new_req(d, method, path);
	if (r && body && !(r->body = json_dumps(body, JSON_COMPACT))) {
		free_req(r);
		r = NULL;
		oc_error_nomem();
	}
	json_decref(body);
	if (!r)
		return OC_ENOMEM;
	r->done = done;
	r->arg = arg;
	return submit(r);
}

int oc_docker_stream(oc_docker *d, const char *path, oc_docker_open_fn open,
	oc_docker_line_fn line, oc_docker_done_fn done, void *arg, struct oc_docker_req **out)
{
	struct oc_docker_req *r = new_req(d, "GET", path);
	if (!r)
		return OC_ENOMEM;
	r->stream = true;
	r->open = open;
	r->line = line;
	r->done = done;
	r->arg = arg;
	int rc = submit(r);
	if (!rc)
		*out = r;
	return rc;
}

void oc_docker_forget_version(oc_docker *d)
{
	d->api[0] = '\0';
}

int oc_docker_call_box(oc_docker *d, const char *method, const char *path, json_t *body,
	oc_docker_done_fn done, const struct oc_docker_box *box)
{
	struct oc_docker_box *b = malloc(sizeof(*b));
	if (!b) {
		json_decref(body);
		return oc_error_nomem();
	}
	*b = *box;
	int rc = oc_docker_call(d, method, path, body, done, b);
	if (rc)
		free(b);
	return rc;
}

int oc_docker_call_cb(oc_docker *d, const char *method, const char *path, json_t *body,
	oc_docker_done_fn done, oc_docker_cb cb, void *arg)
{
	return oc_docker_call_box(d, method, path, body, done, &(struct oc_docker_box){ cb, arg });
}

void oc_docker_reply(void *box, int rc, const oc_docker_result *res)
{
	struct oc_docker_box b = *(struct oc_docker_box *)box;
	free(box);
	oc_docker_result none = { 0 };
	b.cb(rc, res && !rc ? res : &none, b.arg);
}

static void pinged(oc_docker *d, int rc, int status, json_t *answer, void *box)
{
	(void)status;
	(void)answer;
	oc_docker_reply(box, rc, &(oc_docker_result){ .version = &d->version });
}

int oc_docker_ping(oc_docker *d, oc_docker_cb cb, void *arg)
{
	oc_docker_forget_version(d);
	return oc_docker_call_cb(d, "GET", "/version", NULL, pinged, cb, arg);
}

/* ---- paths ---- */

int oc_docker_check_ref(const char *ref, const char *what)
{
	size_t n = ref ? strlen(ref) : 0;
	bool ok = n > 0 && n <= 128;
	for (size_t i = 0; ok && i < n; i++) {
		char c = ref[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			(i > 0 && (c == '_' || c == '.' || c == '-'));
	}
	return ok ? 0 : oc_error_set(OC_EINVAL, "%s '%s' is not a Docker id or name (1 to 128 of "
		"[A-Za-z0-9_.-], starting with a letter or digit)", what, ref ? ref : "(null)");
}

int oc_docker_urlencode(const char *text, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~';
		if (o + (plain ? 1 : 3) >= size)
			return oc_error_set(OC_ELIMIT, "Docker query '%s' is too long", text);
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

int oc_docker_label_query(char *path, size_t size, const char *label)
{
	if (!label)
		return 0;
	json_t *f = json_pack("{s:[s]}", "label", label);
	char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
	json_decref(f);
	if (!text)
		return oc_error_nomem();
	char enc[1024];
	int rc = oc_docker_urlencode(text, enc, sizeof(enc));
	free(text);
	size_t n = strlen(path);
	if (!rc && (size_t)snprintf(path + n, size - n, "%sfilters=%s", strchr(path, '?') ? "&" : "?",
		    enc) >= size - n)
		rc = oc_error_set(OC_ELIMIT, "Docker label filter '%s' is too long", label);
	return rc;
}

void oc_docker_free(oc_docker *d)
{
	if (!d)
		return;
	while (!oc_dlist_empty(&d->watches))
		oc_docker_watch_stop(oc_docker_watch_of(d->watches.next));
	while (!oc_dlist_empty(&d->reqs))
		free_req(oc_container_of(d->reqs.next, struct oc_docker_req, node));
	free_paths(d->protected_paths);
	free_paths(d->bind_dirs);
	free(d);
}
