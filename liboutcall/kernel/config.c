#include "kernel/config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/version.h"

/* blocked_prefixes when the config leaves it NULL */
static const char *const default_blocked[] = { "169.254.0.0/16" };

OC_DEFINE_STRUCT_INIT(oc_kernel_config, OC_KERNEL_CONFIG)

int oc_ipv4_parse(const char *text, uint32_t *out)
{
	struct in_addr a;
	if (!text || inet_pton(AF_INET, text, &a) != 1)
		return oc_error_set(OC_EINVAL, "'%s' is not an IPv4 address", text ? text : "(null)");
	*out = ntohl(a.s_addr);
	return 0;
}

void oc_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

const char *oc_ipv4_str(uint32_t addr, char *buf)
{
	struct in_addr a = { htonl(addr) };
	inet_ntop(AF_INET, &a, buf, 16);
	return buf;
}

int oc_prefix_parse(const char *text, struct oc_prefix *out)
{
	char addr[32];
	const char *slash = text ? strchr(text, '/') : NULL;
	size_t n = slash ? (size_t)(slash - text) : (text ? strlen(text) : 0);
	if (!text || n >= sizeof(addr))
		return oc_error_set(OC_EINVAL, "'%s' is not an IPv4 prefix (a.b.c.d/len)",
			text ? text : "(null)");
	memcpy(addr, text, n);
	addr[n] = '\0';
	long len = 32;
	if (slash) {
		char *end;
		len = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || len < 1 || len > 32)
			return oc_error_set(OC_EINVAL, "'%s': prefix length must be 1 to 32", text);
	}
	uint32_t a = 0;
	if (oc_ipv4_parse(addr, &a))
		return oc_error_set(OC_EINVAL, "'%s' is not an IPv4 prefix (a.b.c.d/len)", text);
	uint32_t mask = len == 32 ? ~0u : ~(~0u >> len);
	if (a & ~mask)
		return oc_error_set(OC_EINVAL, "'%s' has host bits set; write it as its network address",
			text);
	out->addr = a;
	out->len = (uint8_t)len;
	return 0;
}

/* Interface and table names become nft identifiers and quoted strings:
 * keep them to characters that need no escaping anywhere. */
static int name_field(const char *what, const char *v, char *dst, size_t cap)
{
	size_t n = v ? strlen(v) : 0;
	if (n == 0 || n >= cap || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789_-") != n)
		return oc_error_set(OC_EINVAL, "kernel config: %s '%s' must be 1 to %zu characters of "
			"[A-Za-z0-9_-]", what, v ? v : "(null)", cap - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

static int port_field(const char *what, uint16_t v)
{
	if (v == 0)
		return oc_error_set(OC_EINVAL, "kernel config: %s must be a port from 1 to 65535", what);
	return 0;
}

int oc_kcfg_from(const oc_kernel_config *in, struct oc_kcfg *out)
{
	oc_kernel_config def = OC_KERNEL_CONFIG_INIT;
	if (!in)
		in = &def;
	memset(out, 0, sizeof(*out));
	int rc = oc_struct_version_check(in->version, OC_KERNEL_CONFIG_VERSION, "oc_kernel_config");
	if (rc)
		return rc;
	if ((rc = name_field("table", in->table, out->table, sizeof(out->table))) ||
	    /* room for the network number after the prefix */
	    (rc = name_field("bridge_prefix", in->bridge_prefix, out->bridge_prefix,
		sizeof(out->bridge_prefix) - 3)) ||
	    (rc = name_field("container_ifname", in->container_ifname, out->container_ifname,
		sizeof(out->container_ifname))))
		return rc;
	if ((rc = oc_prefix_parse(in->subnet_pool, &out->pool)))
		return oc_error_set(rc, "kernel config: subnet_pool: %s", oc_error_last()->message);
	if (out->pool.len < 16 || out->pool.len > 24)
		return oc_error_set(OC_EINVAL, "kernel config: subnet_pool '%s' must be a /16 to /24 "
			"(networks are /24s carved from it)", in->subnet_pool);
	if ((rc = port_field("dns_port", in->dns_port)) ||
	    (rc = port_field("proxy_port", in->proxy_port)) ||
	    (rc = port_field("tproxy_http_port", in->tproxy_http_port)) ||
	    (rc = port_field("tproxy_https_port", in->tproxy_https_port)))
		return rc;
	out->dns_port = in->dns_port;
	out->proxy_port = in->proxy_port;
	out->tproxy_http_port = in->tproxy_http_port;
	out->tproxy_https_port = in->tproxy_https_port;
	if (in->nservice_ports > OC_KCFG_MAX_PORTS)
		return oc_error_set(OC_ELIMIT, "kernel config: %zu service ports, at most %d",
			in->nservice_ports, OC_KCFG_MAX_PORTS);
	for (size_t i = 0; i < in->nservice_ports; i++) {
		if ((rc = port_field("service_ports[]", in->service_ports[i])))
			return rc;
		out->service_ports[i] = in->service_ports[i];
	}
	out->nservice_ports = in->nservice_ports;
	const char *const *blocked = in->blocked_prefixes ? in->blocked_prefixes : default_blocked;
	size_t nblocked = in->blocked_prefixes ? in->nblocked_prefixes : 1;
	if (nblocked > OC_KCFG_MAX_PREFIXES)
		return oc_error_set(OC_ELIMIT, "kernel config: %zu blocked prefixes, at most %d",
			nblocked, OC_KCFG_MAX_PREFIXES);
	for (size_t i = 0; i < nblocked; i++)
		if ((rc = oc_prefix_parse(blocked[i], &out->blocked[i])))
			return oc_error_set(rc, "kernel config: blocked_prefixes[%zu]: %s", i,
				oc_error_last()->message);
	out->nblocked = nblocked;
	if (in->grant_cap == 0)
		return oc_error_set(OC_EINVAL, "kernel config: grant_cap must be at least 1");
	out->grant_cap = in->grant_cap;
	out->grant_timeout_max_ms = in->grant_timeout_max_ms ? in->grant_timeout_max_ms : 86400000;
	return 0;
}
