/* Internal layout of an oc_addr_policy (include/outcall/addr.h), shared by
 * the parser and the lookups. Masks are precomputed so a lookup is an AND
 * and a compare per range. */
#ifndef OC_ADDR_RANGE_H
#define OC_ADDR_RANGE_H

#include <stddef.h>
#include <stdint.h>
#include <outcall/addr.h>

struct oc_addr_range4 {
	uint32_t net, mask; /* host byte order */
	uint8_t prefix;
};

struct oc_addr_range6 {
	uint64_t net[2], mask[2]; /* high and low halves, host byte order */
	uint8_t prefix;
};

struct oc_addr_policy {
	size_t n4, n6;
	struct oc_addr_range4 v4[OC_ADDR_POLICY_MAX];
	struct oc_addr_range6 v6[OC_ADDR_POLICY_MAX];
};

static inline uint32_t oc_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t oc_load_be64(const uint8_t *p)
{
	return (uint64_t)oc_load_be32(p) << 32 | oc_load_be32(p + 4);
}

#endif
