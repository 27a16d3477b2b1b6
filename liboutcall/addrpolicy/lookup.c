/* Is an address private under a policy (oc_addr_policy_is_private)? */
#include "addrpolicy/range.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static bool v4_private(const oc_addr_policy *p, uint32_t a)
{
	for (size_t i = 0; i < p->n4; i++)
		if ((a & p->v4[i].mask) == p->v4[i].net)
			return true;
	return false;
}

/* The IPv4 address an IPv6 address carries, if it is of a form that
 * reaches that IPv4 address (see addr.h); false if none. */
static bool embedded_v4(const uint8_t *a, uint32_t *v4)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t compat[12] = { 0 };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	if (!memcmp(a, mapped, 12) || !memcmp(a, compat, 12) || !memcmp(a, nat64, 12)) {
		*v4 = oc_load_be32(a + 12);
		return true;
	}
	if (a[0] == 0x20 && a[1] == 0x02) { /* 6to4: 2002:AABB:CCDD::/48 */
		*v4 = oc_load_be32(a + 2);
		return true;
	}
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) {
		/* Teredo: the client's address is stored inverted. */
		*v4 = ~oc_load_be32(a + 12);
		return true;
	}
	return false;
}

bool oc_addr_policy_is_private(const oc_addr_policy *p, int family, const void *addr)
{
	const uint8_t *a = addr;
	if (family == AF_INET)
		return v4_private(p, oc_load_be32(a));
	if (family != AF_INET6)
		return false;
	uint64_t hi = oc_load_be64(a), lo = oc_load_be64(a + 8);
	for (size_t i = 0; i < p->n6; i++) {
		const struct oc_addr_range6 *r = &p->v6[i];
		if ((hi & r->mask[0]) == r->net[0] && (lo & r->mask[1]) == r->net[1])
			return true;
	}
	uint32_t v4;
	return embedded_v4(a, &v4) && v4_private(p, v4);
}

bool oc_addr_policy_is_private_sa(const oc_addr_policy *p, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return oc_addr_policy_is_private(p, AF_INET,
			&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
		return oc_addr_policy_is_private(p, AF_INET6,
			&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return false;
}
