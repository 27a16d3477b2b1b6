/*
 * Upstream resolvers: which ones (--dns-upstream, else /etc/resolv.conf),
 * what we send them, and which of their answers we accept.
 *
 * The DNS server does the I/O around these calls, and owns the parts that
 * need sockets (documented here so the contract is in one place):
 * - each forwarded query goes out from a fresh UDP socket bound to port 0,
 *   so the kernel picks a random source port per query, with an id from
 *   oc_dns_upstream_id() (getrandom);
 * - a datagram is considered only if it comes from the address and port
 *   the query was sent to (recvfrom / a connected socket); then
 *   oc_dns_upstream_check() decides; OC_DNS_REPLY_IGNORE means keep
 *   waiting for the real answer until the deadline;
 * - OC_DNS_REPLY_TRUNCATED means ask the same upstream again over TCP;
 *   OC_DNS_REPLY_FAILED or a timeout means try the next upstream; when all
 *   have failed the client gets SERVFAIL.
 *
 * The types are plain data, thread-safe to read; the functions keep no
 * state.
 */
#ifndef OC_DNS_UPSTREAM_H
#define OC_DNS_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "dns/query.h"

#define OC_DNS_UPSTREAM_MAX 8

typedef struct oc_dns_upstream {
	struct sockaddr_storage addr; /* sockaddr_in or sockaddr_in6 (with scope id) */
	socklen_t len;
} oc_dns_upstream;

typedef struct oc_dns_upstreams {
	size_t count;
	oc_dns_upstream server[OC_DNS_UPSTREAM_MAX];
} oc_dns_upstreams;

/*
 * Parses the --dns-upstream value: comma-separated IP[:port], with IPv6
 * addresses in brackets when a port is given ("192.0.2.1,192.0.2.2:5353,
 * [2001:db8::1]:53, 2001:db8::2"); the port defaults to 53. A link-local
 * IPv6 address may carry its zone ("fe80::1%eth0"). Empty items are
 * skipped. Returns 0, or
 * OC_EINVAL naming the bad item.
 */
int oc_dns_upstreams_parse(const char *list, oc_dns_upstreams *out);

/*
 * Reads the `nameserver` lines of a resolv.conf (port 53; zones allowed
 * as above). Lines that do not parse are skipped, as the C library does;
 * servers past OC_DNS_UPSTREAM_MAX are ignored; other options (timeout,
 * rotate, search) do not apply to a forwarder and are ignored. Returns 0,
 * OC_EOS if the file cannot be read, or OC_ENOTFOUND if it names no usable
 * server (the message then says to pass --dns-upstream).
 */
int oc_dns_upstreams_from_resolv_conf(const char *path, oc_dns_upstreams *out);

/* "192.0.2.1:53" or "[2001:db8::1]:53", for logs. size >= 64 is enough. */
void oc_dns_upstream_format(const oc_dns_upstream *u, char *out, size_t size);

/* A query id from the kernel's CSPRNG. Returns 0 or OC_EOS. */
int oc_dns_upstream_id(uint16_t *id);

/*
 * The query sent upstream for q (which must be OC_DNS_QUERY_OK): the given
 * id, RD set (we are a forwarder), CD clear, q's question bytes, and our
 * own OPT record (payload OC_DNS_UDP_MAX, DO clear, no options), so no
 * client cookie, padding or other option reaches the upstream. Returns the
 * length written, or OC_EINVAL if cap is too small (cap >= 300 always
 * suffices).
 */
int oc_dns_upstream_query(const oc_dns_query *q, uint16_t id, uint8_t *out, size_t cap);

typedef enum oc_dns_reply {
	OC_DNS_REPLY_OK = 0,    /* our answer: hand it to oc_dns_filter() */
	OC_DNS_REPLY_IGNORE,    /* not an answer to our query (wrong id, question, no QR) */
	OC_DNS_REPLY_TRUNCATED, /* TC over UDP: retry this upstream over TCP */
	OC_DNS_REPLY_FAILED,    /* an answer, but an error rcode (or TC over TCP): next upstream */
} oc_dns_reply;

/*
 * Matches an upstream message against the query we sent for q with id:
 * same id, QR set, opcode QUERY, exactly one question equal to q's (name
 * compared case-insensitively, type and class exactly). The records are
 * not examined here; oc_dns_filter() reads them with ldns.
 */
oc_dns_reply oc_dns_upstream_check(const oc_dns_query *q, uint16_t id, const uint8_t *msg,
	size_t len, bool tcp);

#endif
