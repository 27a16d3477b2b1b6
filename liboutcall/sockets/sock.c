/* IP sockets: listeners, connects, accept, addresses and options. */
#include "sockets/sock.h"

#include <errno.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

static int set_int(int fd, int level, int opt, int value)
{
	return setsockopt(fd, level, opt, &value, sizeof(value));
}

/* A new nonblocking socket for addr's family with the options of `flags`
 * applied; on failure the error names `what` and the address. */
static int new_socket(const oc_sockaddr *addr, int type, unsigned flags, const char *what)
{
	char text[OC_SOCKADDR_STRLEN];
	int fam = oc_sockaddr_family(addr);
	if (fam == AF_UNSPEC)
		return oc_error_set(OC_EINVAL, "%s: no address given", what);
	int fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return oc_error_os("%s %s: socket", what, oc_sockaddr_format(addr, text));
	/* Each test runs only if the ones before it did not fail. */
	const char *opt = NULL;
	if ((flags & OC_SOCK_REUSEPORT) && set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0)
		opt = "SO_REUSEPORT";
	else if ((flags & OC_SOCK_FREEBIND) && set_int(fd, fam == AF_INET ? SOL_IP : SOL_IPV6,
			fam == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, 1) < 0)
		opt = "IP_FREEBIND";
	else if ((flags & OC_SOCK_NODELAY) && type == SOCK_STREAM &&
		 set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0)
		opt = "TCP_NODELAY";
	else if (fam == AF_INET6 && set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) < 0)
		opt = "IPV6_V6ONLY";
	if (opt) {
		int rc = oc_error_os("%s %s: setsockopt %s", what, oc_sockaddr_format(addr, text), opt);
		close(fd);
		return rc;
	}
	return fd;
}

static int bind_or_fail(int fd, const oc_sockaddr *addr, const char *what)
{
	if (bind(fd, &addr->u.sa, addr->len) == 0)
		return 0;
	char text[OC_SOCKADDR_STRLEN];
	int rc = oc_error_os("%s: cannot bind %s%s", what, oc_sockaddr_format(addr, text),
		errno == EADDRINUSE ? " (another socket uses it; stop it or choose another port)" :
		errno == EADDRNOTAVAIL ? " (no interface has this address)" : "");
	close(fd);
	return rc;
}

int oc_sock_listen_tcp(const oc_sockaddr *addr, int backlog, unsigned flags)
{
	int fd = new_socket(addr, SOCK_STREAM, flags, "TCP listener");
	if (fd < 0)
		return fd;
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0) {
		int rc = oc_error_os("TCP listener: setsockopt SO_REUSEADDR");
		close(fd);
		return rc;
	}
	int rc = bind_or_fail(fd, addr, "TCP listener");
	if (rc)
		return rc;
	if (listen(fd, backlog) < 0) {
		char text[OC_SOCKADDR_STRLEN];
		rc = oc_error_os("TCP listener %s: listen", oc_sockaddr_format(addr, text));
		close(fd);
		return rc;
	}
	return fd;
}

int oc_sock_bind_udp(const oc_sockaddr *addr, unsigned flags)
{
	int fd = new_socket(addr, SOCK_DGRAM, flags, "UDP socket");
	if (fd < 0)
		return fd;
	int rc = bind_or_fail(fd, addr, "UDP socket");
	return rc ? rc : fd;
}

int oc_sock_connect(const oc_sockaddr *addr, unsigned flags)
{
	int fd = new_socket(addr, SOCK_STREAM, flags, "connect to");
	if (fd < 0)
		return fd;
	if (connect(fd, &addr->u.sa, addr->len) == 0 || errno == EINPROGRESS)
		return fd;
	char text[OC_SOCKADDR_STRLEN];
	int rc = oc_error_set(OC_EUNREACHABLE, "connect to %s: %s", oc_sockaddr_format(addr, text),
		strerror(errno));
	close(fd);
	return rc;
}

int oc_sock_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

int oc_sock_accept(int listen_fd, oc_sockaddr *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0 && peer && oc_sockaddr_from_sa(peer, (struct sockaddr *)&ss, len) < 0)
		peer->len = 0;
	return fd;
}

static int name_of(int fd, oc_sockaddr *out, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		       getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r < 0)
		return oc_error_os("%s of fd %d", peer ? "getpeername" : "getsockname", fd);
	return oc_sockaddr_from_sa(out, (struct sockaddr *)&ss, len);
}

int oc_sock_local(int fd, oc_sockaddr *out)
{
	return name_of(fd, out, false);
}

int oc_sock_peer(int fd, oc_sockaddr *out)
{
	return name_of(fd, out, true);
}

int oc_sock_original_dst(int fd, oc_sockaddr *out)
{
	oc_sockaddr local;
	int rc = oc_sock_local(fd, &local);
	if (rc)
		return rc;
	bool v4 = oc_sockaddr_family(&local) == AF_INET;
	*out = (oc_sockaddr){ .len = v4 ? sizeof(out->u.in4) : sizeof(out->u.in6) };
	socklen_t len = out->len;
	if (getsockopt(fd, v4 ? SOL_IP : SOL_IPV6, v4 ? SO_ORIGINAL_DST : IP6T_SO_ORIGINAL_DST,
		       &out->u, &len) == 0)
		return 0;
	out->len = 0;
	if (errno == ENOENT)
		return oc_error_set(OC_ENOTFOUND, "fd %d: connection was not redirected (no NAT entry)", fd);
	return oc_error_os("fd %d: getsockopt SO_ORIGINAL_DST", fd);
}

int oc_sock_set_nodelay(int fd)
{
	if (set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0)
		return oc_error_os("fd %d: setsockopt TCP_NODELAY", fd);
	return 0;
}

int oc_sock_set_buffers(int fd, int rcvbuf, int sndbuf)
{
	if (rcvbuf > 0 && set_int(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf) < 0)
		return oc_error_os("fd %d: setsockopt SO_RCVBUF %d", fd, rcvbuf);
	if (sndbuf > 0 && set_int(fd, SOL_SOCKET, SO_SNDBUF, sndbuf) < 0)
		return oc_error_os("fd %d: setsockopt SO_SNDBUF %d", fd, sndbuf);
	return 0;
}
