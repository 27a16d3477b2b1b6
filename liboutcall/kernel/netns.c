#include "kernel/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/error.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* Is the namespace at path the one st describes? */
static bool same_ns(const char *path, const struct stat *st)
{
	struct stat o;
	return stat(path, &o) == 0 && o.st_ino == st->st_ino && o.st_dev == st->st_dev;
}

/*
 * What the caller names is opened without following a symlink and without
 * touching the file (O_PATH: a FIFO or a device is not opened, so nothing
 * can block), and must be a network namespace: an nsfs inode of type
 * CLONE_NEWNET. The daemon's own namespace (the host's, where the bridge
 * and the default route live) and the machine's initial one are refused:
 * attaching them would move the daemon's routes, not a container's.
 */
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
	/* /proc/<pid>/ns/net is the kernel's own link to a namespace; any other
	 * symlink is not followed */
	int pid_len = 0;
	bool magic = !path || (sscanf(path, "/proc/%*d/ns/net%n", &pid_len) == 0 && pid_len > 0 &&
		!path[pid_len] && strspn(path + 6, "0123456789") == strlen(path) - 13);
	int pfd = open(p, O_PATH | O_CLOEXEC | (magic ? 0 : O_NOFOLLOW));
	if (pfd < 0)
		return oc_error_os("opening network namespace %s", p);
	struct statfs fs;
	struct stat st;
	int rc = 0;
	if (fstatfs(pfd, &fs) != 0 || fstat(pfd, &st) != 0)
		rc = oc_error_os("network namespace %s", p);
	else if (S_ISLNK(st.st_mode))
		rc = oc_error_set(OC_EINVAL, "network namespace %s is a symbolic link: give the "
			"namespace file itself (e.g. /run/netns/NAME) or --pid", p);
	else if ((unsigned long)fs.f_type != NSFS_MAGIC)
		rc = oc_error_set(OC_EINVAL, "%s is not a namespace (no nsfs inode): give a network "
			"namespace file such as /run/netns/NAME or /proc/PID/ns/net", p);
	else if (same_ns("/proc/self/ns/net", &st) || same_ns("/proc/1/ns/net", &st))
		rc = oc_error_set(OC_EPERM, "%s is the host's own network namespace (outcalld's or "
			"the machine's): only a container's namespace can be attached", p);
	if (rc) {
		close(pfd);
		return rc;
	}
	/* Reopened through the O_PATH descriptor: the same inode, now usable
	 * for setns, and certain to be an nsfs file (opening it cannot block). */
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	*fd = open(self, O_RDONLY | O_CLOEXEC);
	int err = errno;
	close(pfd);
	if (*fd < 0) {
		errno = err;
		return oc_error_os("opening network namespace %s", p);
	}
	if (ioctl(*fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(*fd);
		*fd = -1;
		return oc_error_set(OC_EINVAL, "%s is a namespace, but not a network namespace", p);
	}
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
