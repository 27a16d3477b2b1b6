#include <criterion/criterion.h>
#include <string.h>
#include <outcall/outcall.h>
#include "context/field.h"

#define BIT(f) OC_FIELD_BIT(OC_FIELD_##f)

Test(field, names_round_trip)
{
	for (int f = 0; f < OC_FIELD_COUNT; f++) {
		const char *name = oc_field_name((oc_field)f);
		cr_assert_not_null(name);
		cr_assert_eq(oc_field_lookup(name, strlen(name)), f, "%s", name);
	}
	cr_assert_str_eq(oc_field_name(OC_FIELD_HTTP_HOST), "http.host");
	cr_assert_str_eq(oc_field_name(OC_FIELD_CONTAINER_LABELS), "container.labels");
	cr_assert_null(oc_field_name(OC_FIELD_COUNT));
	cr_assert_null(oc_field_name((oc_field)-1));
	cr_assert_eq(oc_field_lookup("http.hos", 8), -1);
	cr_assert_eq(oc_field_lookup("http.hostx", 10), -1);
	cr_assert_eq(oc_field_lookup("http.host", 9), OC_FIELD_HTTP_HOST);
}

Test(field, types)
{
	cr_assert_eq(oc_field_type_of(OC_FIELD_NETWORK_PORT), OC_FTYPE_INT);
	cr_assert_eq(oc_field_type_of(OC_FIELD_HTTP_BODY_SIZE), OC_FTYPE_INT);
	cr_assert_eq(oc_field_type_of(OC_FIELD_HTTP_HEADERS), OC_FTYPE_MAP);
	cr_assert_eq(oc_field_type_of(OC_FIELD_CONTAINER_LABELS), OC_FTYPE_MAP);
	cr_assert_eq(oc_field_type_of(OC_FIELD_TLS_SNI), OC_FTYPE_STRING);
}

Test(field, namespaces_hosts_and_suggestions)
{
	cr_assert(oc_field_is_namespace("http", 4));
	cr_assert(oc_field_is_namespace("container", 9));
	cr_assert_not(oc_field_is_namespace("htt", 3));
	cr_assert_not(oc_field_is_namespace("body", 4));
	cr_assert(oc_field_is_host(OC_FIELD_TLS_SNI));
	cr_assert(oc_field_is_host(OC_FIELD_DNS_QUERY));
	cr_assert_not(oc_field_is_host(OC_FIELD_NETWORK_IP));
	cr_assert_str_eq(oc_field_suggest("http.hots", 9), "http.host");
	cr_assert_str_eq(oc_field_suggest("dns.qeury", 9), "dns.query");
	cr_assert_null(oc_field_suggest("nothing.like.it", 15));
}

Test(field, layer_names)
{
	cr_assert_str_eq(oc_layer_name(OC_LAYER_ALL), "all");
	cr_assert_str_eq(oc_layer_name(OC_LAYER_DNS), "dns");
	cr_assert_str_eq(oc_layer_name(OC_LAYER_HTTP), "http");
	cr_assert_str_eq(oc_layer_name(OC_LAYER_TLS), "tls");
	cr_assert_null(oc_layer_name((oc_layer)17));
}

Test(context, init_sets_layer_masks)
{
	oc_context c;
	const uint32_t identity = BIT(AGENT_NAME) | BIT(CONTAINER_ID) | BIT(CONTAINER_IMAGE) |
		BIT(CONTAINER_LABELS);

	oc_context_init(&c, OC_LAYER_ALL);
	cr_assert_eq(c.known, (1u << OC_FIELD_COUNT) - 1);
	cr_assert_eq(c.layer, OC_LAYER_ALL);

	oc_context_init(&c, OC_LAYER_DNS);
	cr_assert_eq(c.known, BIT(NETWORK_HOSTNAME) | BIT(NETWORK_PROTOCOL) | BIT(DNS_QUERY) |
		BIT(DNS_RECORD_TYPE) | identity);

	oc_context_init(&c, OC_LAYER_HTTP);
	cr_assert_eq(c.known, BIT(NETWORK_HOSTNAME) | BIT(NETWORK_PORT) | BIT(NETWORK_PROTOCOL) |
		BIT(HTTP_HOST) | BIT(HTTP_METHOD) | BIT(HTTP_PATH) | BIT(HTTP_HEADERS) |
		BIT(HTTP_BODY_SIZE) | identity);
	cr_assert_eq(c.known & BIT(HTTP_BODY), 0);

	oc_context_init(&c, OC_LAYER_TLS);
	cr_assert_eq(c.known, BIT(NETWORK_HOSTNAME) | BIT(NETWORK_PORT) | BIT(NETWORK_PROTOCOL) |
		BIT(HTTP_HOST) | BIT(TLS_SNI) | identity);
	cr_assert_eq(c.layer, OC_LAYER_TLS);
}

Test(context, init_zeroes_and_unknown_layer_knows_nothing)
{
	oc_context c;
	memset(&c, 0xab, sizeof(c));
	oc_context_init(&c, (oc_layer)99);
	cr_assert_eq(c.known, 0);
	cr_assert_null(c.http_host);
	cr_assert_eq(c.http_headers.count, 0);
	cr_assert_eq(c.network_port, 0);
}
