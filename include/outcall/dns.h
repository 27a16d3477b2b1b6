/*
 * The DNS filter as a server on an oc_loop: UDP and TCP
 * on each gateway address it is told to listen on, answering only managed
 * containers.
 *
 * Per query: the peer must be a container of the registry (else REFUSED,
 * before any rule); its rate limit (else REFUSED); a well-formed standard
 * query (else FORMERR / NOTIMP / REFUSED, or nothing for responses sent to
 * the server); then the rules decide on dns.query, dns.record_type and the
 * agent and container fields. Blocked: NXDOMAIN with an SOA and an Extended
 * DNS Error 15 naming the rule (or "default") and the command to ask for
 * access. Allowed: from the cache, else from the upstream resolvers, with
 * private addresses stripped unless the rule sets allow_private_ips, CNAME
 * chains cut at the first name the agent may not resolve, and for
 * egress.mode direct_ip the kernel grant committed before the answer
 * leaves. Every query gives one decision record to the events hub.
 *
 * Threading: a server belongs to its loop. Every function here must be
 * called on the loop's thread (or before the loop runs); the services it
 * borrows (rules, registry, events, firewall) may be changed from other
 * threads as their own headers allow. The loop never blocks on the server
 * except for a direct_ip grant, which waits for the kernel's
 * acknowledgement by design (the answer must not leave before the grant).
 *
 * Ownership: the server borrows the loop and everything in oc_services
 * until oc_dns_server_free; the config is copied.
 */
#ifndef OUTCALL_DNS_H
#define OUTCALL_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <outcall/common.h>
#include <outcall/loop.h>
#include <outcall/services.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Settings; OC_DNS_CONFIG_INIT and oc_dns_config_init() fill the defaults
 * in brackets. Strings are copied by oc_dns_server_new. */
typedef struct oc_dns_config {
	unsigned int version;         /* OC_DNS_CONFIG_VERSION */
	/* ["NULL"] upstream resolvers, "IP[:port],..." (IPv6 as [IP]:port);
	 * NULL reads the nameserver lines of resolv_conf. */
	const char *upstreams;
	const char *resolv_conf;      /* ["/etc/resolv.conf"] */
	size_t cache_entries;         /* [10000] answers kept at most */
	size_t cache_bytes;           /* [16 MiB] bytes they may take */
	uint32_t max_ttl;             /* [3600] s: cap on every TTL given out or cached */
	uint32_t negative_ttl;        /* [300] s: cap on caching NXDOMAIN / NODATA */
	uint32_t blocked_ttl;         /* [10] s: SOA TTL of blocked answers, kept short so
	                               * an approved request takes effect quickly */
	double rate_per_sec;          /* [50] queries per second per container; 0: no limit */
	double rate_burst;            /* [200] */
	uint32_t tcp_idle_ms;         /* [10000] each TCP query must arrive whole within this
	                               * of the connection or the previous query; partial
	                               * bytes do not extend it */
	uint32_t upstream_timeout_ms; /* [1500] one attempt at one upstream; the last
	                               * one asked gets the rest of the total */
	uint32_t upstream_total_ms;   /* [4000] all attempts of one query */
	size_t max_tcp_clients;       /* [256] open TCP connections, all clients */
	size_t max_pending;           /* [4096] queries waiting for upstreams, a quarter of
	                               * them at most from one container; beyond: SERVFAIL */
	size_t max_tcp_clients_per_container; /* [16] open TCP connections from one source
	                               * address; beyond it (or max_tcp_clients) a new
	                               * connection is closed at once */
} oc_dns_config;

#define OC_DNS_CONFIG_VERSION 1
#define OC_DNS_CONFIG_INIT { \
	.version = OC_DNS_CONFIG_VERSION, .upstreams = NULL, .resolv_conf = "/etc/resolv.conf", \
	.cache_entries = 10000, .cache_bytes = 16u << 20, .max_ttl = 3600, .negative_ttl = 300, \
	.blocked_ttl = 10, .rate_per_sec = 50, .rate_burst = 200, .tcp_idle_ms = 10000, \
	.upstream_timeout_ms = 1500, .upstream_total_ms = 4000, .max_tcp_clients = 256, \
	.max_tcp_clients_per_container = 16, .max_pending = 4096 }

OC_API int oc_dns_config_init(oc_dns_config *cfg, unsigned int version);

typedef struct oc_dns_server oc_dns_server;

/*
 * A server that listens nowhere yet. Reads the upstream list (OC_EINVAL
 * naming a bad item, OC_ENOTFOUND when resolv.conf names no server).
 * svc->rules, registry, events and private_ranges are required;
 * svc->firewall may be NULL, and then every direct_ip answer is SERVFAIL.
 */
OC_API int oc_dns_server_new(oc_loop *loop, const oc_dns_config *cfg, const oc_services *svc,
	oc_dns_server **out);

/*
 * Serves UDP and TCP on addr ("10.200.0.1:53"; port 53 if omitted; port
 * 0 takes a free UDP port and the same TCP port, for tests). Called once
 * per network gateway, also while the loop runs. The address need not be
 * configured yet (IP_FREEBIND: the bridge may come later).
 * OC_EEXIST if the server already listens there.
 */
OC_API int oc_dns_server_listen(oc_dns_server *s, const char *addr);
/* Stops serving addr: closes its sockets and TCP connections; answers
 * still on their way from upstreams are dropped. OC_ENOTFOUND if the
 * server does not listen there. */
OC_API int oc_dns_server_unlisten(oc_dns_server *s, const char *addr);

/* Closes everything; pending queries are abandoned. NULL is allowed. */
OC_API void oc_dns_server_free(oc_dns_server *s);

/* One upstream resolver's counters; handed out by the library
 * (oc_dns_upstream_list), so it may grow at its end without a version. */
typedef struct oc_dns_upstream_stats {
	char addr[64];         /* "198.18.0.53:53" */
	uint64_t queries;      /* messages sent (a TCP retry is another one) */
	uint64_t answers;      /* accepted answers */
	uint64_t timeouts;     /* attempts that ran out of time */
	uint64_t failures;     /* error rcodes, unreachable, connection errors */
	uint64_t truncated;    /* UDP answers with TC (retried over TCP) */
	uint64_t ignored;      /* messages that were not the answer (wrong id or question) */
} oc_dns_upstream_stats;

typedef struct oc_dns_stats {
	unsigned int version;      /* OC_DNS_STATS_VERSION, set by the caller */
	/* Queries by outcome; every message that is not dropped counts once. */
	uint64_t queries;          /* messages received, UDP and TCP */
	uint64_t tcp_queries;
	uint64_t allowed;          /* answered from the cache or an upstream */
	uint64_t blocked;          /* NXDOMAIN by a rule or the default */
	uint64_t refused_unknown;  /* peer is not a managed container */
	uint64_t rate_limited;     /* REFUSED over the container's rate */
	uint64_t malformed;        /* FORMERR, NOTIMP, BADVERS, REFUSED by the parser */
	uint64_t dropped;          /* responses or runts sent to the server: no answer */
	uint64_t servfail;         /* upstreams failed, all addresses private, grant refused,
	                            * too many pending */
	uint64_t overloaded;       /* of servfail: max_pending, or a container's share, reached */
	uint64_t cut;              /* answers cut at a CNAME target the agent may not see */
	uint64_t addrs_removed;    /* private A/AAAA records stripped */
	uint64_t pending;          /* queries waiting for an upstream now */
	/* cache */
	uint64_t cache_hits, cache_misses, cache_evictions, cache_expirations;
	size_t cache_entries, cache_bytes;
	/* upstreams: totals (each one: oc_dns_server_upstreams) */
	uint64_t upstream_queries, upstream_timeouts, upstream_failures;
	size_t nupstreams;
	/* direct_ip */
	uint64_t grants_added;     /* elements committed (address x port) */
	uint64_t grants_refused;   /* answers turned into SERVFAIL by a refused grant */
	/* TCP */
	uint64_t tcp_accepted, tcp_rejected; /* rejected: over a connection cap */
	uint64_t tcp_idle_closed;   /* closed at the deadline: idle, a query not whole in time
	                             * or answers not read */
	size_t tcp_open;
	uint64_t tcp_accept_pauses; /* accept() out of descriptors: listener paused */
} oc_dns_stats;

#define OC_DNS_STATS_VERSION 1
#define OC_DNS_STATS_INIT { .version = OC_DNS_STATS_VERSION }
OC_API int oc_dns_stats_init(oc_dns_stats *st, unsigned int version);

/* Fills the fields of out->version (see outcall.h, "Stats"). */
OC_API int oc_dns_server_get_stats(oc_dns_server *s, oc_dns_stats *out);

/* Each upstream resolver's counters, in the configured order. */
typedef struct oc_dns_upstream_list oc_dns_upstream_list; /* owned by the caller */
OC_API int oc_dns_server_upstreams(oc_dns_server *s, oc_dns_upstream_list **out);
OC_API size_t oc_dns_upstream_list_count(const oc_dns_upstream_list *l);
/* Valid until oc_dns_upstream_list_free; NULL past the end. */
OC_API const oc_dns_upstream_stats *oc_dns_upstream_list_get(const oc_dns_upstream_list *l,
	size_t i);
OC_API void oc_dns_upstream_list_free(oc_dns_upstream_list *l);

/* A container left the address `ip`: its rate-limit bucket is refilled,
 * so the next container there starts afresh. */
OC_API void oc_dns_server_forget(oc_dns_server *s, struct in_addr ip);

/* Empties the cache (after a reload, or on the operator's request). */
OC_API void oc_dns_server_flush(oc_dns_server *s);

/* Calls fn for every live cache entry, most recently used first: name,
 * type ("A", "TYPE65"), seconds left and the bytes it takes. Returns 0. */
OC_API int oc_dns_server_cache_list(oc_dns_server *s, void (*fn)(const char *name,
	const char *type, uint32_t ttl_left, size_t bytes, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif
