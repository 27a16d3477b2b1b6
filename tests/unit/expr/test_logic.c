/* Three-valued logic and short-circuiting. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/mman.h>
#include "helpers.h"

/* A request whose layer cannot see dns.query. */
static void partial_context(oc_context *ctx)
{
	sample_context(ctx);
	ctx->known &= ~OC_FIELD_BIT(OC_FIELD_DNS_QUERY);
}

static oc_tri eval_partial(const char *text)
{
	oc_context ctx;
	partial_context(&ctx);
	return eval_on(text, &ctx);
}

/* Operands that are true, false and unknown on partial_context(). */
static const char *const operand[] = {
	[OC_TRI_TRUE] = "http.method == \"POST\"",
	[OC_TRI_FALSE] = "http.method == \"GET\"",
	[OC_TRI_UNKNOWN] = "dns.query == \"github.com\"",
};

static const char *const tri_name[] = { "false", "true", "unknown" };

static void check_binary(const char *op, const oc_tri table[3][3])
{
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			char text[200];
			snprintf(text, sizeof(text), "%s %s %s", operand[a], op, operand[b]);
			cr_assert_eq(eval_partial(text), table[a][b], "%s %s %s should be %s", tri_name[a], op,
				tri_name[b], tri_name[table[a][b]]);
		}
}

#define F OC_TRI_FALSE
#define T OC_TRI_TRUE
#define U OC_TRI_UNKNOWN

Test(logic, and_truth_table)
{
	/* Rows and columns in oc_tri order: false, true, unknown. */
	static const oc_tri table[3][3] = { { F, F, F }, { F, T, U }, { F, U, U } };
	check_binary("&&", table);
}

Test(logic, or_truth_table)
{
	static const oc_tri table[3][3] = { { F, T, U }, { T, T, T }, { U, T, U } };
	check_binary("||", table);
}

Test(logic, not_and_conditional)
{
	for (int a = 0; a < 3; a++) {
		char text[200];
		snprintf(text, sizeof(text), "!(%s)", operand[a]);
		cr_assert_eq(eval_partial(text), a == T ? F : a == F ? T : U, "%s", text);
	}
	cr_assert_eq(eval_partial("dns.query == \"x\" ? true : true"), OC_TRI_UNKNOWN);
	cr_assert_eq(eval_partial("true ? dns.query == \"x\" : false"), OC_TRI_UNKNOWN);
	cr_assert_eq(eval_partial("false ? dns.query == \"x\" : true"), OC_TRI_TRUE);
}

Test(logic, other_operators_pass_unknown_on)
{
	const char *unknown[] = {
		"(dns.query == \"x\") == true",
		"(dns.query == \"x\") != true",
		"dns.query < \"m\"",
		"dns.query.size() > 0",
		"dns.query in [\"a\"]",
		"\"a\" in [dns.query]",
		"http.method in [\"POST\", dns.query]",
		"dns.query.startsWith(\"g\")",
		"http.host.endsWith(dns.query)",
		"dns.query.lowerAscii().contains(\"g\")",
		"dns.query.matches(\"g\")",
		"http.headers[dns.query] == \"\"",
		"dns.query in http.headers",
		"(dns.query == \"x\" ? 1 : 2) == 1",
		"http.path == dns.query",
	};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		cr_assert_eq(eval_partial(unknown[i]), OC_TRI_UNKNOWN, "%s", unknown[i]);
	/* A list literal's length does not depend on its elements. */
	cr_assert_eq(eval_partial("[dns.query].size() == 1"), OC_TRI_TRUE);
	/* Operators whose operands are all known are not affected. */
	cr_assert_eq(eval_partial("http.method in [\"POST\", http.host]"), OC_TRI_TRUE);
}

Test(logic, unknown_maps)
{
	oc_context ctx;
	sample_context(&ctx);
	ctx.known &= ~OC_FIELD_BIT(OC_FIELD_HTTP_HEADERS);
	cr_assert_eq(eval_on("\"x-api-key\" in http.headers", &ctx), OC_TRI_UNKNOWN);
	cr_assert_eq(eval_on("http.headers[\"x-api-key\"] == \"secret\"", &ctx), OC_TRI_UNKNOWN);
	cr_assert_eq(eval_on("size(http.headers) == 3", &ctx), OC_TRI_UNKNOWN);
	cr_assert_eq(eval_on("size(http.headers) == 3 || true", &ctx), OC_TRI_TRUE);
}

Test(logic, layers_see_their_own_fields)
{
	oc_context dns, http;
	oc_context_init(&dns, OC_LAYER_DNS);
	dns.dns_query = "x";
	oc_context_init(&http, OC_LAYER_HTTP);
	http.http_host = "x";
	http.http_method = "GET";
	oc_expr *either = compile_ok("dns.query == \"x\" || http.host == \"x\"");
	oc_expr *not_post = compile_ok("http.method != \"POST\"");
	cr_assert_eq(oc_expr_eval(either, &dns), OC_TRI_TRUE);
	cr_assert_eq(oc_expr_eval(either, &http), OC_TRI_TRUE);
	cr_assert_eq(oc_expr_eval(not_post, &dns), OC_TRI_UNKNOWN);
	cr_assert_eq(oc_expr_eval(not_post, &http), OC_TRI_TRUE);
	oc_expr_free(either);
	oc_expr_free(not_post);
}

/*
 * Short-circuiting, proved: http.path and the labels map point at memory
 * that faults on any read, so evaluating an operand that reads them would
 * crash the test.
 */
static void *poison(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(p, MAP_FAILED);
	return p;
}

Test(logic, short_circuit_skips_operands)
{
	oc_context ctx;
	partial_context(&ctx);
	ctx.http_path = poison();
	ctx.container_labels = (oc_map){ poison(), 1 };
	const struct {
		const char *text;
		oc_tri value;
	} cases[] = {
		{ "false && http.path == \"x\"", F },
		{ "true || http.path.matches(\"(a+)+$\")", T },
		{ "http.method == \"GET\" && http.path.size() > 1 && \"k\" in container.labels", F },
		{ "http.method == \"POST\" || container.labels[\"k\"] == \"\"", T },
		{ "dns.query == \"x\" && false && http.path == \"x\"", F },
		{ "dns.query == \"x\" || true || http.path == \"x\"", T },
		{ "false ? http.path == \"x\" : true", T },
		{ "true ? true : http.path == \"x\"", T },
		{ "dns.query == http.path", U },
		{ "dns.query.startsWith(http.path)", U },
		{ "(dns.query == \"x\" ? http.path : \"\") == \"\"", U },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(eval_on(cases[i].text, &ctx), cases[i].value, "%s", cases[i].text);
}
