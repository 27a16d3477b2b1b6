#include <stddef.h>
#include <string.h>

#include "expr/read.h"

#define STR_FIELD(f, member) [OC_FIELD_##f] = offsetof(oc_context, member)

/* 0 for fields that are not strings; no string member sits at offset 0. */
const size_t oc_expr_str_offset[OC_FIELD_COUNT] = {
	STR_FIELD(NETWORK_HOSTNAME, network_hostname),
	STR_FIELD(NETWORK_IP, network_ip),
	STR_FIELD(NETWORK_PROTOCOL, network_protocol),
	STR_FIELD(DNS_QUERY, dns_query),
	STR_FIELD(DNS_RECORD_TYPE, dns_record_type),
	STR_FIELD(HTTP_HOST, http_host),
	STR_FIELD(HTTP_METHOD, http_method),
	STR_FIELD(HTTP_PATH, http_path),
	STR_FIELD(HTTP_BODY, http_body),
	STR_FIELD(TLS_SNI, tls_sni),
	STR_FIELD(AGENT_NAME, agent_name),
	STR_FIELD(CONTAINER_ID, container_id),
	STR_FIELD(CONTAINER_IMAGE, container_image),
};

static bool known(const oc_context *ctx, oc_field f)
{
	return (ctx->known & OC_FIELD_BIT(f)) != 0;
}

bool oc_expr_read_int(const oc_context *ctx, oc_field f, int64_t *out)
{
	if (!known(ctx, f))
		return false;
	*out = f == OC_FIELD_NETWORK_PORT ? ctx->network_port : ctx->http_body_size;
	return true;
}

const oc_map *oc_expr_read_map(const oc_context *ctx, oc_field f)
{
	if (!known(ctx, f))
		return NULL;
	return f == OC_FIELD_HTTP_HEADERS ? &ctx->http_headers : &ctx->container_labels;
}

bool oc_expr_map_get(const oc_map *m, oc_sval key, oc_sval *value)
{
	for (size_t i = 0; i < m->count; i++) {
		const char *k = m->items[i].key ? m->items[i].key : "";
		oc_sval ks = { k, strlen(k), false };
		if (!oc_str_eq(ks, key))
			continue;
		if (value) {
			const char *v = m->items[i].value ? m->items[i].value : "";
			*value = (oc_sval){ v, strlen(v), false };
		}
		return true;
	}
	if (value)
		*value = (oc_sval){ "", 0, false };
	return false;
}
