/* Host-name literal normalisation and the engine's host tests. */
#include <criterion/criterion.h>
#include <string.h>
#include "helpers.h"

/* Compiles and returns the host tests, or NULL (and *n == 0) if the
 * expression is not a disjunction of host tests. */
static const oc_host_test *host_tests(const char *text, oc_expr **e, size_t *n)
{
	*e = compile_ok(text);
	const oc_host_test *t = NULL;
	*n = 0;
	if (!oc_expr_host_tests(*e, &t, n))
		return NULL;
	return t;
}

static void expect_test(const oc_host_test *t, oc_field f, oc_host_test_kind k, const char *v)
{
	cr_assert_eq(t->field, f);
	cr_assert_eq(t->kind, k);
	cr_assert_str_eq(t->value, v);
}

Test(hosts, single_tests)
{
	oc_expr *e;
	size_t n;
	const oc_host_test *t = host_tests("http.host == \"GitHub.com.\"", &e, &n);
	cr_assert_eq(n, 1);
	expect_test(&t[0], OC_FIELD_HTTP_HOST, OC_HOST_TEST_EQ, "github.com");
	oc_expr_free(e);

	t = host_tests("\"API.GitHub.com\" == dns.query", &e, &n);
	cr_assert_eq(n, 1);
	expect_test(&t[0], OC_FIELD_DNS_QUERY, OC_HOST_TEST_EQ, "api.github.com");
	oc_expr_free(e);

	t = host_tests("tls.sni.endsWith(\".GitHub.COM\")", &e, &n);
	cr_assert_eq(n, 1);
	expect_test(&t[0], OC_FIELD_TLS_SNI, OC_HOST_TEST_SUFFIX, ".github.com");
	oc_expr_free(e);
}

Test(hosts, disjunctions_in_any_parenthesisation)
{
	oc_expr *e;
	size_t n;
	const oc_host_test *t = host_tests("tls.sni == \"a\" || (dns.query == \"b\" || "
		"(network.hostname.endsWith(\".c\"))) || http.host == \"d\"", &e, &n);
	cr_assert_eq(n, 4);
	expect_test(&t[0], OC_FIELD_TLS_SNI, OC_HOST_TEST_EQ, "a");
	expect_test(&t[1], OC_FIELD_DNS_QUERY, OC_HOST_TEST_EQ, "b");
	expect_test(&t[2], OC_FIELD_NETWORK_HOSTNAME, OC_HOST_TEST_SUFFIX, ".c");
	expect_test(&t[3], OC_FIELD_HTTP_HOST, OC_HOST_TEST_EQ, "d");
	oc_expr_free(e);

	oc_expr_def defs[] = { { .name = "gh", .text = "http.host == \"github.com\" || http.host.endsWith(\".github.com\")" } };
	oc_expr_source src = { .text = "$gh || dns.query == \"x\"", .defs = defs, .ndefs = 1 };
	cr_assert_eq(oc_expr_compile(&src, &e), 0);
	cr_assert(oc_expr_host_tests(e, &t, &n));
	cr_assert_eq(n, 3);
	expect_test(&t[1], OC_FIELD_HTTP_HOST, OC_HOST_TEST_SUFFIX, ".github.com");
	oc_expr_free(e);
}

Test(hosts, other_expressions_are_not_host_tests)
{
	const char *others[] = {
		"http.host == \"x\" && true",
		"http.path == \"x\" || http.host == \"y\"",
		"http.host != \"x\"",
		"!(http.host == \"x\")",
		"http.host.lowerAscii() == \"x\"",
		"http.host.startsWith(\"x\")",
		"http.host == http.path",
		"network.ip == \"198.18.0.1\"",
		"http.host in [\"a\", \"b\"]",
		"true",
	};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		oc_expr *e;
		size_t n;
		cr_assert_null(host_tests(others[i], &e, &n), "%s", others[i]);
		oc_expr_free(e);
	}
}

Test(hosts, literals_are_normalised_for_evaluation)
{
	oc_context ctx;
	sample_context(&ctx);
	ctx.http_host = "github.com";
	ctx.dns_query = "shop.xn--bcher-kva.example";
	const char *cases[] = {
		"http.host == \"GitHub.COM.\"",
		"http.host != \"GitLab.com.\"",
		"\"GITHUB.com\" == http.host",
		"http.host in [\"x\", \"GitHub.com.\"]",
		"http.host.endsWith(\"HUB.COM\")",
		"http.host.startsWith(\"GIT\") && http.host.contains(\"HUB\")",
		"dns.query == \"shop.Bücher.example.\"",
		"dns.query.endsWith(\".Bücher.example\")",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(eval_on(cases[i], &ctx), OC_TRI_TRUE, "%s", cases[i]);

	oc_expr *e;
	size_t n;
	const oc_host_test *t = host_tests("dns.query.endsWith(\".Bücher.example\")", &e, &n);
	expect_test(&t[0], OC_FIELD_DNS_QUERY, OC_HOST_TEST_SUFFIX, ".xn--bcher-kva.example");
	oc_expr_free(e);
}

Test(hosts, only_host_fields_are_normalised)
{
	oc_context ctx;
	sample_context(&ctx);
	ctx.http_path = "/A.";
	ctx.network_ip = "abc";
	cr_assert_eq(eval_on("http.path == \"/A.\"", &ctx), OC_TRI_TRUE);
	cr_assert_eq(eval_on("network.ip == \"ABC\"", &ctx), OC_TRI_FALSE);
	cr_assert_eq(eval_on("container.labels[\"Tier\"] == \"Gold\"", &ctx), OC_TRI_TRUE);
	/* Ordering is not normalised: it is a byte comparison. */
	cr_assert_eq(eval_on("http.host < \"B\"", &ctx), OC_TRI_FALSE);
}

Test(hosts, non_ascii_text_that_cannot_match_is_an_error)
{
	cr_assert_eq(compile_rc("http.host.endsWith(\"ücher.example\")", NULL, 0), OC_EPARSE);
	cr_assert_str_eq(oc_error_last()->message, "rules.yaml:10:35: rule 'r1': condition 1:20: "
		"endsWith() on a host name with non-ASCII text needs whole labels: start the text with '.'");
	cr_assert_eq(compile_rc("http.host.contains(\"ü\")", NULL, 0), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "condition 1:20: host names are compared in A-label form"),
		"%s", oc_error_last()->message);
	cr_assert_eq(compile_rc("http.host == \"bü cher.de\"", NULL, 0), OC_EPARSE);
	cr_assert_str_eq(oc_error_last()->message, "rules.yaml:10:29: rule 'r1': condition 1:14: "
		"host name \"b\\xc3\\xbc cher.de\": byte 0x20 at offset 3 is not allowed in a host name "
		"(letters, digits, '-', '_' and '.' only)");
	/* ASCII text that cannot match is not an error: it just never matches. */
	cr_assert_eq(compile_rc("http.host == \"a b\" || http.host == \"\"", NULL, 0), 0);
}
