#include <criterion/criterion.h>
#include "dns/forward.h"

static oc_dns_upstreams two(void)
{
	oc_dns_upstreams ups;
	cr_assert_eq(oc_dns_upstreams_parse("192.0.2.1,192.0.2.2", &ups), 0);
	return ups;
}

Test(forward, first_answer_wins_and_spoofs_are_waited_out)
{
	oc_dns_upstreams ups = two();
	oc_dns_forward f;
	cr_assert_eq(oc_dns_forward_start(&f, &ups, 1000, 5000, 100), OC_DNS_FWD_SEND);
	cr_assert_eq(f.index, 0);
	cr_assert_not(f.tcp);
	cr_assert_eq(f.deadline_ms, 1100);
	cr_assert_eq(oc_dns_forward_reply(&f, OC_DNS_REPLY_IGNORE, 200), OC_DNS_FWD_WAIT);
	cr_assert_eq(oc_dns_forward_reply(&f, OC_DNS_REPLY_OK, 300), OC_DNS_FWD_ANSWER);
	cr_assert_eq(f.attempts, 1);
}

Test(forward, truncated_retries_same_upstream_over_tcp_with_new_id)
{
	oc_dns_upstreams ups = two();
	oc_dns_forward f;
	oc_dns_forward_start(&f, &ups, 1000, 5000, 0);
	cr_assert_eq(oc_dns_forward_reply(&f, OC_DNS_REPLY_TRUNCATED, 10), OC_DNS_FWD_SEND);
	cr_assert_eq(f.index, 0);
	cr_assert(f.tcp);
	cr_assert_eq(f.deadline_ms, 1010);
	cr_assert_eq(f.attempts, 2);
	/* The TCP attempt draws a fresh id: over 16 trips, one at least differs
	 * from its UDP id unless the generator is broken (odds 2^-256). */
	bool fresh = false;
	for (int i = 0; i < 16 && !fresh; i++) {
		oc_dns_forward g;
		oc_dns_forward_start(&g, &ups, 1000, 5000, 0);
		uint16_t udp_id = g.id;
		oc_dns_forward_reply(&g, OC_DNS_REPLY_TRUNCATED, 10);
		fresh = g.id != udp_id;
	}
	cr_assert(fresh);
	/* Truncated again over TCP: that upstream failed, next one over UDP. */
	cr_assert_eq(oc_dns_forward_reply(&f, OC_DNS_REPLY_TRUNCATED, 20), OC_DNS_FWD_SEND);
	cr_assert_eq(f.index, 1);
	cr_assert_not(f.tcp);
}

Test(forward, failover_then_servfail)
{
	oc_dns_upstreams ups = two();
	oc_dns_forward f;
	oc_dns_forward_start(&f, &ups, 1000, 5000, 0);
	cr_assert_eq(oc_dns_forward_timeout(&f, 1000), OC_DNS_FWD_SEND);
	cr_assert_eq(f.index, 1);
	cr_assert_eq(f.deadline_ms, 5000, "the last upstream gets the rest of the trip");
	cr_assert_eq(oc_dns_forward_reply(&f, OC_DNS_REPLY_FAILED, 1500), OC_DNS_FWD_SERVFAIL);
	cr_assert_str_eq(f.why, "every upstream answered with an error");

	oc_dns_forward_start(&f, &ups, 1000, 5000, 0);
	cr_assert_eq(oc_dns_forward_error(&f, 5), OC_DNS_FWD_SEND);
	cr_assert_eq(oc_dns_forward_error(&f, 6), OC_DNS_FWD_SERVFAIL);
	cr_assert_str_eq(f.why, "no upstream could be reached");
}

/* A lone upstream that answers in 2 s, with 1.5 s attempts and a 4 s trip:
 * waited for, not given up on (t_faults_dns). */
Test(forward, slow_last_upstream_is_waited_for)
{
	oc_dns_upstreams one;
	cr_assert_eq(oc_dns_upstreams_parse("192.0.2.1", &one), 0);
	oc_dns_forward f;
	cr_assert_eq(oc_dns_forward_start(&f, &one, 1500, 4000, 0), OC_DNS_FWD_SEND);
	cr_assert_eq(f.deadline_ms, 4000);
	cr_assert_eq(oc_dns_forward_reply(&f, OC_DNS_REPLY_OK, 2000), OC_DNS_FWD_ANSWER);
	/* truncated: the TCP attempt is the last one too */
	oc_dns_forward_start(&f, &one, 1500, 4000, 0);
	cr_assert_eq(oc_dns_forward_reply(&f, OC_DNS_REPLY_TRUNCATED, 100), OC_DNS_FWD_SEND);
	cr_assert(f.tcp);
	cr_assert_eq(f.deadline_ms, 4000);
	cr_assert_eq(oc_dns_forward_timeout(&f, 4000), OC_DNS_FWD_SERVFAIL);
	cr_assert_str_eq(f.why, "no upstream answered in time");
}

Test(forward, total_deadline_bounds_attempts)
{
	oc_dns_upstreams ups = two();
	oc_dns_forward f;
	oc_dns_forward_start(&f, &ups, 2000, 3000, 0);
	cr_assert_eq(oc_dns_forward_timeout(&f, 2000), OC_DNS_FWD_SEND);
	cr_assert_eq(f.deadline_ms, 3000, "the second attempt ends with the trip");
	oc_dns_forward_start(&f, &ups, 2000, 3000, 0);
	cr_assert_eq(oc_dns_forward_error(&f, 3000), OC_DNS_FWD_SERVFAIL);
	cr_assert_str_eq(f.why, "no upstream answered in time");
}

Test(forward, no_upstreams)
{
	oc_dns_upstreams none = { 0 };
	oc_dns_forward f;
	cr_assert_eq(oc_dns_forward_start(&f, &none, 1000, 5000, 0), OC_DNS_FWD_SERVFAIL);
	cr_assert_str_eq(f.why, "no upstream resolver configured");
}
