/*
 * Timers: records in a slab (a timer id is its slot plus the slot's
 * generation), ordered by a binary min-heap of (key, slot).
 *
 * The heap key of a timer may be earlier than its deadline. Re-arming to a
 * later time, the common case for idle timeouts pushed back on every read,
 * only updates the record; when the stale key comes due the entry is moved
 * down to the real deadline instead of firing. Re-arming to an earlier
 * time moves the entry up at once.
 *
 * Firing is two-phase so that callbacks may add, re-arm and cancel freely:
 * first every due timer leaves the heap (marked TIMER_FIRING, its id kept
 * in `due`), then each one still marked runs. A timer cancelled or re-armed
 * by an earlier callback of the same batch is no longer marked and is
 * skipped; timers armed by callbacks are in the heap, not in `due`.
 */
#include "loop/loop.h"
#include "core/grow.h"

#include <stdlib.h>

#include "core/error.h"

#define TIMER_FIRING UINT32_MAX
/* Slab size limit, leaving TIMER_FIRING free as a marker. */
#define MAX_TIMERS (UINT32_MAX / 2)

static uint64_t timer_id(uint32_t slot, uint32_t gen)
{
	return (uint64_t)gen << 32 | slot;
}

static struct oc_loop_timer *lookup(struct oc_loop_timers *t, uint64_t id)
{
	uint32_t slot = (uint32_t)id;
	if (slot >= t->nrecs)
		return NULL;
	struct oc_loop_timer *r = &t->recs[slot];
	if (!r->cb || r->gen != (uint32_t)(id >> 32))
		return NULL;
	return r;
}

static void heap_set(struct oc_loop_timers *t, uint32_t i, struct oc_loop_heap_entry e)
{
	t->heap[i] = e;
	t->recs[e.slot].pos = i;
}

static void sift_up(struct oc_loop_timers *t, uint32_t i)
{
	struct oc_loop_heap_entry e = t->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (t->heap[parent].key <= e.key)
			break;
		heap_set(t, i, t->heap[parent]);
		i = parent;
	}
	heap_set(t, i, e);
}

static void sift_down(struct oc_loop_timers *t, uint32_t i)
{
	struct oc_loop_heap_entry e = t->heap[i];
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= t->nheap)
			break;
		if (child + 1 < t->nheap && t->heap[child + 1].key < t->heap[child].key)
			child++;
		if (e.key <= t->heap[child].key)
			break;
		heap_set(t, i, t->heap[child]);
		i = child;
	}
	heap_set(t, i, e);
}

static void heap_remove(struct oc_loop_timers *t, uint32_t i)
{
	struct oc_loop_heap_entry last = t->heap[--t->nheap];
	if (i == t->nheap)
		return;
	heap_set(t, i, last);
	sift_up(t, i);
	sift_down(t, t->recs[last.slot].pos);
}

static int heap_push(struct oc_loop_timers *t, uint32_t slot, uint64_t key)
{
	struct oc_loop_heap_entry *h = oc_grow(t->heap, &t->capheap, t->nheap + 1, sizeof(*h));
	if (!h)
		return OC_ENOMEM;
	t->heap = h;
	uint32_t i = t->nheap++;
	heap_set(t, i, (struct oc_loop_heap_entry){ key, slot });
	sift_up(t, i);
	return 0;
}

static int alloc_slot(struct oc_loop_timers *t, uint32_t *slot)
{
	/* The free list links slot + 1 so that a zeroed loop starts empty. */
	if (t->free_head) {
		*slot = t->free_head - 1;
		t->free_head = t->recs[*slot].pos;
		return 0;
	}
	if (t->nrecs >= MAX_TIMERS)
		return oc_error_set(OC_ELIMIT, "event loop: more than %u timers", MAX_TIMERS);
	struct oc_loop_timer *r = oc_grow(t->recs, &t->caprecs, t->nrecs + 1, sizeof(*r));
	if (!r)
		return OC_ENOMEM;
	t->recs = r;
	*slot = t->nrecs++;
	t->recs[*slot] = (struct oc_loop_timer){ .gen = 0 };
	return 0;
}

static void free_slot(struct oc_loop_timers *t, uint32_t slot)
{
	struct oc_loop_timer *r = &t->recs[slot];
	r->cb = NULL;
	r->arg = NULL;
	r->pos = t->free_head;
	t->free_head = slot + 1;
}

static uint64_t deadline_after(const oc_loop *loop, uint64_t ms)
{
	return ms > UINT64_MAX - loop->now ? UINT64_MAX : loop->now + ms;
}

int oc_loop_timer_add(oc_loop *loop, uint64_t ms, oc_loop_timer_cb cb, void *arg, uint64_t *id)
{
	struct oc_loop_timers *t = &loop->timers;
	if (!cb || !id)
		return oc_error_set(OC_EINVAL, "event loop: timer needs a callback and an id pointer");
	uint32_t slot = 0;
	int rc = alloc_slot(t, &slot);
	if (rc)
		return rc;
	struct oc_loop_timer *r = &t->recs[slot];
	/* Generation 0 is skipped so that no id is 0. */
	r->gen = r->gen + 1 ? r->gen + 1 : 1;
	r->deadline = deadline_after(loop, ms);
	r->cb = cb;
	r->arg = arg;
	rc = heap_push(t, slot, r->deadline);
	if (rc) {
		free_slot(t, slot);
		return rc;
	}
	*id = timer_id(slot, r->gen);
	return 0;
}

int oc_loop_timer_rearm(oc_loop *loop, uint64_t id, uint64_t ms)
{
	struct oc_loop_timers *t = &loop->timers;
	struct oc_loop_timer *r = lookup(t, id);
	if (!r)
		return oc_error_set(OC_ENOTFOUND, "event loop: timer %#llx already fired or was cancelled",
			(unsigned long long)id);
	r->deadline = deadline_after(loop, ms);
	if (r->pos == TIMER_FIRING)
		return heap_push(t, (uint32_t)id, r->deadline);
	if (r->deadline < t->heap[r->pos].key) {
		t->heap[r->pos].key = r->deadline;
		sift_up(t, r->pos);
	}
	return 0;
}

void oc_loop_timer_cancel(oc_loop *loop, uint64_t id)
{
	struct oc_loop_timers *t = &loop->timers;
	struct oc_loop_timer *r = lookup(t, id);
	if (!r)
		return;
	if (r->pos != TIMER_FIRING)
		heap_remove(t, r->pos);
	free_slot(t, (uint32_t)id);
}

int64_t oc_loop_timers_wait(const oc_loop *loop, uint64_t now)
{
	const struct oc_loop_timers *t = &loop->timers;
	if (!t->nheap)
		return -1;
	uint64_t key = t->heap[0].key;
	if (key <= now)
		return 0;
	return key - now > INT64_MAX ? INT64_MAX : (int64_t)(key - now);
}

static int push_due(struct oc_loop_timers *t, uint64_t id)
{
	uint64_t *d = oc_grow(t->due, &t->capdue, (size_t)t->ndue + 1, sizeof(*d));
	if (!d)
		return OC_ENOMEM;
	t->due = d;
	t->due[t->ndue++] = id;
	return 0;
}

/* Phase one: take the due timers off the heap. Stops early (leaving the
 * rest for the next iteration) only if `due` cannot grow. */
static void collect_due(struct oc_loop_timers *t, uint64_t now)
{
	while (t->nheap && t->heap[0].key <= now) {
		uint32_t slot = t->heap[0].slot;
		struct oc_loop_timer *r = &t->recs[slot];
		if (r->deadline > now) {
			t->heap[0].key = r->deadline;
			sift_down(t, 0);
			continue;
		}
		if (push_due(t, timer_id(slot, r->gen)) < 0)
			return;
		heap_remove(t, 0);
		r->pos = TIMER_FIRING;
	}
}

int oc_loop_timers_run(oc_loop *loop)
{
	struct oc_loop_timers *t = &loop->timers;
	collect_due(t, loop->now);
	int fired = 0;
	for (uint32_t i = 0; i < t->ndue; i++) {
		uint64_t id = t->due[i];
		struct oc_loop_timer *r = lookup(t, id);
		if (!r || r->pos != TIMER_FIRING)
			continue;
		oc_loop_timer_cb cb = r->cb;
		void *arg = r->arg;
		free_slot(t, (uint32_t)id);
		cb(loop, id, arg);
		fired++;
	}
	t->ndue = 0;
	return fired;
}

void oc_loop_timers_free(struct oc_loop_timers *t)
{
	free(t->recs);
	free(t->heap);
	free(t->due);
}
