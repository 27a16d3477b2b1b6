/* Caps and timeouts: over a cap the answer is an immediate 503 with
 * Retry-After, slow clients are cut off without slowing anyone else, and
 * silent or unreachable upstreams end in 504. */
#include <criterion/criterion.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"
#include "pxlab.h"
#include "rules.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void caps(oc_proxy_config *cfg)
{
	cfg->max_conns = 4;
	cfg->max_conns_per_container = 2;
	cfg->retry_after_s = 7;
}

static void start_caps(void)
{
	pxlab_start(LAB_RULES, caps);
}

TestSuite(proxy_caps, .init = start_caps, .fini = pxlab_stop, .timeout = 30);

/* The 503 comes without the client sending anything. */
static void refused_at_once(const char *from)
{
	int fd = pxlab_connect(from, PROXY);
	double t0 = now_s();
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 503);
	cr_assert_str_eq(resp_header(&r, "retry-after"), "7");
	cr_assert_lt(now_s() - t0, 1.0, "the 503 must not wait for anything");
	resp_free(&r);
	close(fd);
}

Test(proxy_caps, per_container_cap_answers_503_with_retry_after)
{
	int a = pxlab_connect(AGENT_IP, PROXY);
	int b = pxlab_connect(AGENT_IP, PROXY);
	refused_at_once(AGENT_IP);
	cr_assert(PXLAB_WAIT_STAT(conns_refused, 1));
	/* Others are not affected by this container's cap. */
	int s = pxlab_connect(STRANGER_IP, PROXY);
	pxlab_sendf(s, "GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct resp r;
	pxlab_response(s, &r, false);
	cr_assert_eq(r.status, 403, "served (and refused as a stranger), not 503");
	resp_free(&r);
	close(s);
	/* A slot freed is a slot usable. */
	close(a);
	cr_assert(PXLAB_WAIT_STAT(conns_open, 1));
	int c = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(c, "GET http://web.test/again HTTP/1.1\r\nHost: web.test\r\n\r\n");
	pxlab_response(c, &r, false);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	close(c);
	close(b);
}

Test(proxy_caps, total_cap_answers_503)
{
	int fds[4];
	fds[0] = pxlab_connect(AGENT_IP, PROXY);
	fds[1] = pxlab_connect(AGENT_IP, PROXY);
	fds[2] = pxlab_connect(STRANGER_IP, PROXY);
	fds[3] = pxlab_connect(STRANGER_IP, PROXY);
	cr_assert(PXLAB_WAIT_STAT(conns_open, 4));
	refused_at_once("10.200.0.1");
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}

static void slow(oc_proxy_config *cfg)
{
	cfg->head_ms = 500;
	cfg->idle_ms = 400;
	cfg->connect_ms = 300;
}

static void start_slow(void)
{
	pxlab_start(LAB_RULES, slow);
}

TestSuite(proxy_timeouts, .init = start_slow, .fini = pxlab_stop, .timeout = 30);

Test(proxy_timeouts, slowloris_is_cut_off_and_does_not_starve_others)
{
	enum { SLOW = 8 };
	int s[SLOW];
	const char *head = "GET http://web.test/slow HTTP/1.1\r\nHost: web.test\r\n";
	for (int i = 0; i < SLOW; i++) {
		s[i] = pxlab_connect(AGENT_IP, PROXY);
		pxlab_send(s[i], head, 1);
	}
	double t0 = now_s();
	/* Fast clients are served while the slow ones trickle. */
	for (int i = 0; i < 20; i++) {
		double t = now_s();
		struct resp r;
		pxlab_get("http://web.test/fast", &r);
		cr_assert_eq(r.status, 200);
		resp_free(&r);
		cr_assert_lt(now_s() - t, 0.25, "a fast request took %.3f s", now_s() - t);
	}
	/* One more byte every 100 ms does not buy a slow client more time. */
	int answered = 0;
	for (size_t k = 1; answered < SLOW && now_s() - t0 < 3.0; k++) {
		for (int i = 0; i < SLOW; i++) {
			if (s[i] < 0)
				continue;
			struct pollfd p = { .fd = s[i], .events = POLLIN };
			if (poll(&p, 1, 0) == 1) {
				struct resp r;
				pxlab_response(s[i], &r, false);
				cr_assert_eq(r.status, 408);
				resp_free(&r);
				close(s[i]);
				s[i] = -1;
				answered++;
			} else if (k < strlen(head)) {
				pxlab_send(s[i], head + k, 1);
			}
		}
		poll(NULL, 0, 100);
	}
	cr_assert_eq(answered, SLOW, "every slow client gets 408");
	cr_assert_lt(now_s() - t0, 1.5, "after head_ms (0.5 s), not later");
	cr_assert(PXLAB_WAIT_STAT(timeouts, SLOW));
}

Test(proxy_timeouts, idle_keep_alive_connection_is_closed)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	resp_free(&r);
	double t0 = now_s();
	cr_assert(pxlab_closed(fd, 0));
	double t = now_s() - t0;
	cr_assert(t > 0.3 && t < 1.5, "closed after %.2f s, idle_ms is 0.4 s", t);
	close(fd);
}

Test(proxy_timeouts, silent_upstream_is_504)
{
	struct resp r;
	pxlab_get("http://web.test/silent", &r);
	cr_assert_eq(r.status, 504);
	cr_assert_not_null(strstr(r.body, "did not answer in time"), "%s", r.body);
	resp_free(&r);
}

Test(proxy_timeouts, upstream_that_never_accepts_is_504)
{
	cr_assert_eq(nstest_sh(NULL, 0, "ip addr add 198.18.9.9/32 dev lo && "
		"nft add chain ip pxlab filt \"{ type filter hook output priority 0; }\" && "
		"nft add rule ip pxlab filt ip daddr 198.18.9.9 drop"), 0);
	struct resp r;
	pxlab_get("http://198.18.9.9/", &r);
	cr_assert_eq(r.status, 504, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "did not accept the connection"), "%s", r.body);
	resp_free(&r);
}
