/* Field names, field types and the layers' default views (context.h). */
#include "context/field.h"

#include <string.h>

#include "core/similar.h"

#define BIT(f) OC_FIELD_BIT(OC_FIELD_##f)

static const struct field_def {
	const char *name;
	oc_field_type type;
} fields[OC_FIELD_COUNT] = {
	[OC_FIELD_NETWORK_HOSTNAME] = { "network.hostname", OC_FTYPE_STRING },
	[OC_FIELD_NETWORK_IP] = { "network.ip", OC_FTYPE_STRING },
	[OC_FIELD_NETWORK_PORT] = { "network.port", OC_FTYPE_INT },
	[OC_FIELD_NETWORK_PROTOCOL] = { "network.protocol", OC_FTYPE_STRING },
	[OC_FIELD_DNS_QUERY] = { "dns.query", OC_FTYPE_STRING },
	[OC_FIELD_DNS_RECORD_TYPE] = { "dns.record_type", OC_FTYPE_STRING },
	[OC_FIELD_HTTP_HOST] = { "http.host", OC_FTYPE_STRING },
	[OC_FIELD_HTTP_METHOD] = { "http.method", OC_FTYPE_STRING },
	[OC_FIELD_HTTP_PATH] = { "http.path", OC_FTYPE_STRING },
	[OC_FIELD_HTTP_HEADERS] = { "http.headers", OC_FTYPE_MAP },
	[OC_FIELD_HTTP_BODY_SIZE] = { "http.body_size", OC_FTYPE_INT },
	[OC_FIELD_HTTP_BODY] = { "http.body", OC_FTYPE_STRING },
	[OC_FIELD_TLS_SNI] = { "tls.sni", OC_FTYPE_STRING },
	[OC_FIELD_AGENT_NAME] = { "agent.name", OC_FTYPE_STRING },
	[OC_FIELD_CONTAINER_ID] = { "container.id", OC_FTYPE_STRING },
	[OC_FIELD_CONTAINER_IMAGE] = { "container.image", OC_FTYPE_STRING },
	[OC_FIELD_CONTAINER_LABELS] = { "container.labels", OC_FTYPE_MAP },
};

/* Every layer knows who is asking. */
static const uint32_t identity = BIT(AGENT_NAME) | BIT(CONTAINER_ID) |
	BIT(CONTAINER_IMAGE) | BIT(CONTAINER_LABELS);

static const struct layer_def {
	const char *name;
	uint32_t known;
} layers[] = {
	[OC_LAYER_ALL] = { "all", OC_FIELD_BIT(OC_FIELD_COUNT) - 1 },
	[OC_LAYER_DNS] = { "dns", BIT(NETWORK_HOSTNAME) | BIT(NETWORK_PROTOCOL) |
		BIT(DNS_QUERY) | BIT(DNS_RECORD_TYPE) | identity },
	/* The body is read only by intercepting rules with match_body, which
	 * add its bit themselves. */
	[OC_LAYER_HTTP] = { "http", BIT(NETWORK_HOSTNAME) | BIT(NETWORK_PORT) |
		BIT(NETWORK_PROTOCOL) | BIT(HTTP_HOST) | BIT(HTTP_METHOD) | BIT(HTTP_PATH) |
		BIT(HTTP_HEADERS) | BIT(HTTP_BODY_SIZE) | identity },
	[OC_LAYER_TLS] = { "tls", BIT(NETWORK_HOSTNAME) | BIT(NETWORK_PORT) |
		BIT(NETWORK_PROTOCOL) | BIT(HTTP_HOST) | BIT(TLS_SNI) | identity },
};

const char *oc_field_name(oc_field field)
{
	if ((unsigned)field >= OC_FIELD_COUNT)
		return NULL;
	return fields[field].name;
}

const char *oc_layer_name(oc_layer layer)
{
	if ((unsigned)layer >= sizeof(layers) / sizeof(layers[0]))
		return NULL;
	return layers[layer].name;
}

void oc_context_init(oc_context *ctx, oc_layer layer)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->layer = layer;
	/* An unknown layer knows nothing, so no rule can match it: failing
	 * closed beats guessing. */
	if ((unsigned)layer < sizeof(layers) / sizeof(layers[0]))
		ctx->known = layers[layer].known;
}

oc_field_type oc_field_type_of(oc_field field)
{
	return fields[field].type;
}

int oc_field_lookup(const char *name, size_t len)
{
	for (int f = 0; f < OC_FIELD_COUNT; f++)
		if (strlen(fields[f].name) == len && memcmp(fields[f].name, name, len) == 0)
			return f;
	return -1;
}

bool oc_field_is_namespace(const char *name, size_t len)
{
	for (int f = 0; f < OC_FIELD_COUNT; f++) {
		const char *dot = strchr(fields[f].name, '.');
		if ((size_t)(dot - fields[f].name) == len && memcmp(fields[f].name, name, len) == 0)
			return true;
	}
	return false;
}

const char *oc_field_suggest(const char *name, size_t len)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (int f = 0; f < OC_FIELD_COUNT; f++) {
		size_t d = oc_edit_distance(name, len, fields[f].name);
		if (d < best_d) {
			best_d = d;
			best = fields[f].name;
		}
	}
	return best;
}

bool oc_field_is_host(oc_field field)
{
	return field == OC_FIELD_NETWORK_HOSTNAME || field == OC_FIELD_DNS_QUERY ||
		field == OC_FIELD_HTTP_HOST || field == OC_FIELD_TLS_SNI;
}
