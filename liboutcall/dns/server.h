/*
 * Internal parts of oc_dns_server (outcall/dns.h), split by concern:
 *   server.c        lifecycle, listen/unlisten, stats, cache listing
 *   server_udp.c    UDP sockets: batches of datagrams in and answers out
 *   server_tcp.c    TCP listeners and connections (RFC 7766 framing)
 *   server_query.c  one query from a client, transport-independent
 *   server_grant.c  direct_ip grants for an answer
 * The transports hand every message to oc_dns_srv_query() and provide a
 * sink for answers that come later from upstream.
 */
#ifndef OC_DNS_SERVER_H
#define OC_DNS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/dns.h>
#include <outcall/engine.h>
#include "core/peercount.h"
#include "core/ratelimit.h"
#include "loop/accept.h"
#include "dns/cache.h"
#include "core/dlist.h"
#include "dns/fetch.h"
#include "dns/filter.h"
#include "sockets/sock.h"

struct oc_dns_pending;

/* One container holds at most 1/OC_DNS_PENDING_SHARE of max_pending
 * (at least 1): it takes four flooding together to fill the table. */
#define OC_DNS_PENDING_SHARE 4

/* Where answers for one client stream go: a UDP socket (many peers) or a
 * TCP connection (one peer). Queries waiting for an upstream are listed
 * here so that closing the sink detaches them: their answers are then
 * dropped, while the query still completes (cache, decision record). */
struct oc_dns_sink {
	void (*send)(struct oc_dns_sink *sink, const oc_sockaddr *peer, const uint8_t *msg,
		size_t len);
	oc_dlist pending;   /* of struct oc_dns_pending, by their sink node */
	bool tcp;
	unsigned inflight;  /* queries listed in `pending` */
};

/* An empty sink with the transport's send. */
void oc_dns_sink_init(struct oc_dns_sink *sink,
	void (*send)(struct oc_dns_sink *, const oc_sockaddr *, const uint8_t *, size_t), bool tcp);

/* One UDP + TCP address pair the server listens on. */
struct oc_dns_listener {
	struct oc_dns_sink sink; /* the UDP socket's */
	oc_dns_server *s;
	struct oc_dns_listener *next;
	oc_sockaddr addr;
	int udp_fd, tcp_fd;
	oc_accept_gate accept;   /* TCP accepting paused: out of file descriptors */
};

struct oc_dns_tcp_conn;
struct oc_dns_udp_batch;

struct oc_dns_server {
	oc_loop *loop;
	oc_dns_config cfg;
	oc_services svc;
	oc_dns_fetcher *fetcher;
	oc_dns_cache *cache;
	oc_ratelimit *rl;          /* NULL: no rate limit */
	oc_dns_filter_config filter;
	struct oc_dns_listener *listeners;
	oc_dlist conns;            /* struct oc_dns_tcp_conn */
	oc_peercount tcp_peers;    /* the TCP connections by container */
	uint64_t accept_pauses;    /* of listeners closed since */
	oc_dlist pending;          /* struct oc_dns_pending, by their server node */
	oc_peercount pending_peers; /* the same, counted by container (.total: all) */
	struct oc_dns_udp_batch *batch;
	oc_dns_stats st;           /* the counters; the rest is filled on demand */
	uint8_t answer[2 + OC_DNS_TCP_MAX]; /* answers built outside a UDP batch */
};

/* The rule set one batch of messages is decided with: taken once per
 * batch, so the messages of a batch share one generation. */
struct oc_dns_rules {
	oc_ruleset *rs;
	uint64_t generation;
	bool taken;
};

void oc_dns_rules_release(struct oc_dns_rules *r);

/*
 * Handles one message from peer, received on sink. Writes an immediate
 * answer to out[0..cap) (cap >= OC_DNS_UDP_MAX over UDP, OC_DNS_TCP_MAX
 * over TCP) and returns its length; returns 0 when nothing is to be sent
 * now (dropped, or waiting for an upstream: sink->send comes later).
 */
size_t oc_dns_srv_query(oc_dns_server *s, struct oc_dns_rules *rules, struct oc_dns_sink *sink,
	const oc_sockaddr *peer, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

/* Detaches the queries waiting on sink (it is being closed). */
void oc_dns_sink_detach(struct oc_dns_sink *sink);
/* Abandons every waiting query (the server is being freed). */
void oc_dns_srv_abandon_all(oc_dns_server *s);

/* UDP: the batch buffers, and the socket's callback. */
int oc_dns_udp_batch_new(struct oc_dns_udp_batch **out);
void oc_dns_udp_batch_free(struct oc_dns_udp_batch *b);
int oc_dns_udp_open(struct oc_dns_listener *l);
void oc_dns_udp_close(struct oc_dns_listener *l);

/* TCP: the listener and its connections. */
int oc_dns_tcp_open(struct oc_dns_listener *l);
/* Closes the listening socket and every connection accepted on it. */
void oc_dns_tcp_close(struct oc_dns_listener *l);

/*
 * direct_ip: grants every IPv4 address of `a` to container c under the
 * deciding rule, for the rule's ports, each until its TTL (less `elapsed`)
 * runs out. Returns 0 once the kernel has them (or there was nothing to
 * grant), or a negative oc_err with the reason in `why` (refusals are not
 * retried: the answer becomes SERVFAIL).
 */
int oc_dns_srv_grant(oc_dns_server *s, const oc_container *c, const oc_decision *d,
	const char *name, const oc_dns_answer *a, uint32_t elapsed, char *why, size_t why_size);

#endif
