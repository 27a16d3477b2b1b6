/* Internal layout of oc_loop, shared by loop.c (fds, iterations, deferred
 * and posted calls), timer.c and signal.c. */
#ifndef OC_LOOP_LOOP_H
#define OC_LOOP_LOOP_H

#include <outcall/loop.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

/* A queue of (cb, arg) calls: deferred and posted calls. */
struct oc_loop_call {
	oc_loop_cb cb;
	void *arg;
};

struct oc_loop_calls {
	struct oc_loop_call *v;
	size_t n, cap;
};

int oc_loop_calls_push(struct oc_loop_calls *q, oc_loop_cb cb, void *arg);

/* One watched fd, indexed by the fd number. `gen` changes on every add so
 * that an event epoll reported for an older registration of the same fd
 * number is recognised and dropped. */
struct oc_loop_watch {
	oc_loop_fd_cb cb; /* NULL: not watched */
	void *arg;
	uint32_t gen;
	uint32_t mask;
};

/* Timer records live in a slab; the heap orders slab indices by `key`,
 * which is at most the record's real deadline (see timer.c). */
struct oc_loop_timer {
	uint64_t deadline;
	oc_loop_timer_cb cb; /* NULL: free slot */
	void *arg;
	uint32_t pos;        /* heap index, TIMER_FIRING, or next free slot + 1 */
	uint32_t gen;
};

struct oc_loop_heap_entry {
	uint64_t key;
	uint32_t slot;
};

struct oc_loop_timers {
	struct oc_loop_timer *recs;
	uint32_t nrecs;
	size_t caprecs;
	uint32_t free_head;  /* first free slot + 1; 0: none */
	struct oc_loop_heap_entry *heap;
	uint32_t nheap;
	size_t capheap;
	uint64_t *due;       /* ids taken off the heap, to fire this iteration */
	uint32_t ndue;
	size_t capdue;
};

struct oc_loop_signal {
	oc_loop_signal_cb cb; /* NULL: not registered */
	void *arg;
	bool we_blocked;
};

struct oc_loop {
	int epfd;
	int wakefd;           /* eventfd: stop, wakeup and posted calls */
	int sigfd;            /* signalfd, -1 until a signal is added */
	uint64_t now;         /* ms, CLOCK_MONOTONIC, see oc_loop_now */

	struct oc_loop_watch *watch;
	size_t nwatch;

	struct oc_loop_timers timers;

	struct oc_loop_calls deferred, running;

	pthread_mutex_t post_lock;
	struct oc_loop_calls posted, posted_running;

	atomic_bool stop;

	sigset_t sigmask;
	struct oc_loop_signal signals[NSIG];

	struct epoll_event events[256];
};

uint64_t oc_loop_clock_ms(void);

/* timer.c */
/* Milliseconds from `now` until the earliest timer is due (0 if due), -1
 * if none. */
int64_t oc_loop_timers_wait(const oc_loop *loop, uint64_t now);
/* Fires the due timers; returns how many ran. */
int oc_loop_timers_run(oc_loop *loop);
void oc_loop_timers_free(struct oc_loop_timers *t);

/* signal.c */
void oc_loop_signals_free(oc_loop *loop);

#endif
