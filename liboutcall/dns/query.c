#include "dns/query.h"
#include "dns/name.h"

static oc_dns_verdict refuse(oc_dns_query *q, int rcode, const char *why)
{
	q->rcode = rcode;
	q->why = why;
	return OC_DNS_QUERY_ERROR;
}

/* EDNS options are TLVs that must exactly fill the RDATA. */
static bool options_ok(const uint8_t *p, size_t len)
{
	while (len > 0) {
		if (len < 4)
			return false;
		size_t olen = oc_dns_get16(p + 2);
		if (len - 4 < olen)
			return false;
		p += 4 + olen;
		len -= 4 + olen;
	}
	return true;
}

/* Reads the additional section: EDNS, and nothing malformed. */
static oc_dns_verdict parse_additional(const uint8_t *pkt, size_t len, size_t off,
	unsigned count, oc_dns_query *q)
{
	for (unsigned i = 0; i < count; i++) {
		oc_dns_rr rr;
		if (!oc_dns_rr_read(pkt, len, off, &rr))
			return refuse(q, OC_DNS_RCODE_FORMERR, "additional record runs past the packet");
		if (rr.type == OC_DNS_TYPE_OPT) {
			if (q->edns)
				return refuse(q, OC_DNS_RCODE_FORMERR, "more than one OPT record");
			if (pkt[off] != 0)
				return refuse(q, OC_DNS_RCODE_FORMERR, "OPT record not owned by the root");
			if (!options_ok(pkt + rr.rdata, rr.rdlen))
				return refuse(q, OC_DNS_RCODE_FORMERR, "malformed EDNS options");
			q->edns = true;
			q->udp_size = rr.rclass;
			q->edns_version = (uint8_t)(rr.ttl >> 16);
			q->edns_do = (rr.ttl & OC_DNS_EDNS_DO) != 0;
		}
		off = rr.end;
	}
	if (off != len)
		return refuse(q, OC_DNS_RCODE_FORMERR, "bytes after the last record");
	return OC_DNS_QUERY_OK;
}

static bool meta_type(uint16_t t)
{
	return t == 0 || t == OC_DNS_TYPE_OPT || (t >= OC_DNS_TYPE_TKEY && t <= OC_DNS_TYPE_MAILA);
}

oc_dns_verdict oc_dns_query_parse(const uint8_t *pkt, size_t len, oc_dns_query *q)
{
	q->has_question = false;
	q->edns = q->edns_do = false;
	q->edns_version = 0;
	q->udp_size = 0;
	q->rcode = OC_DNS_RCODE_NOERROR;
	q->why = NULL;
	q->qlen = 0;
	if (len < OC_DNS_HEADER_LEN) {
		q->id = q->flags = 0;
		q->why = "shorter than a DNS header";
		return OC_DNS_QUERY_DROP;
	}
	q->id = oc_dns_get16(pkt + OC_DNS_OFF_ID);
	q->flags = oc_dns_get16(pkt + OC_DNS_OFF_FLAGS);
	if (q->flags & OC_DNS_F_QR) {
		q->why = "a response, not a query";
		return OC_DNS_QUERY_DROP;
	}
	if (OC_DNS_OPCODE(q->flags) != 0)
		return refuse(q, OC_DNS_RCODE_NOTIMP, "opcode is not QUERY");
	if (oc_dns_get16(pkt + OC_DNS_OFF_QDCOUNT) != 1)
		return refuse(q, OC_DNS_RCODE_FORMERR, "QDCOUNT is not 1");
	if (oc_dns_get16(pkt + OC_DNS_OFF_ANCOUNT) || oc_dns_get16(pkt + OC_DNS_OFF_NSCOUNT))
		return refuse(q, OC_DNS_RCODE_FORMERR, "query carries answer or authority records");

	size_t name_wire, name_text;
	oc_dns_name_status ns = oc_dns_name_to_host(pkt + OC_DNS_HEADER_LEN,
		len - OC_DNS_HEADER_LEN, &name_wire, q->name, &name_text);
	size_t qend = OC_DNS_HEADER_LEN + name_wire + 4;
	if (ns == OC_DNS_NAME_MALFORMED || qend > len)
		return refuse(q, OC_DNS_RCODE_FORMERR, "malformed question");
	q->qlen = (uint16_t)(qend - OC_DNS_HEADER_LEN);
	memcpy(q->question, pkt + OC_DNS_HEADER_LEN, q->qlen);
	q->qtype = oc_dns_get16(pkt + qend - 4);
	q->qclass = oc_dns_get16(pkt + qend - 2);
	q->name_len = (uint8_t)name_text;
	q->has_question = true;

	oc_dns_verdict v = parse_additional(pkt, len, qend,
		oc_dns_get16(pkt + OC_DNS_OFF_ARCOUNT), q);
	if (v != OC_DNS_QUERY_OK)
		return v;
	if (q->edns && q->edns_version != 0)
		return refuse(q, OC_DNS_RCODE_BADVERS, "EDNS version is not 0");
	if (q->qclass != OC_DNS_CLASS_IN)
		return refuse(q, OC_DNS_RCODE_REFUSED, "class is not IN");
	if (meta_type(q->qtype))
		return refuse(q, OC_DNS_RCODE_REFUSED, "meta or transfer query type");
	if (ns != OC_DNS_NAME_OK)
		return refuse(q, OC_DNS_RCODE_REFUSED, "name is not a host name");
	return OC_DNS_QUERY_OK;
}
