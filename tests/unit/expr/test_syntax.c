/* Grammar: precedence, associativity, literals and nesting limits. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "helpers.h"

#define IS(text, v) cr_assert_eq(eval_sample(text), v, "%s", text)

Test(syntax, and_binds_tighter_than_or)
{
	IS("true || true && false", OC_TRI_TRUE);
	IS("false && true || true", OC_TRI_TRUE);
	IS("(true || true) && false", OC_TRI_FALSE);
}

Test(syntax, conditional_is_lowest_and_right_associative)
{
	IS("true ? false : true || true", OC_TRI_FALSE);
	IS("false && true ? false : true", OC_TRI_TRUE);
	IS("true ? false : true ? true : true", OC_TRI_FALSE);
	IS("(1 == 1 ? 2 : 3) == 2", OC_TRI_TRUE);
}

Test(syntax, not_binds_tighter_than_and_and_comparisons)
{
	IS("!false && false", OC_TRI_FALSE);
	IS("!\"abc\".startsWith(\"b\")", OC_TRI_TRUE);
	/* `!http.host == "x"` is `(!http.host) == "x"`, a type error. */
	expect_error("!http.host == \"x\"", "rules.yaml:10:17: rule 'r1': condition 1:2: "
		"the operand of '!' must be a bool, this is a string");
}

Test(syntax, comparisons_and_in_bind_tighter_than_logic)
{
	IS("1 == 1 || 1 == 2", OC_TRI_TRUE);
	IS("\"a\" in [\"a\"] && false", OC_TRI_FALSE);
	IS("http.method in [\"GET\"] || network.port > 400", OC_TRI_TRUE);
}

Test(syntax, postfix_binds_tightest)
{
	IS("http.headers[\"x-api-key\"].size() == 6", OC_TRI_TRUE);
	IS("http.path.lowerAscii().startsWith(\"/repos/acme\")", OC_TRI_TRUE);
	IS("[1, 2, 3].size() == 3", OC_TRI_TRUE);
}

Test(syntax, negative_numbers_and_whitespace)
{
	IS("-1 < 0", OC_TRI_TRUE);
	IS("- 1 == -1", OC_TRI_TRUE);
	IS("true\n&&\ttrue\r\n", OC_TRI_TRUE);
	IS("network.port in [80, 443,]", OC_TRI_TRUE);
	IS("[].size() == 0 ? true : false", OC_TRI_TRUE);
}

Test(syntax, long_disjunctions_do_not_nest)
{
	char text[5000 * 24];
	size_t n = 0;
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%shttp.host == \"h%d\"", i ? " || " : "", i);
	oc_expr *e = compile_ok(text);
	oc_context ctx;
	sample_context(&ctx);
	ctx.http_host = "h4999";
	cr_assert_eq(oc_expr_eval(e, &ctx), OC_TRI_TRUE);
	ctx.http_host = "h5000";
	cr_assert_eq(oc_expr_eval(e, &ctx), OC_TRI_FALSE);
	oc_expr_free(e);
}

static void nested(char *text, size_t size, int depth, const char *open, const char *core, const char *close)
{
	size_t n = 0;
	for (int i = 0; i < depth; i++)
		n += (size_t)snprintf(text + n, size - n, "%s", open);
	n += (size_t)snprintf(text + n, size - n, "%s", core);
	for (int i = 0; i < depth; i++)
		n += (size_t)snprintf(text + n, size - n, "%s", close);
}

Test(syntax, nesting_is_bounded)
{
	char text[2000];
	nested(text, sizeof(text), 60, "(", "true", ")");
	cr_assert_eq(compile_rc(text, NULL, 0), 0, "%s", oc_error_last()->message);
	nested(text, sizeof(text), 100, "(", "true", ")");
	cr_assert_eq(compile_rc(text, NULL, 0), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "nested too deeply (more than 64 levels)"),
		"%s", oc_error_last()->message);
	nested(text, sizeof(text), 100, "!", "true", "");
	cr_assert_eq(compile_rc(text, NULL, 0), OC_EPARSE);
	nested(text, sizeof(text), 100, "", "\"a\"", ".lowerAscii()");
	strcat(text, " == \"a\"");
	cr_assert_eq(compile_rc(text, NULL, 0), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "nested too deeply"), "%s", oc_error_last()->message);
}
