/*
 * Incoming queries: what a packet a container sent to the DNS filter is,
 * and what the filter must do with it. Works on the wire directly (no
 * allocation); the result is copied into the caller's oc_dns_query, which
 * stays valid after the packet buffer is reused.
 */
#ifndef OC_DNS_QUERY_H
#define OC_DNS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dns/wire.h"

typedef enum oc_dns_verdict {
	/* A well-formed standard query: decide it by policy. name, qtype,
	 * qclass and question are set. */
	OC_DNS_QUERY_OK = 0,
	/* Send nothing: a response (QR set) sent to the server, which would
	 * start a loop or reflect traffic, or fewer than 12 bytes (no id to
	 * answer to). */
	OC_DNS_QUERY_DROP,
	/* Answer with q->rcode and nothing else (oc_dns_respond): FORMERR for
	 * malformed packets and QDCOUNT != 1, NOTIMP for opcodes other than
	 * QUERY, BADVERS for EDNS versions other than 0, REFUSED for classes
	 * other than IN, meta query types (OPT, TKEY, TSIG, IXFR, AXFR, MAILB,
	 * MAILA, 0) and names that are not host names. */
	OC_DNS_QUERY_ERROR,
} oc_dns_verdict;

typedef struct oc_dns_query {
	uint16_t id;
	uint16_t flags;         /* the query's header flags (opcode, RD, CD) */
	int rcode;              /* OC_DNS_QUERY_ERROR: the rcode to answer */
	const char *why;        /* DROP / ERROR: constant text for the log */
	bool has_question;      /* question parsed: echoed in any answer */
	uint16_t qtype, qclass;
	uint16_t qlen;          /* bytes in question[] */
	bool edns;              /* the query had a valid OPT record */
	bool edns_do;           /* its DO bit, copied to answers (RFC 3225) */
	uint8_t edns_version;
	uint16_t udp_size;      /* its payload size */
	uint8_t name_len;
	char name[OC_DNS_NAME_TEXT_MAX];       /* normal form, only with OC_DNS_QUERY_OK */
	uint8_t question[OC_DNS_QUESTION_MAX]; /* the client's question bytes, case kept */
} oc_dns_query;

/*
 * Parses pkt[0..len) (the UDP payload, or a TCP message without its length
 * prefix). Strict: counts must match the records present, the question
 * name may not use compression, only OPT-valid EDNS is accepted (one OPT,
 * owned by the root, well-formed options), and no bytes may follow the
 * last record. Never reads outside pkt.
 */
oc_dns_verdict oc_dns_query_parse(const uint8_t *pkt, size_t len, oc_dns_query *q);

#endif
