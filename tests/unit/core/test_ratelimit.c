#include <criterion/criterion.h>
#include "core/ratelimit.h"
#include "core/error.h"

Test(ratelimit, burst_then_refill)
{
	oc_ratelimit *rl;
	cr_assert_eq(oc_ratelimit_new(10, 5, 4, &rl), 0);
	for (int i = 0; i < 5; i++)
		cr_assert(oc_ratelimit_take(rl, "a", 1, 1000));
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 1000));
	/* Another peer has its own bucket. */
	cr_assert(oc_ratelimit_take(rl, "b", 1, 1000));
	/* 10 per second: one token after 100 ms, not before. */
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 1099));
	cr_assert(oc_ratelimit_take(rl, "a", 1, 1100));
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 1100));
	/* The bucket never holds more than the burst. */
	for (int i = 0; i < 5; i++)
		cr_assert(oc_ratelimit_take(rl, "a", 1, 100000));
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 100000));
	/* A clock step backwards refills nothing. */
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 50));

	oc_ratelimit_stats st;
	oc_ratelimit_stats_get(rl, &st);
	cr_assert_eq(st.allowed, 12);
	cr_assert_eq(st.refused, 5);
	cr_assert_eq(st.peers, 2);
	oc_ratelimit_free(rl);
}

Test(ratelimit, table_is_bounded_and_evicts_least_recent)
{
	oc_ratelimit *rl;
	cr_assert_eq(oc_ratelimit_new(1, 1, 2, &rl), 0);
	cr_assert(oc_ratelimit_take(rl, "a", 1, 0));
	cr_assert(oc_ratelimit_take(rl, "b", 1, 0));
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 0)); /* a is now most recent */
	cr_assert(oc_ratelimit_take(rl, "c", 1, 0));     /* evicts b */
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 0)); /* a kept its empty bucket */
	cr_assert(oc_ratelimit_take(rl, "b", 1, 0));     /* b starts afresh */
	oc_ratelimit_stats st;
	oc_ratelimit_stats_get(rl, &st);
	cr_assert_eq(st.evicted, 2);
	cr_assert_eq(st.peers, 2);
	oc_ratelimit_free(rl);
}

Test(ratelimit, rejects_bad_parameters)
{
	oc_ratelimit *rl;
	cr_assert_eq(oc_ratelimit_new(0, 5, 4, &rl), OC_EINVAL);
	cr_assert_null(rl);
	cr_assert(strstr(oc_error_last()->message, "rate 0"));
	cr_assert_eq(oc_ratelimit_new(1, 0.5, 4, &rl), OC_EINVAL);
	cr_assert_eq(oc_ratelimit_new(1, 1, 0, &rl), OC_EINVAL);
}

Test(ratelimit, reset_refills_a_peer_that_left)
{
	oc_ratelimit *rl;
	cr_assert_eq(oc_ratelimit_new(1, 3, 4, &rl), 0);
	for (int i = 0; i < 3; i++) {
		cr_assert(oc_ratelimit_take(rl, "a", 1, 0));
		cr_assert(oc_ratelimit_take(rl, "b", 1, 0));
	}
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 0));
	oc_ratelimit_reset(rl, "a", 1);
	for (int i = 0; i < 3; i++)
		cr_assert(oc_ratelimit_take(rl, "a", 1, 0), "a full burst after the reset");
	cr_assert_not(oc_ratelimit_take(rl, "a", 1, 0));
	cr_assert_not(oc_ratelimit_take(rl, "b", 1, 0), "other peers keep their state");
	oc_ratelimit_reset(rl, "zz", 2); /* unknown: nothing happens */
	oc_ratelimit_reset(NULL, "a", 1);
	oc_ratelimit_stats st;
	oc_ratelimit_stats_get(rl, &st);
	cr_assert_eq(st.peers, 2);
	oc_ratelimit_free(rl);
}
