#include "dns/answer.h"
#include "core/error.h"

#include <stdalign.h>
#include <stdlib.h>
#include <sys/socket.h>

static int bad_layout(const char *what)
{
	return oc_error_set(OC_EINVAL, "DNS answer layout: %s (a bug in the DNS filter; "
		"please report it)", what);
}

/* What a walk over the records finds; sizes the single allocation. */
struct scan {
	size_t qend, nrec, naddrs;
};

static int scan(const uint8_t *w, size_t len, size_t nlinks, struct scan *s,
	size_t *ttl_off, size_t *link_end, oc_dns_addr *addrs)
{
	if (len < OC_DNS_HEADER_LEN || len > OC_DNS_TCP_MAX)
		return bad_layout("size out of range");
	if (oc_dns_get16(w + OC_DNS_OFF_QDCOUNT) != 1 || oc_dns_get16(w + OC_DNS_OFF_ARCOUNT))
		return bad_layout("not one question and no additional records");
	size_t an = oc_dns_get16(w + OC_DNS_OFF_ANCOUNT);
	size_t nrec = an + oc_dns_get16(w + OC_DNS_OFF_NSCOUNT);
	size_t off = oc_dns_skip_name(w, len, OC_DNS_HEADER_LEN);
	if (off == 0 || len - off < 4 || nlinks > an)
		return bad_layout("bad question or chain longer than the answer section");
	s->qend = off + 4;
	s->naddrs = 0;
	off = s->qend;
	for (size_t i = 0; i < nrec; i++) {
		oc_dns_rr rr;
		if (!oc_dns_rr_read(w, len, off, &rr))
			return bad_layout("record runs past the end");
		if (i < nlinks && rr.type != OC_DNS_TYPE_CNAME)
			return bad_layout("chain link is not a CNAME");
		if (ttl_off)
			ttl_off[i] = rr.ttl_off;
		if (link_end && i < nlinks)
			link_end[i] = rr.end;
		bool v4 = rr.type == OC_DNS_TYPE_A && rr.rdlen == 4;
		bool v6 = rr.type == OC_DNS_TYPE_AAAA && rr.rdlen == 16;
		if (i < an && (v4 || v6)) {
			if (addrs) {
				oc_dns_addr *a = &addrs[s->naddrs];
				a->family = v4 ? AF_INET : AF_INET6;
				memcpy(a->addr, w + rr.rdata, rr.rdlen);
				a->ttl = rr.ttl;
			}
			s->naddrs++;
		}
		off = rr.end;
	}
	if (off != len)
		return bad_layout("bytes after the last record");
	s->nrec = nrec;
	return 0;
}

/* Bump allocator over the answer's single block. */
static void *carve(char **p, size_t size, size_t align)
{
	uintptr_t at = ((uintptr_t)*p + align - 1) & ~(uintptr_t)(align - 1);
	*p = (char *)at + size;
	return (void *)at;
}

int oc_dns_answer_new(const uint8_t *wire, size_t len, uint32_t ttl, const char *const *chain,
	size_t nlinks, oc_dns_answer **out)
{
	*out = NULL;
	struct scan s;
	int rc = scan(wire, len, nlinks, &s, NULL, NULL, NULL);
	if (rc < 0)
		return rc;
	size_t names = 0;
	for (size_t i = 0; i < nlinks; i++)
		names += strlen(chain[i]) + 1;
	size_t size = sizeof(oc_dns_answer) + 4 * alignof(max_align_t) +
		(s.nrec + nlinks) * sizeof(size_t) + nlinks * sizeof(char *) +
		s.naddrs * sizeof(oc_dns_addr) + names + len;
	char *block = calloc(1, size), *p = block;
	if (!block)
		return oc_error_nomem();
	oc_dns_answer *a = carve(&p, sizeof(*a), alignof(oc_dns_answer));
	size_t *ttl_off = carve(&p, s.nrec * sizeof(size_t), alignof(size_t));
	size_t *link_end = carve(&p, nlinks * sizeof(size_t), alignof(size_t));
	oc_dns_addr *addrs = carve(&p, s.naddrs * sizeof(oc_dns_addr), alignof(oc_dns_addr));
	const char **names_at = carve(&p, nlinks * sizeof(char *), alignof(char *));
	for (size_t i = 0; i < nlinks; i++) {
		size_t n = strlen(chain[i]) + 1;
		names_at[i] = memcpy(carve(&p, n, 1), chain[i], n);
	}
	uint8_t *w = memcpy(carve(&p, len, 1), wire, len);
	scan(w, len, nlinks, &s, ttl_off, link_end, addrs);

	a->rcode = w[3] & OC_DNS_F_RCODE;
	a->ttl = ttl;
	a->wire = w;
	a->len = len;
	a->qlen = (uint16_t)(s.qend - OC_DNS_HEADER_LEN);
	a->nlinks = nlinks;
	a->chain = names_at;
	a->link_end = link_end;
	a->nttl = s.nrec;
	a->ttl_off = ttl_off;
	a->naddrs = s.naddrs;
	a->addrs = addrs;
	a->size = size;
	*out = a;
	return 0;
}

void oc_dns_answer_free(oc_dns_answer *a)
{
	free(a);
}

size_t oc_dns_answer_links(const oc_dns_answer *a, oc_dns_name_allowed_fn allowed, void *arg)
{
	for (size_t i = 0; i < a->nlinks; i++)
		if (!allowed(arg, a->chain[i]))
			return i;
	return a->nlinks;
}

int oc_dns_answer_write(const oc_dns_answer *a, const oc_dns_query *q, uint32_t elapsed,
	size_t links, const oc_dns_ede *ede, uint8_t *out, size_t limit)
{
	if (!q->has_question || q->qlen != a->qlen)
		return oc_error_set(OC_EINVAL, "DNS answer for query %u: question of %u bytes "
			"does not match the stored answer's %u", q->id, q->qlen, a->qlen);
	size_t start = OC_DNS_HEADER_LEN + a->qlen;
	oc_dns_body body = { a->wire + start, a->len - start,
		oc_dns_get16(a->wire + OC_DNS_OFF_ANCOUNT), oc_dns_get16(a->wire + OC_DNS_OFF_NSCOUNT) };
	int rcode = a->rcode;
	if (links < a->nlinks) {
		body.len = (links ? a->link_end[links - 1] : start) - start;
		body.an = (uint16_t)links;
		body.ns = 0;
		rcode = OC_DNS_RCODE_NOERROR;
	}
	int n = oc_dns_respond(q, rcode, &body, ede, out, limit);
	if (n < 0 || (oc_dns_get16(out + OC_DNS_OFF_FLAGS) & OC_DNS_F_TC))
		return n;
	/* Records sit at the same offsets as in a->wire: same question length. */
	for (size_t i = 0; i < a->nttl && a->ttl_off[i] < start + body.len; i++) {
		uint32_t ttl = oc_dns_get32(a->wire + a->ttl_off[i]);
		oc_dns_put32(out + a->ttl_off[i], ttl > elapsed ? ttl - elapsed : 0);
	}
	return n;
}
