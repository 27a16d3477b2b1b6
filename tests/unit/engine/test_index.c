/* The index must give exactly the verdict of the plain ordered scan: a
 * randomized differential test over thousands of rule sets and requests,
 * with hosts and literals drawn from small pools so that equal values,
 * shared suffixes and priority ties are common. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <outcall/outcall.h>
#include <outcall/engine.h>
#include "core/buf.h"

static const char *hosts[] = {
	"a.example", "b.example", "x.a.example", "a.example.org", "example", "b", "",
	"cdn.b.example", "xn--bcher-kva.example", "a-b.example", "ba.example",
};
static const char *suffixes[] = { ".example", "example", "a.example", ".b.example", "e", "", "b" };
static const char *fields[] = { "network.hostname", "dns.query", "http.host", "tls.sni" };
#define PICK(a) (a[(size_t)rand() % (sizeof(a) / sizeof(a[0]))])

static void host_test(oc_buf *b)
{
	if (rand() % 2)
		oc_buf_printf(b, "%s == \"%s\"", PICK(fields), PICK(hosts));
	else if (rand() % 4)
		oc_buf_printf(b, "%s.endsWith(\"%s\")", PICK(fields), PICK(suffixes));
	else
		oc_buf_printf(b, "\"%s\" == %s", PICK(hosts), PICK(fields));
}

static void condition(oc_buf *b)
{
	int kind = rand() % 10;
	if (kind < 4) {
		host_test(b);
	} else if (kind < 7) {
		int n = 2 + rand() % 3;
		for (int i = 0; i < n; i++) {
			if (i)
				oc_buf_puts(b, " || ");
			bool paren = rand() % 3 == 0;
			if (paren)
				oc_buf_puts(b, "(");
			host_test(b);
			if (paren)
				oc_buf_puts(b, ")");
		}
	} else {
		switch (rand() % 6) {
		case 0: host_test(b); oc_buf_puts(b, " && http.method == \"GET\""); break;
		case 1: oc_buf_puts(b, "!("); host_test(b); oc_buf_puts(b, ")"); break;
		case 2: oc_buf_puts(b, "network.port == 443"); break;
		case 3: oc_buf_printf(b, "%s.startsWith(\"a\")", PICK(fields)); break;
		case 4: host_test(b); oc_buf_puts(b, " || http.method == \"POST\""); break;
		case 5: oc_buf_printf(b, "%s in [\"a.example\", \"b\"]", PICK(fields)); break;
		}
	}
}

static oc_ruleset *random_set(int nrules)
{
	static const int prios[] = { 50, 100, 100, 100, 150 };
	oc_buf y = OC_BUF_INIT;
	oc_buf_puts(&y, "version: '1'\nrules:\n");
	for (int i = 0; i < nrules; i++) {
		oc_buf c = OC_BUF_INIT;
		condition(&c);
		oc_buf_printf(&y, "- id: r%d\n  condition: '%s'\n  action: %s\n  priority: %d\n",
			i, c.data, rand() % 3 ? "allow" : "block", PICK(prios));
		oc_buf_free(&c);
	}
	oc_ruleset *rs = NULL;
	int rc = oc_ruleset_load_string("rand.yaml", y.data, y.len, NULL, &rs, NULL);
	cr_assert_eq(rc, 0, "%s\n%s", oc_error_last()->message, y.data);
	oc_buf_free(&y);
	return rs;
}

static void random_context(oc_context *ctx)
{
	static const oc_layer layers[] = { OC_LAYER_DNS, OC_LAYER_HTTP, OC_LAYER_TLS, OC_LAYER_ALL };
	oc_layer layer = PICK(layers);
	oc_context_init(ctx, layer);
	const char *h = PICK(hosts);
	ctx->network_hostname = h;
	switch (layer) {
	case OC_LAYER_DNS:
		ctx->dns_query = h;
		break;
	case OC_LAYER_HTTP:
		ctx->http_host = h;
		ctx->http_method = rand() % 2 ? "GET" : "POST";
		ctx->network_port = 80;
		break;
	case OC_LAYER_TLS:
		ctx->http_host = h;
		ctx->tls_sni = rand() % 4 ? h : PICK(hosts);
		ctx->network_port = 443;
		break;
	default:
		/* Every field independently, some left NULL (read as ""). */
		ctx->network_hostname = rand() % 5 ? PICK(hosts) : NULL;
		ctx->dns_query = rand() % 5 ? PICK(hosts) : NULL;
		ctx->http_host = rand() % 5 ? PICK(hosts) : NULL;
		ctx->tls_sni = rand() % 5 ? PICK(hosts) : NULL;
		ctx->http_method = rand() % 2 ? "GET" : "POST";
		ctx->network_port = rand() % 2 ? 443 : 80;
		break;
	}
}

Test(index, same_verdict_as_ordered_scan, .timeout = 120)
{
	srand(20261128);
	long compared = 0, indexed_hits = 0;
	for (int set = 0; set < 5000; set++) {
		oc_ruleset *rs = random_set(1 + rand() % 25);
		for (int q = 0; q < 60; q++) {
			oc_context ctx;
			random_context(&ctx);
			oc_decision a, b;
			oc_engine_decide(rs, &ctx, &a);
			oc_engine_decide_scan(rs, &ctx, &b);
			cr_assert_eq(a.rule, b.rule, "set %d query %d: index chose %s, scan chose %s",
				set, q, a.rule_id, b.rule_id);
			compared++;
			indexed_hits += a.rule != NULL;
		}
		oc_ruleset_unref(rs);
	}
	/* The pools are small enough that most requests match something. */
	cr_assert_gt(indexed_hits, compared / 4);
}

Test(index, large_set_uses_the_index)
{
	/* 10,000 host rules and one catch-all at the end: the host found by the
	 * index must beat the scan's catch-all, and a miss falls through to it. */
	oc_buf y = OC_BUF_INIT;
	oc_buf_puts(&y, "version: '1'\nrules:\n");
	for (int i = 0; i < 10000; i++)
		oc_buf_printf(&y, "- {id: h%d, condition: 'http.host == \"h%d.example\" || "
			"tls.sni.endsWith(\".s%d.example\")', action: allow}\n", i, i, i);
	oc_buf_puts(&y, "- {id: last, condition: 'network.port > 0', action: block}\n");
	oc_ruleset *rs = NULL;
	oc_load_options big = { .max_file_size = 16 << 20 };
	cr_assert_eq(oc_ruleset_load_string("big.yaml", y.data, y.len, &big, &rs, NULL), 0,
		"%s", oc_error_last()->message);
	oc_buf_free(&y);
	oc_context ctx;
	char h[OC_HOSTNAME_MAX], s[OC_HOSTNAME_MAX], t[64];
	oc_decision d;
	oc_context_for_url(&ctx, h, t, "http://h9876.example/", NULL);
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_str_eq(d.rule_id, "h9876");
	oc_context_for_tls(&ctx, h, "x.s42.example", 443, NULL, s);
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_str_eq(d.rule_id, "h42");
	oc_context_for_url(&ctx, h, t, "http://nothing.example/", NULL);
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_str_eq(d.rule_id, "last");
	oc_ruleset_unref(rs);
}
