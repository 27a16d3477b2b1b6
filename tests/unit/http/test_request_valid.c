#include "helpers.h"

Test(http_request, origin_form_get)
{
	struct parsed p;
	const char *req = "GET /a/b.html?x=1&y=[2] HTTP/1.1\r\n"
		"Host: example.com\r\n"
		"User-Agent:  agent/1.0 \t\r\n"
		"Accept: */*\r\n"
		"\r\n";
	parse(&p, req);
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.head_len, strlen(req));
	cr_assert_eq(p.r.method, OC_HTTP_GET);
	cr_assert(span_is(&p, p.r.method_text, "GET"));
	cr_assert_eq(p.r.form, OC_HTTP_FORM_ORIGIN);
	cr_assert(span_is(&p, p.r.target, "/a/b.html?x=1&y=[2]"));
	cr_assert(span_is(&p, p.r.path, "/a/b.html"));
	cr_assert(span_is(&p, p.r.query, "x=1&y=[2]"));
	cr_assert(span_is(&p, p.r.origin, "/a/b.html?x=1&y=[2]"));
	cr_assert(p.r.flags & OC_HTTP_REQ_HAS_QUERY);
	cr_assert_eq(p.r.version_minor, 1);
	cr_assert(p.r.flags & OC_HTTP_REQ_KEEP_ALIVE);
	cr_assert_eq(p.r.framing, OC_HTTP_BODY_NONE);
	cr_assert_eq(p.r.nheaders, 3);
	cr_assert(span_is(&p, p.r.headers[1].name, "User-Agent"));
	cr_assert(span_is(&p, p.r.headers[1].value, "agent/1.0"), "whitespace is trimmed");
	cr_assert(span_is(&p, p.r.host.host, "example.com"));
	cr_assert_eq(p.r.host.port, 0);
	cr_assert_eq(oc_http_request_authority(&p.r), &p.r.host);
	cr_assert_eq(oc_http_request_find(&p.r, p.buf, "accept", 0), 2);
	cr_assert_eq(oc_http_request_find(&p.r, p.buf, "ACCEPT", 3), -1);
	cr_assert_eq(oc_http_request_find(&p.r, p.buf, "cookie", 0), -1);
	cr_assert_eq(oc_http_request_parse(&p.r, p.buf, p.len), OC_HTTP_DONE, "done stays done");
	free(p.buf);
}

Test(http_request, absolute_form_with_matching_host)
{
	struct parsed p;
	parse(&p, "POST http://Example.COM/upload HTTP/1.1\r\nHost: example.com:80\r\n"
		"Content-Length: 5\r\n\r\nhello");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.form, OC_HTTP_FORM_ABSOLUTE);
	cr_assert(span_is(&p, p.r.target_authority.host, "Example.COM"));
	cr_assert(span_is(&p, p.r.path, "/upload"));
	cr_assert(span_is(&p, p.r.origin, "/upload"));
	cr_assert_eq(p.r.framing, OC_HTTP_BODY_LENGTH);
	cr_assert_eq(p.r.content_length, 5);
	cr_assert_eq(p.len - p.r.head_len, 5, "the body follows the head");
	cr_assert_eq(oc_http_request_authority(&p.r), &p.r.target_authority);
	free(p.buf);
}

Test(http_request, absolute_form_without_path)
{
	struct parsed p;
	parse(&p, "GET http://example.com:8080?q HTTP/1.1\r\nHost: EXAMPLE.com.:8080\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.target_authority.port, 8080);
	cr_assert_eq(p.r.path.len, 0);
	cr_assert(span_is(&p, p.r.origin, "?q"), "the proxy puts '/' in front");
	cr_assert(span_is(&p, p.r.query, "q"));
	free(p.buf);
}

Test(http_request, absolute_form_http10_without_host)
{
	struct parsed p;
	parse(&p, "GET http://198.18.0.10/ HTTP/1.0\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_not(p.r.flags & OC_HTTP_REQ_KEEP_ALIVE, "HTTP/1.0 closes by default");
	cr_assert(span_is(&p, p.r.target_authority.host, "198.18.0.10"));
	free(p.buf);
}

Test(http_request, connect_authority_form)
{
	struct parsed p;
	parse(&p, "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n"
		"Proxy-Connection: keep-alive\r\nContent-Length: 0\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.method, OC_HTTP_CONNECT);
	cr_assert_eq(p.r.form, OC_HTTP_FORM_AUTHORITY);
	cr_assert(span_is(&p, p.r.target_authority.host, "api.example.com"));
	cr_assert_eq(p.r.target_authority.port, 443);
	cr_assert_eq(p.r.framing, OC_HTTP_BODY_NONE);
	cr_assert(p.r.headers[1].flags & OC_HTTP_HDR_HOP);
	free(p.buf);

	parse(&p, "CONNECT [2001:db8::1]:8443 HTTP/1.1\r\nHost: [2001:DB8::1]\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert(p.r.target_authority.ipv6);
	cr_assert(span_is(&p, p.r.target_authority.host, "2001:db8::1"));
	cr_assert_eq(p.r.target_authority.port, 8443);
	free(p.buf);

	/* Python's http.client tunnels with HTTP/1.0 and no Host. */
	parse(&p, "CONNECT 198.18.0.10:443 HTTP/1.0\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	free(p.buf);
}

Test(http_request, options_asterisk)
{
	struct parsed p;
	parse(&p, "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.form, OC_HTTP_FORM_ASTERISK);
	free(p.buf);
}

Test(http_request, chunked_body)
{
	struct parsed p;
	parse(&p, "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\tChunked\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.framing, OC_HTTP_BODY_CHUNKED);
	cr_assert(p.r.headers[1].flags & OC_HTTP_HDR_HOP);
	free(p.buf);
}

Test(http_request, keep_alive_rules)
{
	struct parsed p;
	parse(&p, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	cr_assert(p.r.flags & OC_HTTP_REQ_KEEP_ALIVE);
	free(p.buf);
	parse(&p, "GET / HTTP/1.0\r\n\r\n");
	cr_assert_not(p.r.flags & OC_HTTP_REQ_KEEP_ALIVE);
	free(p.buf);
	parse(&p, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
	cr_assert_not(p.r.flags & OC_HTTP_REQ_KEEP_ALIVE);
	free(p.buf);
	parse(&p, "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n");
	cr_assert_not(p.r.flags & OC_HTTP_REQ_KEEP_ALIVE, "close wins");
	free(p.buf);
}

Test(http_request, hop_by_hop_fields)
{
	struct parsed p;
	parse(&p, "GET / HTTP/1.1\r\nHost: h\r\nConnection: X-Secret, , upgrade\r\n"
		"x-secret: 1\r\nKeep-Alive: 5\r\nUpgrade: websocket\r\nTE: trailers\r\n"
		"Proxy-Authorization: Basic eA==\r\nX-Kept: 2\r\nConnection: x-other\r\nX-Other: 3\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert(p.r.flags & OC_HTTP_REQ_UPGRADE);
	for (int i = 0; i < p.r.nheaders; i++) {
		bool kept = span_is(&p, p.r.headers[i].name, "Host") ||
			span_is(&p, p.r.headers[i].name, "X-Kept");
		cr_assert_eq(!(p.r.headers[i].flags & OC_HTTP_HDR_HOP), kept, "header %d", i);
	}
	free(p.buf);
}

Test(http_request, leading_empty_lines_and_pipelining)
{
	struct parsed p;
	const char *two = "\r\n\r\nGET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
	parse(&p, two);
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert(span_is(&p, p.r.path, "/1"));
	const char *next = p.buf + p.r.head_len;
	cr_assert_eq(strncmp(next, "GET /2", 6), 0);
	oc_http_request r2;
	oc_http_request_init(&r2);
	cr_assert_eq(oc_http_request_parse(&r2, next, p.len - p.r.head_len), OC_HTTP_DONE);
	cr_assert_eq(r2.path.len, 2);
	cr_assert_eq(memcmp(next + r2.path.off, "/2", 2), 0);
	free(p.buf);
}

Test(http_request, other_methods_and_edge_bytes)
{
	struct parsed p;
	parse(&p, "PROPFIND /dav/%7Euser/;v=1/.../.x/a@b:c!$&'()*+,= HTTP/1.1\r\n"
		"Host: h\r\nX-Utf8: caf\xc3\xa9\r\nX-Empty:\r\nContent-Length: 007\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.method, OC_HTTP_METHOD_OTHER);
	cr_assert(span_is(&p, p.r.method_text, "PROPFIND"));
	cr_assert(span_is(&p, p.r.headers[1].value, "caf\xc3\xa9"));
	cr_assert_eq(p.r.headers[2].value.len, 0);
	cr_assert_eq(p.r.content_length, 7);
	free(p.buf);
}

Test(http_request, largest_content_length)
{
	struct parsed p;
	parse(&p, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n");
	cr_assert_eq(p.rc, OC_HTTP_DONE, "%s", p.r.error);
	cr_assert_eq(p.r.content_length, INT64_MAX);
	free(p.buf);
}

Test(http_request, head_exactly_at_the_limit)
{
	char req[256];
	int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\nX: %s\r\n\r\n", "abcdef");
	oc_http_request r;
	oc_http_request_init(&r);
	r.max_head = (uint16_t)n;
	cr_assert_eq(oc_http_request_parse(&r, req, (size_t)n), OC_HTTP_DONE);
	oc_http_request_init(&r);
	r.max_head = (uint16_t)(n - 1);
	cr_assert_eq(oc_http_request_parse(&r, req, (size_t)n), OC_ELIMIT);
	cr_assert_eq(r.status, 431);
}

Test(http_request, incomplete_head_needs_more)
{
	oc_http_request r;
	oc_http_request_init(&r);
	const char *part = "GET / HTTP/1.1\r\nHost: h\r\n";
	cr_assert_eq(oc_http_request_parse(&r, part, strlen(part)), OC_HTTP_MORE);
	cr_assert_eq(oc_http_request_parse(&r, part, strlen(part)), OC_HTTP_MORE);
}
