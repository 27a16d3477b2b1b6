/*
 * One query's trip through the upstream resolvers, as pure state: which
 * upstream to ask, over UDP or TCP, with which id, until when. The server
 * does the I/O and reports what happened; this decides what comes next.
 *
 * Policy: upstreams in the configured order, each asked once over UDP and,
 * if it answers truncated, once more over TCP; an attempt lasts at most
 * attempt_ms, except at the last upstream, which is waited for until the
 * trip's total_ms is up (a slow resolver is still a resolver); every attempt gets a
 * fresh random id (and from the server a fresh socket, hence a fresh
 * source port), so a late or forged answer to an earlier attempt never
 * matches. When no upstream is left or time is up, the client gets
 * SERVFAIL.
 *
 * Ownership: the caller embeds the struct (one per pending query); the
 * upstream list must outlive it. Thread-safety: none.
 */
#ifndef OC_DNS_FORWARD_H
#define OC_DNS_FORWARD_H

#include <stdbool.h>
#include <stdint.h>
#include "dns/upstream.h"

typedef enum oc_dns_fwd_step {
	OC_DNS_FWD_SEND,     /* send oc_dns_upstream_query(q, f->id) to f->ups->server[f->index]
	                      * over TCP if f->tcp, else UDP; wait until f->deadline_ms */
	OC_DNS_FWD_WAIT,     /* not the answer: keep waiting for this attempt */
	OC_DNS_FWD_ANSWER,   /* the message is the answer: oc_dns_filter() it */
	OC_DNS_FWD_SERVFAIL, /* give up: f->why says why */
} oc_dns_fwd_step;

typedef struct oc_dns_forward {
	const oc_dns_upstreams *ups;
	size_t index;         /* the upstream being asked */
	bool tcp;
	uint16_t id;
	uint64_t deadline_ms; /* end of the current attempt */
	uint64_t end_ms;      /* end of the whole trip */
	uint32_t attempt_ms;
	unsigned attempts;    /* messages sent so far */
	const char *why;      /* with OC_DNS_FWD_SERVFAIL: constant text */
} oc_dns_forward;

/* Starts with the first upstream over UDP: returns OC_DNS_FWD_SEND, or
 * OC_DNS_FWD_SERVFAIL if there is no upstream or no random id. */
oc_dns_fwd_step oc_dns_forward_start(oc_dns_forward *f, const oc_dns_upstreams *ups,
	uint32_t attempt_ms, uint32_t total_ms, uint64_t now_ms);

/* A message came from the current upstream; r is oc_dns_upstream_check()'s
 * verdict on it. */
oc_dns_fwd_step oc_dns_forward_reply(oc_dns_forward *f, oc_dns_reply r, uint64_t now_ms);

/* The current attempt's deadline passed without an answer. */
oc_dns_fwd_step oc_dns_forward_timeout(oc_dns_forward *f, uint64_t now_ms);

/* The current attempt failed at the socket (connection refused or reset,
 * ICMP unreachable, TCP closed early). */
oc_dns_fwd_step oc_dns_forward_error(oc_dns_forward *f, uint64_t now_ms);

#endif
