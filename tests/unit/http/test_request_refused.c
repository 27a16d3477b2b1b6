#include "helpers.h"

/* Each refused request: the status and a word of the reason. */
static void refused_n(const char *req, size_t len, int status, const char *why)
{
	struct parsed p;
	parse_n(&p, req, len);
	cr_assert_lt(p.rc, 0, "accepted: %s", req);
	cr_assert_eq(p.r.status, status, "%s: status %d (%s), want %d", req, p.r.status, p.r.error, status);
	cr_assert(strstr(p.r.error, why), "%s: reason '%s' lacks '%s'", req, p.r.error, why);
	cr_assert(strstr(oc_error_last()->message, p.r.error));
	cr_assert_eq(p.rc, status == 431 ? OC_ELIMIT : OC_EPARSE);
	cr_assert_eq(oc_http_request_parse(&p.r, p.buf, p.len), p.rc, "a failed parse stays failed");
	free(p.buf);
}

static void refused(const char *req, int status, const char *why)
{
	refused_n(req, strlen(req), status, why);
}

#define H "Host: h\r\n"
/* For literals with NUL bytes inside. */
#define REFUSED_LIT(lit, status, why) refused_n(lit, sizeof(lit) - 1, status, why)

Test(http_refused, line_endings)
{
	refused("GET / HTTP/1.1\n" H "\r\n", 400, "bare LF");
	refused("GET / HTTP/1.1\r\nHost: h\n\r\n", 400, "bare LF");
	refused("GET / HTTP/1.1\r\n" H "\n", 400, "bare LF");
	refused("\nGET / HTTP/1.1\r\n" H "\r\n", 400, "bare LF");
	refused("GET / HTTP/1.1\r\nX: a\rb\r\n" H "\r\n", 400, "bare CR");
	refused("GET /\r HTTP/1.1\r\n" H "\r\n", 400, "bare CR");
	refused("GET / HTTP/1.1\r\n" H "\r\r\n", 400, "bare CR");
}

Test(http_refused, control_bytes)
{
	REFUSED_LIT("GET / HTTP/1.1\r\nX: a\0b\r\n" H "\r\n", 400, "NUL");
	refused("GET / HTTP/1.1\r\nX: a\x01" "b\r\n" H "\r\n", 400, "control byte");
	refused("GET / HTTP/1.1\r\nX: a\x7f\r\n" H "\r\n", 400, "control byte");
	refused("GET / HTTP/1.1\r\nContent-Length:\x0b" "5\r\n" H "\r\n", 400, "control byte");
	REFUSED_LIT("GET /\0 HTTP/1.1\r\n" H "\r\n", 400, "path");
	refused("G\x01T / HTTP/1.1\r\n" H "\r\n", 400, "method");
}

Test(http_refused, request_line)
{
	refused("GET /\r\n\r\n", 400, "HTTP/0.9");
	refused("GET\r\n\r\n", 400, "no target");
	refused("GET  / HTTP/1.1\r\n" H "\r\n", 400, "extra spaces");
	refused("GET  HTTP/1.1\r\n" H "\r\n", 400, "empty request-target");
	refused("GET / HTTP/1.1 \r\n" H "\r\n", 400, "extra spaces");
	refused("GET /a b HTTP/1.1\r\n" H "\r\n", 400, "extra spaces");
	refused("GET / http/1.1\r\n" H "\r\n", 400, "malformed HTTP version");
	refused("GET / HTTP/1\r\n" H "\r\n", 400, "malformed HTTP version");
	refused("GET / HTTP/11.1\r\n" H "\r\n", 400, "malformed HTTP version");
	refused("G(T / HTTP/1.1\r\n" H "\r\n", 400, "method is not a token");
	refused(" GET / HTTP/1.1\r\n" H "\r\n", 400, "method is not a token");
	refused("GET / HTTP/2.0\r\n" H "\r\n", 505, "HTTP/1.0 and HTTP/1.1");
	refused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "HTTP/1.0 and HTTP/1.1");
	refused("GET / HTTP/1.2\r\n" H "\r\n", 505, "HTTP/1.0 and HTTP/1.1");
	refused("GET / HTTP/0.9\r\n" H "\r\n", 505, "HTTP/1.0 and HTTP/1.1");
}

Test(http_refused, target_forms)
{
	refused("GET example.com:80 HTTP/1.1\r\n" H "\r\n", 400, "request-target must be");
	refused("GET https://example.com/ HTTP/1.1\r\n" H "\r\n", 400, "use CONNECT");
	refused("GET ftp://example.com/ HTTP/1.1\r\n" H "\r\n", 400, "request-target must be");
	refused("GET * HTTP/1.1\r\n" H "\r\n", 400, "only for OPTIONS");
	refused("CONNECT /x HTTP/1.1\r\n" H "\r\n", 400, "not a valid host");
	refused("CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "host:port");
	refused("CONNECT example.com: HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "port must be");
	refused("CONNECT example.com:0 HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "port must be");
	refused("CONNECT example.com:65536 HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "port must be");
	refused("CONNECT http://example.com:80 HTTP/1.1\r\n" H "\r\n", 400, "port must be");
	refused("GET http:///x HTTP/1.1\r\n" H "\r\n", 400, "empty host");
	refused("GET http://user:pw@example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "userinfo");
	refused("GET http://[::1/ HTTP/1.1\r\n" H "\r\n", 400, "IPv6");
	refused("GET http://[fe80::1%25eth0]/ HTTP/1.1\r\n" H "\r\n", 400, "IPv6");
	refused("GET http://[v1.x]/ HTTP/1.1\r\n" H "\r\n", 400, "IPv6");
	refused("GET http://[::1]x/ HTTP/1.1\r\n" H "\r\n", 400, "after IPv6");
	refused("GET http://exa%6dple.com/ HTTP/1.1\r\n" H "\r\n", 400, "not a valid host");
	refused("GET http://127.1/ HTTP/1.1\r\nHost: 127.1\r\n\r\n", 400, "dotted-quad");
	refused("GET http://0x7f.0.0.1/ HTTP/1.1\r\n" H "\r\n", 400, "dotted-quad");
	refused("GET http://2130706433/ HTTP/1.1\r\n" H "\r\n", 400, "dotted-quad");
}

Test(http_refused, paths)
{
	refused("GET /a\"b HTTP/1.1\r\n" H "\r\n", 400, "not allowed in path");
	refused("GET /a\\b HTTP/1.1\r\n" H "\r\n", 400, "not allowed in path");
	refused("GET /a{b} HTTP/1.1\r\n" H "\r\n", 400, "not allowed in path");
	refused("GET /caf\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400, "not allowed in path");
	refused("GET /a#frag HTTP/1.1\r\n" H "\r\n", 400, "not allowed in path");
	refused("GET /a%zz HTTP/1.1\r\n" H "\r\n", 400, "%-escape");
	refused("GET /a%2 HTTP/1.1\r\n" H "\r\n", 400, "%-escape");
	refused("GET /a% HTTP/1.1\r\n" H "\r\n", 400, "%-escape");
	refused("GET /../etc HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /public/../admin HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a/./b HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a/.. HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a/. HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a/%2e%2E/b HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a/.%2e/b HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a/%2e/b HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a/..;x=1/admin HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a/..?x HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET http://h/a/../b HTTP/1.1\r\n" H "\r\n", 400, "path segments");
	refused("GET /a?x#y HTTP/1.1\r\n" H "\r\n", 400, "query");
	refused("GET /a?x\x7f HTTP/1.1\r\n" H "\r\n", 400, "query");
	refused("GET /a?\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400, "query");
}

Test(http_refused, header_syntax)
{
	refused("GET / HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n", 400, "obs-fold");
	refused("GET / HTTP/1.1\r\n" H "X: a\r\n\tb\r\n\r\n", 400, "obs-fold");
	refused("GET / HTTP/1.1\r\n X: a\r\n" H "\r\n", 400, "obs-fold");
	refused("GET / HTTP/1.1\r\n" H "X : a\r\n\r\n", 400, "whitespace between");
	refused("GET / HTTP/1.1\r\n" H "X\t: a\r\n\r\n", 400, "whitespace between");
	refused("GET / HTTP/1.1\r\n" H "X a\r\n\r\n", 400, "whitespace between");
	refused("GET / HTTP/1.1\r\n" H "Xa\r\n\r\n", 400, "without ':'");
	refused("GET / HTTP/1.1\r\n" H ": a\r\n\r\n", 400, "empty header name");
	refused("GET / HTTP/1.1\r\n" H "X(y): a\r\n\r\n", 400, "not a token");
	refused("GET / HTTP/1.1\r\n" H "X\xc3\xa9: a\r\n\r\n", 400, "not a token");
}

Test(http_refused, host)
{
	refused("GET / HTTP/1.1\r\n\r\n", 400, "without Host");
	refused("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, "Host sent more than once");
	refused("GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, "empty host");
	refused("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "not a valid host");
	refused("GET / HTTP/1.1\r\nHost: user@h\r\n\r\n", 400, "userinfo");
	refused("GET / HTTP/1.1\r\nHost: h:\r\n\r\n", 400, "port must be");
	refused("GET / HTTP/1.1\r\nHost: h:80x\r\n\r\n", 400, "port must be");
	refused("GET / HTTP/1.1\r\nHost: h..com\r\n\r\n", 400, "not a valid host");
	refused("GET / HTTP/1.1\r\nHost: h/x\r\n\r\n", 400, "not a valid host");
	refused("GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n", 400, "does not match");
	refused("GET http://a.example/ HTTP/1.1\r\nHost: a.example:8080\r\n\r\n", 400, "does not match");
	refused("GET http://a.example:8080/ HTTP/1.1\r\nHost: a.example\r\n\r\n", 400, "does not match");
	refused("GET http://[::1]/ HTTP/1.1\r\nHost: ::1\r\n\r\n", 400, "not a valid host");
	refused("CONNECT a.example:443 HTTP/1.1\r\nHost: b.example:443\r\n\r\n", 400, "CONNECT target");
	refused("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:444\r\n\r\n", 400, "CONNECT target");
}

Test(http_refused, content_length)
{
	refused("POST / HTTP/1.1\r\n" H "Content-Length: abc\r\n\r\n", 400, "digits only");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 400, "digits only");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: +1\r\n\r\n", 400, "digits only");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: 1 2\r\n\r\n", 400, "digits only");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: 5, 5\r\n\r\n", 400, "digits only");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", 400, "digits only");
	refused("POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400, "1 to 19 digits");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: 12345678901234567890\r\n\r\n", 400, "1 to 19");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: 9223372036854775808\r\n\r\n", 400, "2^63-1");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400, "more than once");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\ncontent-length: 6\r\n\r\n", 400, "more than once");
}

Test(http_refused, transfer_encoding)
{
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, "other than chunked");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
		501, "other than chunked");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, "end with chunked");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", 400, "end with chunked");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: xchunked\r\n\r\n", 400, "end with chunked");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked;q=1\r\n\r\n", 400, "end with chunked");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: \"chunked\"\r\n\r\n", 400, "end with chunked");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n\r\n", 400, "more than once");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		400, "more than once");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked,\r\n\r\n", 400, "empty element");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: , chunked\r\n\r\n", 400, "empty element");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding:\r\n\r\n", 400, "empty element");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		400, "both Content-Length and Transfer-Encoding");
	refused("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		400, "both Content-Length and Transfer-Encoding");
	refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0");
	refused("CONNECT h:443 HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n", 400, "CONNECT request with a body");
	refused("CONNECT h:443 HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\n", 400, "CONNECT request with a body");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding : chunked\r\n\r\n", 400, "whitespace between");
	refused("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n Content-Length: 5\r\n\r\n", 400, "obs-fold");
}

Test(http_refused, connection_options)
{
	refused("POST / HTTP/1.1\r\n" H "Connection: Content-Length\r\nContent-Length: 5\r\n\r\n",
		400, "Connection names");
	refused("GET / HTTP/1.1\r\n" H "Connection: close, host\r\n\r\n", 400, "Connection names");
	refused("GET / HTTP/1.1\r\n" H "Connection: transfer-encoding\r\n\r\n", 400, "Connection names");
	refused("GET / HTTP/1.1\r\n" H "Connection: a b\r\n\r\n", 400, "list of tokens");
	char req[1024] = "GET / HTTP/1.1\r\nHost: h\r\nConnection: ";
	for (int i = 0; i < 33; i++)
		strcat(req, "x,");
	strcat(req, "\r\n\r\n");
	refused(req, 400, "too many Connection options");
}

Test(http_refused, limits)
{
	char req[OC_HTTP_MAX_HEAD_DEFAULT + 64] = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
	size_t n = strlen(req);
	memset(req + n, 'a', sizeof(req) - n - 1);
	req[sizeof(req) - 1] = '\0';
	refused(req, 431, "too large");

	char many[4096] = "GET / HTTP/1.1\r\n";
	for (int i = 0; i < OC_HTTP_MAX_HEADERS + 1; i++)
		sprintf(many + strlen(many), "X%d: v\r\n", i);
	strcat(many, "\r\n");
	refused(many, 431, "too many header fields");

	oc_http_request r;
	oc_http_request_init(&r);
	r.max_headers = 2;
	const char *three = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n";
	cr_assert_eq(oc_http_request_parse(&r, three, strlen(three)), OC_ELIMIT);
	cr_assert_eq(r.status, 431);
}
