/*
 * Inside the proxy: the proxy object, one client connection and the
 * functions the files of this module share.
 *
 * A connection moves through phases (enum px_phase). Every socket event
 * records which of its fds are ready, runs the phase's work as far as it
 * goes, and then sets the fds' interest from what the work waits for; one
 * timer per connection holds the deadline of the current phase. Data
 * moves in two directions, each a struct px_dir: bytes the proxy itself
 * must write (rewritten heads, bytes that arrived with a head, its own
 * answers) queue in the direction's user-space buffer; everything else is
 * spliced from socket to socket through a pipe.
 *
 * Files: proxy.c (object, config, stats), listen.c (listeners, accept,
 * caps), conn.c (lifecycle, events, timers), head.c (request heads),
 * judge.c (identity, context, decision), page.c (403 and error answers),
 * rewrite.c (request and response heads going out; response heads come
 * in through http/response_parse.h in relay mode), upstream.c (resolve,
 * check, connect, reuse), pump.c (moving bytes), exchange.c (one HTTP
 * request and its response), tunnel.c (ClientHello, tunnels), record.c
 * (decision records), pool.c (buffers and pipes).
 */
#ifndef OC_PROXY_CONN_H
#define OC_PROXY_CONN_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <outcall/proxy.h>

#include "core/buf.h"
#include "core/peercount.h"
#include "http/chunked.h"
#include "http/request.h"
#include "http/response_parse.h"
#include "loop/accept.h"
#include "proxy/revoked.h"
#include "sockets/sock.h"
#include "resolve/resolve.h"
#include "tls/clienthello.h"

/* ---- pool.c: buffers and pipes ---- */

#define PX_BUF_SIZE 16384u

/* A growable byte buffer; data comes from the proxy's pool. */
struct px_buf {
	char *data;
	uint32_t len, cap;
};

struct px_pipe {
	int rd, wr;
	uint32_t size;            /* capacity in bytes */
};

struct px_pool {
	char **bufs;
	size_t nbufs;
	struct px_pipe *pipes;
	size_t npipes;
};

/* Room for `need` more bytes (taking a pool buffer first); 0 or OC_ENOMEM. */
int px_buf_reserve(oc_proxy *p, struct px_buf *b, size_t need);
/* Drops the first n bytes (the rest moves to the front). */
void px_buf_consume(struct px_buf *b, size_t n);
/* Returns the buffer to the pool (or frees it) once it is not needed. */
void px_buf_release(oc_proxy *p, struct px_buf *b);
/* A pipe for a direction; 0 or OC_EOS. */
int px_pipe_get(oc_proxy *p, struct px_pipe *out);
/* Back to the pool; the pipe must be empty. */
void px_pipe_put(oc_proxy *p, struct px_pipe *pp);
int px_pool_init(struct px_pool *pool);
void px_pool_free(struct px_pool *pool);

/* ---- the proxy ---- */

struct px_listener {
	struct px_listener *next;
	oc_proxy *p;
	oc_proxy_kind kind;
	int fd;
	oc_sockaddr addr;
};

/* Counters written by the loop thread only and read by any thread. */
struct px_counters {
	atomic_uint_fast64_t conns_open, conns_total, conns_refused, requests_allowed,
		requests_blocked, requests_refused, requests_invalid, tunnels_open, tunnels_total,
		sni_mismatches, upstream_errors, timeouts, bytes_up, bytes_down;
};

/* Single writer: a relaxed load and store, no locked instruction. */
static inline void px_count(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
		memory_order_relaxed);
}

static inline void px_uncount(atomic_uint_fast64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) - 1,
		memory_order_relaxed);
}

struct px_conn;

struct oc_proxy {
	oc_loop *loop;
	oc_proxy_config cfg;
	oc_services svc;
	const char *request_command;
	oc_proxy_revoked_fn revoked;   /* block pages: a revoked approval's text */
	void *revoked_arg;
	oc_resolver *resolver;
	struct px_listener *listeners;
	struct px_conn *conns;         /* every open connection */
	struct px_conn *dead;          /* closed, freed by reap_timer */
	uint64_t reap_timer;
	struct px_conn *runq;          /* to run again without an event (run_timer) */
	uint64_t run_timer;
	size_t nlingering;             /* connections refused over a cap, still draining */
	oc_accept_gate accept;         /* out of fds: listeners rest a moment */
	oc_peercount peers;            /* connections counted against the caps, by source */
	struct px_pool pool;
	struct px_counters n;
	/* Scratch for building a decision context (loop thread only). */
	char *scratch;
	size_t scratch_cap;
};

/* ---- one connection ---- */

enum px_phase {
	PH_HEAD,      /* reading a request head (or waiting for one on keep-alive) */
	PH_RESOLVE,   /* waiting for the upstream name */
	PH_CONNECT,   /* upstream connect in progress */
	PH_EXCHANGE,  /* an HTTP request going up, its response coming down */
	PH_REPLY,     /* writing the proxy's own answer, then `after` */
	PH_HELLO,     /* reading the ClientHello */
	PH_TUNNEL,    /* splicing both ways */
	PH_LINGER,    /* answer sent and write side shut: draining until EOF */
};

/* How a direction's body ends. */
enum px_body {
	BODY_NONE,    /* nothing after the head */
	BODY_LENGTH,  /* `left` bytes */
	BODY_CHUNKED, /* chunked framing, checked by the decoder */
	BODY_EOF,     /* until the source closes (responses only) */
	BODY_TUNNEL,  /* until the source closes, then half-close the other side */
};

/* What a pump is waiting for. */
enum px_wait {
	W_DONE,       /* the body has been moved whole */
	W_SRC,        /* the source to become readable */
	W_DST,        /* the destination to become writable */
	W_ERROR,      /* the source or destination failed (or broke the framing) */
};

struct px_dir {
	struct px_buf q;          /* user-space bytes to write to the destination */
	uint32_t qoff;            /* bytes of q already written */
	bool keep_q;              /* keep q's bytes after writing (a request may be resent) */
	struct px_pipe pipe;      /* rd -1: none held */
	uint32_t in_pipe;         /* bytes in the pipe */
	enum px_body body;
	uint64_t left;            /* BODY_LENGTH: bytes still to come from the source */
	oc_http_chunked chunk;
	bool chunk_done;          /* BODY_CHUNKED: the decoder saw the end */
	bool src_eof;
	bool src_failed;          /* W_ERROR came from the source side */
	bool dst_shut;            /* BODY_TUNNEL: destination's write side shut down */
	uint64_t moved;           /* bytes written to the destination */
};

/* Ready bits: what epoll last said and no call has used up. */
enum {
	R_CLIENT_RD = 1u << 0,
	R_CLIENT_WR = 1u << 1,
	R_UP_RD = 1u << 2,
	R_UP_WR = 1u << 3,
};

/* A call found nothing to do on a socket: wait for epoll, unless the
 * socket hung up (it left the loop and never blocks again). */
#define px_unready(c, bits) ((c)->ready &= ~((bits) & ~(c)->hung))

/* The decision record of the current request or tunnel (record.c). */
struct px_record {
	bool active;
	uint64_t id;
	int64_t time_us;          /* CLOCK_REALTIME at the decision */
	uint64_t start_ms;        /* loop clock at the decision */
	int64_t latency_us;
	uint64_t generation;
	oc_event_layer layer;     /* HTTP or TLS */
	oc_event_verdict verdict;
	const char *reason;       /* constant text or NULL */
	int status;
	uint16_t port;
	char *host, *method, *path, *rule; /* in one allocation, `strings` */
	char *strings;
	uint64_t up0, down0;      /* the directions' byte counts when it opened */
	oc_container *ctr;        /* reference, NULL for an unknown peer */
	/* An allowed plain HTTP request, for judging it again while its
	 * exchange runs: its headers (one allocation) and body size. */
	bool http_allowed;
	char *headers;
	oc_map header_map;
	int64_t body_size;
};

/* What the decision said, for the connection's next steps. */
struct px_verdict {
	bool allow;
	bool refused;             /* the peer is not a managed container */
	bool allow_private;
	const char *reason;       /* why a block that is not the rule's plain verdict */
};

struct px_conn {
	struct px_conn *next, *prev;
	struct px_conn *run_next, *run_prev; /* p->runq, when `queued` */
	bool queued;
	oc_proxy *p;
	oc_proxy_kind kind;
	enum px_phase phase, after; /* after: PH_REPLY's continuation */
	int cfd, ufd;
	unsigned ready;           /* R_*: ready and not used up */
	unsigned hung;            /* R_* of sockets that hung up: ready for good */
	unsigned want_c, want_u;  /* what the phase waits for (OC_LOOP_*) */
	unsigned cmask, umask;    /* interest registered with the loop */
	bool c_watched, u_watched;
	bool client_paused;       /* readable while not read: stop asking until read again */
	bool up_paused;
	bool closed;
	bool rerun;               /* run the phase again at once (bytes already buffered) */
	bool lingering;           /* refused over a cap: counted apart */
	bool close_after;         /* no keep-alive after this exchange */
	bool is_connect;          /* the upstream is for a CONNECT tunnel */
	bool tunnel_counted;      /* counted in tunnels_open */
	uint32_t peer_ip;         /* network order */
	uint16_t peer_port;
	struct sockaddr_in orig;  /* transparent: where the client was going */
	uint64_t timer;

	struct px_buf in;         /* client bytes not yet used (heads, hello, pipelined) */
	oc_http_request *req;     /* while HTTP heads are read */
	oc_tls_hello *hello;      /* while a ClientHello is read */
	bool head_started;        /* the current head's first byte came: head_ms runs */

	/* The upstream: target and the addresses checked for it. */
	char *up_host;            /* normal form */
	uint16_t up_port;
	bool allow_private;       /* the deciding rule's allow_private_ips */
	struct in_addr up_addr[OC_RESOLVE_ADDRS_MAX];
	size_t up_naddr, up_next; /* permitted addresses; next to try */
	struct in_addr up_cur;    /* the address ufd is connected to */
	bool up_reused;           /* ufd was kept from an earlier exchange */
	bool up_idle;             /* ufd is kept, no exchange on it */
	bool up_keep;             /* the upstream may be kept after this exchange */
	oc_resolve_wait *rwait;

	/* The exchange. */
	struct px_dir up, down;   /* client -> upstream, upstream -> client */
	bool up_done, down_done;
	struct px_buf uin;        /* upstream bytes not yet used (response heads) */
	oc_http_response_head *res; /* response head being read (HTTP connections only) */
	bool head_method;         /* the request was HEAD: responses have no body */
	bool res_started;         /* bytes of a response reached the proxy */
	bool res_head_done;       /* the final (non-1xx) response head is through */
	uint8_t http_minor;       /* the client's HTTP version */

	struct px_record rec;
};

/* ---- conn.c ---- */
/* refuse: why the connection is over a cap (then answered 503), or NULL. */
void px_conn_accepted(oc_proxy *p, oc_proxy_kind kind, int fd, const oc_sockaddr *peer,
	const char *refuse);
/* Ends the connection (emitting its open record with `reason`); it is
 * freed after the current callbacks return. */
void px_conn_close(struct px_conn *c, const char *reason);
void px_conn_free_dead(oc_proxy *p);
/* Runs the phase's work after an event or a change of phase. */
void px_conn_run(struct px_conn *c);
/* The current phase's deadline, ms from now. */
void px_conn_deadline(struct px_conn *c, uint32_t ms);
/* Enters phase ph and arms its deadline. */
void px_conn_enter(struct px_conn *c, enum px_phase ph);
/* After an answer or exchange: the next request (PH_HEAD) or a lingering
 * close (PH_LINGER). */
void px_conn_after(struct px_conn *c, enum px_phase next);
int px_conn_watch_upstream(struct px_conn *c, unsigned events);
/* recv() into buf on fd whose ready bit is `bit`: > 0 bytes, 0 closed,
 * PX_READ_WAIT (nothing now: the bit is cleared), PX_READ_ERROR (errno).
 * A short read also clears the bit: the socket was drained, and epoll
 * (level-triggered) reports anything that arrives later. */
enum { PX_READ_WAIT = -1, PX_READ_ERROR = -2 };
ssize_t px_read(struct px_conn *c, int fd, unsigned bit, void *buf, size_t n);
/* Appends what the client sent to c->in, unless it holds `limit` bytes
 * already; false when the connection ended (closed with the reason
 * `closed`). */
bool px_read_client(struct px_conn *c, size_t limit, const char *closed);

/* ---- listen.c ---- */
void px_listen_release(oc_proxy *p, uint32_t ip, bool lingering);
void px_listen_refuse(struct px_conn *c, const char *which);
void px_listen_free_all(oc_proxy *p);
/* Turns every listener on or off (the accept gate's switch). */
void px_listen_set(void *arg, bool on);

/* ---- head.c ---- */
/* PH_HEAD: reads and dispatches request heads. */
void px_head_run(struct px_conn *c);
/* Waits for the next request (the first, or the next on keep-alive). */
void px_head_next(struct px_conn *c);

/* ---- judge.c ---- */
/* A plain HTTP request as rules see it, built once from its head: the host
 * normalised, method, origin-form path (what goes upstream), headers and
 * body size. The headers live in p->scratch (see px_headers_map). */
struct px_http_ctx {
	oc_context ctx;
	char host[OC_HOSTNAME_MAX];
	char method[64];
	char *path;
};
/* Builds h for c->req over c->in, `raw_host` as the request wrote it and
 * `port`; h->method must be set. OC_ENOMEM, or another error for a host
 * that is no host name. px_http_ctx_free frees it either way. */
int px_http_ctx_build(struct px_conn *c, const char *raw_host, uint16_t port,
	struct px_http_ctx *h);
void px_http_ctx_free(struct px_http_ctx *h);
/* Identity and the rules for a plain HTTP request, on its context. */
void px_judge_http(struct px_conn *c, oc_context *ctx, struct px_verdict *v);
/* The same for TLS, on its context (oc_context_for_tls): a CONNECT (before
 * the hello) or a CONNECT's hello (connect true), or a redirected hello
 * (connect false). */
void px_judge_tls(struct px_conn *c, oc_context *ctx, bool connect, struct px_verdict *v);
/* Why the live rules (and lockdowns) would not let an open tunnel or a
 * running plain HTTP exchange through any more, or NULL while they do (or
 * the connection carries neither). Judged on what its record holds, for
 * its container. */
const char *px_no_longer_allowed(struct px_conn *c);
/* http.body_size as rules see it at head time: Content-Length, INT64_MAX
 * for a chunked body (its size is not known yet), 0 without a body. */
int64_t px_body_size(const oc_http_request *r);
/* The http.headers map of a request (lower-case names, repeated fields
 * joined by ", "), built in p->scratch: valid until the next call. */
int px_headers_map(oc_proxy *p, const oc_http_request *r, const char *buf, oc_map *out);

/* ---- page.c ---- */
/* The 403 for a record: what was blocked, the rule, the decision id and
 * the request command (none for a lockdown, which refuses requests);
 * `refused` for a peer that is not a container; `revoked` (or NULL) the
 * text of an approval of this host the operator revoked. */
int px_page_blocked(oc_buf *out, const char *command, const struct px_record *rec,
	const char *revoked, bool refused, bool keep, bool head);
/* Emits the record and queues its 403; keep: read the next request after. */
void px_reply_blocked(struct px_conn *c, bool refused, bool keep);
/* Queues a plain-text error (400, 408, 431, 502, 503, 504...) with the
 * record's status and reason. */
void px_reply_error(struct px_conn *c, int status, const char *what, const char *why, bool keep);
/* Queues bytes for the client (PH_REPLY), then goes on with `after`. */
void px_reply_queue(struct px_conn *c, const char *data, size_t len, enum px_phase after);

/* ---- rewrite.c ---- */
/* Appends the request head as it goes upstream; `authority` becomes Host
 * when the request had none. */
int px_rewrite_request(struct px_buf *out, oc_proxy *p, const oc_http_request *r,
	const char *buf, const char *authority);
/* Appends the response head as it goes to the client. */
int px_rewrite_response(struct px_buf *out, oc_proxy *p, const oc_http_response_head *r,
	const char *buf, bool close, bool client_http10);

/* ---- upstream.c ---- */
/* An upstream for host:port under verdict v: the kept one when it fits,
 * else resolve, check, connect; then px_upstream_ready. */
void px_upstream_open(struct px_conn *c, const char *host, uint16_t port,
	const struct px_verdict *v);
void px_upstream_connect_run(struct px_conn *c);
void px_upstream_ready(struct px_conn *c);
/* A reused upstream died before its response began: send the request
 * again on a fresh connection. False when that is not possible. */
bool px_upstream_retry(struct px_conn *c);
/* 502/504 (or a closed TLS connection) for an upstream failure. */
void px_upstream_fail(struct px_conn *c, int status, const char *what, const char *why);
void px_upstream_close(struct px_conn *c);

/* ---- pump.c ---- */
/* Moves d's bytes src -> dst as far as they go; src_buf holds bytes
 * already read from src (may be NULL). */
enum px_wait px_pump(struct px_conn *c, struct px_dir *d, int src, int dst, unsigned src_ready,
	unsigned dst_ready, struct px_buf *src_buf);
/* Writes d's queue to dst; W_DONE once it is empty. */
enum px_wait px_flush(struct px_conn *c, struct px_dir *d, int dst, unsigned dst_ready);
void px_dir_reset(oc_proxy *p, struct px_dir *d);

/* ---- exchange.c ---- */
void px_exchange_start(struct px_conn *c);
void px_exchange_run(struct px_conn *c);

/* ---- tunnel.c ---- */
/* A CONNECT head: judge host and port, then open the upstream. */
void px_tunnel_connect(struct px_conn *c);
/* The CONNECT's upstream is up: 200, then the hello. */
void px_tunnel_established(struct px_conn *c);
void px_tunnel_hello_start(struct px_conn *c);
/* A redirected 443 connection: the hello first. */
void px_tunnel_transparent(struct px_conn *c);
void px_hello_run(struct px_conn *c);
/* The hello was allowed and the upstream is up: splice both ways. */
void px_tunnel_start(struct px_conn *c);
void px_tunnel_run(struct px_conn *c);
/* A TLS access_denied alert, then close. */
void px_tunnel_deny(struct px_conn *c);

/* ---- record.c ---- */
/* Opens the record of a request or tunnel (strings are copied). */
int px_record_open(struct px_conn *c, oc_event_layer layer, const char *host, uint16_t port,
	const char *method, const char *path);
/* Sets the rule (copied), verdict, generation and container (a reference
 * the record takes over). */
void px_record_decided(struct px_conn *c, const char *rule, oc_event_verdict verdict,
	const char *reason, uint64_t generation, oc_container *ctr);
/* Keeps what an allowed plain HTTP request was judged on beyond its head
 * (headers, body size), for px_no_longer_allowed. 0 or OC_ENOMEM. */
int px_record_keep_http(struct px_conn *c, const oc_context *ctx);
/* Emits and closes the record; `reason` if it has none. */
void px_record_emit(struct px_conn *c, const char *reason);
/* A security event about the connection (not a decision). */
void px_record_security(struct px_conn *c, const char *reason);

#endif
