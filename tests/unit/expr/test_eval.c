/* Values of expressions on a fully known request. */
#include <criterion/criterion.h>
#include "helpers.h"

#define TRUE_(text) cr_assert_eq(eval_sample(text), OC_TRI_TRUE, "%s is not true", text)
#define FALSE_(text) cr_assert_eq(eval_sample(text), OC_TRI_FALSE, "%s is not false", text)

Test(eval, literals_and_comparisons)
{
	TRUE_("true");
	FALSE_("false");
	TRUE_("1 == 1");
	TRUE_("-5 < 3");
	TRUE_("-9223372036854775808 < 9223372036854775807");
	TRUE_("2 >= 2 && 2 <= 2 && !(2 > 2) && !(2 < 2)");
	TRUE_("\"abc\" < \"abd\" && \"ab\" < \"abc\" && \"b\" > \"abc\"");
	TRUE_("'single' == \"single\"");
	TRUE_("true != false");
	TRUE_("\"\" == ''");
}

Test(eval, string_escapes)
{
	TRUE_("\"a\\\"b\" == 'a\"b'");
	TRUE_("'it\\'s' == \"it's\"");
	TRUE_("\"\\\\\".size() == 1");
	TRUE_("\"\\n\\t\\r\".size() == 3");
	TRUE_("\"\\x41\\x62\" == \"Ab\"");
	TRUE_("\"\\u00fc\" == \"ü\"");
	TRUE_("\"\\U0001F600\".size() == 1");
}

Test(eval, fields)
{
	TRUE_("network.hostname == \"github.com\"");
	TRUE_("network.ip == \"198.18.0.10\"");
	TRUE_("network.port == 443");
	TRUE_("network.protocol == \"http\"");
	TRUE_("dns.query == \"github.com\" && dns.record_type == \"AAAA\"");
	TRUE_("http.host == \"api.github.com\" && http.method == \"POST\"");
	TRUE_("http.path == \"/repos/Acme/widgets\"");
	TRUE_("http.body_size == 11 && http.body.size() == 11");
	TRUE_("http.body.endsWith(\"world\") && http.body.contains(\"o\\x00w\")");
	TRUE_("tls.sni == \"api.github.com\"");
	TRUE_("agent.name == \"coder\" && container.id == \"3f2a9c\"");
	TRUE_("container.image.startsWith(\"ghcr.io/\")");
}

Test(eval, absent_fields_read_as_zero_values)
{
	oc_context ctx;
	oc_context_init(&ctx, OC_LAYER_ALL);
	cr_assert_eq(eval_on("http.host == \"\" && network.port == 0 && size(http.headers) == 0", &ctx),
		OC_TRI_TRUE);
	cr_assert_eq(eval_on("http.headers[\"x\"] == \"\" && !(\"x\" in http.headers)", &ctx), OC_TRI_TRUE);
	cr_assert_eq(eval_on("http.body == \"\"", &ctx), OC_TRI_TRUE);
}

Test(eval, string_methods)
{
	TRUE_("http.path.startsWith(\"/repos/\")");
	FALSE_("http.path.startsWith(\"/repos/acme\")");
	TRUE_("http.host.endsWith(\".github.com\")");
	FALSE_("http.host.endsWith(\"xapi.github.com\")");
	TRUE_("http.path.contains(\"Acme\")");
	FALSE_("http.path.contains(\"acme\")");
	TRUE_("\"\".startsWith(\"\") && \"x\".endsWith(\"\") && \"x\".contains(\"\")");
	FALSE_("\"\".contains(\"x\")");
}

Test(eval, lower_ascii)
{
	TRUE_("http.path.lowerAscii() == \"/repos/acme/widgets\"");
	TRUE_("http.path.lowerAscii().contains(\"acme\")");
	TRUE_("http.path.lowerAscii().startsWith(\"/REPOS\".lowerAscii())");
	TRUE_("\"/REPOS/ACME\".lowerAscii().endsWith(\"acme\")");
	TRUE_("\"ÄB\".lowerAscii() == \"Äb\"");
	TRUE_("\"B\".lowerAscii() > \"a\"");
	TRUE_("\"B\" < \"a\"");
	TRUE_("container.labels[\"Tier\"].lowerAscii() in [\"gold\", \"silver\"]");
	TRUE_("(\"tier\" in container.labels) == false && \"Tier\" in container.labels");
	TRUE_("container.labels[\"Tier\".lowerAscii()] == \"\"");
}

Test(eval, matches)
{
	TRUE_("http.path.matches(\"^/repos/[A-Za-z]+/\")");
	FALSE_("http.path.matches(\"^/repos/[a-z]+/\")");
	TRUE_("http.path.matches(\"(?i)^/repos/acme\")");
	TRUE_("http.body.matches(\"o\\x00w\")");
	TRUE_("\"ü\".matches(\"^.$\")");
	TRUE_("http.headers[\"user-agent\"].matches(\"^curl/[0-9.]+$\")");
}

Test(eval, matches_on_invalid_utf8_subject)
{
	oc_context ctx;
	sample_context(&ctx);
	ctx.http_path = "/a\xff/b";
	cr_assert_eq(eval_on("http.path.matches(\"/b$\")", &ctx), OC_TRI_TRUE);
	cr_assert_eq(eval_on("http.path.matches(\"^/a./b$\")", &ctx), OC_TRI_FALSE);
}

Test(eval, catastrophic_pattern_does_not_match)
{
	oc_context ctx;
	sample_context(&ctx);
	char path[64];
	memset(path, 'a', sizeof(path) - 2);
	path[sizeof(path) - 2] = '!';
	path[sizeof(path) - 1] = '\0';
	ctx.http_path = path;
	/* Matching would take 2^62 steps; the limit stops it. */
	cr_assert_eq(eval_on("http.path.matches(\"^(a+)+$\")", &ctx), OC_TRI_FALSE);
	cr_assert_eq(eval_on("!http.path.matches(\"^(a+)+$\")", &ctx), OC_TRI_TRUE);
	ctx.http_path = "aaaa";
	cr_assert_eq(eval_on("http.path.matches(\"^(a+)+$\")", &ctx), OC_TRI_TRUE);
}

Test(eval, size)
{
	TRUE_("size(\"abc\") == 3 && \"abc\".size() == 3");
	TRUE_("size(\"bücher\") == 6");
	TRUE_("size([1, 2, 3]) == 3 && [].size() == 0");
	TRUE_("size(http.headers) == 3 && container.labels.size() == 2");
	TRUE_("size(http.path) > 10");
}

Test(eval, map_index_and_in)
{
	TRUE_("http.headers[\"x-api-key\"] == \"secret\"");
	TRUE_("http.headers[\"missing\"] == \"\"");
	TRUE_("\"x-api-key\" in http.headers && !(\"missing\" in http.headers)");
	TRUE_("\"accept\" in http.headers && http.headers[\"accept\"] == \"\"");
	TRUE_("container.labels[\"team\"] == \"ml\"");
	/* Header names are matched whatever their case; label keys are not. */
	TRUE_("http.headers[\"X-API-Key\"] == \"secret\" && \"User-Agent\" in http.headers");
	TRUE_("http.headers[container.labels[\"Tier\"] == \"Gold\" ? \"X-Api-Key\" : \"a\"] == \"secret\"");
	TRUE_("container.labels[\"TEAM\"] == \"\"");
}

Test(eval, in_lists)
{
	TRUE_("http.method in [\"GET\", \"POST\"]");
	FALSE_("http.method in [\"GET\", \"PUT\"]");
	FALSE_("http.method in []");
	TRUE_("network.port in [80, 443]");
	TRUE_("true in [false, true]");
	TRUE_("http.method in [http.host, \"POST\"]");
	TRUE_("(\"a\" in [\"a\"]) == true");
}

Test(eval, conditional)
{
	TRUE_("(network.port == 443 ? \"tls\" : \"plain\") == \"tls\"");
	TRUE_("(http.method == \"GET\" ? 1 : 2) == 2");
	TRUE_("http.method == \"POST\" ? http.path.startsWith(\"/repos\") : false");
}

Test(eval, fields_read)
{
	oc_expr *e = compile_ok("http.host == \"x\" && (network.port == 1 || "
		"container.labels[http.headers[\"k\"]] == \"\" || [tls.sni].size() == 1)");
	cr_assert_eq(oc_expr_fields(e), OC_FIELD_BIT(OC_FIELD_HTTP_HOST) | OC_FIELD_BIT(OC_FIELD_NETWORK_PORT) |
		OC_FIELD_BIT(OC_FIELD_CONTAINER_LABELS) | OC_FIELD_BIT(OC_FIELD_HTTP_HEADERS) |
		OC_FIELD_BIT(OC_FIELD_TLS_SNI));
	oc_expr_free(e);
	e = compile_ok("\"a\".matches(\"a\") || 1 < 2");
	cr_assert_eq(oc_expr_fields(e), 0);
	oc_expr_free(e);
}
