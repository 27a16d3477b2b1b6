/* One query: the question a client would send, asked through the DNS
 * layer's fetcher (dns/fetch.h: fresh socket and id per attempt, TCP on
 * truncation, failover), and the answer read with dns/filter.h. */
#include "resolve/query.h"

#include <string.h>
#include <sys/socket.h>

#include "dns/filter.h"

static void fail_with(struct oc_resolve_query *qr, int status, const char *why)
{
	oc_resolve_result res = { .status = status, .why = why };
	oc_resolve_query_done(qr, &res, 0);
}

/* The IPv4 addresses of the chain's last name in an accepted answer. */
static void answer(struct oc_resolve_query *qr, const uint8_t *msg, size_t len)
{
	oc_dns_filter_config cfg = { .ttl_max = qr->r->cfg.ttl_max };
	oc_dns_filter_result fr;
	if (oc_dns_filter(&cfg, &qr->q, true, msg, len, &fr) < 0) {
		fail_with(qr, OC_EUNREACHABLE, "out of memory while reading the DNS answer");
		return;
	}
	if (!fr.answer) {
		fail_with(qr, OC_EUNREACHABLE, fr.why);
		return;
	}
	oc_resolve_result res = { 0 };
	for (size_t i = 0; i < fr.answer->naddrs && res.count < OC_RESOLVE_ADDRS_MAX; i++)
		if (fr.answer->addrs[i].family == AF_INET)
			memcpy(&res.addr[res.count++], fr.answer->addrs[i].addr, 4);
	uint32_t ttl = fr.answer->ttl;
	bool nxdomain = fr.answer->rcode == OC_DNS_RCODE_NXDOMAIN;
	oc_dns_answer_free(fr.answer);
	if (nxdomain)
		fail_with(qr, OC_ENOTFOUND, "no such host (NXDOMAIN)");
	else if (!res.count)
		fail_with(qr, OC_ENOTFOUND, "the name has no IPv4 address");
	else
		oc_resolve_query_done(qr, &res, ttl);
}

/* The question as a client would send it, parsed back so that the
 * upstream helpers see exactly what the DNS filter would. */
static int build_question(struct oc_resolve_query *qr, const char *name)
{
	uint8_t pkt[OC_DNS_HEADER_LEN + OC_DNS_QUESTION_MAX] = { 0 };
	oc_dns_writer w = { .p = pkt, .limit = sizeof(pkt) };
	oc_dns_w_bytes(&w, "\0\0\x01\0\0\x01\0\0\0\0\0\0", OC_DNS_HEADER_LEN);
	for (const char *l = name; *l;) {
		size_t n = strcspn(l, ".");
		if (n == 0 || n > 63)
			return oc_error_set(OC_EINVAL, "cannot resolve '%s': not a host name", name);
		uint8_t len = (uint8_t)n;
		oc_dns_w_bytes(&w, &len, 1);
		oc_dns_w_bytes(&w, l, n);
		l += n + (l[n] == '.');
	}
	oc_dns_w_bytes(&w, "\0\0\x01\0\x01", 5);
	if (w.overflow || oc_dns_query_parse(pkt, w.len, &qr->q) != OC_DNS_QUERY_OK)
		return oc_error_set(OC_EINVAL, "cannot resolve '%s': not a host name", name);
	return 0;
}

static void on_fetched(void *arg, const oc_dns_fetch_result *res)
{
	struct oc_resolve_query *qr = arg;
	qr->fetch = NULL; /* the fetcher frees it after this call */
	if (!res->ok)
		fail_with(qr, OC_EUNREACHABLE, res->why);
	else
		answer(qr, res->msg, res->len);
}

void oc_resolve_query_stop(struct oc_resolve_query *qr)
{
	if (qr->fetch)
		oc_dns_fetch_cancel(qr->fetch);
	qr->fetch = NULL;
}

int oc_resolve_query_start(struct oc_resolve_query *qr, const char *name, const char **why)
{
	int rc = build_question(qr, name);
	if (rc) {
		*why = "not a host name";
		return rc;
	}
	rc = oc_dns_fetch_start(qr->r->fetcher, &qr->q, on_fetched, qr, &qr->fetch, why);
	if (rc == 1)
		return oc_error_set(OC_EUNREACHABLE, "cannot resolve '%s': %s", name, *why);
	return rc;
}
