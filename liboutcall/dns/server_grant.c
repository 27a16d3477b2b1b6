/* direct_ip grants for an answer (server.h, PRODUCT.md §5.1 and §5.2). */
#include "dns/server.h"

#include <outcall/firewall.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Grants on the stack up to this many (addresses x ports); more is rare
 * and goes to the heap. */
#define GRANTS_ON_STACK 64

int oc_dns_srv_grant(oc_dns_server *s, const oc_container *c, const oc_decision *d,
	const char *name, const oc_dns_answer *a, uint32_t elapsed, char *why, size_t why_size)
{
	size_t v4 = 0;
	for (size_t i = 0; i < a->naddrs; i++)
		v4 += a->addrs[i].family == AF_INET;
	/* IPv6 from containers is dropped by the kernel layer: no grant can
	 * open it, so AAAA records pass without one. */
	size_t n = v4 * d->egress.nports;
	if (n == 0)
		return 0;
	if (!s->svc.firewall) {
		snprintf(why, why_size, "direct_ip grant for %s under rule \"%s\": this server "
			"has no kernel firewall (oc_services.firewall is NULL)", name, d->rule_id);
		s->st.grants_refused++;
		return OC_ENOTFOUND;
	}
	oc_grant stack[GRANTS_ON_STACK];
	oc_grant *g = n <= GRANTS_ON_STACK ? stack : calloc(n, sizeof(*g));
	if (!g) {
		snprintf(why, why_size, "direct_ip grant for %s: out of memory", name);
		s->st.grants_refused++;
		return OC_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < a->naddrs; i++) {
		const oc_dns_addr *ad = &a->addrs[i];
		if (ad->family != AF_INET)
			continue;
		/* what the client is told, never less than a second so that a
		 * record at the end of its life can still be used */
		uint32_t ttl = ad->ttl > elapsed ? ad->ttl - elapsed : 1;
		for (size_t p = 0; p < d->egress.nports; p++) {
			g[k] = (oc_grant){ .rule_id = d->rule_id, .container = oc_container_ip(c),
				.port = d->egress.ports[p], .timeout_ms = ttl * 1000u, .note = name };
			memcpy(&g[k].dest, ad->addr, 4);
			k++;
		}
	}
	int rc = oc_firewall_grant(s->svc.firewall, g, n);
	if (g != stack)
		free(g);
	if (rc < 0) {
		snprintf(why, why_size, "direct_ip grant refused: %s", oc_error_last()->message);
		s->st.grants_refused++;
		return rc;
	}
	s->st.grants_added += n;
	return 0;
}
