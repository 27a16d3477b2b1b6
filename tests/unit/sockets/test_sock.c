#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"
#include "sockets/sock.h"

static int listen_loopback(const char *text, unsigned flags, oc_sockaddr *bound)
{
	oc_sockaddr a;
	cr_assert_eq(oc_sockaddr_parse(&a, text, 0), 0);
	int fd = oc_sock_listen_tcp(&a, 16, flags);
	cr_assert_geq(fd, 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_sock_local(fd, bound), 0);
	return fd;
}

static bool nonblocking_cloexec(int fd)
{
	return (fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

Test(net_sock, tcp_listen_connect_accept)
{
	oc_sockaddr bound, peer, local, remote;
	int lfd = listen_loopback("127.0.0.1:0", 0, &bound);
	cr_assert_neq(oc_sockaddr_port(&bound), 0);
	cr_assert(nonblocking_cloexec(lfd));

	cr_assert_eq(oc_sock_accept(lfd, &peer), -1);
	cr_assert_eq(errno, EAGAIN);

	int c = oc_sock_connect(&bound, OC_SOCK_NODELAY);
	cr_assert_geq(c, 0, "%s", oc_error_last()->message);
	cr_assert(nonblocking_cloexec(c));
	cr_assert(ready(c, POLLOUT, 2000));
	cr_assert_eq(oc_sock_connect_result(c), 0);
	int nodelay = 0;
	socklen_t len = sizeof(nodelay);
	getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
	cr_assert_eq(nodelay, 1);

	cr_assert(ready(lfd, POLLIN, 2000));
	int s = oc_sock_accept(lfd, &peer);
	cr_assert_geq(s, 0);
	cr_assert(nonblocking_cloexec(s));
	cr_assert_eq(oc_sock_local(c, &local), 0);
	cr_assert(oc_sockaddr_equal(&peer, &local), "accept reports the connecting address");
	cr_assert_eq(oc_sock_peer(c, &remote), 0);
	cr_assert(oc_sockaddr_equal(&remote, &bound));

	cr_assert_eq(oc_sock_set_nodelay(s), 0);
	cr_assert_eq(oc_sock_set_buffers(s, 65536, 32768), 0);
	int rcv = 0;
	len = sizeof(rcv);
	getsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, &len);
	cr_assert_geq(rcv, 65536, "the kernel doubles the requested size");
	close(s);
	close(c);
	close(lfd);
}

Test(net_sock, refused_connect_reports_errno)
{
	oc_sockaddr bound;
	int lfd = listen_loopback("127.0.0.1:0", 0, &bound);
	/* Closing the listener frees the port: nobody listens there now. */
	close(lfd);
	int c = oc_sock_connect(&bound, 0);
	cr_assert_geq(c, 0);
	cr_assert(ready(c, POLLOUT, 2000));
	cr_assert_eq(oc_sock_connect_result(c), ECONNREFUSED);
	close(c);
}

Test(net_sock, port_in_use_unless_reuseport)
{
	oc_sockaddr bound;
	int a = listen_loopback("127.0.0.1:0", OC_SOCK_REUSEPORT, &bound);
	int b = oc_sock_listen_tcp(&bound, 16, OC_SOCK_REUSEPORT);
	cr_assert_geq(b, 0, "%s", oc_error_last()->message);
	int c = oc_sock_listen_tcp(&bound, 16, 0);
	cr_assert_eq(c, OC_EOS);
	char text[OC_SOCKADDR_STRLEN];
	const char *msg = oc_error_last()->message;
	cr_assert(strstr(msg, oc_sockaddr_format(&bound, text)), "%s", msg);
	cr_assert(strstr(msg, "another socket uses it"), "%s", msg);
	close(a);
	close(b);
}

Test(net_sock, unconfigured_address_needs_freebind)
{
	oc_sockaddr a;
	/* TEST-NET-2 is on no interface of any test machine. */
	oc_sockaddr_parse(&a, "198.51.100.7:0", -1);
	int fd = oc_sock_listen_tcp(&a, 4, 0);
	cr_assert_eq(fd, OC_EOS);
	cr_assert(strstr(oc_error_last()->message, "no interface has this address"));
	fd = oc_sock_listen_tcp(&a, 4, OC_SOCK_FREEBIND);
	cr_assert_geq(fd, 0, "%s", oc_error_last()->message);
	close(fd);
}

Test(net_sock, udp_bind_and_exchange)
{
	oc_sockaddr a, bound;
	oc_sockaddr_parse(&a, "127.0.0.1:0", -1);
	int s = oc_sock_bind_udp(&a, 0);
	cr_assert_geq(s, 0, "%s", oc_error_last()->message);
	cr_assert(nonblocking_cloexec(s));
	cr_assert_eq(oc_sock_local(s, &bound), 0);
	int c = oc_sock_bind_udp(&a, 0);
	cr_assert_eq(sendto(c, "ping", 4, 0, &bound.u.sa, bound.len), 4);
	cr_assert(ready(s, POLLIN, 2000));
	char buf[8];
	cr_assert_eq(recv(s, buf, sizeof(buf), 0), 4);
	cr_assert_eq(memcmp(buf, "ping", 4), 0);
	int again = oc_sock_bind_udp(&bound, 0);
	cr_assert_eq(again, OC_EOS, "a UDP port is not shared without REUSEPORT");
	close(c);
	close(s);
}

Test(net_sock, ipv6_listener_is_v6_only)
{
	oc_sockaddr a, bound;
	oc_sockaddr_parse(&a, "[::1]:0", -1);
	int fd = oc_sock_listen_tcp(&a, 4, 0);
	if (fd < 0)
		cr_skip_test("no IPv6 loopback here: %s", oc_error_last()->message);
	cr_assert_eq(oc_sock_local(fd, &bound), 0);
	cr_assert_eq(oc_sockaddr_family(&bound), AF_INET6);
	int v6only = 0;
	socklen_t len = sizeof(v6only);
	getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len);
	cr_assert_eq(v6only, 1);
	close(fd);
}

Test(net_sock, connect_without_address_is_refused)
{
	oc_sockaddr none = { .len = 0 };
	cr_assert_eq(oc_sock_connect(&none, 0), OC_EINVAL);
	cr_assert_eq(oc_sock_listen_tcp(&none, 1, 0), OC_EINVAL);
}
