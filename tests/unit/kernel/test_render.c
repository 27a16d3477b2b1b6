/* The text rendering, without a kernel. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "kernel/nft_text.h"

static struct oc_kcfg cfg;
static const struct oc_nft_net nets[] = { { "default", "outcall0", 0x0ac80001u } };
static const struct oc_nft_member members[] = {
	{ "agent-1", "oc0-2", { 2, 0, 10, 200, 0, 2 }, 0x0ac80002u },
};

static char *render_members(const struct oc_nft_member *m, const struct oc_nft_direct *rules,
	size_t nrules, const struct oc_nft_grant_elem *grants, size_t ngrants)
{
	cr_assert_eq(oc_kcfg_from(NULL, &cfg), 0);
	struct oc_nft_desc d = { &cfg, nets, 1, m, 1, rules, nrules, grants, ngrants, NULL, 0 };
	oc_buf b = OC_BUF_INIT;
	cr_assert_eq(oc_nft_render(&d, &b), 0, "%s", oc_error_last()->message);
	return oc_buf_steal(&b);
}

static char *render(const struct oc_nft_direct *rules, size_t nrules,
	const struct oc_nft_grant_elem *grants, size_t ngrants)
{
	return render_members(members, rules, nrules, grants, ngrants);
}

static char *read_file(const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", getenv("OC_SOURCE_ROOT"), rel);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(render, matches_the_reviewed_file)
{
	struct oc_nft_direct r;
	cr_assert_eq(oc_nft_direct_init(&r, "github-api", "r1"), 0);
	struct oc_nft_grant_elem g = { 0, 0x0ac80002u, 0xc6120150u, 443, 3600000, 1800000,
		"api.github.com" };
	char *text = render(&r, 1, &g, 1);
	const char *expected = read_file("tests/unit/kernel/expected/render.nft");
	if (strcmp(text, expected) != 0) {
		FILE *f = fopen("/tmp/outcall-render.actual.nft", "w");
		if (f) {
			fputs(text, f);
			fclose(f);
		}
		cr_assert_fail("rendering changed: review /tmp/outcall-render.actual.nft and copy it "
			"to tests/unit/kernel/expected/render.nft");
	}
	free(text);
}

/* Every rule says why it is there, and every counter it names exists. */
Test(render, every_rule_has_a_comment_and_a_declared_counter)
{
	struct oc_nft_direct r;
	cr_assert_eq(oc_nft_direct_init(&r, "pypi", ""), 0);
	char *text = render(&r, 1, NULL, 0);
	size_t rules = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "\t\t", 2) != 0 || strstr(line, "type ") || strstr(line, "comment \"") == line + 2 ||
		    strstr(line, "flags ") || strstr(line, "elements ") || line[2] == '\t')
			continue;
		rules++;
		cr_assert(strstr(line, " comment \""), "rule without a comment: %s", line);
	}
	cr_assert_geq(rules, 25, "only %zu rules seen", rules);
	free(text);
}

Test(render, direct_rule_ids_map_to_set_names_and_back)
{
	struct oc_nft_direct r, back;
	cr_assert_eq(oc_nft_direct_init(&r, "a.b-C_9", "x.1"), 0);
	cr_assert_str_eq(r.set, "dip-a.b-C_9");
	char comment[128];
	oc_nft_direct_comment(&r, comment, sizeof(comment));
	cr_assert_eq(oc_nft_direct_parse(r.set, comment, &back), 0);
	cr_assert_str_eq(back.id, "a.b-C_9");
	cr_assert_str_eq(back.rev, "x.1");
	/* a 128-character id is shortened in the comment, kept in the name */
	char id[129];
	memset(id, 'x', 128);
	id[128] = '\0';
	cr_assert_eq(oc_nft_direct_init(&r, id, "rev7"), 0);
	oc_nft_direct_comment(&r, comment, sizeof(comment));
	cr_assert_leq(strlen(comment), 127);
	cr_assert_eq(oc_nft_direct_parse(r.set, comment, &back), 0);
	cr_assert_str_eq(back.id, id);
	cr_assert_str_eq(back.rev, "rev7");
	cr_assert_eq(oc_nft_direct_parse("gateways", "", &back), OC_ENOTFOUND);
	cr_assert_eq(oc_nft_direct_init(&r, "bad id", ""), OC_EINVAL);
}

/* The first n rule lines of chain `name` in text, joined. */
static void first_rules(const char *text, const char *name, size_t n, char *out, size_t size)
{
	char head[64];
	snprintf(head, sizeof(head), "\tchain %s {\n", name);
	const char *p = strstr(text, head);
	cr_assert_not_null(p, "no chain %s", name);
	p = strstr(p, "; policy ");
	cr_assert_not_null(p);
	p = strchr(p, '\n') + 1;
	const char *end = p;
	for (size_t i = 0; i < n; i++)
		end = strchr(end, '\n') + 1;
	snprintf(out, size, "%.*s", (int)(end - p), p);
}

/* A locked container meets its drops before anything can accept it: a
 * grant, conntrack, the redirect exemption of a granted flow. */
Test(render, a_locked_container_is_dropped_first)
{
	struct oc_nft_member m = members[0];
	m.locked = true;
	struct oc_nft_direct r;
	cr_assert_eq(oc_nft_direct_init(&r, "pypi", ""), 0);
	char *text = render_members(&m, &r, 1, NULL, 0);
	cr_assert(strstr(text, "\tset locked {\n\t\ttype ipv4_addr\n"), "%s", text);
	cr_assert(strstr(text, "elements = { 10.200.0.2 comment \"agent-1\" }"), "%s", text);
	char rules[2048];
	first_rules(text, "guard", 2, rules, sizeof(rules));
	cr_assert(strstr(rules, "iifname @bridges ip saddr @locked iifname . ip daddr != @gateways tcp dport != "
		"{ 53, 80, 443 } counter name \"locked-dropped\" drop"), "%s", rules);
	cr_assert(strstr(rules, "ip saddr @locked iifname . ip daddr != @gateways udp dport != 53 "
		"counter name \"locked-dropped\" drop"), "%s", rules);
	first_rules(text, "forward", 2, rules, sizeof(rules));
	cr_assert(strstr(rules, "iifname @bridges ip saddr @locked counter name \"locked-dropped\" "
		"drop"), "%s", rules);
	cr_assert(strstr(rules, "oifname @bridges ip daddr @locked counter name \"locked-dropped\" "
		"drop"), "%s", rules);
	first_rules(text, "redirects", 1, rules, sizeof(rules));
	cr_assert(strstr(rules, "iifname @bridges ip saddr != @locked meta l4proto { tcp, udp } "
		"ip saddr . ip daddr . th dport @dip-pypi accept"), "%s", rules);
	free(text);
	/* unlocked, the set is there and empty */
	text = render(&r, 1, NULL, 0);
	const char *set = strstr(text, "\tset locked {\n");
	cr_assert_not_null(set);
	char block[512];
	snprintf(block, sizeof(block), "%.*s", (int)(strstr(set, "\t}\n") - set), set);
	cr_assert_null(strstr(block, "elements"), "%s", block);
	free(text);
}
