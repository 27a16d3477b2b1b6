#include "dns/rrtype.h"

/* before ldns, which otherwise defines its own bool */
#include <stdbool.h>
#include <ldns/ldns.h>
#include <stdio.h>

const char *oc_dns_type_name(uint16_t type, char *buf)
{
	/* ldns's descriptor table is static: no allocation per query, unlike
	 * ldns_rr_type2str */
	const ldns_rr_descriptor *d = ldns_rr_descript(type);
	if (d && d->_type == type && d->_name)
		return d->_name;
	snprintf(buf, OC_DNS_TYPE_NAME_MAX, "TYPE%u", type);
	return buf;
}
