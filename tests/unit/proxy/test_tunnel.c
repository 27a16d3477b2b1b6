/* CONNECT tunnels and redirected TLS: judged on host and port, then on the
 * ClientHello; relayed both ways with half-closes. The upstream "TLS"
 * servers echo, so what comes back is exactly what went through. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pxlab.h"
#include "rules.h"

static const char alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31 };

static void start(void)
{
	pxlab_start(LAB_RULES, NULL);
}

TestSuite(proxy_tunnel, .init = start, .fini = pxlab_stop, .timeout = 60);

/* CONNECT target from the agent; returns the fd with the 200 read. */
static int tunnel(const char *target)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target);
	struct resp r;
	pxlab_response(fd, &r, true);
	cr_assert_eq(r.status, 200, "CONNECT %s: %s", target, r.head);
	resp_free(&r);
	return fd;
}

/* Sends a hello (and `extra`) and expects both back from the echo. */
static void hello_echo(int fd, const char *sni, const char *extra)
{
	char hello[2048], back[2048 + 64];
	size_t n = pxlab_hello(hello, sizeof(hello), sni, false);
	size_t e = strlen(extra);
	memcpy(hello + n, extra, e);
	pxlab_send(fd, hello, n + e);
	pxlab_recv_exact(fd, back, n + e);
	cr_assert(memcmp(back, hello, n + e) == 0, "the tunnel changed the bytes");
}

/* Expects the access_denied alert and then the close. */
static void denied(int fd)
{
	char got[sizeof(alert)];
	pxlab_recv_exact(fd, got, sizeof(got));
	cr_assert(memcmp(got, alert, sizeof(alert)) == 0, "not a TLS access_denied alert");
	cr_assert(pxlab_closed(fd, 0));
}

Test(proxy_tunnel, connect_443_allowed_by_host)
{
	uint64_t n = pxlab_events();
	int fd = tunnel("web.test:443");
	hello_echo(fd, "web.test", "application data");
	close(fd);
	struct rec e;
	cr_assert(pxlab_event_after(n, OC_EVENT_DECISION, &e));
	cr_assert_str_eq(e.verdict, "allow");
	cr_assert_str_eq(e.rule, "allow-web");
	cr_assert_eq(e.port, 443);
	cr_assert_gt(e.bytes_up, 100);
	cr_assert_eq(e.bytes_up, e.bytes_down, "the echo returns what went up: %lld vs %lld", e.bytes_up, e.bytes_down);
	cr_assert(PXLAB_WAIT_STAT(tunnels_total, 1));
}

Test(proxy_tunnel, connect_blocked_host_gets_403)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 403);
	cr_assert_str_eq(resp_header(&r, "x-outcall-rule"), "default");
	cr_assert_not_null(strstr(r.body, "a connection to evil.test:443"), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "outcall-shim request --host evil.test --port 443 --why"),
		"%s", r.body);
	resp_free(&r);
	close(fd);
	cr_assert_eq(srv_connections(lab.tls), 0);
}

Test(proxy_tunnel, other_ports_need_a_rule_that_names_the_port)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "CONNECT web.test:8443 HTTP/1.1\r\nHost: web.test:8443\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 403, "allow-web does not read network.port");
	cr_assert_str_eq(resp_header(&r, "x-outcall-rule"), "allow-web");
	cr_assert_not_null(strstr(r.body, "network.port"), "%s", r.body);
	resp_free(&r);
	close(fd);
	fd = tunnel("api.test:8443");
	hello_echo(fd, "api.test", "");
	close(fd);
}

Test(proxy_tunnel, sni_other_than_the_connect_host_closes_with_a_security_event)
{
	uint64_t n = pxlab_events();
	int fd = tunnel("web.test:443");
	char hello[2048];
	size_t len = pxlab_hello(hello, sizeof(hello), "evil.test", false);
	pxlab_send(fd, hello, len);
	denied(fd);
	close(fd);
	struct rec e;
	cr_assert(pxlab_event_after(n, OC_EVENT_SECURITY, &e));
	cr_assert_not_null(strstr(e.reason, "sni mismatch"), "%s", e.reason);
	cr_assert_not_null(strstr(e.reason, "evil.test"));
	cr_assert(pxlab_event_after(n, OC_EVENT_DECISION, &e));
	cr_assert_str_eq(e.verdict, "block");
	cr_assert_eq(e.bytes_up, 0, "no byte of the hello went upstream");
	cr_assert(PXLAB_WAIT_STAT(sni_mismatches, 1));
}

Test(proxy_tunnel, hello_without_sni_is_judged_on_the_connect_host)
{
	int fd = tunnel("web.test:443");
	hello_echo(fd, NULL, "x");
	close(fd);
}

Test(proxy_tunnel, hello_sent_with_the_connect_in_small_records)
{
	char hello[2048];
	size_t n = pxlab_hello(hello, sizeof(hello), "web.test", false);
	/* The same handshake in 40-byte records, sent right behind the
	 * CONNECT head without waiting for the 200. */
	char recs[4096];
	size_t off = 0;
	const char *hs = hello + 5;
	size_t hslen = n - 5;
	for (size_t i = 0; i < hslen; i += 40) {
		size_t k = hslen - i < 40 ? hslen - i : 40;
		recs[off++] = 22;
		recs[off++] = 3;
		recs[off++] = 1;
		recs[off++] = 0;
		recs[off++] = (char)k;
		memcpy(recs + off, hs + i, k);
		off += k;
	}
	int fd = pxlab_connect(AGENT_IP, PROXY);
	char head[128];
	int h = snprintf(head, sizeof(head), "CONNECT web.test:443 HTTP/1.1\r\nHost: web.test\r\n\r\n");
	pxlab_send(fd, head, (size_t)h);
	for (size_t i = 0; i < off; i += 97)
		pxlab_send(fd, recs + i, off - i < 97 ? off - i : 97);
	struct resp r;
	pxlab_response(fd, &r, true);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	char back[4096];
	pxlab_recv_exact(fd, back, off);
	cr_assert(memcmp(back, recs, off) == 0);
	close(fd);
}

Test(proxy_tunnel, encrypted_client_hello_outer_name_is_the_sni)
{
	/* An ECH hello whose outer name is another host is a mismatch... */
	char hello[2048], back[2048];
	int fd = tunnel("web.test:443");
	size_t n = pxlab_hello(hello, sizeof(hello), "public.ech.test", true);
	pxlab_send(fd, hello, n);
	denied(fd);
	close(fd);
	/* ...and one whose outer name is the CONNECT host is judged on it. */
	fd = tunnel("web.test:443");
	n = pxlab_hello(hello, sizeof(hello), "web.test", true);
	pxlab_send(fd, hello, n);
	pxlab_recv_exact(fd, back, n);
	cr_assert(memcmp(back, hello, n) == 0);
	close(fd);
}

Test(proxy_tunnel, plain_text_in_a_tunnel_is_closed)
{
	int fd = tunnel("web.test:443");
	pxlab_sendf(fd, "GET / HTTP/1.1\r\nHost: web.test\r\n\r\n");
	denied(fd);
	close(fd);
}

Test(proxy_tunnel, half_close_is_passed_on)
{
	int fd = tunnel("web.test:443");
	hello_echo(fd, "web.test", "");
	pxlab_sendf(fd, "last words");
	shutdown(fd, SHUT_WR);
	char back[16];
	pxlab_recv_exact(fd, back, 10);
	cr_assert(memcmp(back, "last words", 10) == 0);
	cr_assert(pxlab_closed(fd, 0), "the upstream's close comes back");
	close(fd);
}

struct writer {
	int fd;
	size_t n;
};

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 2654435761u >> 13);
}

static void *write_bulk(void *arg)
{
	struct writer *w = arg;
	char buf[65536];
	for (size_t off = 0; off < w->n;) {
		size_t k = w->n - off < sizeof(buf) ? w->n - off : sizeof(buf);
		for (size_t i = 0; i < k; i++)
			buf[i] = (char)pattern(off + i);
		ssize_t s = send(w->fd, buf, k, MSG_NOSIGNAL);
		if (s <= 0)
			return NULL;
		off += (size_t)s;
	}
	shutdown(w->fd, SHUT_WR);
	return NULL;
}

Test(proxy_tunnel, bulk_data_through_a_tunnel_is_intact)
{
	enum { N = 64 * 1024 * 1024 };
	int fd = tunnel("web.test:443");
	hello_echo(fd, "web.test", "");
	struct writer w = { fd, N };
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, write_bulk, &w), 0);
	char buf[65536];
	size_t got = 0;
	for (;;) {
		ssize_t k = recv(fd, buf, sizeof(buf), 0);
		cr_assert_geq(k, 0, "recv after %zu bytes", got);
		if (k == 0)
			break;
		for (ssize_t i = 0; i < k; i++)
			if ((unsigned char)buf[i] != pattern(got + (size_t)i))
				cr_assert_fail("byte %zu differs", got + (size_t)i);
		got += (size_t)k;
	}
	pthread_join(t, NULL);
	cr_assert_eq(got, (size_t)N);
	close(fd);
}

Test(proxy_tunnel, unknown_peer_cannot_connect)
{
	int fd = pxlab_connect(STRANGER_IP, PROXY);
	pxlab_sendf(fd, "CONNECT web.test:443 HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 403);
	cr_assert_not_null(strstr(r.body, "not a container"));
	resp_free(&r);
	close(fd);
}

Test(proxy_tunnel, transparent_https_is_judged_on_the_sni)
{
	int fd = pxlab_connect(AGENT_IP, "198.18.1.80:443");
	hello_echo(fd, "web.test", "data");
	close(fd);
	fd = pxlab_connect(AGENT_IP, "198.18.1.80:443");
	char hello[2048];
	size_t n = pxlab_hello(hello, sizeof(hello), "evil.test", false);
	pxlab_send(fd, hello, n);
	denied(fd);
	close(fd);
	/* Without SNI the address the client dialled is the host. */
	fd = pxlab_connect(AGENT_IP, "198.18.1.80:443");
	hello_echo(fd, NULL, "");
	close(fd);
}

static void short_hello(oc_proxy_config *cfg)
{
	cfg->hello_ms = 300;
	cfg->tunnel_idle_ms = 400;
}

static void start_short(void)
{
	pxlab_start(LAB_RULES, short_hello);
}

TestSuite(proxy_tunnel_timeouts, .init = start_short, .fini = pxlab_stop, .timeout = 30);

Test(proxy_tunnel_timeouts, hello_and_idle_timeouts)
{
	int fd = tunnel("web.test:443");
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert(pxlab_closed(fd, 0), "no hello: closed");
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	cr_assert(s > 0.2 && s < 2.0, "closed after %.2f s, hello_ms is 0.3 s", s);
	close(fd);
	fd = tunnel("web.test:443");
	hello_echo(fd, "web.test", "");
	cr_assert(pxlab_closed(fd, 0), "idle tunnel: closed");
	close(fd);
	cr_assert(PXLAB_WAIT_STAT(timeouts, 2));
}
