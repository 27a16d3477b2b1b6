/* The response head parser: what Docker (and any HTTP/1.1 server) sends is
 * accepted with the right framing; malformed or ambiguous heads are
 * refused. Every input is parsed whole and byte by byte. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/response_parse.h"

struct resp {
	oc_http_response_head r;
	char *buf;
	int rc;
};

static void parse_as(struct resp *p, const char *text, bool head, bool relay)
{
	size_t len = strlen(text);
	p->buf = malloc(len ? len : 1);
	memcpy(p->buf, text, len);
	oc_http_response_head_init(&p->r);
	p->r.head = head;
	p->r.relay = relay;
	p->rc = oc_http_response_head_parse(&p->r, p->buf, len);

	static oc_http_response_head inc;
	oc_http_response_head_init(&inc);
	inc.head = head;
	inc.relay = relay;
	int rc = OC_HTTP_MORE;
	for (size_t k = 1; k <= len && rc == OC_HTTP_MORE; k++)
		rc = oc_http_response_head_parse(&inc, p->buf, k);
	cr_assert_eq(rc, p->rc, "byte-by-byte parse ended with %d, whole with %d", rc, p->rc);
	if (rc == OC_HTTP_DONE)
		cr_assert(inc.head_len == p->r.head_len && inc.status == p->r.status &&
			inc.framing == p->r.framing && inc.content_length == p->r.content_length &&
			inc.nheaders == p->r.nheaders && inc.keep_alive == p->r.keep_alive,
			"incremental results differ");
	/* a finished parse answers the same again */
	cr_assert_eq(oc_http_response_head_parse(&p->r, p->buf, len), p->rc);
}

static void parse_resp(struct resp *p, const char *text, bool head)
{
	parse_as(p, text, head, false);
}

static bool span_is(const struct resp *p, oc_http_span s, const char *want)
{
	return s.len == strlen(want) && memcmp(p->buf + s.off, want, s.len) == 0;
}

Test(http_response_parse, docker_answer_with_length)
{
	const char *text = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
		"Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24 (linux)\r\n"
		"Date: Sat, 28 Nov 2026 11:00:00 GMT\r\nContent-Length: 12\r\n\r\n{\"a\":\"b\"}\n12";
	struct resp p;
	parse_resp(&p, text, false);
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.status, 200);
	cr_assert(span_is(&p, p.r.reason, "OK"));
	cr_assert_eq(p.r.framing, OC_HTTP_BODY_LENGTH);
	cr_assert_eq(p.r.content_length, 12);
	cr_assert(p.r.keep_alive);
	cr_assert_eq(p.r.head_len, strstr(text, "\r\n\r\n") + 4 - text);
	int i = oc_http_response_head_find(&p.r, p.buf, "api-version", 0);
	cr_assert_geq(i, 0);
	cr_assert(span_is(&p, p.r.headers[i].value, "1.41"));
	cr_assert_eq(oc_http_response_head_find(&p.r, p.buf, "api-version", i + 1), -1);
	free(p.buf);
}

Test(http_response_parse, chunked_stream)
{
	struct resp p;
	parse_resp(&p, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"Transfer-Encoding: chunked\r\n\r\n5\r\n{}\n\r\n", false);
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.framing, OC_HTTP_BODY_CHUNKED);
	free(p.buf);
}

Test(http_response_parse, no_body_cases)
{
	static const char *const texts[] = {
		"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct resp p;
		parse_resp(&p, texts[i], false);
		cr_assert_eq(p.rc, OC_HTTP_DONE, "%s: %s", texts[i], p.r.error);
		cr_assert_eq(p.r.framing, OC_HTTP_BODY_NONE, "%s", texts[i]);
		free(p.buf);
	}
	struct resp h;
	parse_resp(&h, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", true);
	cr_assert_eq(h.rc, OC_HTTP_DONE);
	cr_assert_eq(h.r.framing, OC_HTTP_BODY_NONE, "an answer to HEAD has no body");
	free(h.buf);
}

Test(http_response_parse, until_close_and_keep_alive)
{
	struct resp p;
	parse_resp(&p, "HTTP/1.1 500 \r\nContent-Type: text/plain\r\n\r\n", false);
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.status, 500);
	cr_assert_eq(p.r.reason.len, 0, "an empty reason is allowed");
	cr_assert_eq(p.r.framing, OC_HTTP_BODY_UNTIL_CLOSE);
	cr_assert_not(p.r.keep_alive, "a body delimited by close ends the connection");
	free(p.buf);

	parse_resp(&p, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", false);
	cr_assert_eq(p.rc, OC_HTTP_DONE);
	cr_assert(p.r.keep_alive);
	cr_assert_eq(p.r.version_minor, 0);
	free(p.buf);

	parse_resp(&p, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", false);
	cr_assert_eq(p.rc, OC_HTTP_DONE);
	cr_assert_not(p.r.keep_alive);
	free(p.buf);
}

Test(http_response_parse, incomplete_is_more)
{
	struct resp p;
	parse_resp(&p, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", false);
	cr_assert_eq(p.rc, OC_HTTP_MORE);
	free(p.buf);
}

struct bad {
	const char *text;
	int rc;
	const char *why;
};

Test(http_response_parse, refused)
{
	static const struct bad cases[] = {
		{ "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", OC_EPARSE, "bare LF" },
		{ "HTTP/1.1 200 O\rK\r\n\r\n", OC_EPARSE, "bare CR" },
		{ "HTTP/1.1 200\r\n\r\n", OC_EPARSE, "followed by a space" },
		{ "HTTP/2.0 200 OK\r\n\r\n", OC_EPARSE, "HTTP/1.0 and HTTP/1.1" },
		{ "HTTX/1.1 200 OK\r\n\r\n", OC_EPARSE, "status line" },
		{ "HTTP/1.1 100 Continue\r\n\r\n", OC_EPARSE, "interim" },
		{ "HTTP/1.1 101 Switching Protocols\r\n\r\n", OC_EPARSE, "interim" },
		{ "HTTP/1.1 600 Odd\r\n\r\n", OC_EPARSE, "out of range" },
		{ "HTTP/1.1 2x0 OK\r\n\r\n", OC_EPARSE, "three digits" },
		{ "HTTP/1.1  200 OK\r\n\r\n", OC_EPARSE, "three digits" },
		{ "HTTP/1.1 200 O\x01K\r\n\r\n", OC_EPARSE, "reason phrase" },
		{ "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", OC_EPARSE, "obs-fold" },
		{ "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", OC_EPARSE, "whitespace between" },
		{ "HTTP/1.1 200 OK\r\nA\r\n\r\n", OC_EPARSE, "without ':'" },
		{ "HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", OC_EPARSE, "control byte" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", OC_EPARSE, "more than once" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1,1\r\n\r\n", OC_EPARSE, "digits only" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", OC_EPARSE, "1 to 19" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", OC_EPARSE, "both" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", OC_EPARSE, "end with chunked" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", OC_EPARSE, "not asked for" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", OC_EPARSE, "more than once" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n", OC_EPARSE, "empty element" },
		{ "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", OC_EPARSE, "HTTP/1.0" },
		{ "HTTP/1.1 200 OK\r\nConnection: a b\r\n\r\n", OC_EPARSE, "list of tokens" },
		{ "HTTP/1.1 200 OK\r\nConnection: content-length\r\n\r\n", OC_EPARSE, "names Content-Length" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct resp p;
		parse_resp(&p, cases[i].text, false);
		cr_assert_eq(p.rc, cases[i].rc, "%s: rc %d", cases[i].text, p.rc);
		cr_assert(p.r.error && strstr(p.r.error, cases[i].why), "%s: reason '%s' lacks '%s'",
			cases[i].text, p.r.error, cases[i].why);
		cr_assert(strstr(oc_error_last()->message, p.r.error));
		free(p.buf);
	}
}

Test(http_response_parse, limits)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 5; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "X-%d: y\r\n", i);
	snprintf(text + n, sizeof(text) - n, "\r\n");
	oc_http_response_head r;
	oc_http_response_head_init(&r);
	r.max_headers = 4;
	cr_assert_eq(oc_http_response_head_parse(&r, text, strlen(text)), OC_ELIMIT);
	cr_assert(strstr(r.error, "too many"));
	cr_assert_eq(oc_http_response_head_parse(&r, text, strlen(text)), OC_ELIMIT,
		"a refused head stays refused with the same code");

	oc_http_response_head_init(&r);
	r.max_head = 32;
	cr_assert_eq(oc_http_response_head_parse(&r, text, strlen(text)), OC_ELIMIT);
	cr_assert(strstr(r.error, "too large"));
}

/* ---- relay mode: what the proxy passes on from upstream servers ---- */

Test(http_response_parse, relay_accepts_what_a_server_may_send)
{
	struct resp p;
	parse_as(&p, "HTTP/1.1 100 Continue\r\n\r\n", false, true);
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert(p.r.status == 100 && p.r.framing == OC_HTTP_BODY_NONE, "interim: no body");
	free(p.buf);

	parse_as(&p, "HTTP/1.1 204\r\nServer: s\r\n\r\n", false, true);
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert(p.r.status == 204 && p.r.reason.len == 0, "no SP before an empty reason");
	free(p.buf);

	parse_as(&p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", false, true);
	cr_assert(p.rc == OC_HTTP_DONE && p.r.framing == OC_HTTP_BODY_CHUNKED, "chunked last");
	free(p.buf);

	parse_as(&p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", false, true);
	cr_assert(p.rc == OC_HTTP_DONE && p.r.framing == OC_HTTP_BODY_UNTIL_CLOSE &&
		!p.r.keep_alive, "chunked not last: the body ends with the connection");
	free(p.buf);

	parse_as(&p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", true, true);
	cr_assert(p.rc == OC_HTTP_DONE && p.r.framing == OC_HTTP_BODY_NONE && p.r.keep_alive,
		"the answer to HEAD has no body whatever its codings");
	free(p.buf);

	parse_as(&p, "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n",
		false, true);
	cr_assert(p.rc == OC_HTTP_DONE && p.r.keep_alive);
	free(p.buf);
}

Test(http_response_parse, relay_still_refuses_what_cannot_be_framed)
{
	const char *bad[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
		"HTTP/1.1 200 OK\nServer: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX : a\r\n\r\n",
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 099 Odd\r\n\r\n",
		"HTTP/1.1 600 Odd\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: content-length\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct resp p;
		parse_as(&p, bad[i], false, true);
		cr_assert_lt(p.rc, 0, "case %zu accepted", i);
		cr_assert_not_null(p.r.error);
		free(p.buf);
	}
}

Test(http_response_parse, hop_by_hop_fields_are_marked)
{
	struct resp p;
	parse_as(&p, "HTTP/1.1 200 OK\r\nConnection: close, X-A\r\nX-A: 1\r\nKeep-Alive: 1\r\n"
		"Upgrade: h2c\r\nServer: s\r\nTransfer-Encoding: chunked\r\n\r\n", false, true);
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_not(p.r.keep_alive);
	for (int i = 0; i < 4; i++)
		cr_assert(p.r.headers[i].flags & OC_HTTP_HDR_HOP, "field %d is hop-by-hop", i);
	cr_assert_not(p.r.headers[4].flags & OC_HTTP_HDR_HOP, "Server goes on");
	cr_assert_not(p.r.headers[5].flags & OC_HTTP_HDR_HOP, "the body keeps its codings");
	free(p.buf);
}
