#include <criterion/criterion.h>
#include "helpers.h"

static const oc_kv headers[] = {
	{ "x-api-key", "secret" },
	{ "user-agent", "curl/8.0" },
	{ "accept", "" },
};

static const oc_kv labels[] = {
	{ "team", "ml" },
	{ "Tier", "Gold" },
};

void sample_context(oc_context *ctx)
{
	oc_context_init(ctx, OC_LAYER_ALL);
	ctx->network_hostname = "github.com";
	ctx->network_ip = "198.18.0.10";
	ctx->network_port = 443;
	ctx->network_protocol = "http";
	ctx->dns_query = "github.com";
	ctx->dns_record_type = "AAAA";
	ctx->http_host = "api.github.com";
	ctx->http_method = "POST";
	ctx->http_path = "/repos/Acme/widgets";
	ctx->http_headers = (oc_map){ headers, sizeof(headers) / sizeof(headers[0]) };
	ctx->http_body = "hello\0world";
	ctx->http_body_len = 11;
	ctx->http_body_size = 11;
	ctx->tls_sni = "api.github.com";
	ctx->agent_name = "coder";
	ctx->container_id = "3f2a9c";
	ctx->container_image = "ghcr.io/acme/agent:1.2";
	ctx->container_labels = (oc_map){ labels, sizeof(labels) / sizeof(labels[0]) };
}

int compile_rc(const char *text, oc_expr_def *defs, size_t ndefs)
{
	oc_expr_source src = { .text = text, .file = "rules.yaml", .line = 10, .column = 16,
		.rule_id = "r1", .defs = defs, .ndefs = ndefs };
	oc_expr *e = NULL;
	int rc = oc_expr_compile(&src, &e);
	if (rc == 0) {
		cr_assert_not_null(e);
		oc_expr_free(e);
	} else {
		cr_assert_null(e);
	}
	return rc;
}

oc_expr *compile_ok(const char *text)
{
	oc_expr_source src = { .text = text };
	oc_expr *e = NULL;
	int rc = oc_expr_compile(&src, &e);
	cr_assert_eq(rc, 0, "compiling %s: %s", text, oc_error_last()->message);
	return e;
}

oc_tri eval_on(const char *text, const oc_context *ctx)
{
	oc_expr *e = compile_ok(text);
	oc_tri t = oc_expr_eval(e, ctx);
	oc_expr_free(e);
	return t;
}

oc_tri eval_sample(const char *text)
{
	oc_context ctx;
	sample_context(&ctx);
	return eval_on(text, &ctx);
}

void expect_error(const char *text, const char *message)
{
	int rc = compile_rc(text, NULL, 0);
	cr_assert_eq(rc, OC_EPARSE, "%s: compiled (rc %d)", text, rc);
	cr_assert_str_eq(oc_error_last()->message, message, "for: %s", text);
}
