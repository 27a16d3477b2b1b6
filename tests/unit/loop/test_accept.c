/* The accept gate: which accept() errors pause the listeners, and that
 * they come back on from the loop's timer. */
#include <criterion/criterion.h>
#include <errno.h>

#include "loop/accept.h"

static int ons, offs;

static void set(void *arg, bool on)
{
	(void)arg;
	if (on)
		ons++;
	else
		offs++;
}

Test(accept_gate, errors_that_consume_nothing_pause_then_resume)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	oc_accept_gate g = { .loop = loop, .set = set };
	ons = offs = 0;
	cr_assert(oc_accept_failed(&g, EINTR), "EINTR: try again");
	cr_assert(oc_accept_failed(&g, ECONNABORTED), "a connection gone: the next one");
	cr_assert_not(oc_accept_failed(&g, EAGAIN), "nothing pending");
	cr_assert_eq(offs, 0);
	cr_assert_not(oc_accept_failed(&g, EMFILE));
	cr_assert(oc_accept_paused(&g));
	cr_assert_eq(offs, 1);
	cr_assert_not(oc_accept_failed(&g, ENFILE), "already paused");
	cr_assert_eq(offs, 1);
	cr_assert_eq(oc_accept_pauses(&g), 2);
	for (int i = 0; i < 100 && oc_accept_paused(&g); i++)
		oc_loop_run_once(loop, 50);
	cr_assert_not(oc_accept_paused(&g));
	cr_assert_eq(ons, 1, "back on from the timer");
	cr_assert_not(oc_accept_failed(&g, ENOBUFS));
	oc_accept_gate_stop(&g);
	cr_assert_not(oc_accept_paused(&g));
	oc_loop_free(loop);
}
