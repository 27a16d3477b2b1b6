#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "helpers.h"

struct deferred {
	int calls;
	int requeue;
};

static void on_deferred(oc_loop *loop, void *arg)
{
	struct deferred *d = arg;
	d->calls++;
	if (d->requeue-- > 0)
		cr_assert_eq(oc_loop_defer(loop, on_deferred, d), 0);
}

Test(loop_run, deferred_calls_run_next_iteration_once_each)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct deferred d = { .requeue = 2 };
	cr_assert_eq(oc_loop_defer(loop, on_deferred, &d), 0);
	cr_assert_eq(d.calls, 0);
	cr_assert_eq(oc_loop_timeout(loop), 0, "pending deferred calls mean no wait");
	/* -1 would block forever if the re-queued call did not zero the wait. */
	oc_loop_run_once(loop, -1);
	cr_assert_eq(d.calls, 1, "a call deferred by a deferred call waits");
	oc_loop_run_once(loop, -1);
	cr_assert_eq(d.calls, 2);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(d.calls, 3);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(d.calls, 3);
	cr_assert_eq(oc_loop_defer(loop, NULL, NULL), OC_EINVAL);
	oc_loop_free(loop);
}

static void stop_now(oc_loop *loop, void *arg)
{
	(*(int *)arg)++;
	oc_loop_stop(loop);
}

Test(loop_run, stop_from_a_callback_ends_run)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	int calls = 0;
	oc_loop_defer(loop, stop_now, &calls);
	cr_assert_eq(oc_loop_run(loop), 0);
	cr_assert_eq(calls, 1);
	/* The stop was consumed: a new stop is needed for the next run. */
	oc_loop_defer(loop, stop_now, &calls);
	cr_assert_eq(oc_loop_run(loop), 0);
	cr_assert_eq(calls, 2);
	oc_loop_free(loop);
}

Test(loop_run, stop_before_run_returns_after_one_iteration)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	oc_loop_stop(loop);
	cr_assert_eq(oc_loop_run(loop), 0);
	oc_loop_free(loop);
}

/* Bounds every blocking run: stops the loop if the test's own stop never
 * comes. */
static void watchdog(oc_loop *loop, uint64_t id, void *arg)
{
	*(bool *)arg = true;
	oc_loop_stop(loop);
}

struct poster {
	oc_loop *loop;
	pthread_t loop_thread;
	int ran;
	int wrong_thread;
	int count;
};

static void on_posted(oc_loop *loop, void *arg)
{
	struct poster *p = arg;
	if (!pthread_equal(pthread_self(), p->loop_thread))
		p->wrong_thread++;
	if (++p->ran == p->count)
		oc_loop_stop(loop);
}

static void *post_many(void *arg)
{
	struct poster *p = arg;
	for (int i = 0; i < p->count; i++)
		if (oc_loop_post(p->loop, on_posted, p) != 0)
			return (void *)1;
	return NULL;
}

Test(loop_run, posts_from_other_threads_run_on_the_loop_thread)
{
	struct poster p = { .loop_thread = pthread_self(), .count = 10000 };
	cr_assert_eq(oc_loop_new(&p.loop), 0);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, post_many, &p), 0);
	uint64_t id;
	bool barked = false;
	oc_loop_timer_add(p.loop, 4000, watchdog, &barked, &id);
	cr_assert_eq(oc_loop_run(p.loop), 0);
	cr_assert(!barked);
	void *res;
	pthread_join(t, &res);
	cr_assert_null(res);
	cr_assert_eq(p.ran, p.count);
	cr_assert_eq(p.wrong_thread, 0);
	oc_loop_free(p.loop);
}

static void *stop_later(void *arg)
{
	usleep(20000);
	oc_loop_stop(arg);
	return NULL;
}

Test(loop_run, stop_from_another_thread_wakes_a_blocked_wait)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	pthread_t t;
	uint64_t id;
	bool barked = false;
	oc_loop_timer_add(loop, 4000, watchdog, &barked, &id);
	cr_assert_eq(pthread_create(&t, NULL, stop_later, loop), 0);
	cr_assert_eq(oc_loop_run(loop), 0);
	cr_assert(!barked, "stopped by the thread, not the watchdog");
	pthread_join(t, NULL);
	oc_loop_free(loop);
}

struct sig {
	int signo;
	int calls;
	bool done;
};

static void on_sig(oc_loop *loop, int signo, void *arg)
{
	struct sig *s = arg;
	s->signo = signo;
	s->calls++;
	s->done = true;
}

static bool blocked(int signo)
{
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, signo) == 1;
}

Test(loop_signal, delivered_as_an_event_and_unblocked_on_removal)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct sig s = { 0 };
	cr_assert(!blocked(SIGUSR1));
	cr_assert_eq(oc_loop_add_signal(loop, SIGUSR1, on_sig, &s), 0);
	cr_assert(blocked(SIGUSR1));
	cr_assert_eq(oc_loop_add_signal(loop, SIGUSR1, on_sig, &s), OC_EEXIST);
	cr_assert_eq(pthread_kill(pthread_self(), SIGUSR1), 0);
	cr_assert(run_until(loop, &s.done, 2000));
	cr_assert_eq(s.signo, SIGUSR1);
	cr_assert_eq(s.calls, 1);
	cr_assert_eq(oc_loop_del_signal(loop, SIGUSR1), 0);
	cr_assert(!blocked(SIGUSR1));
	cr_assert_eq(oc_loop_del_signal(loop, SIGUSR1), OC_ENOTFOUND);
	oc_loop_free(loop);
}

Test(loop_signal, two_signals_share_the_signalfd)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct sig a = { 0 }, b = { 0 };
	cr_assert_eq(oc_loop_add_signal(loop, SIGUSR1, on_sig, &a), 0);
	cr_assert_eq(oc_loop_add_signal(loop, SIGUSR2, on_sig, &b), 0);
	pthread_kill(pthread_self(), SIGUSR2);
	pthread_kill(pthread_self(), SIGUSR1);
	cr_assert(run_until(loop, &a.done, 2000));
	cr_assert(run_until(loop, &b.done, 2000));
	cr_assert_eq(a.signo, SIGUSR1);
	cr_assert_eq(b.signo, SIGUSR2);
	oc_loop_free(loop);
	cr_assert(!blocked(SIGUSR1), "freeing the loop unblocks what it blocked");
	cr_assert(!blocked(SIGUSR2));
}

Test(loop_signal, already_blocked_signal_stays_blocked)
{
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &one, NULL);
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct sig s = { 0 };
	cr_assert_eq(oc_loop_add_signal(loop, SIGUSR2, on_sig, &s), 0);
	oc_loop_free(loop);
	cr_assert(blocked(SIGUSR2), "the embedder's own block is left alone");
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
}

Test(loop_signal, unusable_signals_are_refused)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct sig s = { 0 };
	cr_assert_eq(oc_loop_add_signal(loop, SIGKILL, on_sig, &s), OC_EINVAL);
	cr_assert_eq(oc_loop_add_signal(loop, SIGSTOP, on_sig, &s), OC_EINVAL);
	cr_assert_eq(oc_loop_add_signal(loop, 0, on_sig, &s), OC_EINVAL);
	cr_assert_eq(oc_loop_add_signal(loop, NSIG, on_sig, &s), OC_EINVAL);
	cr_assert_eq(oc_loop_add_signal(loop, SIGUSR1, NULL, &s), OC_EINVAL);
	cr_assert(!blocked(SIGUSR1));
	oc_loop_free(loop);
}
