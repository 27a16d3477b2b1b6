/* Record type names as rules see them in dns.record_type (context.h). */
#ifndef OC_DNS_RRTYPE_H
#define OC_DNS_RRTYPE_H

#include <stdint.h>

#define OC_DNS_TYPE_NAME_MAX 16

/* "A", "AAAA", "TXT", ...; "TYPE65280" for types without a mnemonic
 * (RFC 3597). Returns a constant string or `buf`
 * (OC_DNS_TYPE_NAME_MAX bytes). */
const char *oc_dns_type_name(uint16_t type, char *buf);

#endif
