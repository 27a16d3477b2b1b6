/* Which resolved addresses a connection may use (resolve.h). */
#include "resolve/resolve.h"

#include <sys/socket.h>

static bool in_prefix(uint32_t host_order, uint32_t net, unsigned bits)
{
	return (host_order ^ net) >> (32 - bits) == 0;
}

bool oc_resolve_addr_forbidden(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);
	return in_prefix(h, 0x00000000u, 8) ||   /* 0.0.0.0/8 */
		in_prefix(h, 0x7f000000u, 8) ||  /* 127.0.0.0/8 */
		in_prefix(h, 0xa9fe0000u, 16) || /* 169.254.0.0/16 */
		in_prefix(h, 0xe0000000u, 3);    /* 224.0.0.0/4 and 240.0.0.0/4 */
}

size_t oc_resolve_permit(const oc_addr_policy *policy, bool allow_private,
	const struct in_addr *in, size_t n, struct in_addr *out, const char **why)
{
	size_t kept = 0;
	const char *reason = "no address";
	for (size_t i = 0; i < n; i++) {
		if (oc_resolve_addr_forbidden(in[i])) {
			reason = "the address is loopback, link-local (cloud metadata), multicast or "
				"reserved, which no rule can open";
			continue;
		}
		if (!allow_private && oc_addr_policy_is_private(policy, AF_INET, &in[i].s_addr)) {
			reason = "the address is private and the rule does not set allow_private_ips";
			continue;
		}
		out[kept++] = in[i];
	}
	if (!kept && why)
		*why = reason;
	return kept;
}
