#include "nstest.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static ino_t netns_ino(pid_t pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
	return st.st_ino;
}

void nstest_enter(void)
{
	ino_t before = netns_ino(getpid());
	if (unshare(CLONE_NEWNET) != 0) {
		if (errno == EPERM)
			cr_skip_test("needs root (CAP_SYS_ADMIN) for a private network namespace");
		cr_assert_fail("unshare(CLONE_NEWNET): %s", strerror(errno));
	}
	/* Never continue in the machine's namespace. */
	if (netns_ino(getpid()) == before)
		abort();
	cr_assert_eq(nstest_sh(NULL, 0, "ip link set lo up"), 0);
}

void nstest_peer_new(struct nstest_peer *p)
{
	int ready[2];
	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		close(ready[0]);
		/* the parked child must not outlive the test worker */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET) != 0)
			_exit(1);
		char c = 1;
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	cr_assert_eq(read(ready[0], &c, 1), 1, "peer namespace child failed");
	close(ready[0]);
	p->pid = pid;
	snprintf(p->path, sizeof(p->path), "/proc/%d/ns/net", (int)pid);
}

void nstest_peer_free(struct nstest_peer *p)
{
	if (p->pid <= 0)
		return;
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

int nstest_sh(char *out, size_t size, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	/* quote for sh -c: ' becomes '\'' */
	char full[8192];
	size_t o = (size_t)snprintf(full, sizeof(full), "timeout 20 sh -c '");
	for (const char *c = cmd; *c && o + 8 < sizeof(full); c++) {
		if (*c == '\'') {
			memcpy(full + o, "'\\''", 4);
			o += 4;
		} else {
			full[o++] = *c;
		}
	}
	snprintf(full + o, sizeof(full) - o, "' 2>&1");
	FILE *f = popen(full, "r");
	cr_assert_not_null(f, "popen %s", cmd);
	size_t n = 0;
	char sink[4096];
	for (;;) {
		char *dst = out && n + 1 < size ? out + n : sink;
		size_t room = out && n + 1 < size ? size - n - 1 : sizeof(sink);
		size_t got = fread(dst, 1, room, f);
		if (got == 0)
			break;
		if (dst != sink)
			n += got;
	}
	if (out && size)
		out[n] = '\0';
	int st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
