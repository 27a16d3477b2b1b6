/*
 * bench-proxy-idle: holds N idle CONNECT tunnels through a proxy, for the
 * memory comparison in bench/proxy/run.sh. It is both ends: it listens as
 * the upstream (--sink), and for each tunnel connects to the proxy from
 * --client, sends "CONNECT host:443", reads the 200, sends a TLS
 * ClientHello naming the host (Outcall judges it; the others pass it on)
 * and accepts the proxied connection at the sink, reading the hello there
 * so the tunnel is known to be open end to end. Then it prints "ready N"
 * and keeps everything open until its standard input closes. The sink is
 * a child process, so that each side needs only N descriptors.
 *
 *   bench-proxy-idle --proxy IP:PORT --client IP --sink IP:PORT --host NAME --count N
 *                    [--sink-netns PATH]
 *
 * --sink-netns puts the sink in another network namespace (Outcall never
 * connects to an address of its own host).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

static void fail(const char *what, int n)
{
	fprintf(stderr, "bench-proxy-idle: tunnel %d: %s: %s\n", n, what, strerror(errno));
	exit(1);
}

static struct sockaddr_in addr(const char *text)
{
	char host[64];
	snprintf(host, sizeof(host), "%s", text);
	char *colon = strchr(host, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	if (colon) {
		*colon = '\0';
		sa.sin_port = htons((uint16_t)atoi(colon + 1));
	}
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "bench-proxy-idle: bad address %s\n", text);
		exit(2);
	}
	return sa;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A TLS 1.2-style ClientHello record with one cipher suite and SNI. */
static size_t hello(uint8_t *out, const char *host)
{
	size_t hl = strlen(host), ext = 9 + hl, body = 2 + 32 + 1 + 4 + 2 + 2 + ext;
	uint8_t *p = out;
	*p++ = 22, *p++ = 3, *p++ = 1;
	put16(p, 4 + body), p += 2;
	*p++ = 1, *p++ = 0;
	put16(p, body), p += 2;
	*p++ = 3, *p++ = 3;
	memset(p, 7, 32), p += 32;
	*p++ = 0;                           /* session id */
	put16(p, 2), p += 2, put16(p, 0x1301), p += 2;
	*p++ = 1, *p++ = 0;                 /* compression: null */
	put16(p, ext), p += 2;
	put16(p, 0), p += 2;                /* server_name */
	put16(p, 5 + hl), p += 2;
	put16(p, 3 + hl), p += 2;
	*p++ = 0;
	put16(p, hl), p += 2;
	memcpy(p, host, hl), p += hl;
	return (size_t)(p - out);
}

static void read_head(int fd, int n)
{
	char buf[1024];
	size_t have = 0;
	while (have < 4 || memcmp(buf + have - 4, "\r\n\r\n", 4) != 0) {
		if (have == sizeof(buf) || recv(fd, buf + have, 1, 0) != 1)
			fail("no answer to CONNECT", n);
		have++;
	}
	if (strncmp(buf, "HTTP/1.1 200", 12) && strncmp(buf, "HTTP/1.0 200", 12)) {
		fprintf(stderr, "bench-proxy-idle: tunnel %d: %.*s\n", n, (int)have, buf);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *proxy = NULL, *client = NULL, *sink = NULL, *host = NULL, *sink_ns = NULL;
	int count = 0;
	static const struct option opts[] = { { "proxy", required_argument, NULL, 'p' },
		{ "client", required_argument, NULL, 'c' }, { "sink", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'h' }, { "count", required_argument, NULL, 'n' },
		{ "sink-netns", required_argument, NULL, 'N' }, { NULL, 0, NULL, 0 } };
	for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		if (c == 'p')
			proxy = optarg;
		else if (c == 'c')
			client = optarg;
		else if (c == 's')
			sink = optarg;
		else if (c == 'h')
			host = optarg;
		else if (c == 'n')
			count = atoi(optarg);
		else if (c == 'N')
			sink_ns = optarg;
		else
			return 2;
	}
	if (!proxy || !client || !sink || !host || count <= 0) {
		fprintf(stderr, "usage: bench-proxy-idle --proxy IP:PORT --client IP --sink IP:PORT "
			"--host NAME --count N\n");
		return 2;
	}
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	struct sockaddr_in pa = addr(proxy), ca = addr(client), sa = addr(sink);
	uint8_t h[512];
	size_t hlen = hello(h, host);
	int done[2];
	if (pipe(done) < 0)
		fail("pipe", 0);
	pid_t sink_pid = fork();
	if (sink_pid < 0)
		fail("fork", 0);
	struct timeval tv = { .tv_sec = 10 };
	if (sink_pid == 0) {
		/* The sink: every proxied connection delivers the hello. */
		close(done[0]);
		if (sink_ns) {
			int ns = open(sink_ns, O_RDONLY | O_CLOEXEC);
			if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
				fail("enter the sink's namespace", 0);
			close(ns);
		}
		int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4096) < 0)
			fail("sink", 0);
		(void)!write(done[1], "l", 1);
		for (int i = 0; i < count; i++) {
			int up = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (up < 0)
				fail("accept at the sink", i);
			setsockopt(up, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			uint8_t got[512];
			for (size_t have = 0; have < hlen;) {
				ssize_t k = recv(up, got + have, hlen - have, 0);
				if (k <= 0)
					fail("hello at the sink", i);
				have += (size_t)k;
			}
		}
		(void)!write(done[1], "k", 1);
		char c;
		while (read(0, &c, 1) > 0)
			;
		_exit(0);
	}
	close(done[1]);
	char k;
	if (read(done[0], &k, 1) != 1) {
		fprintf(stderr, "bench-proxy-idle: the sink did not start\n");
		return 1;
	}
	char req[512];
	int rlen = snprintf(req, sizeof(req), "CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n",
		host, host);
	for (int i = 0; i < count; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (fd < 0 || bind(fd, (struct sockaddr *)&ca, sizeof(ca)) < 0 ||
		    connect(fd, (struct sockaddr *)&pa, sizeof(pa)) < 0)
			fail("connect to the proxy", i);
		if (send(fd, req, (size_t)rlen, 0) != rlen)
			fail("send CONNECT", i);
		read_head(fd, i);
		if (send(fd, h, hlen, 0) != (ssize_t)hlen)
			fail("send hello", i);
	}
	if (read(done[0], &k, 1) != 1) {
		fprintf(stderr, "bench-proxy-idle: the sink did not see every hello\n");
		return 1;
	}
	printf("ready %d\n", count);
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
