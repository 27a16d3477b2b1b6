#include "dns/filter.h"
#include "dns/name.h"
#include "core/error.h"

#include <ldns/ldns.h>
#include <sys/socket.h>

/* The answer being assembled. */
struct build {
	const oc_dns_filter_config *cfg;
	const oc_dns_query *q;
	ldns_pkt *out;
	uint32_t ttl;       /* smallest TTL so far: the cache lifetime */
	size_t nlinks;
	char chain[OC_DNS_CHAIN_MAX][OC_DNS_NAME_TEXT_MAX];
	oc_dns_filter_result *res;
};

static int fail(oc_dns_filter_result *res, const char *why)
{
	res->answer = NULL;
	res->why = why;
	return 0;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

int oc_dns_strip_ech(ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	if ((t != LDNS_RR_TYPE_HTTPS && t != LDNS_RR_TYPE_SVCB) || ldns_rr_rd_count(rr) != 3 ||
	    ldns_rdf_get_type(ldns_rr_rdf(rr, 2)) != LDNS_RDF_TYPE_SVCPARAMS)
		return 0;
	const ldns_rdf *params = ldns_rr_rdf(rr, 2);
	const uint8_t *in = ldns_rdf_data(params);
	size_t len = ldns_rdf_size(params), o = 0, n = 0;
	uint8_t *out = malloc(len ? len : 1);
	if (!out)
		return oc_error_nomem();
	bool found = false;
	/* key (2), length (2), value: ldns checked the framing when it parsed */
	while (o + 4 <= len) {
		size_t vlen = (size_t)in[o + 2] << 8 | in[o + 3];
		if (o + 4 + vlen > len)
			break;
		if ((in[o] << 8 | in[o + 1]) == OC_DNS_SVC_KEY_ECH)
			found = true;
		else
			memcpy(out + n, in + o, 4 + vlen), n += 4 + vlen;
		o += 4 + vlen;
	}
	ldns_rdf *r = found ? ldns_rdf_new_frm_data(LDNS_RDF_TYPE_SVCPARAMS, n, out) : NULL;
	free(out);
	if (!found)
		return 0;
	if (!r)
		return oc_error_nomem();
	ldns_rdf_deep_free(ldns_rr_set_rdf(rr, r, 2));
	return 1;
}

/* Adds a copy of rr to a section with its TTL set to ttl. */
static int push(struct build *b, ldns_pkt_section s, const ldns_rr *rr, uint32_t ttl)
{
	ldns_rr *c = ldns_rr_clone(rr);
	int ech = c ? oc_dns_strip_ech(c) : 0;
	if (!c || ech < 0 || !ldns_pkt_push_rr(b->out, s, c)) {
		ldns_rr_free(c);
		return oc_error_nomem();
	}
	b->res->ech_removed += (size_t)ech;
	ldns_rr_set_ttl(c, ttl);
	b->ttl = min_u32(b->ttl, ttl);
	return 0;
}

static bool same_name(const ldns_rdf *a, const ldns_rdf *b)
{
	return ldns_dname_compare(a, b) == 0;
}

/* The first CNAME of the answer section owned by `name`. */
static const ldns_rr *cname_of(const ldns_rr_list *an, const ldns_rdf *name, uint16_t qclass)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && ldns_rr_get_class(rr) == qclass &&
			ldns_rr_rd_count(rr) == 1 && same_name(ldns_rr_owner(rr), name))
			return rr;
	}
	return NULL;
}

/* Follows the chain from the query name; *last gets the chain's last name.
 * Returns 0, 1 if the answer is unusable (res->why set) or OC_ENOMEM. */
static int follow_chain(struct build *b, const ldns_rr_list *an, const ldns_rdf *qname,
	const ldns_rdf **last, bool *cut)
{
	const ldns_rdf *seen[OC_DNS_CHAIN_MAX + 1] = { qname };
	*last = qname;
	*cut = false;
	/* A query for the CNAME itself gets one link, whose target the agent
	 * must still be allowed to see. */
	bool one = b->q->qtype == OC_DNS_TYPE_CNAME;
	for (const ldns_rr *rr; !(one && b->nlinks) && (rr = cname_of(an, *last, b->q->qclass));) {
		const ldns_rdf *target = ldns_rr_rdf(rr, 0);
		const char *bad = b->nlinks == OC_DNS_CHAIN_MAX ? "CNAME chain longer than 16 links" : NULL;
		for (size_t i = 0; i <= b->nlinks && !bad; i++)
			if (same_name(seen[i], target))
				bad = "CNAME loop in the upstream answer";
		if (bad) {
			fail(b->res, bad);
			return 1;
		}
		size_t wlen, tlen;
		if (oc_dns_name_to_host(ldns_rdf_data(target), ldns_rdf_size(target), &wlen,
				b->chain[b->nlinks], &tlen) != OC_DNS_NAME_OK) {
			*cut = true; /* no rule can allow such a target */
			return 0;
		}
		int rc = push(b, LDNS_SECTION_ANSWER, rr, min_u32(ldns_rr_ttl(rr), b->cfg->ttl_max));
		if (rc < 0)
			return rc;
		seen[++b->nlinks] = target;
		*last = target;
	}
	return 0;
}

static bool wanted(const ldns_rr *rr, const ldns_rdf *last, const oc_dns_query *q)
{
	uint16_t t = (uint16_t)ldns_rr_get_type(rr);
	bool type_ok = t == q->qtype || (q->qtype == OC_DNS_TYPE_ANY && t != OC_DNS_TYPE_CNAME);
	return type_ok && ldns_rr_get_class(rr) == q->qclass && same_name(ldns_rr_owner(rr), last);
}

/* Is rr an address record the policy removes? */
static bool private_addr(const struct build *b, const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	if ((t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) != 1)
		return false;
	const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
	size_t want = t == LDNS_RR_TYPE_A ? 4 : 16;
	if (ldns_rdf_size(rd) != want)
		return true; /* malformed address: never hand it out */
	return oc_addr_policy_is_private(b->cfg->private_ranges,
		t == LDNS_RR_TYPE_A ? AF_INET : AF_INET6, ldns_rdf_data(rd));
}

static int add_final_records(struct build *b, const ldns_rr_list *an, const ldns_rdf *last,
	bool allow_private, size_t *count)
{
	*count = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (!wanted(rr, last, b->q))
			continue;
		ldns_rr_type t = ldns_rr_get_type(rr);
		bool addr = t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA;
		if (addr && !allow_private && private_addr(b, rr)) {
			b->res->addrs_removed++;
			continue;
		}
		b->res->addrs_kept += addr;
		int rc = push(b, LDNS_SECTION_ANSWER, rr, min_u32(ldns_rr_ttl(rr), b->cfg->ttl_max));
		if (rc < 0)
			return rc;
		(*count)++;
	}
	return 0;
}

/* A negative answer keeps its SOA, which says how long to cache it. */
static int add_negative_soa(struct build *b, const ldns_rr_list *ns)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ns, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_get_class(rr) != b->q->qclass ||
			ldns_rr_rd_count(rr) != 7 || ldns_rdf_size(ldns_rr_rdf(rr, 6)) != 4)
			continue;
		uint32_t minimum = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
		uint32_t ttl = min_u32(min_u32(ldns_rr_ttl(rr), minimum), b->cfg->negative_ttl_max);
		return push(b, LDNS_SECTION_AUTHORITY, rr, ttl);
	}
	b->ttl = 0; /* RFC 2308: no SOA, no negative caching */
	return 0;
}

static int finish(struct build *b)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	ldns_status st = ldns_pkt2wire(&wire, b->out, &len);
	if (st == LDNS_STATUS_MEM_ERR)
		return oc_error_nomem();
	const char *names[OC_DNS_CHAIN_MAX];
	for (size_t i = 0; i < b->nlinks; i++)
		names[i] = b->chain[i];
	int rc = st == LDNS_STATUS_OK ?
		oc_dns_answer_new(wire, len, b->ttl, names, b->nlinks, &b->res->answer) : OC_EINVAL;
	free(wire);
	/* Re-encoding can only fail on size (over 64 KiB): unusable, not fatal. */
	if (rc == OC_EINVAL)
		return fail(b->res, "filtered answer does not fit a DNS message");
	return rc;
}

static int filter_pkt(struct build *b, const ldns_pkt *in, const ldns_rdf *qname,
	bool allow_private)
{
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(in);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
		return fail(b->res, "upstream answered with an error");
	const ldns_rr_list *an = ldns_pkt_answer(in);
	const ldns_rdf *last;
	bool cut;
	int rc = follow_chain(b, an, qname, &last, &cut);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	size_t count = 0;
	bool cname_query_answered = b->q->qtype == OC_DNS_TYPE_CNAME && b->nlinks > 0;
	if (!cut && !cname_query_answered) {
		rc = add_final_records(b, an, last, allow_private, &count);
		if (rc < 0)
			return rc;
		if (b->res->addrs_removed > 0 && b->res->addrs_kept == 0)
			return fail(b->res, "every address in the answer is private");
		if (count == 0)
			rc = add_negative_soa(b, ldns_pkt_authority(in));
	}
	/* A chain ended at an unusable target says nothing about that name. */
	ldns_pkt_set_rcode(b->out, (uint8_t)(cut ? LDNS_RCODE_NOERROR : rcode));
	return rc < 0 ? rc : finish(b);
}

int oc_dns_filter(const oc_dns_filter_config *cfg, const oc_dns_query *q, bool allow_private,
	const uint8_t *wire, size_t len, oc_dns_filter_result *res)
{
	*res = (oc_dns_filter_result){ 0 };
	ldns_pkt *in = NULL;
	ldns_rdf *qname = NULL;
	size_t pos = 0;
	if (!q->has_question || ldns_wire2pkt(&in, wire, len) != LDNS_STATUS_OK)
		return fail(res, "upstream answer unreadable");
	if (ldns_wire2dname(&qname, q->question, q->qlen, &pos) != LDNS_STATUS_OK) {
		ldns_pkt_free(in);
		return fail(res, "query name unreadable");
	}
	struct build *b = malloc(sizeof(*b));
	ldns_rdf *qcopy = ldns_rdf_clone(qname);
	ldns_pkt *out = qcopy ? ldns_pkt_query_new(qcopy, (ldns_rr_type)q->qtype,
		(ldns_rr_class)q->qclass, 0) : NULL;
	int rc;
	if (!b || !out) {
		if (!out)
			ldns_rdf_deep_free(qcopy);
		rc = oc_error_nomem();
	} else {
		*b = (struct build){ .cfg = cfg, .q = q, .out = out, .ttl = cfg->ttl_max, .res = res };
		ldns_pkt_set_qr(out, true);
		rc = filter_pkt(b, in, qname, allow_private);
	}
	free(b);
	ldns_pkt_free(out);
	ldns_rdf_deep_free(qname);
	ldns_pkt_free(in);
	return rc;
}
