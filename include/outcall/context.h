/*
 * The request context: what a layer knows about one request, in the terms
 * of the rule language (docs/rules.md). The caller fills a plain struct;
 * the engine reads it and never keeps pointers into it after a call.
 *
 * Known and unknown fields. Each layer sees only some fields: the DNS
 * filter knows dns.query but not http.method; the proxy knows http.method
 * but not dns.query. `known` is a bitmask of OC_FIELD_BIT(field) saying
 * which fields this layer can see. A known field that the request lacks
 * (no such header, no body) reads as its zero value ("", 0, empty map). A
 * field that is not known makes every test on it "unknown", and a rule
 * whose condition is not definitely true does not match. So a rule that can
 * never be true for the layer asking simply does not match there:
 * `http.method != "POST"` does not match a DNS query, while
 * `dns.query == "x" || http.host == "x"` matches both layers.
 *
 * Hostnames (network.hostname, dns.query, http.host, tls.sni) must be in
 * normal form (oc_hostname_normalize) before a decision; the layer does
 * that once, when it builds the context.
 *
 * Ownership: every pointer is borrowed from the caller for the duration of
 * the call that receives the context. Thread-safety: a context is plain
 * data; share it read-only or not at all.
 */
#ifndef OUTCALL_CONTEXT_H
#define OUTCALL_CONTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <outcall/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum oc_field {
	OC_FIELD_NETWORK_HOSTNAME,
	OC_FIELD_NETWORK_IP,
	OC_FIELD_NETWORK_PORT,
	OC_FIELD_NETWORK_PROTOCOL,
	OC_FIELD_DNS_QUERY,
	OC_FIELD_DNS_RECORD_TYPE,
	OC_FIELD_HTTP_HOST,
	OC_FIELD_HTTP_METHOD,
	OC_FIELD_HTTP_PATH,
	OC_FIELD_HTTP_HEADERS,
	OC_FIELD_HTTP_BODY_SIZE,
	OC_FIELD_HTTP_BODY,
	OC_FIELD_TLS_SNI,
	OC_FIELD_AGENT_NAME,
	OC_FIELD_CONTAINER_ID,
	OC_FIELD_CONTAINER_IMAGE,
	OC_FIELD_CONTAINER_LABELS,
	OC_FIELD_COUNT
} oc_field;

#define OC_FIELD_BIT(f) (1u << (f))

/* Which layer is asking; selects the default `known` mask. */
typedef enum oc_layer {
	OC_LAYER_ALL = 0, /* every field known (rule tests, --context) */
	OC_LAYER_DNS,     /* network.hostname, network.protocol ("dns"), dns.*, agent.*, container.* */
	OC_LAYER_HTTP,    /* network.hostname/port/protocol ("http"), http.* except body, agent.*, container.* */
	OC_LAYER_TLS,     /* network.hostname/port/protocol ("tls"), http.host, tls.sni, agent.*, container.* */
} oc_layer;

/* The canonical name of a field ("http.host"), or NULL if out of range. */
OC_API const char *oc_field_name(oc_field field);
/* The name of a layer ("dns", "http", "tls", "all"). */
OC_API const char *oc_layer_name(oc_layer layer);

/* One entry of a string map (http.headers, container.labels). Header names
 * are lower case; a header sent several times is one entry with the values
 * joined by ", " as HTTP allows. */
typedef struct oc_kv {
	const char *key;
	const char *value;
} oc_kv;

typedef struct oc_map {
	const oc_kv *items;
	size_t count;
} oc_map;

typedef struct oc_context {
	uint32_t known; /* OC_FIELD_BIT()s of the fields this layer sees */
	oc_layer layer;

	const char *network_hostname;
	const char *network_ip;       /* textual address: "198.18.0.10" */
	int64_t network_port;
	const char *network_protocol; /* "dns", "http" or "tls" */

	const char *dns_query;
	const char *dns_record_type;  /* "A", "AAAA", "TXT", ...; "TYPE65" if unnamed */

	const char *http_host;
	const char *http_method;
	const char *http_path;        /* raw request-target path, as sent upstream */
	oc_map http_headers;
	int64_t http_body_size;
	const char *http_body;        /* may hold NULs: use http_body_len */
	size_t http_body_len;

	const char *tls_sni;

	const char *agent_name;       /* host-verified, never agent-supplied */
	const char *container_id;
	const char *container_image;
	oc_map container_labels;
} oc_context;

/* Zeroes *ctx and sets layer and the layer's default `known` mask. A layer
 * that has extra facts (the proxy knowing the destination IP) ORs in their
 * bits afterwards. */
OC_API void oc_context_init(oc_context *ctx, oc_layer layer);

/* Longest hostname in normal form, including the terminating NUL. */
#define OC_HOSTNAME_MAX 256

/*
 * Puts `in` into the normal form rules see: ASCII lower case, one trailing
 * dot removed, each label with non-ASCII characters converted to its
 * A-label ("xn--" + Punycode, RFC 3492) after lower-casing ASCII letters.
 * Non-ASCII characters are not case-folded or NFC-normalised (no Unicode
 * tables in the library): write rules and requests in the same form.
 * Rejects (OC_EINVAL) invalid UTF-8, empty labels, labels over 63 bytes,
 * names over 253 bytes, and bytes that are not allowed in host names
 * (controls, space, '/', '@', ...). Writes at most `outsz` bytes including
 * the NUL; returns the length written (>= 0) or a negative oc_err.
 */
OC_API int oc_hostname_normalize(const char *in, char *out, size_t outsz);

#ifdef __cplusplus
}
#endif
#endif
