/*
 * An asynchronous stub resolver on the event loop: the IPv4 addresses of
 * a host name, asked of the configured upstream resolvers, for a layer
 * that connects to the name itself (the proxy). It is the DNS filter's
 * packet logic driven by sockets: the question is built and sent with
 * dns/upstream.h, the trip through the upstreams (UDP, TCP on truncation,
 * fresh id and source port per attempt, failover, deadlines) is
 * dns/forward.h, and the answer is read with dns/filter.h, which follows
 * CNAME chains and caps TTLs.
 *
 * What it does not do: judge anything. The addresses come back unfiltered
 * and are cached that way; which of them a connection may use depends on
 * the deciding rule (allow_private_ips), so the caller applies
 * oc_resolve_permit() per decision and connects to an address it checked.
 * /etc/hosts is not consulted (a container's name must mean what the
 * upstream says, not what the host's files say).
 *
 * Cache: positive answers only, by name, for the smallest TTL of the
 * records (capped at ttl_max), least recently used evicted first.
 * Concurrent lookups of one name share one query.
 *
 * Ownership: the resolver belongs to its creator and borrows the loop and
 * the address policy. Thread-safety: none; every call on the loop's thread.
 */
#ifndef OC_RESOLVE_RESOLVE_H
#define OC_RESOLVE_RESOLVE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/addr.h>
#include <outcall/loop.h>

#include "core/error.h"

typedef struct oc_resolver_config {
	/* "IP[:port],..." as the DNS filter's upstream list (dns/upstream.h);
	 * NULL: the nameservers of resolv_conf. */
	const char *upstreams;
	const char *resolv_conf;   /* NULL: /etc/resolv.conf */
	uint32_t attempt_ms;       /* [1500] one message to one upstream */
	uint32_t total_ms;         /* [5000] the whole lookup */
	size_t cache_entries;      /* [1024] names kept */
	uint32_t ttl_max;          /* [300] seconds an answer is kept at most */
} oc_resolver_config;

#define OC_RESOLVE_ADDRS_MAX 16

typedef struct oc_resolve_result {
	int status;                /* 0, OC_ENOTFOUND (no such name, no IPv4 address),
	                            * OC_EUNREACHABLE (no upstream answered usefully) */
	const char *why;           /* with an error: constant text for the client and the log */
	size_t count;
	struct in_addr addr[OC_RESOLVE_ADDRS_MAX];
} oc_resolve_result;

typedef struct oc_resolver oc_resolver;
typedef struct oc_resolve_wait oc_resolve_wait;

/* Receives the result of a pending lookup. The wait handle is gone once
 * the callback runs: do not cancel it there. */
typedef void (*oc_resolve_cb)(void *arg, const oc_resolve_result *res);

/* Reads the upstream list (OC_EINVAL naming the bad item, or the
 * resolv.conf errors of dns/upstream.h) and sizes the cache. */
int oc_resolver_new(oc_loop *loop, const oc_resolver_config *cfg, oc_resolver **out);
/* Ends pending lookups without calling their callbacks. */
void oc_resolver_free(oc_resolver *r);

/*
 * Looks up `host` (normal form: oc_hostname_normalize). A dotted-quad IPv4
 * literal answers itself. Returns 1 with *res filled when the result is
 * known now (cache, literal, or a failure found at once: a name that is
 * not a host name, no upstream reachable), 0 when it will come to cb
 * (*wait is then the handle for oc_resolve_cancel), or OC_ENOMEM.
 */
int oc_resolve(oc_resolver *r, const char *host, oc_resolve_cb cb, void *arg,
	oc_resolve_wait **wait, oc_resolve_result *res);
/* Forgets a pending lookup's callback; the query itself finishes and its
 * answer is still cached. */
void oc_resolve_cancel(oc_resolver *r, oc_resolve_wait *wait);

typedef struct oc_resolver_stats {
	uint64_t lookups, cache_hits, failures;
	uint64_t queries;          /* messages sent upstream (a TCP retry is another) */
	size_t cached;
} oc_resolver_stats;
void oc_resolver_stats_get(const oc_resolver *r, oc_resolver_stats *out);

/*
 * Addresses no rule can open: "this network" 0.0.0.0/8 (0.0.0.0 reaches
 * the host itself), loopback 127.0.0.0/8 (the host's own services,
 * Outcall's included), link-local 169.254.0.0/16 (cloud metadata services
 * such as 169.254.169.254 and 169.254.170.2), multicast and the reserved
 * 240.0.0.0/4 with broadcast. allow_private_ips does not reach them.
 */
bool oc_resolve_addr_forbidden(struct in_addr a);

/*
 * The addresses of in[0..n) a connection decided with allow_private may
 * use: not forbidden, and not private under `policy` unless allow_private.
 * Writes them in order to out (room for n) and returns how many. When none
 * is left, *why (may be NULL) says why the last one was refused.
 */
size_t oc_resolve_permit(const oc_addr_policy *policy, bool allow_private,
	const struct in_addr *in, size_t n, struct in_addr *out, const char **why);

#endif
