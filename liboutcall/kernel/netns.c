#include "kernel/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"

int oc_netns_open(const char *path, pid_t pid, int *fd, char *ident, size_t size)
{
	char proc[64];
	if (!path) {
		if (pid <= 0)
			return oc_error_set(OC_EINVAL, "a container's network namespace needs a path or "
				"a pid");
		snprintf(proc, sizeof(proc), "/proc/%d/ns/net", (int)pid);
		snprintf(ident, size, "pid %d", (int)pid);
	} else {
		snprintf(ident, size, "path %s", path);
	}
	const char *p = path ? path : proc;
	*fd = open(p, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return oc_error_os("opening network namespace %s", p);
	return 0;
}

struct ns_job {
	int nsfd, bus, sock, err;
	const char *step;
};

static void *in_netns(void *arg)
{
	struct ns_job *j = arg;
	/* unshare(CLONE_FS) is not needed for CLONE_NEWNET; only this thread
	 * moves, and it ends right after making the socket. */
	if (setns(j->nsfd, CLONE_NEWNET) != 0) {
		j->err = errno;
		j->step = "entering";
		return NULL;
	}
	j->sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, j->bus);
	if (j->sock < 0) {
		j->err = errno;
		j->step = "opening a netlink socket in";
	}
	return NULL;
}

int oc_netns_socket(int nsfd, int bus, int *sockfd)
{
	struct ns_job j = { nsfd, bus, -1, 0, NULL };
	pthread_t t;
	int e = pthread_create(&t, NULL, in_netns, &j);
	if (e) {
		errno = e;
		return oc_error_os("starting a thread to enter a container's network namespace");
	}
	pthread_join(t, NULL);
	if (j.err) {
		errno = j.err;
		return oc_error_os("%s the container's network namespace", j.step);
	}
	*sockfd = j.sock;
	return 0;
}

int oc_sysctl_set(const char *key, const char *value)
{
	char path[256];
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return OC_ENOTFOUND;
		return oc_error_os("opening %s", path);
	}
	size_t n = strlen(value);
	ssize_t w = write(fd, value, n);
	int rc = w == (ssize_t)n ? 0 : oc_error_os("writing '%s' to %s", value, path);
	close(fd);
	return rc;
}
