/*
 * DNS wire format: constants, bounds-checked readers and a bounded writer.
 * The hot paths (queries in, blocked and cached answers out) work on the
 * wire directly with these; ldns is used only for upstream answers.
 *
 * Every reader takes the packet length and fails (returns 0 / false)
 * instead of reading past it; offsets are size_t into the packet.
 */
#ifndef OC_DNS_WIRE_H
#define OC_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OC_DNS_HEADER_LEN 12
#define OC_DNS_NAME_WIRE_MAX 255                     /* RFC 1035 2.3.4 */
#define OC_DNS_NAME_TEXT_MAX 254                     /* 253 characters and the NUL */
#define OC_DNS_QUESTION_MAX (OC_DNS_NAME_WIRE_MAX + 4) /* name, type, class */
#define OC_DNS_UDP_MIN 512
/* What we advertise and never exceed over UDP: the DNS Flag Day 2020 size,
 * which avoids IP fragmentation on any common path. */
#define OC_DNS_UDP_MAX 1232
#define OC_DNS_TCP_MAX 65535
#define OC_DNS_OPT_LEN 11 /* an OPT record without options */

enum {
	OC_DNS_TYPE_A = 1,
	OC_DNS_TYPE_NS = 2,
	OC_DNS_TYPE_CNAME = 5,
	OC_DNS_TYPE_SOA = 6,
	OC_DNS_TYPE_AAAA = 28,
	OC_DNS_TYPE_OPT = 41,
	OC_DNS_TYPE_TKEY = 249,
	OC_DNS_TYPE_TSIG = 250,
	OC_DNS_TYPE_IXFR = 251,
	OC_DNS_TYPE_AXFR = 252,
	OC_DNS_TYPE_MAILB = 253,
	OC_DNS_TYPE_MAILA = 254,
	OC_DNS_TYPE_ANY = 255,
};

#define OC_DNS_CLASS_IN 1

enum {
	OC_DNS_RCODE_NOERROR = 0,
	OC_DNS_RCODE_FORMERR = 1,
	OC_DNS_RCODE_SERVFAIL = 2,
	OC_DNS_RCODE_NXDOMAIN = 3,
	OC_DNS_RCODE_NOTIMP = 4,
	OC_DNS_RCODE_REFUSED = 5,
	OC_DNS_RCODE_BADVERS = 16, /* extended: needs an OPT record */
};

/* Header flag bits (second 16-bit word). */
#define OC_DNS_F_QR 0x8000
#define OC_DNS_F_OPCODE 0x7800
#define OC_DNS_F_AA 0x0400
#define OC_DNS_F_TC 0x0200
#define OC_DNS_F_RD 0x0100
#define OC_DNS_F_RA 0x0080
#define OC_DNS_F_CD 0x0010
#define OC_DNS_F_RCODE 0x000f
#define OC_DNS_OPCODE(flags) (((flags) >> 11) & 0xf)

/* EDNS (RFC 6891) */
#define OC_DNS_EDNS_DO 0x8000
#define OC_DNS_OPTION_EDE 15 /* Extended DNS Errors, RFC 8914 */

/* RFC 8914 INFO-CODEs the filter uses. */
enum {
	OC_DNS_EDE_OTHER = 0,
	OC_DNS_EDE_BLOCKED = 15,
	OC_DNS_EDE_PROHIBITED = 18,
	OC_DNS_EDE_NO_REACHABLE_AUTHORITY = 22,
	OC_DNS_EDE_NETWORK_ERROR = 23,
};

/* Header field offsets. */
#define OC_DNS_OFF_ID 0
#define OC_DNS_OFF_FLAGS 2
#define OC_DNS_OFF_QDCOUNT 4
#define OC_DNS_OFF_ANCOUNT 6
#define OC_DNS_OFF_NSCOUNT 8
#define OC_DNS_OFF_ARCOUNT 10

static inline uint16_t oc_dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t oc_dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void oc_dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void oc_dns_put32(uint8_t *p, uint32_t v)
{
	oc_dns_put16(p, (uint16_t)(v >> 16));
	oc_dns_put16(p + 2, (uint16_t)v);
}

/* Offset just past the name at `off` (labels, optionally ending in a
 * compression pointer, which is not followed), or 0 when the name runs
 * past `len`, uses a reserved label type or exceeds 255 bytes. */
size_t oc_dns_skip_name(const uint8_t *pkt, size_t len, size_t off);

/* A resource record located in a packet. */
typedef struct oc_dns_rr {
	size_t start;     /* owner name */
	size_t ttl_off;   /* offset of the 32-bit TTL field */
	uint16_t type, rclass;
	uint32_t ttl;
	size_t rdata;     /* RDATA offset */
	uint16_t rdlen;
	size_t end;       /* just past the record */
} oc_dns_rr;

/* Locates the record at `off`; false if it does not fit in `len`. */
bool oc_dns_rr_read(const uint8_t *pkt, size_t len, size_t off, oc_dns_rr *rr);

/* A bounded writer: appends nothing once `limit` would be exceeded and
 * remembers that it overflowed, so builders check once at the end. */
typedef struct oc_dns_writer {
	uint8_t *p;
	size_t len, limit;
	bool overflow;
} oc_dns_writer;

static inline void oc_dns_w_bytes(oc_dns_writer *w, const void *data, size_t n)
{
	if (w->overflow || n > w->limit - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

static inline void oc_dns_w_16(oc_dns_writer *w, uint16_t v)
{
	uint8_t b[2];
	oc_dns_put16(b, v);
	oc_dns_w_bytes(w, b, 2);
}

static inline void oc_dns_w_32(oc_dns_writer *w, uint32_t v)
{
	uint8_t b[4];
	oc_dns_put32(b, v);
	oc_dns_w_bytes(w, b, 4);
}

#endif
