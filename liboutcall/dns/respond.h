/*
 * Building answers to containers, in wire format, without allocation:
 * error answers (FORMERR, NOTIMP, REFUSED, SERVFAIL, BADVERS), the blocked
 * answer (NXDOMAIN + SOA + Extended DNS Error), and the common frame the
 * cached/forwarded answers use (answer.h).
 *
 * Every answer echoes the query's id, opcode, RD and CD bits and its
 * question (when it was parsed), sets QR and RA, and carries an OPT record
 * exactly when the query had one (RFC 6891), advertising OC_DNS_UDP_MAX
 * and copying the DO bit. Answers that do not fit `limit` are cut to the
 * header and question with TC set, so the client retries over TCP.
 */
#ifndef OC_DNS_RESPOND_H
#define OC_DNS_RESPOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dns/query.h"

/* How agents ask for access when the embedder names no other command. */
#define OC_DNS_REQUEST_COMMAND "outcall-shim request"

/* An Extended DNS Error (RFC 8914): INFO-CODE and UTF-8 EXTRA-TEXT. */
typedef struct oc_dns_ede {
	uint16_t code;
	const char *text;
	size_t len;
} oc_dns_ede;

/* Records that follow the question in an answer, already in wire format
 * as they will sit after the question (compression pointers included). */
typedef struct oc_dns_body {
	const uint8_t *data;
	size_t len;
	uint16_t an, ns; /* records in the answer and authority sections */
} oc_dns_body;

/* The largest answer this client takes: 65535 over TCP; over UDP 512
 * without EDNS, else its advertised size within [512, OC_DNS_UDP_MAX]. */
size_t oc_dns_response_limit(const oc_dns_query *q, bool tcp);

/*
 * Writes an answer with `rcode` (extended codes need q->edns), the records
 * of `body` (may be NULL) and, when the query had OPT and ede is not NULL,
 * the Extended DNS Error. Returns the length written into out[0..limit),
 * or OC_EINVAL when limit is under 12 bytes or the rcode cannot be
 * expressed. Without a parsed question (q->has_question false) the answer
 * has an empty question section.
 */
int oc_dns_respond(const oc_dns_query *q, int rcode, const oc_dns_body *body,
	const oc_dns_ede *ede, uint8_t *out, size_t limit);

/*
 * The blocked answer: NXDOMAIN, a synthetic SOA for the query name in the
 * authority section (owner: the query name; MNAME outcall.invalid; TTL and
 * MINIMUM: negative_ttl) so resolvers cache the denial for that long
 * (RFC 2308), and with EDNS an Extended DNS Error 15 "Blocked" whose text
 * is oc_dns_block_text(). rule_id NULL means no rule matched (default);
 * lock_reason non-NULL means the agent is locked down (rule_id names the
 * lockdown); command NULL means OC_DNS_REQUEST_COMMAND.
 * q must be OC_DNS_QUERY_OK.
 */
int oc_dns_respond_blocked(const oc_dns_query *q, const char *rule_id, const char *lock_reason,
	const char *command, uint32_t negative_ttl, uint8_t *out, size_t limit);

/*
 * The text an agent reads in the blocked answer, naming the rule or the
 * default and how to ask for access (`command`, the embedder's
 * oc_services.request_command; NULL: OC_DNS_REQUEST_COMMAND), e.g.
 *   outcall blocked evil.example: rule "no-paste"; ask for access: outcall-shim request --host evil.example --why "..."
 *   outcall blocked evil.example: default (no rule allows it); ask for access: outcall-shim request --host evil.example --why "..."
 * (the shim's syntax, as in the proxy's 403 page). A locked-down agent
 * (lock_reason non-NULL, "" for none given) is told so instead, with the
 * reason when it is short, since a request would be refused:
 *   outcall blocked evil.example: rule "lockdown": this agent is locked down by the operator: REASON; nothing is allowed and access requests are refused until the operator lifts it
 * Writes at most size bytes including the NUL; returns the length it
 * wrote without the NUL.
 */
size_t oc_dns_block_text(const char *rule_id, const char *lock_reason, const char *name,
	const char *command, char *out, size_t size);

#endif
