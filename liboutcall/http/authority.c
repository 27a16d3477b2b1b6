#include "http/authority.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "sockets/hostname.h"

static bool parse_port(const char *p, size_t n, uint16_t *port)
{
	if (n == 0 || n > 5)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool dotted_quad(const char *s, size_t n)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a4;
	if (n >= sizeof(ip))
		return false;
	memcpy(ip, s, n);
	ip[n] = '\0';
	return inet_pton(AF_INET, ip, &a4) == 1;
}

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return OC_EPARSE;
}

int oc_http_authority_parse(const char *buf, uint16_t off, uint16_t len, bool need_port,
	oc_http_authority *out, const char **why)
{
	const char *s = buf + off;
	const char *colon;
	*out = (oc_http_authority){ .host = { off, 0 } };
	if (len == 0)
		return fail(why, "empty host");
	if (memchr(s, '@', len))
		return fail(why, "userinfo (user@host) is not allowed in an authority");
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		char ip[INET6_ADDRSTRLEN];
		struct in6_addr a6;
		size_t iplen = close ? (size_t)(close - s - 1) : 0;
		if (!close || iplen == 0 || iplen >= sizeof(ip))
			return fail(why, "bad IPv6 literal");
		memcpy(ip, s + 1, iplen);
		ip[iplen] = '\0';
		if (inet_pton(AF_INET6, ip, &a6) != 1)
			return fail(why, "bad IPv6 literal (zones and IPvFuture are not supported)");
		out->host = (oc_http_span){ (uint16_t)(off + 1), (uint16_t)iplen };
		out->ipv6 = true;
		colon = close + 1;
		if (colon < s + len && *colon != ':')
			return fail(why, "unexpected text after IPv6 literal");
	} else {
		colon = memchr(s, ':', len);
		size_t hlen = colon ? (size_t)(colon - s) : len;
		if (!oc_hostname_syntax_ok(s, hlen, true))
			return fail(why, "host is not a valid host name or IP address");
		if (oc_hostname_ends_in_number(s, hlen) && !dotted_quad(s, hlen))
			return fail(why, "numeric host is not a dotted-quad IPv4 address");
		out->host = (oc_http_span){ off, (uint16_t)hlen };
	}
	if (colon && colon < s + len) {
		if (!parse_port(colon + 1, (size_t)(s + len - colon - 1), &out->port))
			return fail(why, "port must be a number from 1 to 65535");
	} else if (need_port) {
		return fail(why, "CONNECT target must be host:port");
	}
	return 0;
}

static size_t without_dot(const char *buf, oc_http_span s)
{
	return s.len > 1 && buf[s.off + s.len - 1] == '.' ? s.len - 1u : s.len;
}

bool oc_http_authority_same(const char *buf, const oc_http_authority *a,
	const oc_http_authority *b, uint16_t default_port)
{
	size_t la = without_dot(buf, a->host), lb = without_dot(buf, b->host);
	if (la != lb || a->ipv6 != b->ipv6 || strncasecmp(buf + a->host.off, buf + b->host.off, la))
		return false;
	if (!default_port && (!a->port || !b->port))
		return true;
	uint16_t pa = a->port ? a->port : default_port, pb = b->port ? b->port : default_port;
	return pa == pb;
}
