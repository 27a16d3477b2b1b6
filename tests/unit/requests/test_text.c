/* Durations, times and the YAML quoting of agent-supplied text. */
#include <criterion/criterion.h>
#include <string.h>

#include <outcall/policy.h>

#include "requests/duration.h"
#include "requests/yaml.h"

Test(duration, parses_each_unit)
{
	int64_t s;
	cr_assert_eq(oc_duration_parse("30s", &s), 0);
	cr_assert_eq(s, 30);
	cr_assert_eq(oc_duration_parse("10m", &s), 0);
	cr_assert_eq(s, 600);
	cr_assert_eq(oc_duration_parse("2h", &s), 0);
	cr_assert_eq(s, 7200);
	cr_assert_eq(oc_duration_parse("1d", &s), 0);
	cr_assert_eq(s, 86400);
	cr_assert_eq(oc_duration_parse("366d", &s), 0);
}

Test(duration, refuses_everything_else)
{
	static const char *const bad[] = { "", "s", "0s", "10", "10x", "1.5h", "-1h", "1h30m",
		" 1h", "1h ", "367d", "99999999d", "123456789s", "1H" };
	int64_t s = 42;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(oc_duration_parse(bad[i], &s), OC_EINVAL, "'%s' accepted", bad[i]);
		cr_expect(strstr(oc_error_last()->message, "e.g. 30s"), "%s", oc_error_last()->message);
	}
	cr_assert_eq(s, 42);
}

Test(duration, formats_with_the_largest_exact_unit)
{
	char b[32];
	oc_duration_format(90, b, sizeof(b));
	cr_assert_str_eq(b, "90s");
	oc_duration_format(7200, b, sizeof(b));
	cr_assert_str_eq(b, "2h");
	oc_duration_format(2 * 86400, b, sizeof(b));
	cr_assert_str_eq(b, "2d");
	oc_time_format(0, b);
	cr_assert_str_eq(b, "1970-01-01T00:00:00Z");
}

/* What the rules loader reads back from a quoted description. */
static char *round_trip(const char *s)
{
	oc_buf y = OC_BUF_INIT;
	oc_buf_puts(&y, "version: \"1\"\nrules:\n  - id: a\n    description: ");
	cr_assert_eq(oc_yaml_quote(&y, s), 0);
	oc_buf_puts(&y, "\n    condition: 'true'\n    action: allow\n");
	for (size_t i = 0; i < y.len; i++)
		cr_assert(y.data[i] == '\n' || (y.data[i] >= 0x20 && y.data[i] < 0x7f),
			"non-ASCII byte 0x%02x in %s", (unsigned char)y.data[i], y.data);
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_ruleset_load_string("t", y.data, y.len, NULL, &rs, NULL), 0, "%s: %s",
		y.data, oc_error_last()->message);
	char *out = strdup(oc_rule_description(oc_ruleset_rule(rs, 0)));
	oc_ruleset_unref(rs);
	oc_buf_free(&y);
	return out;
}

Test(yaml, quoted_text_reads_back_unchanged)
{
	static const char *const texts[] = {
		"plain", "quote \" and backslash \\", "new\nline\r\ttab", "# not a comment",
		"\"]}: - &a *b !c |", "caf\xc3\xa9", "line\xe2\x80\xa8separator", "nel\xc2\x85",
		"emoji \xf0\x9f\x98\x80", "bom \xef\xbb\xbf", "del \x7f", "\x01\x1b[31m",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *back = round_trip(texts[i]);
		cr_expect_str_eq(back, texts[i]);
		free(back);
	}
}

Test(yaml, invalid_utf8_stays_inside_the_scalar)
{
	oc_buf y = OC_BUF_INIT;
	cr_assert_eq(oc_yaml_quote(&y, "a\xff\xc3(\xed\xa0\x80z\n- id: evil"), 0);
	cr_assert_str_eq(y.data, "\"a\\xFF\\xC3(\\xED\\xA0\\x80z\\n- id: evil\"");
	oc_buf_free(&y);
}
