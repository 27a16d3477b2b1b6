/* The validated, self-contained form of oc_kernel_config: every string
 * copied, every address parsed, so a kernel object never points into the
 * caller's memory. */
#ifndef OC_KERNEL_CONFIG_H
#define OC_KERNEL_CONFIG_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/kernel.h>

#define OC_KCFG_MAX_PORTS 16
#define OC_KCFG_MAX_PREFIXES 16
/* nft's identifier limit is far larger; this keeps "dip-<id>" and comments
 * within what the netlink attributes and `nft list` handle comfortably. */
#define OC_TABLE_NAME_MAX 32

struct oc_prefix {
	uint32_t addr;   /* host order, host bits cleared */
	uint8_t len;
};

struct oc_kcfg {
	char table[OC_TABLE_NAME_MAX];
	char bridge_prefix[IFNAMSIZ];
	char container_ifname[IFNAMSIZ];
	struct oc_prefix pool;
	uint16_t dns_port;
	uint16_t proxy_port;
	uint16_t tproxy_http_port;
	uint16_t tproxy_https_port;
	uint16_t service_ports[OC_KCFG_MAX_PORTS];
	size_t nservice_ports;
	struct oc_prefix blocked[OC_KCFG_MAX_PREFIXES];
	size_t nblocked;
	uint32_t grant_cap;
	uint32_t grant_timeout_max_ms;
};

/* Validates cfg (NULL: the defaults) into out. Errors name the field. */
int oc_kcfg_from(const oc_kernel_config *cfg, struct oc_kcfg *out);

/* Parses "a.b.c.d/len" (len optional: 32). Host bits must be zero. */
int oc_prefix_parse(const char *text, struct oc_prefix *out);
/* "a.b.c.d" into host order. */
int oc_ipv4_parse(const char *text, uint32_t *out);
/* Copies src into dst of cap bytes, cutting it if needed; always
 * terminates. */
void oc_copy(char *dst, size_t cap, const char *src);
/* Formats a host-order address into buf (at least 16 bytes). */
const char *oc_ipv4_str(uint32_t addr, char *buf);

#endif
