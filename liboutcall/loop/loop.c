/* The loop itself: fd watches, iterations, deferred and posted calls,
 * stop and wakeup. Timers are in timer.c, signals in signal.c. */
#include "loop/loop.h"
#include "core/grow.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"

uint64_t oc_loop_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int oc_loop_calls_push(struct oc_loop_calls *q, oc_loop_cb cb, void *arg)
{
	struct oc_loop_call *v = oc_grow(q->v, &q->cap, q->n + 1, sizeof(*v));
	if (!v)
		return OC_ENOMEM;
	q->v = v;
	q->v[q->n++] = (struct oc_loop_call){ cb, arg };
	return 0;
}

static void swap_calls(struct oc_loop_calls *a, struct oc_loop_calls *b)
{
	struct oc_loop_calls t = *a;
	*a = *b;
	*b = t;
}

/* Runs and empties a batch that callbacks cannot append to (they queue
 * into the other half of the swapped pair). */
static void run_batch(oc_loop *loop, struct oc_loop_calls *batch)
{
	for (size_t i = 0; i < batch->n; i++)
		batch->v[i].cb(loop, batch->v[i].arg);
	batch->n = 0;
}

static uint32_t to_epoll(unsigned events)
{
	uint32_t e = 0;
	if (events & OC_LOOP_READ)
		e |= EPOLLIN;
	if (events & OC_LOOP_WRITE)
		e |= EPOLLOUT;
	if (events & OC_LOOP_RDHUP)
		e |= EPOLLRDHUP;
	if (events & OC_LOOP_EDGE)
		e |= EPOLLET;
	return e;
}

static unsigned from_epoll(uint32_t e)
{
	unsigned ev = 0;
	if (e & EPOLLIN)
		ev |= OC_LOOP_READ;
	if (e & EPOLLOUT)
		ev |= OC_LOOP_WRITE;
	if (e & EPOLLRDHUP)
		ev |= OC_LOOP_RDHUP;
	if (e & EPOLLHUP)
		ev |= OC_LOOP_HUP;
	if (e & EPOLLERR)
		ev |= OC_LOOP_ERR;
	return ev;
}

#define INTEREST_MASK (OC_LOOP_READ | OC_LOOP_WRITE | OC_LOOP_RDHUP | OC_LOOP_EDGE)

static int grow_watch(oc_loop *loop, int fd)
{
	size_t old = loop->nwatch;
	struct oc_loop_watch *w = oc_grow(loop->watch, &loop->nwatch, (size_t)fd + 1, sizeof(*w));
	if (!w)
		return OC_ENOMEM;
	memset(w + old, 0, (loop->nwatch - old) * sizeof(*w));
	loop->watch = w;
	return 0;
}

int oc_loop_add_fd(oc_loop *loop, int fd, unsigned events, oc_loop_fd_cb cb, void *arg)
{
	if (fd < 0 || !cb || (events & ~INTEREST_MASK))
		return oc_error_set(OC_EINVAL, "event loop: cannot watch fd %d: %s", fd,
			fd < 0 ? "negative fd" : !cb ? "no callback" : "unknown event bits");
	int rc = grow_watch(loop, fd);
	if (rc)
		return rc;
	struct oc_loop_watch *w = &loop->watch[fd];
	if (w->cb)
		return oc_error_set(OC_EEXIST, "event loop: fd %d is already watched", fd);
	uint32_t gen = w->gen + 1;
	struct epoll_event ev = {
		.events = to_epoll(events),
		.data.u64 = (uint64_t)gen << 32 | (uint32_t)fd,
	};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return oc_error_os("event loop: epoll_ctl(ADD) of fd %d", fd);
	*w = (struct oc_loop_watch){ .cb = cb, .arg = arg, .gen = gen, .mask = events };
	return 0;
}

static struct oc_loop_watch *watched(oc_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nwatch || !loop->watch[fd].cb)
		return NULL;
	return &loop->watch[fd];
}

int oc_loop_mod_fd(oc_loop *loop, int fd, unsigned events)
{
	struct oc_loop_watch *w = watched(loop, fd);
	if (!w)
		return oc_error_set(OC_ENOTFOUND, "event loop: fd %d is not watched", fd);
	if (events & ~INTEREST_MASK)
		return oc_error_set(OC_EINVAL, "event loop: unknown event bits %#x for fd %d", events, fd);
	if (w->mask == events)
		return 0;
	struct epoll_event ev = {
		.events = to_epoll(events),
		.data.u64 = (uint64_t)w->gen << 32 | (uint32_t)fd,
	};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return oc_error_os("event loop: epoll_ctl(MOD) of fd %d", fd);
	w->mask = events;
	return 0;
}

int oc_loop_del_fd(oc_loop *loop, int fd)
{
	struct oc_loop_watch *w = watched(loop, fd);
	if (!w)
		return oc_error_set(OC_ENOTFOUND, "event loop: fd %d is not watched", fd);
	/* Forget the registration even if the kernel already dropped it (the
	 * fd was closed first): the caller's intent is clear and the stale
	 * generation check keeps late events away. */
	w->cb = NULL;
	w->arg = NULL;
	w->mask = 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF && errno != ENOENT)
		return oc_error_os("event loop: epoll_ctl(DEL) of fd %d", fd);
	return 0;
}

static void on_wake(oc_loop *loop, int fd, unsigned events, void *arg)
{
	uint64_t count;
	/* Nonblocking eventfd: EAGAIN just means another wakeup already
	 * consumed the counter. */
	(void)!read(fd, &count, sizeof(count));
	pthread_mutex_lock(&loop->post_lock);
	swap_calls(&loop->posted, &loop->posted_running);
	pthread_mutex_unlock(&loop->post_lock);
	run_batch(loop, &loop->posted_running);
}

int oc_loop_new(oc_loop **out)
{
	int rc;
	oc_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return oc_error_nomem();
	loop->wakefd = -1;
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	pthread_mutex_init(&loop->post_lock, NULL);
	atomic_init(&loop->stop, false);
	loop->now = oc_loop_clock_ms();
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		rc = oc_error_os("event loop: epoll_create1");
		goto fail;
	}
	loop->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->wakefd < 0) {
		rc = oc_error_os("event loop: eventfd");
		goto fail;
	}
	rc = oc_loop_add_fd(loop, loop->wakefd, OC_LOOP_READ, on_wake, NULL);
	if (rc < 0)
		goto fail;
	*out = loop;
	return 0;
fail:
	oc_loop_free(loop);
	return rc;
}

void oc_loop_free(oc_loop *loop)
{
	if (!loop)
		return;
	oc_loop_signals_free(loop);
	if (loop->wakefd >= 0)
		close(loop->wakefd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	oc_loop_timers_free(&loop->timers);
	free(loop->watch);
	free(loop->deferred.v);
	free(loop->running.v);
	free(loop->posted.v);
	free(loop->posted_running.v);
	pthread_mutex_destroy(&loop->post_lock);
	free(loop);
}

int oc_loop_defer(oc_loop *loop, oc_loop_cb cb, void *arg)
{
	if (!cb)
		return oc_error_set(OC_EINVAL, "event loop: deferred call without a callback");
	return oc_loop_calls_push(&loop->deferred, cb, arg);
}

void oc_loop_wakeup(oc_loop *loop)
{
	uint64_t one = 1;
	/* EAGAIN means the counter is saturated: a wakeup is pending anyway. */
	(void)!write(loop->wakefd, &one, sizeof(one));
}

int oc_loop_post(oc_loop *loop, oc_loop_cb cb, void *arg)
{
	if (!cb)
		return oc_error_set(OC_EINVAL, "event loop: posted call without a callback");
	pthread_mutex_lock(&loop->post_lock);
	int rc = oc_loop_calls_push(&loop->posted, cb, arg);
	pthread_mutex_unlock(&loop->post_lock);
	if (rc == 0)
		oc_loop_wakeup(loop);
	return rc;
}

void oc_loop_stop(oc_loop *loop)
{
	atomic_store(&loop->stop, true);
	oc_loop_wakeup(loop);
}

uint64_t oc_loop_now(const oc_loop *loop)
{
	return loop->now;
}

int oc_loop_fd(const oc_loop *loop)
{
	return loop->epfd;
}

int oc_loop_timeout(const oc_loop *loop)
{
	if (loop->deferred.n)
		return 0;
	int64_t ms = oc_loop_timers_wait(loop, oc_loop_clock_ms());
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int dispatch(oc_loop *loop, int n)
{
	int delivered = 0;
	for (int i = 0; i < n; i++) {
		uint64_t data = loop->events[i].data.u64;
		int fd = (int)(uint32_t)data;
		struct oc_loop_watch *w = watched(loop, fd);
		/* Removed (or removed and re-added) by an earlier callback of
		 * this batch: the event belongs to a registration that is gone. */
		if (!w || w->gen != (uint32_t)(data >> 32))
			continue;
		w->cb(loop, fd, from_epoll(loop->events[i].events), w->arg);
		delivered++;
	}
	return delivered;
}

int oc_loop_run_once(oc_loop *loop, int timeout_ms)
{
	loop->now = oc_loop_clock_ms();
	swap_calls(&loop->deferred, &loop->running);
	run_batch(loop, &loop->running);

	int wait = oc_loop_timeout(loop);
	if (timeout_ms >= 0 && (wait < 0 || timeout_ms < wait))
		wait = timeout_ms;
	int n = epoll_wait(loop->epfd, loop->events,
		(int)(sizeof(loop->events) / sizeof(loop->events[0])), wait);
	loop->now = oc_loop_clock_ms();
	if (n < 0) {
		if (errno != EINTR)
			return oc_error_os("event loop: epoll_wait on epoll fd %d", loop->epfd);
		n = 0;
	}
	n = dispatch(loop, n);
	return n + oc_loop_timers_run(loop);
}

int oc_loop_run(oc_loop *loop)
{
	do {
		int rc = oc_loop_run_once(loop, -1);
		if (rc < 0)
			return rc;
	} while (!atomic_exchange(&loop->stop, false));
	return 0;
}
