/*
 * The event loop: a small epoll reactor that every Outcall service (DNS
 * filter, proxy, API servers) runs on, and that an embedder can drive from
 * its own loop.
 *
 * One iteration (oc_loop_run_once) does, in order:
 *   1. run the deferred calls queued before the iteration started,
 *   2. wait for fd events (bounded by the nearest timer, the caller's
 *      timeout, and zero if deferred calls are pending),
 *   3. dispatch fd events (this includes signals and cross-thread posts),
 *   4. run the timers that are due.
 *
 * File descriptors are watched level-triggered by default: a callback that
 * leaves data unread is called again on the next iteration, so callbacks
 * may bound their work per call (fairness between connections) without
 * extra bookkeeping. OC_LOOP_EDGE asks for edge-triggered delivery instead;
 * the callback must then read/write until EAGAIN. oc_loop_mod_fd with an
 * unchanged mask costs no system call, so toggling write interest while a
 * send buffer drains is cheap.
 *
 * Removal is safe at any time: once oc_loop_del_fd(fd) returns, no callback
 * runs for that registration, even if epoll had already reported an event
 * for it in the current iteration, and even if the fd number is reused by a
 * new registration in the same iteration. Remove an fd before closing it
 * (epoll tracks open files, not numbers; a closed-but-registered fd that
 * was duplicated elsewhere keeps reporting).
 *
 * Timers are one-shot, in milliseconds of CLOCK_MONOTONIC. They live in a
 * binary heap (O(log n) add and cancel). Re-arming to a later deadline,
 * which is what a connection idle timeout does on every read, only stores
 * the new deadline (O(1)); the heap entry is moved when it comes due.
 * Timers armed by a timer callback wait for the next iteration, so a
 * callback that re-arms itself with 0 ms does not starve the loop.
 *
 * Ownership: the loop owns its epoll, eventfd and signalfd descriptors and
 * closes them in oc_loop_free. It never closes or owns watched fds; `arg`
 * pointers are borrowed and must outlive their registration.
 *
 * Thread-safety: a loop belongs to the thread that runs it. Only
 * oc_loop_stop, oc_loop_wakeup and oc_loop_post may be called from other
 * threads, and not once oc_loop_free may have started; every other
 * function must be called from the loop's thread (or before the loop is
 * started, or from its callbacks). Callbacks must not call oc_loop_run,
 * oc_loop_run_once or oc_loop_free on their own loop.
 */
#ifndef OUTCALL_LOOP_H
#define OUTCALL_LOOP_H

#include <stdint.h>
#include <outcall/common.h>
#include <outcall/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oc_loop oc_loop;

/* Event bits: interest for add/mod, and what a callback is told. */
enum {
	OC_LOOP_READ = 1u << 0,  /* readable (or a peer closed: read returns 0) */
	OC_LOOP_WRITE = 1u << 1, /* writable */
	OC_LOOP_RDHUP = 1u << 2, /* peer shut down its writing side (interest and report) */
	OC_LOOP_HUP = 1u << 3,   /* hang-up; always reported, never asked for */
	OC_LOOP_ERR = 1u << 4,   /* error pending (read SO_ERROR); always reported */
	OC_LOOP_EDGE = 1u << 5,  /* interest only: edge-triggered delivery */
};

typedef void (*oc_loop_fd_cb)(oc_loop *loop, int fd, unsigned events, void *arg);
typedef void (*oc_loop_timer_cb)(oc_loop *loop, uint64_t timer_id, void *arg);
typedef void (*oc_loop_signal_cb)(oc_loop *loop, int signo, void *arg);
typedef void (*oc_loop_cb)(oc_loop *loop, void *arg);

/* A new loop in *out; 0 or an oc_err (last error set). */
OC_API int oc_loop_new(oc_loop **out);
/* Frees the loop. Pending deferred and posted calls are dropped without
 * being called; signals the loop blocked (oc_loop_add_signal) are unblocked
 * in the calling thread. Watched fds stay open. NULL is allowed. */
OC_API void oc_loop_free(oc_loop *loop);

/* Watches fd for `events` (OC_LOOP_READ/WRITE/RDHUP, optionally EDGE).
 * OC_EEXIST if fd is already watched by this loop. A zero READ/WRITE mask
 * is allowed and still reports HUP/ERR. */
OC_API int oc_loop_add_fd(oc_loop *loop, int fd, unsigned events,
	oc_loop_fd_cb cb, void *arg);
/* Changes the interest mask of a watched fd (OC_ENOTFOUND if not watched). */
OC_API int oc_loop_mod_fd(oc_loop *loop, int fd, unsigned events);
/* Stops watching fd. OC_ENOTFOUND if it was not watched. */
OC_API int oc_loop_del_fd(oc_loop *loop, int fd);

/* Arms a one-shot timer that calls cb after `ms` milliseconds and stores
 * its id (never 0) in *id. The timer is forgotten before cb runs, so cb
 * may arm new timers, and cancelling the fired id is a no-op. Ids carry a
 * 32-bit generation: a stale id does not reach a newer timer unless its
 * slot was reused 2^32 times. */
OC_API int oc_loop_timer_add(oc_loop *loop, uint64_t ms, oc_loop_timer_cb cb,
	void *arg, uint64_t *id);
/* Moves a pending timer's deadline to `ms` from now (earlier or later).
 * OC_ENOTFOUND if it already fired or was cancelled. */
OC_API int oc_loop_timer_rearm(oc_loop *loop, uint64_t id, uint64_t ms);
/* Cancels a pending timer. Harmless for 0 and for ids that already fired
 * or were cancelled, so owners can cancel unconditionally on teardown. */
OC_API void oc_loop_timer_cancel(oc_loop *loop, uint64_t id);
/* The loop's clock: CLOCK_MONOTONIC milliseconds, read when the current
 * iteration's wait returned (timers armed by callbacks count from this
 * instant, so a slow callback shortens the timers it arms). */
OC_API uint64_t oc_loop_now(const oc_loop *loop);

/*
 * Delivers signo through a signalfd: cb runs from the loop like any event.
 * The signal is blocked in the calling thread's mask (where it was not
 * blocked yet). A process-directed signal goes to any thread that does not
 * block it, so the embedder must block it in every thread, ideally by
 * blocking it before creating threads (they inherit the mask). One callback
 * per signal; OC_EEXIST if signo is already registered. SIGKILL, SIGSTOP
 * and invalid numbers are OC_EINVAL.
 */
OC_API int oc_loop_add_signal(oc_loop *loop, int signo, oc_loop_signal_cb cb, void *arg);
/* Stops delivering signo and unblocks it if oc_loop_add_signal blocked it. */
OC_API int oc_loop_del_signal(oc_loop *loop, int signo);

/* Queues cb(loop, arg) to run at the start of the next iteration (calls
 * deferred while deferred calls run wait for the iteration after). Use it
 * to free an object after the callback that still holds it returns. */
OC_API int oc_loop_defer(oc_loop *loop, oc_loop_cb cb, void *arg);
/* Thread-safe: queues cb(loop, arg) to run on the loop's thread during its
 * next iteration and wakes the loop if it is waiting. */
OC_API int oc_loop_post(oc_loop *loop, oc_loop_cb cb, void *arg);

/* Runs iterations until oc_loop_stop. Returns 0, or a negative oc_err if
 * waiting failed. */
OC_API int oc_loop_run(oc_loop *loop);
/* Runs one iteration waiting at most timeout_ms (-1: until an event or a
 * timer; 0: do not wait). Returns the number of fd events and timers it
 * handled (>= 0), or a negative oc_err. */
OC_API int oc_loop_run_once(oc_loop *loop, int timeout_ms);
/* Thread-safe (and callable from callbacks): makes oc_loop_run return after
 * the current iteration. A stop requested while the loop is not running
 * makes the next oc_loop_run return after one iteration. */
OC_API void oc_loop_stop(oc_loop *loop);
/* Thread-safe: makes a waiting oc_loop_run_once return early. */
OC_API void oc_loop_wakeup(oc_loop *loop);

/*
 * Embedding: the epoll fd becomes readable when the loop has events to
 * handle. An embedder polls oc_loop_fd() for reading with a timeout of
 * oc_loop_timeout() ms and then calls oc_loop_run_once(loop, 0).
 */
OC_API int oc_loop_fd(const oc_loop *loop);
/* Milliseconds until the loop needs to run again without an fd event: 0 if
 * deferred calls are pending or a timer is due, -1 if nothing is scheduled. */
OC_API int oc_loop_timeout(const oc_loop *loop);

#ifdef __cplusplus
}
#endif
#endif
