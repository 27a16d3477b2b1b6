/*
 * DNS names to the hostname normal form rules see (PRODUCT.md §4): ASCII
 * lower case, labels joined by dots, no trailing dot; the root is "".
 *
 * This is the single place the DNS filter turns wire names into policy
 * names (the query name and every CNAME target). Only letters, digits,
 * '-' and '_' are accepted in labels: a label holding a dot, a space or a
 * raw non-ASCII byte has no unambiguous normal form (IDNs travel as
 * A-labels on the wire), so such a name is never matched against rules.
 * It does not set the last error: it runs on every packet.
 */
#ifndef OC_DNS_NAME_H
#define OC_DNS_NAME_H

#include <stddef.h>
#include <stdint.h>
#include "dns/wire.h"

typedef enum oc_dns_name_status {
	OC_DNS_NAME_OK = 0,
	OC_DNS_NAME_MALFORMED,  /* runs past the data, pointer, bad label type, > 255 bytes */
	OC_DNS_NAME_NOT_HOST,   /* well formed, but holds bytes a host name cannot */
} oc_dns_name_status;

/*
 * Reads the uncompressed name at wire[0..len) into `text` (at least
 * OC_DNS_NAME_TEXT_MAX bytes, NUL-terminated on OC_DNS_NAME_OK). Sets
 * *wire_len to the bytes the name occupies and *text_len to strlen(text).
 */
oc_dns_name_status oc_dns_name_to_host(const uint8_t *wire, size_t len, size_t *wire_len,
	char *text, size_t *text_len);

#endif
