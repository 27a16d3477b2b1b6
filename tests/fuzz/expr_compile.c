/* Compiles arbitrary text as a rule condition (with a few definitions in
 * scope, one of them cyclic); whatever compiles is evaluated on a full
 * and on a DNS-only request, explained, and asked for host tests. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const oc_kv headers[] = { { "x-api-key", "k" }, { "user-agent", "curl/8" } };

static void run(const oc_expr *e, const oc_context *ctx)
{
	oc_tri t = oc_expr_eval(e, ctx);
	if (t != OC_TRI_TRUE && t != OC_TRI_FALSE && t != OC_TRI_UNKNOWN)
		abort();
	oc_buf b = OC_BUF_INIT;
	if (oc_expr_explain(e, ctx, &b) == 0 && (!b.data || strchr(b.data, '\n')))
		abort(); /* an explanation is one non-empty line */
	oc_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	oc_expr_def defs[] = {
		{ .name = "hosts", .text = "[\"github.com\", \"API.GitHub.com.\"]", .line = 2, .column = 10 },
		{ .name = "gh", .text = "http.host in $hosts ||\n http.host.endsWith('.github.com')", .line = 3, .column = 7 },
		{ .name = "loop", .text = "true && $loop", .line = 5, .column = 9 },
	};
	oc_expr_source src = { .text = text, .file = "fuzz.yaml", .line = 9, .column = 16,
		.rule_id = "fuzz", .defs = defs, .ndefs = sizeof(defs) / sizeof(defs[0]) };
	oc_expr *e = NULL;
	if (oc_expr_compile(&src, &e) == 0) {
		oc_context ctx;
		oc_context_init(&ctx, OC_LAYER_ALL);
		ctx.network_hostname = ctx.http_host = ctx.tls_sni = ctx.dns_query = "api.github.com";
		ctx.network_port = 443;
		ctx.http_method = "POST";
		ctx.http_path = "/repos/a/b?x=\xff";
		ctx.http_headers = (oc_map){ headers, 2 };
		ctx.http_body = "a\0b";
		ctx.http_body_len = 3;
		run(e, &ctx);
		oc_context_init(&ctx, OC_LAYER_DNS);
		ctx.dns_query = "github.com";
		run(e, &ctx);
		const oc_host_test *tests;
		size_t n;
		if (oc_expr_host_tests(e, &tests, &n) && n == 0)
			abort();
		oc_expr_free(e);
	} else if (e || oc_error_last()->message[0] == '\0') {
		abort();
	}
	free(text);
	return 0;
}
