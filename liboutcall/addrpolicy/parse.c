/* Parsing the private-range list (oc_addr_policy_new). */
#include "addrpolicy/range.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RANGES \
	"0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16," \
	"172.16.0.0/12,192.0.0.0/24,192.0.2.0/24,192.168.0.0/16,198.18.0.0/15," \
	"198.51.100.0/24,203.0.113.0/24,224.0.0.0/4,240.0.0.0/4," \
	"::/128,::1/128,::ffff:0.0.0.0/96,64:ff9b:1::/48,100::/64,2001:2::/48," \
	"2001:db8::/32,fc00::/7,fe80::/10,fec0::/10,ff00::/8"

const char *oc_addr_policy_default_ranges(void)
{
	return DEFAULT_RANGES;
}

/* The mask of the top `bits` bits (0..64) of a 64-bit half. */
static uint64_t mask64(int bits)
{
	return bits <= 0 ? 0 : bits >= 64 ? ~(uint64_t)0 : ~(uint64_t)0 << (64 - bits);
}

static int item_error(int index, const char *item, size_t len, const char *what)
{
	return oc_error_set(OC_EINVAL, "private address ranges: item %d \"%.*s\": %s", index,
		(int)len, item, what);
}

/* Reads "/N" (1 to 3 digits, at most max) after the address. */
static int parse_prefix(const char *s, size_t len, int max)
{
	if (len == 0 || len > 3)
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

static int add_item(oc_addr_policy *p, int index, const char *item, size_t len)
{
	if (p->n4 + p->n6 >= OC_ADDR_POLICY_MAX)
		return oc_error_set(OC_EINVAL, "private address ranges: item %d \"%.*s\": more than "
			"%d ranges; merge neighbouring ranges", index, (int)len, item, OC_ADDR_POLICY_MAX);
	const char *slash = memchr(item, '/', len);
	size_t alen = slash ? (size_t)(slash - item) : len;
	char text[INET6_ADDRSTRLEN + 1];
	if (alen == 0 || alen >= sizeof(text))
		return item_error(index, item, len, "not an IPv4 or IPv6 address");
	memcpy(text, item, alen);
	text[alen] = '\0';

	uint8_t bytes[16];
	bool v6 = memchr(text, ':', alen) != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, text, bytes) != 1)
		return item_error(index, item, len, v6 ? "not a valid IPv6 address" :
			"not a valid IPv4 address (write a.b.c.d or a.b.c.d/N)");
	int max = v6 ? 128 : 32;
	int prefix = max;
	if (slash) {
		prefix = parse_prefix(slash + 1, len - alen - 1, max);
		if (prefix < 0)
			return item_error(index, item, len, v6 ? "prefix length must be 0 to 128" :
				"prefix length must be 0 to 32");
	}

	if (!v6) {
		uint32_t a = oc_load_be32(bytes);
		uint32_t mask = (uint32_t)(mask64(prefix) >> 32);
		if (a & ~mask)
			return item_error(index, item, len,
				"address has bits set beyond its prefix length; use the network address");
		p->v4[p->n4++] = (struct oc_addr_range4){ a, mask, (uint8_t)prefix };
		return 0;
	}
	struct oc_addr_range6 r = { .prefix = (uint8_t)prefix };
	r.mask[0] = mask64(prefix);
	r.mask[1] = mask64(prefix - 64);
	r.net[0] = oc_load_be64(bytes);
	r.net[1] = oc_load_be64(bytes + 8);
	if ((r.net[0] & ~r.mask[0]) || (r.net[1] & ~r.mask[1]))
		return item_error(index, item, len,
			"address has bits set beyond its prefix length; use the network address");
	p->v6[p->n6++] = r;
	return 0;
}

static bool blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

int oc_addr_policy_new(const char *ranges, oc_addr_policy **out)
{
	*out = NULL;
	if (!ranges)
		ranges = DEFAULT_RANGES;
	oc_addr_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return oc_error_nomem();
	const char *s = ranges;
	for (int index = 1; !blank(ranges); index++) {
		const char *end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		const char *a = s, *b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		int rc = a == b ? item_error(index, a, 0, "empty item (two commas in a row?)") :
			add_item(p, index, a, (size_t)(b - a));
		if (rc < 0) {
			free(p);
			return rc;
		}
		if (*end == '\0')
			break;
		s = end + 1;
	}
	*out = p;
	return 0;
}

void oc_addr_policy_free(oc_addr_policy *p)
{
	free(p);
}
