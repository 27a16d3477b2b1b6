/* issue 11 item 4: every field docs/rules.md promises to the DNS layer is
 * filled there, for the asking container; every field it does not see
 * never matches. One rule "f" allows; anything else is the default block,
 * so a field left empty shows as a block by "default". */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"

TestSuite(fields, .fini = h_stop, .timeout = 60);

struct field_case {
	const char *cond;
	ldns_rr_type type;
};

static size_t nevents;

/* The verdict's rule for `name` asked by `from` under the one rule `cond`. */
static void judged(const char *from, const char *cond, ldns_rr_type type, struct h_event *ev)
{
	char yaml[512];
	snprintf(yaml, sizeof(yaml), "version: \"1\"\nrules:\n  - id: f\n    condition: '%s'\n"
		"    action: allow\n", cond);
	h_publish(yaml);
	ldns_pkt *p = h_ask(from, "www.allowed.test", type);
	cr_assert(p, "%s: no answer", cond);
	ldns_pkt_free(p);
	nevents++;
	cr_assert_eq(h_events_wait(nevents, ev), nevents, "%s: no decision record", cond);
}

Test(fields, every_promised_field_is_filled)
{
	static const struct field_case cases[] = {
		{ "network.hostname == \"www.allowed.test\"", LDNS_RR_TYPE_A },
		{ "network.protocol == \"dns\"", LDNS_RR_TYPE_A },
		{ "dns.query == \"www.allowed.test\"", LDNS_RR_TYPE_A },
		{ "dns.record_type == \"AAAA\"", LDNS_RR_TYPE_AAAA },
		{ "dns.record_type == \"A\"", LDNS_RR_TYPE_A },
		{ "agent.name == \"coder\"", LDNS_RR_TYPE_A },
		{ "container.id == \"c0ffee\"", LDNS_RR_TYPE_A },
		{ "container.image == \"img:1\"", LDNS_RR_TYPE_A },
		{ "container.labels[\"team\"] == \"blue\"", LDNS_RR_TYPE_A },
	};
	h_start(NULL);
	nevents = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct h_event ev;
		judged(AGENT, cases[i].cond, cases[i].type, &ev);
		cr_expect_str_eq(ev.rule, "f", "rule '%s' does not match (judged by %s)",
			cases[i].cond, ev.rule);
		cr_expect_str_eq(ev.verdict, "allow", "%s", cases[i].cond);
	}
}

/* Each of conds, asked by `from`, falls to the default block. */
static void never_match(const char *from, const char *const *conds, size_t n)
{
	h_start(NULL);
	nevents = 0;
	for (size_t i = 0; i < n; i++) {
		struct h_event ev;
		judged(from, conds[i], LDNS_RR_TYPE_A, &ev);
		cr_expect_str_eq(ev.rule, "default", "'%s' matched for %s", conds[i], from);
	}
}

/* The fields are the asker's: another container does not match them. */
Test(fields, identity_fields_are_the_askers)
{
	static const char *const conds[] = {
		"agent.name == \"coder\"", "container.id == \"c0ffee\"",
		"container.image == \"img:1\"", "container.labels[\"team\"] == \"blue\"",
	};
	never_match(OTHER, conds, sizeof(conds) / sizeof(conds[0]));
}

Test(fields, fields_the_dns_layer_cannot_see_never_match)
{
	static const char *const conds[] = {
		"network.port != 1", "network.ip != \"x\"", "http.host != \"x\"",
		"http.method != \"x\"", "http.path != \"x\"", "http.headers[\"a\"] != \"x\"",
		"http.body_size >= 0", "http.body != \"x\"", "tls.sni != \"x\"",
		"dns.record_type == \"A\" && tls.sni != \"x\"",
	};
	never_match(AGENT, conds, sizeof(conds) / sizeof(conds[0]));
}
