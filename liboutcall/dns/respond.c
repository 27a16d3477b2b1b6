#include "dns/respond.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

size_t oc_dns_response_limit(const oc_dns_query *q, bool tcp)
{
	if (tcp)
		return OC_DNS_TCP_MAX;
	if (!q->edns || q->udp_size <= OC_DNS_UDP_MIN)
		return OC_DNS_UDP_MIN;
	return q->udp_size < OC_DNS_UDP_MAX ? q->udp_size : OC_DNS_UDP_MAX;
}

static void put_opt(oc_dns_writer *w, const oc_dns_query *q, int rcode, const oc_dns_ede *ede)
{
	oc_dns_w_bytes(w, "\0\0\x29", 3); /* root owner, type OPT */
	oc_dns_w_16(w, OC_DNS_UDP_MAX);
	oc_dns_w_32(w, (uint32_t)(rcode >> 4) << 24 | (q->edns_do ? OC_DNS_EDNS_DO : 0));
	if (!ede) {
		oc_dns_w_16(w, 0);
		return;
	}
	oc_dns_w_16(w, (uint16_t)(6 + ede->len));
	oc_dns_w_16(w, OC_DNS_OPTION_EDE);
	oc_dns_w_16(w, (uint16_t)(2 + ede->len));
	oc_dns_w_16(w, ede->code);
	oc_dns_w_bytes(w, ede->text, ede->len);
}

struct shape {
	const oc_dns_body *body;
	const oc_dns_ede *ede;
	bool tc, question, opt;
};

/* One attempt at an answer of the given shape; -1 if it does not fit. */
static int build(const oc_dns_query *q, int rcode, const struct shape *s, uint8_t *out,
	size_t limit)
{
	oc_dns_writer w = { out, OC_DNS_HEADER_LEN, limit, false };
	if (s->question)
		oc_dns_w_bytes(&w, q->question, q->qlen);
	if (s->body)
		oc_dns_w_bytes(&w, s->body->data, s->body->len);
	if (s->opt)
		put_opt(&w, q, rcode, s->ede);
	if (w.overflow)
		return -1;
	uint16_t flags = OC_DNS_F_QR | OC_DNS_F_RA | (q->flags & (OC_DNS_F_OPCODE | OC_DNS_F_RD | OC_DNS_F_CD)) |
		(s->tc ? OC_DNS_F_TC : 0) | (rcode & OC_DNS_F_RCODE);
	oc_dns_put16(out + OC_DNS_OFF_ID, q->id);
	oc_dns_put16(out + OC_DNS_OFF_FLAGS, flags);
	oc_dns_put16(out + OC_DNS_OFF_QDCOUNT, s->question);
	oc_dns_put16(out + OC_DNS_OFF_ANCOUNT, s->body ? s->body->an : 0);
	oc_dns_put16(out + OC_DNS_OFF_NSCOUNT, s->body ? s->body->ns : 0);
	oc_dns_put16(out + OC_DNS_OFF_ARCOUNT, s->opt);
	return (int)w.len;
}

int oc_dns_respond(const oc_dns_query *q, int rcode, const oc_dns_body *body,
	const oc_dns_ede *ede, uint8_t *out, size_t limit)
{
	if (limit < OC_DNS_HEADER_LEN)
		return oc_error_set(OC_EINVAL, "DNS answer to query %u: buffer of %zu bytes is "
			"smaller than a header", q->id, limit);
	if (rcode < 0 || rcode > 0xfff || (rcode > OC_DNS_F_RCODE && !q->edns))
		return oc_error_set(OC_EINVAL, "DNS answer to query %u: rcode %d cannot be sent%s",
			q->id, rcode, q->edns ? "" : " without EDNS");
	if (limit > OC_DNS_TCP_MAX)
		limit = OC_DNS_TCP_MAX;
	/* From the full answer down to a bare header, the first that fits. */
	const struct shape shapes[] = {
		{ body, q->edns ? ede : NULL, false, q->has_question, q->edns },
		{ NULL, NULL, true, q->has_question, q->edns },
		{ NULL, NULL, true, false, q->edns },
		{ NULL, NULL, true, false, false },
	};
	int n = -1;
	for (size_t i = 0; n < 0; i++)
		n = build(q, rcode, &shapes[i], out, limit);
	return n;
}

/* A lockdown's reason fits the text up to this length; a longer one is
 * left to the agent socket (whoami), which has room for it. */
#define LOCK_REASON_SHOWN 100

size_t oc_dns_block_text(const char *rule_id, const char *lock_reason, const char *name,
	const char *command, char *out, size_t size)
{
	int n;
	if (!command)
		command = OC_DNS_REQUEST_COMMAND;
	if (lock_reason && strlen(lock_reason) <= LOCK_REASON_SHOWN)
		n = snprintf(out, size, "outcall blocked %s: rule \"%s\": this agent is locked down "
			"by the operator: %s; nothing is allowed and access requests are refused until "
			"the operator lifts it", name, rule_id,
			lock_reason[0] ? lock_reason : "no reason given");
	else if (lock_reason)
		n = snprintf(out, size, "outcall blocked %s: rule \"%s\": this agent is locked down "
			"by the operator (`outcall-shim whoami` says why); nothing is allowed and access "
			"requests are refused until the operator lifts it", name, rule_id);
	else if (rule_id)
		n = snprintf(out, size, "outcall blocked %s: rule \"%s\"; ask for access: "
			"%s --host %s --why \"...\"", name, rule_id, command, name);
	else
		n = snprintf(out, size, "outcall blocked %s: default (no rule allows it); "
			"ask for access: %s --host %s --why \"...\"", name, command, name);
	if (n < 0 || size == 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

/* The synthetic SOA's fixed parts: MNAME outcall.invalid., then RNAME
 * hostmaster.outcall.invalid. as a label and a pointer back to MNAME. */
static const uint8_t soa_mname[] = "\7outcall\7invalid";
static const uint8_t soa_rname_label[] = "\12hostmaster";

int oc_dns_respond_blocked(const oc_dns_query *q, const char *rule_id, const char *lock_reason,
	const char *command, uint32_t negative_ttl, uint8_t *out, size_t limit)
{
	uint8_t soa[64];
	const size_t rdlen = sizeof(soa_mname) + (sizeof(soa_rname_label) - 1) + 2 + 20;
	oc_dns_writer w = { soa, 0, sizeof(soa), false };
	oc_dns_w_16(&w, 0xc000 | OC_DNS_HEADER_LEN); /* owner: the query name */
	oc_dns_w_16(&w, OC_DNS_TYPE_SOA);
	oc_dns_w_16(&w, OC_DNS_CLASS_IN);
	oc_dns_w_32(&w, negative_ttl);
	oc_dns_w_16(&w, (uint16_t)rdlen);
	size_t mname_at = OC_DNS_HEADER_LEN + q->qlen + w.len;
	oc_dns_w_bytes(&w, soa_mname, sizeof(soa_mname));
	oc_dns_w_bytes(&w, soa_rname_label, sizeof(soa_rname_label) - 1);
	oc_dns_w_16(&w, (uint16_t)(0xc000 | mname_at));
	oc_dns_w_32(&w, 1);            /* serial */
	oc_dns_w_32(&w, 3600);         /* refresh */
	oc_dns_w_32(&w, 600);          /* retry */
	oc_dns_w_32(&w, 86400);        /* expire */
	oc_dns_w_32(&w, negative_ttl); /* minimum: the negative-caching time */
	oc_dns_body body = { soa, w.len, 0, 1 };

	char text[1024];
	oc_dns_ede ede = { OC_DNS_EDE_BLOCKED, text, 0 };
	if (q->edns)
		ede.len = oc_dns_block_text(rule_id, lock_reason, q->name, command, text,
			sizeof(text));
	return oc_dns_respond(q, OC_DNS_RCODE_NXDOMAIN, &body, q->edns ? &ede : NULL, out, limit);
}
