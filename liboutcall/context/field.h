/* Internal side of context.h: what the expression compiler needs to know
 * about fields (their names, types and which ones carry host names). */
#ifndef OC_CONTEXT_FIELD_H
#define OC_CONTEXT_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <outcall/context.h>

typedef enum oc_field_type {
	OC_FTYPE_STRING,
	OC_FTYPE_INT,
	OC_FTYPE_MAP, /* string -> string */
} oc_field_type;

oc_field_type oc_field_type_of(oc_field field);

/* The field whose name is name[0..len) ("http.host"), or -1. */
int oc_field_lookup(const char *name, size_t len);

/* Whether name[0..len) is the part before the dot of some field ("http"). */
bool oc_field_is_namespace(const char *name, size_t len);

/* The field name closest to name[0..len) (at most two edits away), for a
 * "did you mean" hint; NULL if none is close. */
const char *oc_field_suggest(const char *name, size_t len);

/* network.hostname, dns.query, http.host and tls.sni: the fields that hold
 * host names in normal form (oc_hostname_normalize). */
bool oc_field_is_host(oc_field field);

#endif
