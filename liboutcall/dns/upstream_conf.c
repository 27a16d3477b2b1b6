/* Which upstream resolvers: --dns-upstream or resolv.conf. */
#include "dns/upstream.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

/* Numeric host (zone allowed) and port into u; false if not an address. */
static bool set_addr(oc_dns_upstream *u, const char *host, uint16_t port)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai = NULL;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0)
		return false;
	bool ok = ai && (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
		ai->ai_addrlen <= sizeof(u->addr);
	if (ok) {
		memcpy(&u->addr, ai->ai_addr, ai->ai_addrlen);
		u->len = ai->ai_addrlen;
		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)&u->addr)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&u->addr)->sin6_port = htons(port);
	}
	freeaddrinfo(ai);
	return ok;
}

static bool parse_port(const char *s, uint16_t *port)
{
	char *end;
	errno = 0;
	unsigned long v = isdigit((unsigned char)*s) ? strtoul(s, &end, 10) : 0;
	if (v == 0 || v > 65535 || errno || *end)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* One item of the list: IP, IP:port, [IPv6]:port or bare IPv6. */
static bool parse_item(char *item, oc_dns_upstream *u)
{
	uint16_t port = 53;
	char *host = item;
	if (*item == '[') {
		char *close = strchr(item, ']');
		if (!close || (close[1] && (close[1] != ':' || !parse_port(close + 2, &port))))
			return false;
		*close = '\0';
		host = item + 1;
	} else {
		char *colon = strchr(item, ':');
		if (colon && !strchr(colon + 1, ':')) { /* one colon: IPv4:port */
			if (!parse_port(colon + 1, &port))
				return false;
			*colon = '\0';
		}
	}
	return set_addr(u, host, port);
}

int oc_dns_upstreams_parse(const char *list, oc_dns_upstreams *out)
{
	out->count = 0;
	char *copy = strdup(list);
	if (!copy)
		return oc_error_nomem();
	int rc = 0, index = 0;
	for (char *save, *tok = strtok_r(copy, ",", &save); tok && rc == 0;
		tok = strtok_r(NULL, ",", &save)) {
		index++;
		while (isspace((unsigned char)*tok))
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		char item[128];
		snprintf(item, sizeof(item), "%s", tok);
		if (*tok == '\0')
			continue; /* "a, ,b": nothing between the commas */
		if (out->count == OC_DNS_UPSTREAM_MAX)
			rc = oc_error_set(OC_EINVAL, "DNS upstreams: item %d \"%s\": more than %d "
				"upstreams", index, item, OC_DNS_UPSTREAM_MAX);
		else if (!parse_item(tok, &out->server[out->count]))
			rc = oc_error_set(OC_EINVAL, "DNS upstreams: item %d \"%s\": not an address; "
				"write IP or IP:port, with IPv6 and a port as [IP]:port", index, item);
		else
			out->count++;
	}
	free(copy);
	if (rc == 0 && out->count == 0)
		rc = oc_error_set(OC_EINVAL, "DNS upstreams: \"%s\" names no server; write IP or "
			"IP:port, separated by commas", list);
	return rc;
}

int oc_dns_upstreams_from_resolv_conf(const char *path, oc_dns_upstreams *out)
{
	out->count = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return oc_error_os("cannot read %s for DNS upstreams; pass --dns-upstream IP,...",
			path);
	char line[512];
	int lineno = 0, bad_line = 0;
	while (fgets(line, sizeof(line), f) && out->count < OC_DNS_UPSTREAM_MAX) {
		lineno++;
		char *save, *key = strtok_r(line, " \t\r\n", &save);
		if (!key || strcmp(key, "nameserver") != 0)
			continue;
		char *addr = strtok_r(NULL, " \t\r\n", &save);
		if (addr && set_addr(&out->server[out->count], addr, 53))
			out->count++;
		else if (!bad_line)
			bad_line = lineno;
	}
	fclose(f);
	if (out->count > 0)
		return 0;
	if (bad_line)
		return oc_error_set(OC_ENOTFOUND, "%s:%d: no usable nameserver (this line does not "
			"hold an IP address); pass --dns-upstream IP,...", path, bad_line);
	return oc_error_set(OC_ENOTFOUND, "%s has no nameserver line; pass --dns-upstream IP,...",
		path);
}

void oc_dns_upstream_format(const oc_dns_upstream *u, char *out, size_t size)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];
	if (getnameinfo((const struct sockaddr *)&u->addr, u->len, host, sizeof(host), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, size, "(unprintable address)");
		return;
	}
	bool v6 = u->addr.ss_family == AF_INET6;
	snprintf(out, size, "%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
}
