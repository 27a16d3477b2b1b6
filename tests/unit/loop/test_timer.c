#include <criterion/criterion.h>
#include <stdlib.h>
#include "helpers.h"

struct fired {
	int count;
	uint64_t at;
	uint64_t id;
	bool done;
};

static void on_timer(oc_loop *loop, uint64_t id, void *arg)
{
	struct fired *f = arg;
	f->count++;
	f->at = oc_loop_clock_ms();
	f->id = id;
	f->done = true;
}

Test(loop_timer, fires_once_after_its_delay)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct fired f = { 0 };
	uint64_t id = 0, t0 = oc_loop_now(loop); /* timers count from the loop's clock */
	cr_assert_eq(oc_loop_timer_add(loop, 20, on_timer, &f, &id), 0);
	cr_assert_neq(id, 0);
	int wait = oc_loop_timeout(loop);
	cr_assert(wait > 0 && wait <= 20, "timeout %d", wait);
	cr_assert(run_until(loop, &f.done, 2000));
	cr_assert_geq(f.at - t0, 20);
	cr_assert_eq(f.id, id);
	oc_loop_run_once(loop, 30);
	cr_assert_eq(f.count, 1);
	cr_assert_eq(oc_loop_timeout(loop), -1);
	cr_assert_eq(oc_loop_timer_rearm(loop, id, 5), OC_ENOTFOUND, "a fired timer is gone");
	oc_loop_timer_cancel(loop, id);
	oc_loop_free(loop);
}

Test(loop_timer, cancel_prevents_firing_and_is_idempotent)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct fired f = { 0 }, g = { 0 };
	uint64_t a, b;
	oc_loop_timer_add(loop, 0, on_timer, &f, &a);
	oc_loop_timer_add(loop, 0, on_timer, &g, &b);
	oc_loop_timer_cancel(loop, a);
	oc_loop_timer_cancel(loop, a);
	oc_loop_timer_cancel(loop, 0);
	oc_loop_run_once(loop, 100);
	cr_assert_eq(f.count, 0);
	cr_assert_eq(g.count, 1);
	oc_loop_free(loop);
}

Test(loop_timer, stale_id_does_not_reach_the_slot_reuser)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct fired f = { 0 };
	uint64_t a, b;
	oc_loop_timer_add(loop, 1000, on_timer, &f, &a);
	oc_loop_timer_cancel(loop, a);
	oc_loop_timer_add(loop, 0, on_timer, &f, &b);
	cr_assert_eq((uint32_t)a, (uint32_t)b, "the slot is reused");
	cr_assert_neq(a, b);
	oc_loop_timer_cancel(loop, a);
	cr_assert_eq(oc_loop_timer_rearm(loop, a, 1000), OC_ENOTFOUND);
	oc_loop_run_once(loop, 100);
	cr_assert_eq(f.count, 1);
	oc_loop_free(loop);
}

Test(loop_timer, rearm_later_postpones)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct fired f = { 0 };
	uint64_t id, t0 = oc_loop_now(loop); /* timers count from the loop's clock */
	oc_loop_timer_add(loop, 10, on_timer, &f, &id);
	cr_assert_eq(oc_loop_timer_rearm(loop, id, 60), 0);
	cr_assert(run_until(loop, &f.done, 2000));
	cr_assert_geq(f.at - t0, 60);
	cr_assert_eq(f.count, 1);
	oc_loop_free(loop);
}

Test(loop_timer, rearm_earlier_advances)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct fired f = { 0 };
	uint64_t id, t0 = oc_loop_now(loop); /* timers count from the loop's clock */
	oc_loop_timer_add(loop, 60000, on_timer, &f, &id);
	cr_assert_eq(oc_loop_timer_rearm(loop, id, 5), 0);
	cr_assert(oc_loop_timeout(loop) <= 5);
	cr_assert(run_until(loop, &f.done, 2000));
	cr_assert_lt(f.at - t0, 2000);
	oc_loop_free(loop);
}

/* Timers armed with shuffled delays fire in deadline order. */
struct order {
	uint64_t last_deadline;
	int fired;
	bool sorted;
	bool done;
	int total;
	uint64_t deadline[512];
	uint64_t ids[512];
};

static void on_ordered(oc_loop *loop, uint64_t id, void *arg)
{
	struct order *o = arg;
	int i = 0;
	while (o->ids[i] != id)
		i++;
	if (o->deadline[i] < o->last_deadline)
		o->sorted = false;
	o->last_deadline = o->deadline[i];
	if (++o->fired == o->total)
		o->done = true;
}

Test(loop_timer, fires_in_deadline_order)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	static struct order o = { .sorted = true, .total = 512 };
	srand(7);
	for (int i = 0; i < o.total; i++) {
		uint64_t ms = (uint64_t)(rand() % 40);
		o.deadline[i] = oc_loop_now(loop) + ms;
		cr_assert_eq(oc_loop_timer_add(loop, ms, on_ordered, &o, &o.ids[i]), 0);
	}
	cr_assert(run_until(loop, &o.done, 3000));
	cr_assert(o.sorted);
	oc_loop_free(loop);
}

/* A callback that cancels a timer of its own batch stops it, and one that
 * re-arms itself at 0 ms fires again only in a later iteration. */
struct batch {
	uint64_t victim;
	int victim_calls;
	int self_calls;
	int iteration_of_first, iteration_of_second;
	int iteration;
};

static void on_victim(oc_loop *loop, uint64_t id, void *arg)
{
	((struct batch *)arg)->victim_calls++;
}

static void on_self(oc_loop *loop, uint64_t id, void *arg)
{
	struct batch *b = arg;
	b->self_calls++;
	if (b->self_calls == 1) {
		b->iteration_of_first = b->iteration;
		oc_loop_timer_cancel(loop, b->victim);
		uint64_t again;
		cr_assert_eq(oc_loop_timer_add(loop, 0, on_self, b, &again), 0);
	} else {
		b->iteration_of_second = b->iteration;
	}
}

Test(loop_timer, callbacks_may_cancel_and_rearm_within_a_batch)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct batch b = { 0 };
	uint64_t self;
	/* Same deadline; the heap pops the earlier-armed first. */
	oc_loop_timer_add(loop, 0, on_self, &b, &self);
	oc_loop_timer_add(loop, 0, on_victim, &b, &b.victim);
	for (b.iteration = 1; b.iteration <= 3; b.iteration++)
		oc_loop_run_once(loop, 0);
	cr_assert_eq(b.self_calls, 2);
	cr_assert_eq(b.victim_calls, 0);
	cr_assert_gt(b.iteration_of_second, b.iteration_of_first);
	oc_loop_free(loop);
}

/* Many timers with cancellation and re-arming: every survivor fires once,
 * no cancelled timer fires. */
struct many {
	uint8_t *state; /* 0 pending, 1 cancelled, 2 fired */
	int bad;
	int fired;
};

static void on_many(oc_loop *loop, uint64_t id, void *arg)
{
	struct many *m = arg;
	uint32_t slot = (uint32_t)id;
	if (m->state[slot] != 0)
		m->bad++;
	m->state[slot] = 2;
	m->fired++;
}

Test(loop_timer, fifty_thousand_timers)
{
	enum { N = 50000 };
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	struct many m = { .state = calloc(N, 1) };
	uint64_t *ids = calloc(N, sizeof(*ids));
	srand(11);
	for (int i = 0; i < N; i++)
		cr_assert_eq(oc_loop_timer_add(loop, (uint64_t)(rand() % 30), on_many, &m, &ids[i]), 0);
	int cancelled = 0;
	for (int i = 0; i < N; i++) {
		cr_assert_eq((uint32_t)ids[i], (uint32_t)i);
		if (i % 3 == 0) {
			oc_loop_timer_cancel(loop, ids[i]);
			m.state[i] = 1;
			cancelled++;
		} else if (i % 3 == 1) {
			cr_assert_eq(oc_loop_timer_rearm(loop, ids[i], (uint64_t)(rand() % 30)), 0);
		}
	}
	uint64_t end = oc_loop_clock_ms() + 3000;
	while (m.fired < N - cancelled && oc_loop_clock_ms() < end)
		oc_loop_run_once(loop, 50);
	cr_assert_eq(m.fired, N - cancelled);
	cr_assert_eq(m.bad, 0);
	cr_assert_eq(oc_loop_timeout(loop), -1);
	free(ids);
	free(m.state);
	oc_loop_free(loop);
}
