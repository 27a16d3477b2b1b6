/*
 * Socket helpers: IP socket addresses (parse and format, the one textual
 * form used everywhere), nonblocking listeners and connects, accept,
 * peer credentials and the original destination of redirected
 * connections.
 *
 * Two error conventions, chosen by how hot the call is:
 * - Setup calls (listen, bind, connect start, options, lookups) return
 *   0 / an fd, or a negative oc_err with the last error naming the address
 *   or path and what to do.
 * - Per-event calls on the data path (oc_sock_accept,
 *   oc_sock_connect_result) report plain errno values and set no message:
 *   EAGAIN, EMFILE or ECONNREFUSED are routine there, and the caller maps
 *   them to its own action (stop accepting, answer 502...).
 *
 * Every descriptor returned is nonblocking and close-on-exec.
 * Thread-safety: all functions are reentrant; oc_sockaddr is plain data.
 */
#ifndef OC_NET_SOCK_H
#define OC_NET_SOCK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "core/error.h"

/* An IPv4 or IPv6 socket address (32 bytes; Unix sockets are handled by
 * path, see oc_sock_listen_unix). len is 0 for "no address". */
typedef struct oc_sockaddr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len;
} oc_sockaddr;

/* Longest text of oc_sockaddr_format, NUL included:
 * "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535". */
#define OC_SOCKADDR_STRLEN 56

/*
 * Parses "IPv4", "IPv4:port", "[IPv6]:port", "[IPv6]" or a bare "IPv6"
 * (a bare IPv6 address cannot carry a port). Without a port, default_port
 * is used; a default_port of -1 makes the port mandatory. Ports are 0 to
 * 65535 in decimal. Names are not resolved: "localhost" is an error.
 * Returns 0 or OC_EPARSE naming the text.
 */
int oc_sockaddr_parse(oc_sockaddr *out, const char *text, int default_port);
/* Builds an address from a raw IPv4 (4 bytes) or IPv6 (16 bytes) address in
 * network byte order, as DNS answers carry them. OC_EINVAL for other sizes. */
int oc_sockaddr_from_ip(oc_sockaddr *out, const void *ip, size_t iplen, uint16_t port);
/* Copies a kernel address; OC_EINVAL unless it is AF_INET or AF_INET6. */
int oc_sockaddr_from_sa(oc_sockaddr *out, const struct sockaddr *sa, socklen_t len);

/* "1.2.3.4:80" / "[::1]:80" into buf (OC_SOCKADDR_STRLEN bytes); returns
 * buf. An empty address formats as "-". */
char *oc_sockaddr_format(const oc_sockaddr *a, char *buf);
/* The address without the port ("1.2.3.4", "::1"), as rules see
 * network.ip; returns buf. */
char *oc_sockaddr_format_ip(const oc_sockaddr *a, char *buf);

uint16_t oc_sockaddr_port(const oc_sockaddr *a);
void oc_sockaddr_set_port(oc_sockaddr *a, uint16_t port);
int oc_sockaddr_family(const oc_sockaddr *a);
/* Same family, address and port. */
bool oc_sockaddr_equal(const oc_sockaddr *a, const oc_sockaddr *b);

/* Options for listeners and connects. */
enum {
	/* SO_REUSEPORT: several sockets of the same user share the port
	 * (one listener per thread). */
	OC_SOCK_REUSEPORT = 1u << 0,
	/* IP_FREEBIND: bind an address that is not (yet) configured, e.g.
	 * the bridge gateway before the bridge is up. */
	OC_SOCK_FREEBIND = 1u << 1,
	/* TCP_NODELAY on the new socket. */
	OC_SOCK_NODELAY = 1u << 2,
};

/* A listening TCP socket on addr. SO_REUSEADDR is always set (restarts do
 * not wait for TIME_WAIT); IPv6 listeners are IPv6-only so "[::]:80" and
 * "0.0.0.0:80" never overlap. Returns the fd or a negative oc_err. */
int oc_sock_listen_tcp(const oc_sockaddr *addr, int backlog, unsigned flags);
/* A bound UDP socket on addr. No SO_REUSEADDR: on UDP it would let another
 * process bind the same port and receive part of the datagrams. */
int oc_sock_bind_udp(const oc_sockaddr *addr, unsigned flags);

/*
 * A listening Unix stream socket at path, created with `mode` and, unless
 * they are -1, owner uid and group gid. The socket accepts no connection
 * before mode and owner are set (they are applied between bind and
 * listen). An existing socket file is replaced only if nothing listens on
 * it; an existing file of another type is never touched (OC_EEXIST). The
 * directory must exist. Returns the fd or a negative oc_err.
 */
int oc_sock_listen_unix(const char *path, mode_t mode, uid_t uid, gid_t gid, int backlog);

/* Starts a nonblocking TCP connect to addr. Returns the fd (the connection
 * may still be in progress: wait until it is writable, then call
 * oc_sock_connect_result), or a negative oc_err if the connect failed at
 * once (OC_EUNREACHABLE, e.g. no route). */
int oc_sock_connect(const oc_sockaddr *addr, unsigned flags);
/* After a started connect reported writable: 0 if connected, else the
 * errno that ended it (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH...). */
int oc_sock_connect_result(int fd);

/* accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC. Returns the fd, or -1 with
 * errno set (EAGAIN: nothing pending). peer (may be NULL) receives the
 * address of an IP peer; for other families peer->len is 0. */
int oc_sock_accept(int listen_fd, oc_sockaddr *peer);

/* The local / remote address of an IP socket. */
int oc_sock_local(int fd, oc_sockaddr *out);
int oc_sock_peer(int fd, oc_sockaddr *out);

/* The destination a connection had before a NAT redirect (SO_ORIGINAL_DST,
 * IPv4 and IPv6). OC_ENOTFOUND if the connection was not redirected (no
 * conntrack entry). */
int oc_sock_original_dst(int fd, oc_sockaddr *out);

/* The pid, uid and gid of the process at the other end of a Unix socket
 * (as of its connect). */
int oc_sock_peercred(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
/* The peer's supplementary groups as of its connect (SO_PEERGROUPS), in a
 * malloc'd array: unlike /proc/<pid>/status, they cannot change under a
 * reused pid. */
int oc_sock_peergroups(int fd, gid_t **groups, size_t *n);

int oc_sock_set_nodelay(int fd);
/* SO_RCVBUF / SO_SNDBUF in bytes; 0 leaves a size as it is. */
int oc_sock_set_buffers(int fd, int rcvbuf, int sndbuf);

#endif
