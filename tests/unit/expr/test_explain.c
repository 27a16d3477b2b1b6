/* oc_expr_explain: one line with each top-level operand's value. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include "helpers.h"

static char *explain(const char *text, const oc_context *ctx)
{
	oc_expr *e = compile_ok(text);
	oc_buf b = OC_BUF_INIT;
	cr_assert_eq(oc_expr_explain(e, ctx, &b), 0);
	oc_expr_free(e);
	return oc_buf_steal(&b);
}

static void expect_explain(const char *text, const oc_context *ctx, const char *expect)
{
	char *got = explain(text, ctx);
	cr_assert_str_eq(got, expect, "for: %s", text);
	free(got);
}

Test(explain, single_operand)
{
	oc_context ctx;
	sample_context(&ctx);
	ctx.http_host = "gitlab.com";
	expect_explain("http.host == \"github.com\"", &ctx,
		"http.host == \"github.com\" -> false (http.host is \"gitlab.com\")");
	expect_explain("true", &ctx, "true -> true");
}

Test(explain, operands_of_or_with_short_circuit)
{
	oc_context ctx;
	sample_context(&ctx);
	expect_explain("http.method == \"GET\" || network.port == 443 || http.path == \"/\"", &ctx,
		"http.method == \"GET\" -> false (http.method is \"POST\") || network.port == 443 -> true "
		"(network.port is 443) || http.path == \"/\" -> not evaluated");
}

Test(explain, unknown_fields_name_the_layer)
{
	oc_context ctx;
	oc_context_init(&ctx, OC_LAYER_DNS);
	ctx.dns_query = "github.com";
	expect_explain("http.method == \"GET\" && dns.query == \"github.com\"", &ctx,
		"http.method == \"GET\" -> unknown (http.method is not known to the dns layer) && "
		"dns.query == \"github.com\" -> true (dns.query is \"github.com\")");
}

Test(explain, maps_show_the_keys_looked_up)
{
	oc_context ctx;
	sample_context(&ctx);
	expect_explain("http.headers[\"X-Api-Key\"] == \"secret\" && !(\"authorization\" in http.headers)", &ctx,
		"http.headers[\"X-Api-Key\"] == \"secret\" -> true (http.headers[\"x-api-key\"] is \"secret\") && "
		"!(\"authorization\" in http.headers) -> true (http.headers[\"authorization\"] is absent)");
	expect_explain("size(http.headers) > 5", &ctx, "size(http.headers) > 5 -> false (http.headers has 3 entries)");
}

Test(explain, several_fields_definitions_and_hostile_values)
{
	oc_context ctx;
	sample_context(&ctx);
	ctx.http_path = "/a\n\"b\"\x01";
	expect_explain("http.path == \"x\" ||\n  http.host == http.path", &ctx,
		"http.path == \"x\" -> false (http.path is \"/a\\x0a\\\"b\\\"\\x01\") || http.host == http.path -> false "
		"(http.host is \"api.github.com\", http.path is \"/a\\x0a\\\"b\\\"\\x01\")");

	oc_expr_def defs[] = { { .name = "gh", .text = "http.host.endsWith(\".github.com\")" } };
	oc_expr_source src = { .text = "$gh\n&& agent.name == \"coder\"", .defs = defs, .ndefs = 1 };
	oc_expr *e;
	cr_assert_eq(oc_expr_compile(&src, &e), 0);
	oc_buf b = OC_BUF_INIT;
	cr_assert_eq(oc_expr_explain(e, &ctx, &b), 0);
	cr_assert_str_eq(b.data, "$gh -> true (http.host is \"api.github.com\") && agent.name == \"coder\" -> true "
		"(agent.name is \"coder\")");
	oc_buf_free(&b);
	oc_expr_free(e);
}
