/* Text from agents, containers and Docker: what is refused, and how it is
 * shown, over a hostile corpus (escape sequences, line breaks, bidi
 * controls, invisible characters, broken UTF-8, over-long text). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/text.h"

static const struct {
	const char *in;
	const char *shown;      /* escaped, one-line form */
	const char *why;
} corpus[] = {
	{ "\x1b[1A\x1b[2Kallowed: example.com", "\\x1b[1A\\x1b[2Kallowed: example.com",
		"cursor up and erase line" },
	{ "\x1b[8mhidden\x1b[0m", "\\x1b[8mhidden\\x1b[0m", "concealed text" },
	{ "\x1b]8;;http://evil\x07link\x1b]8;;\x07", "\\x1b]8;;http://evil\\x07link\\x1b]8;;\\x07",
		"OSC hyperlink" },
	{ "ok\rFORGED", "ok\\x0dFORGED", "carriage return" },
	{ "ok\nFORGED LINE", "ok\\x0aFORGED LINE", "newline" },
	{ "tab\there", "tab\\x09here", "tab" },
	{ "del\x7f", "del\\x7f", "DEL" },
	{ "c1 \xc2\x9b" "31m", "c1 \\u{009b}31m", "C1 CSI" },
	{ "file\xe2\x80\xae" "txt.exe", "file\\u{202e}txt.exe", "right-to-left override" },
	{ "a\xe2\x81\xa6" "b\xe2\x81\xa9", "a\\u{2066}b\\u{2069}", "isolates" },
	{ "zero\xe2\x80\x8bwidth", "zero\\u{200b}width", "zero-width space" },
	{ "bom\xef\xbb\xbf", "bom\\u{feff}", "byte order mark" },
	{ "tag\xf3\xa0\x80\x81", "tag\\u{e0001}", "tag character" },
	{ "ls\xe2\x80\xa8", "ls\\u{2028}", "line separator" },
	{ "bad\xff", "bad\\xff", "not UTF-8" },
	{ "overlong\xc0\xaf", "overlong\\xc0\\xaf", "overlong slash" },
	{ "surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80", "UTF-16 surrogate" },
	{ "cut\xe2\x80", "cut\\xe2\\x80", "truncated character" },
};

Test(text, the_hostile_corpus_is_refused_and_escaped)
{
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const char *in = corpus[i].in;
		cr_assert_lt(oc_text_unsafe_at(in, strlen(in), false), strlen(in), "%s", corpus[i].why);
		cr_assert_eq(oc_text_check("justification", in, false), OC_EINVAL, "%s",
			corpus[i].why);
		cr_assert(strstr(oc_error_last()->message, "justification holds "), "%s",
			oc_error_last()->message);
		oc_buf b = OC_BUF_INIT;
		cr_assert_eq(oc_text_escape(&b, in, strlen(in), false), 0);
		cr_assert_str_eq(b.data, corpus[i].shown, "%s", corpus[i].why);
		cr_assert_eq(oc_text_unsafe_at(b.data, b.len, false), b.len,
			"the escaped form is safe: %s", corpus[i].why);
		oc_buf again = OC_BUF_INIT;
		oc_text_escape(&again, b.data, b.len, false);
		cr_assert_str_eq(again.data, b.data, "escaping twice changes nothing");
		oc_buf_free(&again);
		oc_buf_free(&b);
	}
}

Test(text, the_error_names_the_character_and_where)
{
	cr_assert_eq(oc_text_check("path", "/a\x1b[2J", false), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "path holds U+001B at byte 2"), "%s",
		oc_error_last()->message);
	cr_assert_eq(oc_text_check("host", "x\xff", false), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "host holds byte 0xff at byte 1"), "%s",
		oc_error_last()->message);
}

Test(text, plain_text_of_any_script_passes)
{
	const char *ok[] = { "needs the package index", "für die Tests", "日本語のドキュメント",
		"emoji \xf0\x9f\x99\x82 and \xe2\x9d\xa4\xef\xb8\x8f", "\\x1b is only text", "" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(oc_text_check("text", ok[i], false), 0, "%s", ok[i]);
		oc_buf b = OC_BUF_INIT;
		oc_text_escape(&b, ok[i], strlen(ok[i]), false);
		cr_assert_str_eq(b.data ? b.data : "", ok[i]);
		oc_buf_free(&b);
	}
}

Test(text, lines_allow_newlines_and_tabs_only)
{
	cr_assert_eq(oc_text_check("rule_file", "version: \"1\"\nrules:\n\t- x\n", true), 0);
	cr_assert_eq(oc_text_check("rule_file", "a\r\nb", true), OC_EINVAL);
	cr_assert_eq(oc_text_check("rule_file", "a\x1b[2Kb", true), OC_EINVAL);
	oc_buf b = OC_BUF_INIT;
	oc_text_escape(&b, "a\nb\x1b\r", 5, true);
	cr_assert_str_eq(b.data, "a\nb\\x1b\\x0d");
	oc_buf_free(&b);
}

Test(text, over_long_text_is_cut_between_characters)
{
	char long_text[5000];
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	cr_assert_eq(oc_text_prefix(long_text, 57), 57);
	cr_assert_eq(oc_text_prefix("short", 57), 5);
	/* "ü" is two bytes: a cut inside it backs off to before it */
	cr_assert_eq(oc_text_prefix("ab\xc3\xbc", 3), 2);
	cr_assert_eq(oc_text_prefix("ab\xc3\xbc", 4), 4);
	cr_assert_eq(oc_text_prefix("\xe6\x97\xa5\xe6\x9c\xac", 4), 3);
}
