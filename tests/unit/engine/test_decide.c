#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <outcall/outcall.h>
#include <outcall/engine.h>

static oc_ruleset *load(const char *yaml)
{
	oc_ruleset *rs = NULL;
	int rc = oc_ruleset_load_string("t.yaml", yaml, strlen(yaml), NULL, &rs, NULL);
	cr_assert_eq(rc, 0, "%s", oc_error_last()->message);
	return rs;
}

static const char *decide_http(const oc_ruleset *rs, const char *url, const char *method)
{
	oc_context ctx;
	char host[OC_HOSTNAME_MAX], target[512];
	cr_assert_eq(oc_context_for_url(&ctx, host, target, url, method), 0, "%s",
		oc_error_last()->message);
	oc_decision d;
	cr_assert_eq(oc_engine_decide(rs, &ctx, &d), 0);
	return d.rule_id;
}

static const char *decide_dns(const oc_ruleset *rs, const char *name)
{
	oc_context ctx;
	char host[OC_HOSTNAME_MAX];
	cr_assert_eq(oc_context_for_dns(&ctx, host, name, "A"), 0);
	oc_decision d;
	cr_assert_eq(oc_engine_decide(rs, &ctx, &d), 0);
	return d.rule_id;
}

Test(decide, default_block_and_first_match)
{
	oc_ruleset *rs = load("version: '1'\nrules:\n"
		"- {id: blk, condition: 'http.path.startsWith(\"/admin\")', action: block}\n"
		"- {id: ok, condition: 'http.host == \"a.example\"', action: allow}\n");
	oc_context ctx;
	char host[OC_HOSTNAME_MAX], target[64];
	oc_context_for_url(&ctx, host, target, "http://b.example/", NULL);
	oc_decision d;
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_eq(d.verdict, OC_ACTION_BLOCK);
	cr_assert_null(d.rule);
	cr_assert_str_eq(d.rule_id, "default");
	cr_assert_str_eq(decide_http(rs, "http://a.example/x", NULL), "ok");
	cr_assert_str_eq(decide_http(rs, "http://a.example/admin/x", NULL), "blk");
	oc_context_for_url(&ctx, host, target, "http://A.Example./", NULL);
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_eq(d.verdict, OC_ACTION_ALLOW);
	cr_assert_str_eq(d.file, "t.yaml");
	cr_assert_eq(d.line, 4);
	cr_assert_eq(d.egress.mode, OC_EGRESS_PROXY);
	oc_ruleset_unref(rs);
}

Test(decide, rules_only_match_layers_that_can_see_their_fields)
{
	oc_ruleset *rs = load("version: '1'\nrules:\n"
		"- {id: no-post, condition: 'http.method != \"GET\"', action: block, priority: 1}\n"
		"- {id: both, condition: 'dns.query == \"x.example\" || http.host == \"x.example\"', action: allow}\n"
		"- {id: name, condition: 'network.hostname == \"y.example\"', action: allow}\n");
	/* A DNS query cannot see http.method, so no-post does not block it. */
	cr_assert_str_eq(decide_dns(rs, "x.example"), "both");
	cr_assert_str_eq(decide_http(rs, "http://x.example/", "GET"), "both");
	cr_assert_str_eq(decide_http(rs, "http://x.example/", "POST"), "no-post");
	/* TLS cannot see the method either: https is judged on host only. */
	cr_assert_str_eq(decide_http(rs, "https://x.example/", NULL), "both");
	cr_assert_str_eq(decide_dns(rs, "y.example"), "name");
	cr_assert_str_eq(decide_http(rs, "https://y.example/", NULL), "name");
	cr_assert_str_eq(decide_dns(rs, "z.example"), "default");
	oc_ruleset_unref(rs);
}

Test(decide, tls_context_uses_sni_and_host)
{
	oc_ruleset *rs = load("version: '1'\nrules:\n"
		"- {id: sni, condition: 'tls.sni == \"s.example\" && network.port == 443', action: allow}\n");
	oc_context ctx;
	char h[OC_HOSTNAME_MAX], s[OC_HOSTNAME_MAX];
	oc_decision d;
	cr_assert_eq(oc_context_for_tls(&ctx, h, "s.example", 443, NULL, s), 0);
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_str_eq(d.rule_id, "sni");
	cr_assert_eq(oc_context_for_tls(&ctx, h, "s.example", 8443, NULL, s), 0);
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_str_eq(d.rule_id, "default");
	cr_assert_eq(oc_context_for_tls(&ctx, h, "other.example", 443, "S.EXAMPLE", s), 0);
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_str_eq(d.rule_id, "sni");
	oc_ruleset_unref(rs);
}

Test(decide, builders_reject_bad_input)
{
	oc_context ctx;
	char h[OC_HOSTNAME_MAX], t[256], s[OC_HOSTNAME_MAX];
	cr_assert_eq(oc_context_for_url(&ctx, h, t, "ftp://x/", NULL), OC_EINVAL);
	cr_assert_eq(oc_context_for_url(&ctx, h, t, "http://user@x/", NULL), OC_EINVAL);
	cr_assert_eq(oc_context_for_url(&ctx, h, t, "http://x:99999/", NULL), OC_EINVAL);
	cr_assert_eq(oc_context_for_url(&ctx, h, t, "http:///", NULL), OC_EINVAL);
	cr_assert_eq(oc_context_for_tls(&ctx, h, "x", 0, NULL, s), OC_EINVAL);
	cr_assert_eq(oc_context_for_dns(&ctx, h, "a..b", "A"), OC_EINVAL);
	cr_assert_eq(oc_context_for_url(&ctx, h, t, "http://x.example:8080?q=1#frag", "PUT"), 0);
	cr_assert_eq(ctx.network_port, 8080);
	cr_assert_str_eq(ctx.http_path, "/?q=1");
	cr_assert_str_eq(ctx.http_method, "PUT");
	cr_assert_eq(oc_context_for_url(&ctx, h, t, "http://[2001:DB8::1]:81/p", NULL), 0);
	cr_assert_str_eq(ctx.http_host, "2001:db8::1");
	cr_assert_eq(ctx.network_port, 81);
}

Test(decide, egress_is_reported_for_allow_only)
{
	oc_ruleset *rs = load("version: '1'\nrules:\n"
		"- {id: d, condition: 'dns.query == \"d.example\"', action: allow, egress: {mode: direct_ip, ports: [5432]}}\n");
	oc_context ctx;
	char h[OC_HOSTNAME_MAX];
	oc_context_for_dns(&ctx, h, "d.example", "A");
	oc_decision d;
	oc_engine_decide(rs, &ctx, &d);
	cr_assert_eq(d.egress.mode, OC_EGRESS_DIRECT_IP);
	cr_assert_eq(d.egress.nports, 1);
	cr_assert_eq(d.egress.ports[0], 5432);
	oc_ruleset_unref(rs);
}

Test(decide, trace_explains_every_rule_considered)
{
	oc_ruleset *rs = load("version: '1'\nrules:\n"
		"- {id: a, condition: 'http.host == \"a.example\"', action: allow}\n"
		"- {id: m, condition: 'http.method == \"POST\"', action: block}\n"
		"- {id: b, condition: 'http.host == \"b.example\"', action: allow}\n"
		"- {id: c, condition: 'true', action: block}\n");
	oc_context ctx;
	char h[OC_HOSTNAME_MAX], t[64];
	oc_context_for_url(&ctx, h, t, "http://b.example/", NULL);
	oc_decision d;
	oc_trace *tr = NULL;
	cr_assert_eq(oc_engine_trace(rs, &ctx, &d, &tr), 0);
	cr_assert_str_eq(d.rule_id, "b");
	cr_assert_eq(oc_trace_count(tr), 3);
	cr_assert_eq(oc_trace_get(tr, 0)->result, 0);
	cr_assert(strstr(oc_trace_get(tr, 0)->why, "b.example"), "%s", oc_trace_get(tr, 0)->why);
	cr_assert_eq(oc_trace_get(tr, 2)->result, 1);
	cr_assert_str_eq(oc_rule_id(oc_trace_get(tr, 2)->rule), "b");
	oc_trace_free(tr);
	oc_context_for_dns(&ctx, h, "b.example", "A");
	cr_assert_eq(oc_engine_trace(rs, &ctx, &d, &tr), 0);
	cr_assert_eq(oc_trace_get(tr, 0)->result, 2, "http.host is unknown to DNS");
	oc_trace_free(tr);
	oc_ruleset_unref(rs);
}

/* Reload atomicity: readers keep deciding on the set they took a reference
 * to while a writer swaps new sets in; every decision is consistent with
 * one set, and sets are freed only when their last reader lets go
 * (ASan reports any use after free). */
static oc_live *live;
static atomic_bool stop;

static void *reader(void *arg)
{
	long bad = 0;
	(void)arg;
	while (!atomic_load(&stop)) {
		uint64_t gen;
		oc_ruleset *rs = oc_live_acquire(live, &gen);
		/* Generation g allows exactly g.example; its single rule says so. */
		const oc_rule *r = oc_ruleset_rule(rs, 0);
		char name[64];
		snprintf(name, sizeof(name), "%s.example", oc_rule_id(r) + 4);
		oc_context ctx;
		char h[OC_HOSTNAME_MAX];
		oc_context_for_dns(&ctx, h, name, "A");
		oc_decision d;
		oc_engine_decide(rs, &ctx, &d);
		/* The live generation is one ahead of the set's number. */
		if (d.rule != r || gen != (uint64_t)atoll(oc_rule_id(r) + 4) + 1)
			bad++;
		oc_ruleset_unref(rs);
	}
	return (void *)bad;
}

static oc_ruleset *generation(int g)
{
	char y[256];
	snprintf(y, sizeof(y), "version: '1'\nrules: [{id: gen-%d, condition: "
		"'dns.query == \"%d.example\"', action: allow}]\n", g, g);
	return load(y);
}

Test(decide, reload_is_atomic_for_readers)
{
	cr_assert_eq(oc_live_new(&live), 0);
	oc_ruleset *first = generation(0);
	cr_assert_eq(oc_live_publish(live, first), 1);
	oc_ruleset_unref(first);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	for (int g = 1; g <= 300; g++) {
		oc_ruleset *next = generation(g);
		cr_assert_eq(oc_live_publish(live, next), (uint64_t)g + 1);
		oc_ruleset_unref(next);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 3; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		cr_assert_eq((long)bad, 0);
	}
	cr_assert_eq(oc_live_generation(live), 301);
	oc_live_free(live);
}
