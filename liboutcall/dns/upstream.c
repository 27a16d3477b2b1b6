/* Forwarded queries and the acceptance of upstream answers. */
#include "dns/upstream.h"
#include "core/error.h"
#include "core/random.h"

int oc_dns_upstream_id(uint16_t *id)
{
	return oc_random_bytes(id, sizeof(*id));
}

int oc_dns_upstream_query(const oc_dns_query *q, uint16_t id, uint8_t *out, size_t cap)
{
	oc_dns_writer w = { out, 0, cap, false };
	oc_dns_w_16(&w, id);
	oc_dns_w_16(&w, OC_DNS_F_RD);
	oc_dns_w_bytes(&w, "\0\1\0\0\0\0\0\1", 8); /* one question, one OPT */
	oc_dns_w_bytes(&w, q->question, q->qlen);
	oc_dns_w_bytes(&w, "\0\0\x29", 3);
	oc_dns_w_16(&w, OC_DNS_UDP_MAX);
	oc_dns_w_bytes(&w, "\0\0\0\0\0\0", 6); /* rcode, version, flags, no options */
	if (w.overflow || !q->has_question)
		return oc_error_set(OC_EINVAL, "DNS query %u to forward: no question, or buffer "
			"of %zu bytes too small", q->id, cap);
	return (int)w.len;
}

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Label length bytes are below 64, so folding every byte of the name
 * compares lengths exactly and letters without case. */
static bool same_question(const oc_dns_query *q, const uint8_t *p)
{
	size_t name = q->qlen - 4u;
	for (size_t i = 0; i < name; i++)
		if (ascii_lower(p[i]) != ascii_lower(q->question[i]))
			return false;
	return memcmp(p + name, q->question + name, 4) == 0;
}

oc_dns_reply oc_dns_upstream_check(const oc_dns_query *q, uint16_t id, const uint8_t *msg,
	size_t len, bool tcp)
{
	if (len < OC_DNS_HEADER_LEN + (size_t)q->qlen || !q->has_question)
		return OC_DNS_REPLY_IGNORE;
	uint16_t flags = oc_dns_get16(msg + OC_DNS_OFF_FLAGS);
	if (oc_dns_get16(msg + OC_DNS_OFF_ID) != id || !(flags & OC_DNS_F_QR) ||
		OC_DNS_OPCODE(flags) != 0 || oc_dns_get16(msg + OC_DNS_OFF_QDCOUNT) != 1 ||
		!same_question(q, msg + OC_DNS_HEADER_LEN))
		return OC_DNS_REPLY_IGNORE;
	if (flags & OC_DNS_F_TC)
		return tcp ? OC_DNS_REPLY_FAILED : OC_DNS_REPLY_TRUNCATED;
	int rcode = flags & OC_DNS_F_RCODE;
	return rcode == OC_DNS_RCODE_NOERROR || rcode == OC_DNS_RCODE_NXDOMAIN ?
		OC_DNS_REPLY_OK : OC_DNS_REPLY_FAILED;
}
