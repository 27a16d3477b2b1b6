/* Unix stream listeners and peer credentials. */
#include "sockets/sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"

/* Something already at path: a socket nobody listens on is a leftover of
 * an earlier run and may go; anything else stays. */
static int clear_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return oc_error_os("Unix socket %s: lstat", path);
	}
	if (!S_ISSOCK(st.st_mode))
		return oc_error_set(OC_EEXIST, "Unix socket %s: the path exists and is not a socket; "
			"remove it or choose another path", path);
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return oc_error_os("Unix socket %s: socket", path);
	int r = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
	int err = errno;
	close(probe);
	/* EAGAIN: a live listener with a full backlog. */
	if (r == 0 || err == EAGAIN)
		return oc_error_set(OC_EEXIST, "Unix socket %s: another process is listening on it; "
			"stop it first", path);
	if (err != ECONNREFUSED)
		return oc_error_set(OC_EOS, "Unix socket %s: probing the existing socket: %s", path,
			strerror(err));
	if (unlink(path) < 0 && errno != ENOENT)
		return oc_error_os("Unix socket %s: removing the stale socket", path);
	return 0;
}

static int undo(int fd, const char *path, const char *step)
{
	int rc = oc_error_os("Unix socket %s: %s", path, step);
	unlink(path);
	close(fd);
	return rc;
}

int oc_sock_listen_unix(const char *path, mode_t mode, uid_t uid, gid_t gid, int backlog)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (!path)
		return oc_error_set(OC_EINVAL, "Unix socket: no path given");
	if (!path[0] || strlen(path) >= sizeof(sun.sun_path))
		return oc_error_set(OC_EINVAL, "Unix socket path '%s' must have 1 to %zu bytes", path,
			sizeof(sun.sun_path) - 1);
	strcpy(sun.sun_path, path);
	int rc = clear_stale(path, &sun);
	if (rc)
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return oc_error_os("Unix socket %s: socket", path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = oc_error_os("Unix socket %s: bind", path);
		close(fd);
		return rc;
	}
	/* Until listen() connects are refused, so the umask-derived mode the
	 * file was created with is never usable. */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) < 0)
		return undo(fd, path, "chown");
	if (chmod(path, mode) < 0)
		return undo(fd, path, "chmod");
	if (listen(fd, backlog) < 0)
		return undo(fd, path, "listen");
	return fd;
}

int oc_sock_peercred(int fd, pid_t *pid, uid_t *uid, gid_t *gid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return oc_error_os("fd %d: getsockopt SO_PEERCRED", fd);
	if (pid)
		*pid = cred.pid;
	if (uid)
		*uid = cred.uid;
	if (gid)
		*gid = cred.gid;
	return 0;
}

int oc_sock_peergroups(int fd, gid_t **groups, size_t *n)
{
	*groups = NULL;
	*n = 0;
	/* The kernel says how much room the list needs when the first guess
	 * is short; the list is fixed at connect, so the second call fits. */
	socklen_t len = 32 * sizeof(gid_t);
	for (int attempt = 0; attempt < 2; attempt++) {
		gid_t *g = malloc(len ? len : sizeof(gid_t));
		if (!g)
			return oc_error_nomem();
		socklen_t got = len;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &got) == 0) {
			*groups = g;
			*n = got / sizeof(gid_t);
			return 0;
		}
		int err = errno;
		free(g);
		if (err != ERANGE) {
			errno = err;
			return oc_error_os("fd %d: getsockopt SO_PEERGROUPS", fd);
		}
		len = got;
	}
	return oc_error_set(OC_EOS, "fd %d: SO_PEERGROUPS: the group list kept growing", fd);
}
