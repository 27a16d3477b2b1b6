/* SO_ORIGINAL_DST needs a NAT redirect. The test makes one in a private
 * network namespace of a forked child (nothing touches the machine's own
 * namespace; the namespace and its rules vanish when the child exits) and
 * reports back through the exit status. */
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helpers.h"
#include "sockets/sock.h"

enum { SKIP = 77, REDIRECTED_PORT = 9 };

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -1 : 0;
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0)
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return rc;
}

static int run_nft(const char *cmd)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("nft", "nft", cmd, (char *)NULL);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); return 1; } while (0)

static int accept_one(int lfd, int port, oc_sockaddr *orig)
{
	oc_sockaddr dst;
	char text[OC_SOCKADDR_STRLEN];
	snprintf(text, sizeof(text), "127.0.0.1:%d", port);
	oc_sockaddr_parse(&dst, text, -1);
	int c = oc_sock_connect(&dst, 0);
	if (c < 0 || !ready(lfd, POLLIN, 2000))
		FAIL("connect to %s did not reach the listener", text);
	int s = oc_sock_accept(lfd, NULL);
	if (s < 0)
		FAIL("accept: %s", strerror(errno));
	int rc = oc_sock_original_dst(s, orig);
	close(s);
	close(c);
	if (rc)
		FAIL("original dst: %s", oc_error_last()->message);
	return 0;
}

static int child(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return SKIP;
	if (lo_up() < 0)
		FAIL("cannot bring lo up in the private namespace: %s", strerror(errno));
	oc_sockaddr any, bound, orig;
	char text[OC_SOCKADDR_STRLEN], cmd[512];
	oc_sockaddr_parse(&any, "127.0.0.1:0", -1);
	int lfd = oc_sock_listen_tcp(&any, 8, 0);
	if (lfd < 0 || oc_sock_local(lfd, &bound) < 0)
		FAIL("listen: %s", oc_error_last()->message);
	snprintf(cmd, sizeof(cmd),
		"add table ip oc_test; "
		"add chain ip oc_test out { type nat hook output priority -100; }; "
		"add rule ip oc_test out tcp dport %d redirect to :%u",
		REDIRECTED_PORT, oc_sockaddr_port(&bound));
	if (run_nft(cmd) < 0)
		return SKIP;

	if (accept_one(lfd, REDIRECTED_PORT, &orig))
		return 1;
	if (strcmp(oc_sockaddr_format(&orig, text), "127.0.0.1:9") != 0)
		FAIL("redirected connection: original dst %s, want 127.0.0.1:9", text);

	/* Tracked but not rewritten: the original destination is the real one. */
	if (accept_one(lfd, oc_sockaddr_port(&bound), &orig))
		return 1;
	if (!oc_sockaddr_equal(&orig, &bound))
		FAIL("direct connection: original dst %s", oc_sockaddr_format(&orig, text));
	close(lfd);
	return 0;
}

Test(net_origdst, redirected_connection_reports_where_it_was_going)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		setpgid(0, 0);
		_exit(child());
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	cr_assert_geq(pidfd, 0);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	if (poll(&p, 1, 5000) != 1) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		cr_assert_fail("the namespace child did not finish within 5 s");
	}
	close(pidfd);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	if (WEXITSTATUS(st) == SKIP)
		cr_skip_test("needs root, network namespaces and nftables NAT");
	cr_assert_eq(WEXITSTATUS(st), 0, "the child's stderr says what failed");
}

Test(net_origdst, plain_socket_without_conntrack)
{
	/* A Unix socket pair has no NAT entry and no IP address. */
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	oc_sockaddr orig;
	cr_assert_lt(oc_sock_original_dst(sv[0], &orig), 0);
	close(sv[0]);
	close(sv[1]);
}
