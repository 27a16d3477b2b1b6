#include "dns/forward.h"

static oc_dns_fwd_step give_up(oc_dns_forward *f, const char *why)
{
	f->why = why;
	return OC_DNS_FWD_SERVFAIL;
}

/* Another message to the current upstream, over f->tcp. */
static oc_dns_fwd_step send_attempt(oc_dns_forward *f, uint64_t now_ms)
{
	if (now_ms >= f->end_ms)
		return give_up(f, "no upstream answered in time");
	if (oc_dns_upstream_id(&f->id) < 0)
		return give_up(f, "no random query id (getrandom failed)");
	/* The last upstream gets what is left of the trip: giving up on it
	 * after one attempt's time would turn a resolver that is slow but
	 * answers (2 s, with 1.5 s attempts) into SERVFAIL for every name. */
	bool last = f->index + 1 >= f->ups->count;
	f->deadline_ms = !last && now_ms + f->attempt_ms < f->end_ms ? now_ms + f->attempt_ms
		: f->end_ms;
	f->attempts++;
	return OC_DNS_FWD_SEND;
}

static oc_dns_fwd_step next_upstream(oc_dns_forward *f, uint64_t now_ms, const char *why)
{
	if (++f->index >= f->ups->count)
		return give_up(f, why);
	f->tcp = false;
	return send_attempt(f, now_ms);
}

oc_dns_fwd_step oc_dns_forward_start(oc_dns_forward *f, const oc_dns_upstreams *ups,
	uint32_t attempt_ms, uint32_t total_ms, uint64_t now_ms)
{
	*f = (oc_dns_forward){ .ups = ups, .attempt_ms = attempt_ms, .end_ms = now_ms + total_ms };
	if (ups->count == 0)
		return give_up(f, "no upstream resolver configured");
	return send_attempt(f, now_ms);
}

oc_dns_fwd_step oc_dns_forward_reply(oc_dns_forward *f, oc_dns_reply r, uint64_t now_ms)
{
	switch (r) {
	case OC_DNS_REPLY_OK:
		return OC_DNS_FWD_ANSWER;
	case OC_DNS_REPLY_IGNORE:
		return OC_DNS_FWD_WAIT;
	case OC_DNS_REPLY_TRUNCATED:
		if (!f->tcp) {
			f->tcp = true;
			return send_attempt(f, now_ms);
		}
		break;
	case OC_DNS_REPLY_FAILED:
		break;
	}
	return next_upstream(f, now_ms, "every upstream answered with an error");
}

oc_dns_fwd_step oc_dns_forward_timeout(oc_dns_forward *f, uint64_t now_ms)
{
	return next_upstream(f, now_ms, "no upstream answered in time");
}

oc_dns_fwd_step oc_dns_forward_error(oc_dns_forward *f, uint64_t now_ms)
{
	return next_upstream(f, now_ms, "no upstream could be reached");
}
