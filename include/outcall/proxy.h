/*
 * The HTTP/HTTPS proxy on an Outcall event loop.
 *
 * Listeners come in three kinds:
 * - OC_PROXY_EXPLICIT: clients configured with a proxy (HTTP_PROXY /
 *   HTTPS_PROXY). Absolute-form http:// requests and CONNECT. Every
 *   request on a kept-alive connection is judged on its own (host, port,
 *   method, path, headers), so a second request to another host may be
 *   blocked; the request goes upstream in origin form without hop-by-hop
 *   fields. CONNECT is judged on host and port; a port other than 443 is
 *   allowed only by an allow rule whose condition reads network.port (the
 *   operator named the port). After "200 Connection established" the TLS
 *   ClientHello is read (across reads and records, size-capped, within
 *   hello_ms) and judged: an SNI other than the CONNECT host closes the
 *   tunnel and emits a security event; without SNI the CONNECT host is
 *   judged; with Encrypted Client Hello the outer (public) name is the
 *   SNI. Tunnels carry TLS only: anything that is not a ClientHello is
 *   closed.
 * - OC_PROXY_TRANSPARENT_HTTP: tcp/80 redirected by the kernel layer. The
 *   request is judged on its Host header and the port the client dialled
 *   (SO_ORIGINAL_DST).
 * - OC_PROXY_TRANSPARENT_HTTPS: tcp/443 redirected. The connection is
 *   judged on the ClientHello's SNI (without SNI: on the original
 *   destination address as the host). A block is a TLS access_denied
 *   alert, since no HTTP answer can be given.
 * In transparent modes the upstream is the judged name as the proxy
 * resolves it, never the packet's destination unless that address is one
 * of the name's (checked) addresses.
 *
 * Identity first (§6): a peer that is not a container in the registry is
 * answered 403 (or closed, on TLS) before any rule is evaluated.
 *
 * Upstream addresses: names are resolved by the proxy (its own resolver on
 * the loop, upstreams as configured); the addresses are checked against
 * the private ranges unless the deciding rule sets allow_private_ips;
 * loopback, link-local (169.254.169.254), multicast and the host's own
 * addresses are never opened (the last is checked on the connected
 * socket: the handshake happens, no byte is sent).
 * The proxy connects to an address it checked, so DNS rebinding between
 * check and connect is impossible. IP literals are checked the same way.
 *
 * Answers: a block is 403 with X-Outcall-Decision and X-Outcall-Rule and a
 * plain-text body naming what was blocked, the rule (or "default"), the
 * decision id and the exact command that asks for access. Upstream
 * failures are 502 (resolution, refused, reset, bad response) or 504
 * (connect or response timeout), with the reason. Over a connection cap:
 * 503 with Retry-After, at once. Slow heads get 408 after head_ms.
 *
 * Relaying: bodies and tunnels move with splice() through pipes from a
 * small per-proxy pool (an idle tunnel holds no pipe); only the bytes that
 * arrive together with a head are copied. Half-closes are passed on.
 * Chunked bodies are relayed as they are, with their framing checked.
 *
 * Records: one decision record per request or tunnel, emitted to the
 * events hub when it ends (verdict, rule, status, bytes up and down,
 * duration); blocks are emitted at once.
 *
 * Scaling: an oc_proxy serves one loop on one thread. To use more cores,
 * create one loop and one proxy per thread with `reuseport` set and call
 * oc_proxy_listen with the same addresses on each: the kernel spreads new
 * connections over the listeners. Connection caps are then per proxy.
 *
 * Ownership: the proxy borrows the loop and everything in oc_services (see
 * services.h) until oc_proxy_free. Thread-safety: every call on the loop's
 * thread, except oc_proxy_get_stats, which any thread may call.
 */
#ifndef OUTCALL_PROXY_H
#define OUTCALL_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/common.h>
#include <outcall/loop.h>
#include <outcall/services.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oc_proxy_config {
	unsigned int version;    /* OC_PROXY_CONFIG_VERSION */
	uint32_t head_ms;        /* [10000] a request head must arrive whole within this */
	uint32_t idle_ms;        /* [60000] kept-alive client waiting for its next request;
	                          * upstream silent while a response is due */
	uint32_t connect_ms;     /* [10000] upstream TCP connect */
	uint32_t tunnel_idle_ms; /* [600000] tunnel without a byte either way */
	uint32_t hello_ms;       /* [10000] ClientHello after CONNECT or on redirected 443 */
	uint32_t resolve_ms;     /* [5000] whole upstream name lookup */
	size_t max_conns;        /* [10000] client connections in all */
	size_t max_conns_per_container; /* [512] client connections from one source address */
	size_t max_head_bytes;   /* [16384] request head, 1024 to 65535 */
	uint32_t retry_after_s;  /* [5] Retry-After of the 503 over a cap */
	/* Resolvers for upstream names: "IP[:port],..." (as the DNS filter's
	 * --dns-upstream); NULL: the nameservers of /etc/resolv.conf. */
	const char *upstreams;
	size_t dns_cache_entries; /* [1024] resolved names kept (for their TTL, at most 300 s) */
	bool reuseport;          /* SO_REUSEPORT on listeners: one proxy per thread */
} oc_proxy_config;

#define OC_PROXY_CONFIG_VERSION 1
#define OC_PROXY_CONFIG_INIT { \
	.version = OC_PROXY_CONFIG_VERSION, .head_ms = 10000, .idle_ms = 60000, \
	.connect_ms = 10000, .tunnel_idle_ms = 600000, .hello_ms = 10000, .resolve_ms = 5000, \
	.max_conns = 10000, .max_conns_per_container = 512, .max_head_bytes = 16384, \
	.retry_after_s = 5, .upstreams = NULL, .dns_cache_entries = 1024, .reuseport = false }

/* Fills in the defaults in brackets above. */
OC_API int oc_proxy_config_init(oc_proxy_config *cfg, unsigned int version);

typedef enum oc_proxy_kind {
	OC_PROXY_EXPLICIT = 0,
	OC_PROXY_TRANSPARENT_HTTP,
	OC_PROXY_TRANSPARENT_HTTPS,
} oc_proxy_kind;

typedef struct oc_proxy oc_proxy;

/* A proxy without listeners. Zero config fields take their defaults. Fails
 * with OC_EINVAL (a value out of range or a bad upstream list, named in
 * the message), OC_ENOMEM, or the resolv.conf errors when `upstreams` is
 * NULL and /etc/resolv.conf names no server. */
OC_API int oc_proxy_new(oc_loop *loop, const oc_proxy_config *cfg, const oc_services *svc,
	oc_proxy **out);

/* Listens on addr ("10.200.0.1:8080", "[::1]:8080") for `kind`; called once
 * per network gateway. The address may not be configured yet (the bridge
 * coming up later). OC_EEXIST if this proxy listens there already. */
OC_API int oc_proxy_listen(oc_proxy *p, oc_proxy_kind kind, const char *addr);
/* Stops listening on addr; connections already accepted go on.
 * OC_ENOTFOUND if there is no such listener. */
OC_API int oc_proxy_unlisten(oc_proxy *p, const char *addr);

typedef struct oc_proxy_stats {
	unsigned int version;      /* OC_PROXY_STATS_VERSION, set by the caller */
	uint64_t conns_open;       /* client connections now */
	uint64_t conns_total;      /* accepted since start */
	uint64_t conns_refused;    /* answered 503 (or closed) over a connection cap */
	uint64_t requests_allowed; /* HTTP requests and tunnels allowed */
	uint64_t requests_blocked; /* ... blocked by the rules (403, TLS alert) */
	uint64_t requests_refused; /* ... from peers that are not managed containers */
	uint64_t requests_invalid; /* malformed heads and ClientHellos (400, 431, ...) */
	uint64_t tunnels_open;     /* CONNECT and redirected-TLS tunnels now */
	uint64_t tunnels_total;
	uint64_t sni_mismatches;   /* tunnels closed for an SNI other than the CONNECT host */
	uint64_t upstream_errors;  /* 502/504: resolution, connect, reset, bad response */
	uint64_t timeouts;         /* head, hello and idle timeouts */
	uint64_t bytes_up;         /* client to upstream, heads and bodies, counted as each
	                            * request or tunnel ends (as in its record) */
	uint64_t bytes_down;       /* upstream to client, likewise */
	uint64_t accept_pauses;    /* accept() out of descriptors: listeners paused */
} oc_proxy_stats;

#define OC_PROXY_STATS_VERSION 1
#define OC_PROXY_STATS_INIT { .version = OC_PROXY_STATS_VERSION }
OC_API int oc_proxy_stats_init(oc_proxy_stats *st, unsigned int version);

/* Thread-safe: a snapshot of the counters (each read atomically). */
OC_API int oc_proxy_get_stats(oc_proxy *p, oc_proxy_stats *out);

/* Closes every connection from ip (network order) now: requests, tunnels
 * and kept connections, each with its decision record carrying `reason`.
 * For a container whose access ended at once (a lockdown). Returns how
 * many were closed. Loop thread only. */
OC_API size_t oc_proxy_close_peer(oc_proxy *p, struct in_addr ip, const char *reason);

/* Judges every open tunnel and every running plain HTTP exchange (request
 * going up or response coming down, a long download included) again with
 * the live rules and lockdowns, on what they were judged on (host, port,
 * method, path, headers, body size), and closes those they no longer
 * allow, each with its decision record: a revoked or changed rule ends
 * what it opened. Call after each publish of new rules. Returns how many
 * were closed. Loop thread only. */
OC_API size_t oc_proxy_rejudge(oc_proxy *p);

/* Closes the listeners and every connection (in-flight requests and
 * tunnels get their decision record, with reason "proxy stopped"). NULL is
 * allowed. */
OC_API void oc_proxy_free(oc_proxy *p);

#ifdef __cplusplus
}
#endif
#endif
