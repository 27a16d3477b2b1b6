/* Writing a policy back as a range list (oc_addr_policy_format). */
#include "addrpolicy/range.h"
#include "core/buf.h"

#include <arpa/inet.h>

static void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int put_range(oc_buf *b, int family, const void *bytes, int prefix)
{
	char text[INET6_ADDRSTRLEN];
	inet_ntop(family, bytes, text, sizeof(text));
	return oc_buf_printf(b, "%s%s/%d", b->len ? "," : "", text, prefix);
}

char *oc_addr_policy_format(const oc_addr_policy *p)
{
	oc_buf b = OC_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->n4; i++) {
		uint32_t net = htonl(p->v4[i].net);
		rc = put_range(&b, AF_INET, &net, p->v4[i].prefix);
	}
	for (size_t i = 0; rc == 0 && i < p->n6; i++) {
		uint8_t net[16];
		store_be64(net, p->v6[i].net[0]);
		store_be64(net + 8, p->v6[i].net[1]);
		rc = put_range(&b, AF_INET6, net, p->v6[i].prefix);
	}
	if (rc < 0) {
		oc_buf_free(&b);
		return NULL;
	}
	return oc_buf_steal(&b);
}
