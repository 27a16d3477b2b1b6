#include "dns/wire.h"

size_t oc_dns_skip_name(const uint8_t *pkt, size_t len, size_t off)
{
	size_t start = off;
	while (off < len) {
		uint8_t c = pkt[off];
		if (c == 0)
			return off + 1 - start <= OC_DNS_NAME_WIRE_MAX ? off + 1 : 0;
		if ((c & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (c & 0xc0)
			return 0;
		off += 1u + c;
		if (off - start > OC_DNS_NAME_WIRE_MAX)
			return 0;
	}
	return 0;
}

bool oc_dns_rr_read(const uint8_t *pkt, size_t len, size_t off, oc_dns_rr *rr)
{
	size_t p = oc_dns_skip_name(pkt, len, off);
	if (p == 0 || len - p < 10)
		return false;
	rr->start = off;
	rr->type = oc_dns_get16(pkt + p);
	rr->rclass = oc_dns_get16(pkt + p + 2);
	rr->ttl_off = p + 4;
	rr->ttl = oc_dns_get32(pkt + p + 4);
	rr->rdlen = oc_dns_get16(pkt + p + 8);
	rr->rdata = p + 10;
	if (len - rr->rdata < rr->rdlen)
		return false;
	rr->end = rr->rdata + rr->rdlen;
	return true;
}
