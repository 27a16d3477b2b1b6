/* oc_sockaddr: the textual forms "IP[:port]" and "[v6]:port". */
#include "sockets/sock.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

/* Decimal port 0..65535: digits only, no sign, no spaces. */
static bool parse_port(const char *s, int *port)
{
	if (!*s || strlen(s) > 5)
		return false;
	int v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	*port = v;
	return v <= 65535;
}

static int bad(const char *text, const char *why)
{
	return oc_error_set(OC_EPARSE, "address '%s': %s; write IPv4[:port] or [IPv6]:port", text, why);
}

int oc_sockaddr_parse(oc_sockaddr *out, const char *text, int default_port)
{
	char host[INET6_ADDRSTRLEN];
	const char *h = text, *port_text = NULL;
	const char *colon = strchr(text, ':');
	size_t hlen;
	bool v6;

	*out = (oc_sockaddr){ .len = 0 };
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close)
			return bad(text, "missing ']'");
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1])
			return bad(text, "unexpected text after ']'");
		h = text + 1;
		hlen = (size_t)(close - h);
		v6 = true;
	} else if (colon && strchr(colon + 1, ':')) {
		/* Two colons: a bare IPv6 address, which cannot carry a port. */
		hlen = strlen(text);
		v6 = true;
	} else {
		hlen = colon ? (size_t)(colon - text) : strlen(text);
		port_text = colon ? colon + 1 : NULL;
		v6 = false;
	}
	if (hlen >= sizeof(host))
		return bad(text, "not an IP address");
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (v6) {
		out->u.in6.sin6_family = AF_INET6;
		out->len = sizeof(out->u.in6);
	} else {
		out->u.in4.sin_family = AF_INET;
		out->len = sizeof(out->u.in4);
	}
	void *ip = v6 ? (void *)&out->u.in6.sin6_addr : (void *)&out->u.in4.sin_addr;
	if (inet_pton(out->u.sa.sa_family, host, ip) != 1) {
		out->len = 0;
		return bad(text, v6 ? "not an IPv6 address" : "not an IP address (names are not resolved here)");
	}

	int port = default_port;
	if (port_text && !parse_port(port_text, &port)) {
		out->len = 0;
		return bad(text, "port must be a number from 0 to 65535");
	}
	if (port < 0 || port > 65535) {
		out->len = 0;
		return bad(text, "a port is required");
	}
	oc_sockaddr_set_port(out, (uint16_t)port);
	return 0;
}

int oc_sockaddr_from_ip(oc_sockaddr *out, const void *ip, size_t iplen, uint16_t port)
{
	*out = (oc_sockaddr){ .len = 0 };
	if (iplen == 4) {
		out->u.in4.sin_family = AF_INET;
		memcpy(&out->u.in4.sin_addr, ip, 4);
		out->len = sizeof(out->u.in4);
	} else if (iplen == 16) {
		out->u.in6.sin6_family = AF_INET6;
		memcpy(&out->u.in6.sin6_addr, ip, 16);
		out->len = sizeof(out->u.in6);
	} else {
		return oc_error_set(OC_EINVAL, "an IP address has 4 or 16 bytes, not %zu", iplen);
	}
	oc_sockaddr_set_port(out, port);
	return 0;
}

int oc_sockaddr_from_sa(oc_sockaddr *out, const struct sockaddr *sa, socklen_t len)
{
	*out = (oc_sockaddr){ .len = 0 };
	if ((sa->sa_family == AF_INET && len >= sizeof(out->u.in4)) ||
	    (sa->sa_family == AF_INET6 && len >= sizeof(out->u.in6))) {
		out->len = sa->sa_family == AF_INET ? sizeof(out->u.in4) : sizeof(out->u.in6);
		memcpy(&out->u, sa, out->len);
		return 0;
	}
	return oc_error_set(OC_EINVAL, "socket address of family %d is not IPv4 or IPv6", sa->sa_family);
}

int oc_sockaddr_family(const oc_sockaddr *a)
{
	return a->len ? a->u.sa.sa_family : AF_UNSPEC;
}

uint16_t oc_sockaddr_port(const oc_sockaddr *a)
{
	switch (oc_sockaddr_family(a)) {
	case AF_INET: return ntohs(a->u.in4.sin_port);
	case AF_INET6: return ntohs(a->u.in6.sin6_port);
	}
	return 0;
}

void oc_sockaddr_set_port(oc_sockaddr *a, uint16_t port)
{
	/* sin_port and sin6_port share their offset. */
	if (a->len)
		a->u.in4.sin_port = htons(port);
}

bool oc_sockaddr_equal(const oc_sockaddr *a, const oc_sockaddr *b)
{
	int fam = oc_sockaddr_family(a);
	if (fam != oc_sockaddr_family(b) || oc_sockaddr_port(a) != oc_sockaddr_port(b))
		return false;
	if (fam == AF_INET)
		return a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
	if (fam == AF_INET6)
		return !memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16);
	return true;
}

static char *ip_text(const oc_sockaddr *a, char *buf, socklen_t cap)
{
	int fam = oc_sockaddr_family(a);
	const void *ip = fam == AF_INET ? (const void *)&a->u.in4.sin_addr : (const void *)&a->u.in6.sin6_addr;
	if (fam == AF_UNSPEC || !inet_ntop(fam, ip, buf, cap))
		strcpy(buf, "-");
	return buf;
}

char *oc_sockaddr_format_ip(const oc_sockaddr *a, char *buf)
{
	return ip_text(a, buf, OC_SOCKADDR_STRLEN);
}

char *oc_sockaddr_format(const oc_sockaddr *a, char *buf)
{
	char ip[INET6_ADDRSTRLEN];
	ip_text(a, ip, sizeof(ip));
	switch (oc_sockaddr_family(a)) {
	case AF_INET:
		snprintf(buf, OC_SOCKADDR_STRLEN, "%s:%u", ip, oc_sockaddr_port(a));
		break;
	case AF_INET6:
		snprintf(buf, OC_SOCKADDR_STRLEN, "[%s]:%u", ip, oc_sockaddr_port(a));
		break;
	default:
		strcpy(buf, "-");
	}
	return buf;
}
