/* issue 11 item 4: a check is judged on the context the real layer would
 * build, so every field docs/rules.md promises that layer is filled for a
 * check too, with the asking container's identity; fields the layer
 * cannot see never match. One rule "f" allows; anything else is the
 * default block, so a field left empty shows as rule "default". */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include <outcall/policy.h>

#include "harness.h"

TestSuite(check_fields, .init = h_setup, .fini = h_teardown, .timeout = 60);

struct field_case {
	const char *body; /* the check */
	const char *cond; /* rule f's condition */
};

/* The rule that judged `body`, asked on container's socket, under f alone. */
static char *judged_by(const char *container, const struct field_case *k)
{
	char yaml[512];
	snprintf(yaml, sizeof(yaml), "version: \"1\"\nrules:\n  - id: f\n    condition: '%s'\n"
		"    action: allow\n", k->cond);
	oc_ruleset *rs;
	cr_assert_eq(oc_ruleset_load_string("f.yaml", yaml, strlen(yaml), NULL, &rs, NULL), 0,
		"%s: %s", k->cond, oc_error_last()->message);
	oc_live_publish(h_live, rs);
	oc_ruleset_unref(rs);
	json_t *j;
	cr_assert_eq(h_req(container, "POST", "/v1/check", k->body, &j), 200, "%s", k->body);
	char *rule = strdup(h_str(j, "rule"));
	json_decref(j);
	return rule;
}

#define HTTPS "{\"url\": \"https://web2.test/x\"}"
#define PLAIN "{\"url\": \"http://web2.test/p?q=1\", \"method\": \"POST\"}"
#define PARTS "{\"host\": \"web2.test\", \"method\": \"POST\", \"path\": \"/p?q=1\"}"
#define TUNNEL "{\"host\": \"web2.test\", \"port\": 8443}"
#define DNS "{\"dns\": \"web2.test\", \"type\": \"AAAA\"}"

Test(check_fields, every_promised_field_is_filled_per_layer)
{
	static const struct field_case cases[] = {
		{ HTTPS, "network.hostname == \"web2.test\"" },
		{ HTTPS, "network.port == 443" },
		{ HTTPS, "network.protocol == \"tls\"" },
		{ HTTPS, "http.host == \"web2.test\"" },
		{ HTTPS, "tls.sni == \"web2.test\"" },
		{ "{\"url\": \"https://198.18.1.80/\"}", "network.ip == \"198.18.1.80\"" },
		{ TUNNEL, "network.hostname == \"web2.test\" && network.port == 8443" },
		{ TUNNEL, "tls.sni == \"web2.test\" && network.port == 8443" },
		{ PLAIN, "network.hostname == \"web2.test\"" },
		{ PLAIN, "network.port == 80" },
		{ PLAIN, "network.protocol == \"http\"" },
		{ PLAIN, "http.host == \"web2.test\"" },
		{ PLAIN, "http.method == \"POST\"" },
		{ PLAIN, "http.path == \"/p?q=1\"" },
		{ PARTS, "http.method == \"POST\" && http.path == \"/p?q=1\"" },
		{ "{\"url\": \"http://198.18.1.80/\"}", "network.ip == \"198.18.1.80\"" },
		{ DNS, "network.hostname == \"web2.test\"" },
		{ DNS, "network.protocol == \"dns\"" },
		{ DNS, "dns.query == \"web2.test\"" },
		{ DNS, "dns.record_type == \"AAAA\"" },
	};
	static const char *const identity[] = {
		"agent.name == \"coder\"", "container.id == \"c0ffee\"", "container.image == \"img:1\"",
		"container.labels[\"team\"] == \"blue\"",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *rule = judged_by("coder-1", &cases[i]);
		cr_expect_str_eq(rule, "f", "%s: rule '%s' does not match", cases[i].body,
			cases[i].cond);
		free(rule);
	}
	/* identity, in every kind of check, and only for the asker */
	static const struct field_case bodies[] = {
		{ HTTPS, "" }, { PLAIN, "" }, { TUNNEL, " && network.port == 8443" }, { DNS, "" },
	};
	for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++)
		for (size_t i = 0; i < sizeof(identity) / sizeof(identity[0]); i++) {
			char cond[160];
			snprintf(cond, sizeof(cond), "%s%s", identity[i], bodies[b].cond);
			struct field_case k = { bodies[b].body, cond };
			char *rule = judged_by("coder-1", &k);
			cr_expect_str_eq(rule, "f", "%s: rule '%s' does not match", k.body, k.cond);
			free(rule);
			rule = judged_by("other-1", &k);
			cr_expect_str_eq(rule, "default", "%s: '%s' matched for other-1", k.body, k.cond);
			free(rule);
		}
}

/* A check carries no headers and no body; a layer sees only its own fields. */
Test(check_fields, fields_a_layer_cannot_see_never_match)
{
	static const struct field_case cases[] = {
		{ HTTPS, "http.method != \"x\"" },
		{ HTTPS, "http.path != \"x\"" },
		{ HTTPS, "dns.query != \"x\"" },
		{ HTTPS, "network.ip != \"x\"" },
		{ PLAIN, "tls.sni != \"x\"" },
		{ PLAIN, "dns.record_type != \"x\"" },
		{ PLAIN, "http.headers[\"x-k\"] != \"x\"" },
		{ PLAIN, "http.body_size >= 0" },
		{ PARTS, "http.headers[\"x-k\"] == \"\"" },
		{ PARTS, "http.body_size == 0" },
		{ PLAIN, "http.body != \"x\"" },
		{ DNS, "network.port != 1" },
		{ DNS, "http.host != \"x\"" },
		{ DNS, "tls.sni != \"x\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *rule = judged_by("coder-1", &cases[i]);
		cr_expect_str_eq(rule, "default", "%s: rule '%s' matched", cases[i].body,
			cases[i].cond);
		free(rule);
	}
}
