#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include "helpers.h"

struct rec {
	int calls;
	unsigned events;
	int fd;
};

static void on_fd(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct rec *r = arg;
	r->calls++;
	r->events |= events;
	r->fd = fd;
}

static void make_pipe(int p[2])
{
	cr_assert_eq(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

Test(loop_fd, readable_pipe_calls_back_with_read)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	cr_assert_not_null(loop);
	int p[2];
	make_pipe(p);
	struct rec r = { 0 };
	cr_assert_eq(oc_loop_add_fd(loop, p[0], OC_LOOP_READ, on_fd, &r), 0);
	cr_assert_eq(oc_loop_run_once(loop, 0), 0);
	cr_assert_eq(r.calls, 0);
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(oc_loop_run_once(loop, 1000), 1);
	cr_assert_eq(r.calls, 1);
	cr_assert_eq(r.fd, p[0]);
	cr_assert_eq(r.events, OC_LOOP_READ);
	oc_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

Test(loop_fd, level_triggered_repeats_until_read)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	int p[2];
	make_pipe(p);
	struct rec r = { 0 };
	cr_assert_eq(write(p[1], "x", 1), 1);
	oc_loop_add_fd(loop, p[0], OC_LOOP_READ, on_fd, &r);
	oc_loop_run_once(loop, 0);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(r.calls, 2);
	char c;
	cr_assert_eq(read(p[0], &c, 1), 1);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(r.calls, 2);
	oc_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

Test(loop_fd, edge_triggered_reports_once_per_arrival)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	int p[2];
	make_pipe(p);
	struct rec r = { 0 };
	oc_loop_add_fd(loop, p[0], OC_LOOP_READ | OC_LOOP_EDGE, on_fd, &r);
	cr_assert_eq(write(p[1], "x", 1), 1);
	oc_loop_run_once(loop, 0);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(r.calls, 1);
	cr_assert_eq(write(p[1], "y", 1), 1);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(r.calls, 2);
	oc_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

Test(loop_fd, modify_switches_interest)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	int p[2];
	make_pipe(p);
	struct rec r = { 0 };
	cr_assert_eq(oc_loop_add_fd(loop, p[1], 0, on_fd, &r), 0);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(r.calls, 0, "no interest, no callback");
	cr_assert_eq(oc_loop_mod_fd(loop, p[1], OC_LOOP_WRITE), 0);
	cr_assert_eq(oc_loop_mod_fd(loop, p[1], OC_LOOP_WRITE), 0);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(r.calls, 1);
	cr_assert_eq(r.events, OC_LOOP_WRITE);
	cr_assert_eq(oc_loop_mod_fd(loop, p[1], 0), 0);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(r.calls, 1);
	oc_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

Test(loop_fd, hangup_is_reported_without_interest)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	int p[2];
	make_pipe(p);
	struct rec r = { 0 };
	oc_loop_add_fd(loop, p[0], 0, on_fd, &r);
	close(p[1]);
	oc_loop_run_once(loop, 0);
	cr_assert_eq(r.calls, 1);
	cr_assert(r.events & OC_LOOP_HUP);
	cr_assert_eq(r.events & OC_LOOP_READ, 0);
	oc_loop_free(loop);
	close(p[0]);
}

Test(loop_fd, bad_calls_are_refused)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	int p[2];
	make_pipe(p);
	struct rec r = { 0 };
	cr_assert_eq(oc_loop_add_fd(loop, -1, OC_LOOP_READ, on_fd, &r), OC_EINVAL);
	cr_assert_eq(oc_loop_add_fd(loop, p[0], OC_LOOP_READ, NULL, &r), OC_EINVAL);
	cr_assert_eq(oc_loop_add_fd(loop, p[0], OC_LOOP_HUP, on_fd, &r), OC_EINVAL);
	cr_assert_eq(oc_loop_add_fd(loop, p[0], OC_LOOP_READ, on_fd, &r), 0);
	cr_assert_eq(oc_loop_add_fd(loop, p[0], OC_LOOP_READ, on_fd, &r), OC_EEXIST);
	cr_assert(strstr(oc_error_last()->message, "already watched"));
	cr_assert_eq(oc_loop_mod_fd(loop, p[1], OC_LOOP_READ), OC_ENOTFOUND);
	cr_assert_eq(oc_loop_del_fd(loop, p[1]), OC_ENOTFOUND);
	cr_assert_eq(oc_loop_del_fd(loop, 100000), OC_ENOTFOUND);
	cr_assert_eq(oc_loop_del_fd(loop, p[0]), 0);
	cr_assert_eq(oc_loop_del_fd(loop, p[0]), OC_ENOTFOUND);
	/* A non-pollable fd is the kernel's refusal, reported with the fd. */
	int file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(oc_loop_add_fd(loop, dir, OC_LOOP_READ, on_fd, &r), OC_EOS);
	cr_assert(strstr(oc_error_last()->message, "epoll_ctl(ADD)"));
	close(dir);
	close(file);
	oc_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

/* Two readable pipes; whichever callback runs first removes and closes
 * the other, then reuses its fd number for a fresh (empty) pipe. The event
 * already fetched for the removed fd must reach neither the old nor the
 * new registration. */
struct pair {
	oc_loop *loop;
	int fds[2];
	int writers[2];
	int calls[2];
	int replacement_calls;
	int replacement[2];
};

static void on_replacement(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct pair *p = arg;
	p->replacement_calls++;
}

static void on_pair(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct pair *p = arg;
	int me = fd == p->fds[0] ? 0 : 1;
	p->calls[me]++;
	int other = p->fds[!me];
	cr_assert_eq(oc_loop_del_fd(loop, other), 0);
	close(other);
	cr_assert_eq(pipe2(p->replacement, O_NONBLOCK | O_CLOEXEC), 0);
	cr_assert_eq(p->replacement[0], other, "the lowest free fd number is reused");
	cr_assert_eq(oc_loop_add_fd(loop, p->replacement[0], OC_LOOP_READ, on_replacement, p), 0);
	cr_assert_eq(oc_loop_del_fd(loop, fd), 0);
}

Test(loop_fd, removal_inside_another_callback_drops_fetched_event)
{
	struct pair p = { 0 };
	cr_assert_eq(oc_loop_new(&p.loop), 0);
	int a[2], b[2];
	make_pipe(a);
	make_pipe(b);
	p.fds[0] = a[0];
	p.fds[1] = b[0];
	cr_assert_eq(write(a[1], "x", 1), 1);
	cr_assert_eq(write(b[1], "x", 1), 1);
	oc_loop_add_fd(p.loop, a[0], OC_LOOP_READ, on_pair, &p);
	oc_loop_add_fd(p.loop, b[0], OC_LOOP_READ, on_pair, &p);
	/* Both are ready before the wait, so one epoll_wait returns both. */
	cr_assert_eq(oc_loop_run_once(p.loop, 0), 1);
	cr_assert_eq(p.calls[0] + p.calls[1], 1);
	cr_assert_eq(p.replacement_calls, 0);
	oc_loop_run_once(p.loop, 0);
	cr_assert_eq(p.replacement_calls, 0);
	int kept = p.calls[0] ? 0 : 1;
	close(p.fds[kept]);
	close(p.replacement[0]);
	close(p.replacement[1]);
	close(a[1]);
	close(b[1]);
	oc_loop_free(p.loop);
}

Test(loop_fd, embedding_polls_the_epoll_fd)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	int p[2];
	make_pipe(p);
	struct rec r = { 0 };
	oc_loop_add_fd(loop, p[0], OC_LOOP_READ, on_fd, &r);
	cr_assert_eq(oc_loop_timeout(loop), -1);
	struct pollfd pfd = { .fd = oc_loop_fd(loop), .events = POLLIN };
	cr_assert_eq(poll(&pfd, 1, 0), 0);
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(poll(&pfd, 1, 1000), 1);
	cr_assert_eq(oc_loop_run_once(loop, 0), 1);
	cr_assert_eq(r.calls, 1);
	oc_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

Test(loop_fd, run_once_waits_for_its_timeout)
{
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	uint64_t t0 = oc_loop_clock_ms();
	cr_assert_eq(oc_loop_run_once(loop, 30), 0);
	uint64_t took = oc_loop_clock_ms() - t0;
	cr_assert_geq(took, 30);
	cr_assert_lt(took, 2000);
	oc_loop_free(loop);
}
