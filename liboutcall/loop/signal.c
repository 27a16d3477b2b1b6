/* Signals through one signalfd per loop: the loop's mask grows and shrinks
 * with registrations, and signal delivery becomes an ordinary fd event. */
#include "loop/loop.h"

#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/error.h"

static void on_signal(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct signalfd_siginfo si[16];
	ssize_t n;
	while ((n = read(fd, si, sizeof(si))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++) {
			int signo = (int)si[i].ssi_signo;
			/* An earlier callback of this batch may have removed it. */
			if (signo > 0 && signo < NSIG && loop->signals[signo].cb)
				loop->signals[signo].cb(loop, signo, loop->signals[signo].arg);
		}
	}
}

static void unblock(int signo)
{
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, signo);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
}

/* Points the signalfd at `mask`, creating and watching it the first time. */
static int set_mask(oc_loop *loop, const sigset_t *mask)
{
	int fd = signalfd(loop->sigfd, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return oc_error_os("event loop: signalfd");
	if (loop->sigfd < 0) {
		int rc = oc_loop_add_fd(loop, fd, OC_LOOP_READ, on_signal, NULL);
		if (rc) {
			close(fd);
			return rc;
		}
		loop->sigfd = fd;
	}
	loop->sigmask = *mask;
	return 0;
}

int oc_loop_add_signal(oc_loop *loop, int signo, oc_loop_signal_cb cb, void *arg)
{
	sigset_t one, old, mask = loop->sigmask;
	sigemptyset(&one);
	/* sigaddset also refuses the signals glibc reserves for threads. */
	if (!cb || signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP ||
	    sigaddset(&one, signo) < 0 || sigaddset(&mask, signo) < 0)
		return oc_error_set(OC_EINVAL, "event loop: signal %d cannot be handled%s", signo,
			cb ? "" : " without a callback");
	if (loop->signals[signo].cb)
		return oc_error_set(OC_EEXIST, "event loop: signal %d (%s) already has a callback",
			signo, strsignal(signo));
	int rc = pthread_sigmask(SIG_BLOCK, &one, &old);
	if (rc) {
		errno = rc;
		return oc_error_os("event loop: blocking signal %d", signo);
	}
	bool was_blocked = sigismember(&old, signo) == 1;
	rc = set_mask(loop, &mask);
	if (rc) {
		if (!was_blocked)
			unblock(signo);
		return rc;
	}
	loop->signals[signo] = (struct oc_loop_signal){ cb, arg, !was_blocked };
	return 0;
}

int oc_loop_del_signal(oc_loop *loop, int signo)
{
	if (signo <= 0 || signo >= NSIG || !loop->signals[signo].cb)
		return oc_error_set(OC_ENOTFOUND, "event loop: signal %d has no callback", signo);
	sigset_t mask = loop->sigmask;
	sigdelset(&mask, signo);
	int rc = set_mask(loop, &mask);
	if (rc)
		return rc;
	if (loop->signals[signo].we_blocked)
		unblock(signo);
	loop->signals[signo] = (struct oc_loop_signal){ 0 };
	return 0;
}

void oc_loop_signals_free(oc_loop *loop)
{
	for (int signo = 1; signo < NSIG; signo++)
		if (loop->signals[signo].cb && loop->signals[signo].we_blocked)
			unblock(signo);
	if (loop->sigfd >= 0)
		close(loop->sigfd);
}
