/*
 * The kernel layer's settings (oc_kernel_config): what the nftables
 * tables and the networks are built from. The tables themselves are
 * oc_firewall (firewall.h).
 *
 * Compatibility: this header used to declare oc_firewall_* and the grants
 * as well; it still includes firewall.h, so programs that include only
 * kernel.h keep compiling. New code includes the header named after the
 * type it uses.
 */
#ifndef OUTCALL_KERNEL_H
#define OUTCALL_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <outcall/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Settings of the kernel layer. OC_KERNEL_CONFIG_INIT and
 * oc_kernel_config_init fill the defaults (in brackets; outcalld(8) lists
 * them); every field is also an outcalld flag. Strings and arrays are
 * borrowed only for the call that receives the config: the library copies
 * what it keeps.
 */
typedef struct oc_kernel_config {
	unsigned int version;          /* OC_KERNEL_CONFIG_VERSION */
	const char *table;             /* ["outcall"] name of both nftables tables */
	const char *bridge_prefix;     /* ["outcall"] network N's bridge is <prefix>N */
	const char *subnet_pool;       /* ["10.200.0.0/16"] networks are /24s carved from it */
	const char *container_ifname;  /* ["eth0"] interface name inside containers */
	uint16_t dns_port;             /* [53] DNS filter on the gateway, udp and tcp */
	uint16_t proxy_port;           /* [8080] explicit HTTP proxy on the gateway */
	uint16_t tproxy_http_port;     /* [15080] where redirected tcp/80 lands */
	uint16_t tproxy_https_port;    /* [15443] where redirected tcp/443 lands */
	const uint16_t *service_ports; /* [none] other agent-facing tcp ports on the gateway */
	size_t nservice_ports;         /* at most 16 */
	/* [NULL: 169.254.0.0/16] never reachable from containers, not even
	 * through a direct_ip grant: link-local holds cloud metadata
	 * (169.254.169.254), which a rule allowing private IPs must still not
	 * open. NULL is that default; a list replaces it. */
	const char *const *blocked_prefixes;
	size_t nblocked_prefixes;      /* [1] entries of the list; at most 16 */
	uint32_t grant_cap;            /* [256] live grants per container and rule */
	uint32_t grant_timeout_max_ms; /* [86400000] longest grant timeout accepted */
} oc_kernel_config;

#define OC_KERNEL_CONFIG_VERSION 1
#define OC_KERNEL_CONFIG_INIT { \
	.version = OC_KERNEL_CONFIG_VERSION, .table = "outcall", .bridge_prefix = "outcall", \
	.subnet_pool = "10.200.0.0/16", .container_ifname = "eth0", .dns_port = 53, \
	.proxy_port = 8080, .tproxy_http_port = 15080, .tproxy_https_port = 15443, \
	.nblocked_prefixes = 1, .grant_cap = 256, .grant_timeout_max_ms = 86400000 }

/* Fills cfg as OC_KERNEL_CONFIG_INIT does for that version. OC_EINVAL for
 * a version this library does not know. */
OC_API int oc_kernel_config_init(oc_kernel_config *cfg, unsigned int version);

#ifdef __cplusplus
}
#endif

/* After the config: firewall.h uses it. */
#include <outcall/firewall.h>

#endif
