/*
 * The private-address policy: the address ranges Outcall treats as
 * "private". DNS answers and proxy connections
 * pointing into these ranges are refused unless the matching rule sets
 * `allow_private_ips`, so an allowed name cannot be pointed at the host,
 * the LAN or a cloud metadata address.
 *
 * The list is configurable (outcalld --private-ranges). The default,
 * oc_addr_policy_default_ranges(), holds: this-network 0.0.0.0/8, RFC 1918
 * (10/8, 172.16/12, 192.168/16), CGNAT 100.64/10, loopback 127/8,
 * link-local 169.254/16, IETF protocol assignments 192.0.0.0/24, the
 * documentation ranges 192.0.2/24, 198.51.100/24, 203.0.113/24,
 * benchmarking 198.18/15, multicast 224/4, reserved 240/4 (with broadcast);
 * and for IPv6 the unspecified and loopback addresses, IPv4-mapped
 * ::ffff:0:0/96, local-use NAT64 64:ff9b:1::/48, discard 100::/64,
 * benchmarking 2001:2::/48, documentation 2001:db8::/32, ULA fc00::/7,
 * link-local fe80::/10, the old site-local fec0::/10 and multicast ff00::/8.
 *
 * IPv6 addresses that carry an IPv4 address are also judged by that IPv4
 * address: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d),
 * NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:aabb:ccdd::/48) and Teredo
 * (2001:0::/32, client address). So ::ffff:10.0.0.1 is private whenever
 * 10.0.0.0/8 is, even with a list that leaves ::ffff:0:0/96 out. 6to4 and
 * Teredo as such are not in the default list: their addresses are public
 * unless the embedded IPv4 address is private.
 *
 * Ownership: an oc_addr_policy is created by oc_addr_policy_new() and freed
 * by its owner with oc_addr_policy_free(). Thread-safety: immutable after
 * creation; any number of threads may query it at once.
 */
#ifndef OUTCALL_ADDR_H
#define OUTCALL_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <outcall/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;

typedef struct oc_addr_policy oc_addr_policy;

/* Most ranges one policy may hold. */
#define OC_ADDR_POLICY_MAX 256

/* The default range list, in the syntax oc_addr_policy_new() accepts. */
OC_API const char *oc_addr_policy_default_ranges(void);

/*
 * Builds a policy from a comma-separated list of CIDR ranges, IPv4 and IPv6
 * mixed ("10.0.0.0/8, fc00::/7"); a bare address is a single-host range.
 * NULL means the default list; "" means no private ranges at all. A range
 * with bits set beyond its prefix ("10.0.0.1/8") is refused, since the
 * operator most likely meant something else. On error returns OC_EINVAL
 * (the message names the bad item and its position) or OC_ENOMEM.
 */
OC_API int oc_addr_policy_new(const char *ranges, oc_addr_policy **out);
OC_API void oc_addr_policy_free(oc_addr_policy *p);

/* Is the address private? family is AF_INET (addr: 4 bytes) or AF_INET6
 * (16 bytes), network byte order. Other families are never private. */
OC_API bool oc_addr_policy_is_private(const oc_addr_policy *p, int family, const void *addr);
/* The same for a struct sockaddr_in or sockaddr_in6. */
OC_API bool oc_addr_policy_is_private_sa(const oc_addr_policy *p, const struct sockaddr *sa);

/* The policy's ranges as a list oc_addr_policy_new() accepts, in
 * canonical form (IPv4 first, then IPv6, each in the given order). Returns
 * a string to free(), or NULL on OC_ENOMEM. */
OC_API char *oc_addr_policy_format(const oc_addr_policy *p);

#ifdef __cplusplus
}
#endif
#endif
