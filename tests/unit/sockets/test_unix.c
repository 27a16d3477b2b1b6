#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "helpers.h"
#include "sockets/sock.h"

static char dir[64];
static char path[128];

static void make_dir(void)
{
	strcpy(dir, "/tmp/oc-test-unix-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.sock", dir);
}

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(net_unix, .init = make_dir, .fini = remove_dir);

static int dial(const char *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	strcpy(sun.sun_path, p);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

Test(net_unix, created_with_mode_and_credentials_of_peer)
{
	int fd = oc_sock_listen_unix(path, 0600, (uid_t)-1, (gid_t)-1, 8);
	cr_assert_geq(fd, 0, "%s", oc_error_last()->message);
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600);
	int c = dial(path);
	cr_assert_geq(c, 0);
	cr_assert(ready(fd, POLLIN, 2000));
	oc_sockaddr peer = { .len = 1 };
	int s = oc_sock_accept(fd, &peer);
	cr_assert_geq(s, 0);
	cr_assert_eq(peer.len, 0, "a Unix peer has no IP address");
	pid_t pid;
	uid_t uid;
	gid_t gid;
	cr_assert_eq(oc_sock_peercred(s, &pid, &uid, &gid), 0);
	cr_assert_eq(pid, getpid());
	cr_assert_eq(uid, getuid());
	cr_assert_eq(gid, getgid());
	close(s);
	close(c);
	close(fd);
}

Test(net_unix, owner_is_applied)
{
	/* Root can give the socket away; others can only keep their own ids. */
	uid_t uid = geteuid() == 0 ? 65534 : geteuid();
	int fd = oc_sock_listen_unix(path, 0660, uid, getegid(), 8);
	cr_assert_geq(fd, 0, "%s", oc_error_last()->message);
	struct stat st;
	lstat(path, &st);
	cr_assert_eq(st.st_uid, uid);
	cr_assert_eq(st.st_mode & 07777, 0660);
	close(fd);
}

Test(net_unix, stale_socket_is_replaced)
{
	int old = oc_sock_listen_unix(path, 0600, (uid_t)-1, (gid_t)-1, 8);
	cr_assert_geq(old, 0);
	close(old);
	int fd = oc_sock_listen_unix(path, 0600, (uid_t)-1, (gid_t)-1, 8);
	cr_assert_geq(fd, 0, "%s", oc_error_last()->message);
	int c = dial(path);
	cr_assert_geq(c, 0, "the new socket listens");
	close(c);
	close(fd);
}

Test(net_unix, live_socket_is_not_stolen)
{
	int live = oc_sock_listen_unix(path, 0600, (uid_t)-1, (gid_t)-1, 8);
	cr_assert_geq(live, 0);
	cr_assert_eq(oc_sock_listen_unix(path, 0600, (uid_t)-1, (gid_t)-1, 8), OC_EEXIST);
	cr_assert(strstr(oc_error_last()->message, "another process is listening"));
	int c = dial(path);
	cr_assert_geq(c, 0, "the first listener still owns the path");
	close(c);
	close(live);
}

Test(net_unix, other_files_are_never_removed)
{
	int f = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(f, 0);
	close(f);
	cr_assert_eq(oc_sock_listen_unix(path, 0600, (uid_t)-1, (gid_t)-1, 8), OC_EEXIST);
	const char *msg = oc_error_last()->message;
	cr_assert(strstr(msg, path) && strstr(msg, "not a socket"), "%s", msg);
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
}

Test(net_unix, path_too_long)
{
	char longpath[200];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	cr_assert_eq(oc_sock_listen_unix(longpath, 0600, (uid_t)-1, (gid_t)-1, 8), OC_EINVAL);
	cr_assert_eq(oc_sock_listen_unix("", 0600, (uid_t)-1, (gid_t)-1, 8), OC_EINVAL);
}
