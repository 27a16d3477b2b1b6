/*
 * A small HTTP/1.1 + JSON server on Unix sockets, on the event loop: the
 * transport of the host API (operator) and of the per-container agent
 * sockets. Requests are parsed by the strict parser (http/request.h),
 * bodies must have a Content-Length, and every limit (connections, head,
 * body, time) answers politely (413, 431, 503, 408) instead of hanging.
 * A connection over a cap gets its 503 and is closed at once: it is never
 * kept, so opening many holds no descriptors.
 *
 * A handler receives one complete request and answers it with exactly one
 * oc_api_respond*() call, now or later (long-poll: keep the oc_api_conn and
 * answer when ready; on_close tells the handler if the client went away
 * first), or turns it into a stream of chunks (`decisions follow`).
 *
 * Threading: everything runs on the loop's thread.
 */
#ifndef OC_API_SERVER_H
#define OC_API_SERVER_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <outcall/loop.h>
#include "core/error.h"

typedef struct oc_api_server oc_api_server;
typedef struct oc_api_listener oc_api_listener;
typedef struct oc_api_conn oc_api_conn;

typedef struct oc_api_limits {
	size_t max_conns;              /* [64] over all listeners */
	size_t max_conns_per_listener; /* [16] */
	size_t max_head;               /* [8192] bytes */
	size_t max_body;               /* [65536] bytes */
	unsigned head_timeout_ms;      /* [5000] to receive a whole request */
	unsigned idle_timeout_ms;      /* [30000] between requests on a kept-alive connection */
	size_t max_stream_backlog;     /* [1 MiB] unsent stream bytes before a slow reader is cut */
} oc_api_limits;

typedef struct oc_api_request {
	const char *method;     /* "GET", "POST", ... */
	const char *path;       /* request path, without the query */
	const char *query;      /* after '?', "" when none */
	const char *body;       /* NUL-terminated copy of the body; "" when none */
	size_t body_len;
	pid_t pid;              /* SO_PEERCRED of the connection */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;    /* SO_PEERGROUPS: the supplementary groups at connect */
	size_t ngroups;
	void *listener_arg;     /* the arg of the listener the client connected to */
	oc_api_conn *conn;      /* answer through this */
} oc_api_request;

typedef void (*oc_api_handler)(oc_api_request *req, void *arg);

void oc_api_limits_init(oc_api_limits *l);
int oc_api_server_new(oc_loop *loop, const oc_api_limits *limits, oc_api_handler handler,
	void *arg, oc_api_server **out);
/* Closes every listener and connection (on_close callbacks run). */
void oc_api_server_free(oc_api_server *s);

/* Listens on a Unix socket created with mode/uid/gid (sockets/sock.h rules for
 * stale sockets); `listener_arg` is handed to the handler with each
 * request (the agent socket's container, say). */
int oc_api_server_listen(oc_api_server *s, const char *path, mode_t mode, uid_t uid, gid_t gid,
	void *listener_arg, oc_api_listener **out);
/* admit(fd, pid, listener_arg) runs on every accepted connection before
 * it is read; false closes it at once (the listener logs why). */
void oc_api_listener_set_admit(oc_api_listener *l, bool (*admit)(int fd, pid_t pid, void *arg));
/* Stops listening, closes the listener's connections and unlinks its
 * socket file. */
void oc_api_listener_close(oc_api_listener *l);
size_t oc_api_server_conn_count(const oc_api_server *s);
/* Connections refused over a cap since the server was made. */
uint64_t oc_api_server_refused(const oc_api_server *s);
/* Times accept() ran out of descriptors or memory (loop/accept.h). */
uint64_t oc_api_server_accept_pauses(const oc_api_server *s);

/* Answers. Each returns 0, or a negative oc_err if the connection is gone;
 * either way the request is finished. `extra` is NULL or a NULL-terminated
 * list of name, value pairs. */
int oc_api_respond(oc_api_conn *c, int status, const char *content_type, const char *body,
	size_t len, const char *const *extra);
/* Serialises and releases j. */
int oc_api_respond_json(oc_api_conn *c, int status, json_t *j);
/* {"error": {"code": code, "message": message}} */
int oc_api_respond_error(oc_api_conn *c, int status, const char *code, const char *fmt, ...)
	OC_PRINTF(4, 5);
int oc_api_respond_verror(oc_api_conn *c, int status, const char *code, const char *fmt,
	va_list ap) OC_PRINTF(4, 0);

/* Long-poll: call before returning from the handler without answering.
 * on_close(conn, arg) runs if the client disconnects (or the server is
 * freed) before the answer; the conn is invalid after it returns. */
void oc_api_defer(oc_api_conn *c, void (*on_close)(oc_api_conn *c, void *arg), void *arg);

/* Streaming: a 200 with chunked body. stream_write returns OC_ELIMIT (and
 * closes) when the client does not keep up; stream_end finishes. */
int oc_api_stream_begin(oc_api_conn *c, const char *content_type,
	void (*on_close)(oc_api_conn *c, void *arg), void *arg);
int oc_api_stream_write(oc_api_conn *c, const char *data, size_t len);
int oc_api_stream_end(oc_api_conn *c);

#endif
