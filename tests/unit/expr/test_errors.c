/* Every class of compile error, with its exact text and position. The
 * condition starts at rules.yaml line 10, column 16 (helpers.c). */
#include <criterion/criterion.h>
#include "helpers.h"

#define AT(col, ccol) "rules.yaml:10:" #col ": rule 'r1': condition 1:" #ccol ": "

Test(errors, unknown_field)
{
	expect_error("http.hots == \"x\"", AT(16, 1) "unknown field 'http.hots'; did you mean 'http.host'?");
	expect_error("true && htp.host == \"x\"", AT(24, 9) "unknown field 'htp.host'; did you mean 'http.host'?");
	expect_error("network.foobarbaz == 1", AT(16, 1) "unknown field 'network.foobarbaz'");
	expect_error("foo == 1", AT(16, 1) "unknown name 'foo'");
	const oc_error *e = oc_error_last();
	cr_assert_str_eq(e->file, "rules.yaml");
	cr_assert_eq(e->line, 10);
	cr_assert_eq(e->column, 16);
	cr_assert_str_eq(e->rule_id, "r1");
	cr_assert_eq(e->code, OC_EPARSE);
}

Test(errors, position_in_a_multi_line_condition)
{
	expect_error("http.host == \"a\" &&\n  http.pth == \"/\"",
		"rules.yaml:11:18: rule 'r1': condition 2:3: unknown field 'http.pth'; did you mean 'http.path'?");
	cr_assert_eq(oc_error_last()->line, 11);
	cr_assert_eq(oc_error_last()->column, 18);
}

Test(errors, comparing_different_types)
{
	expect_error("http.host == 1", AT(26, 11) "'==' cannot compare a string with an int");
	expect_error("network.port != \"443\"", AT(29, 14) "'!=' cannot compare an int with a string");
	expect_error("true == 1", AT(21, 6) "'==' cannot compare a bool with an int");
	expect_error("[1] == [1]", AT(20, 5) "'==' cannot compare lists");
	expect_error("http.headers == container.labels", AT(29, 14) "'==' cannot compare maps");
	expect_error("true < false", AT(21, 6) "'<' does not apply to bools");
}

Test(errors, mixed_lists_and_in)
{
	expect_error("http.method in [\"GET\", 1]",
		AT(39, 24) "all elements of a list must have one type: this one is an int, the first is a string");
	expect_error("network.port in [\"80\"]", AT(29, 14) "'in' looks for an int in a list of strings");
	expect_error("\"a\" in \"abc\"", AT(20, 5) "'in' needs a list or a map on its right, got a string");
	expect_error("1 in http.headers", AT(18, 3) "the keys of a map are strings; 'in' got an int");
	expect_error("[[1]].size() == 1", AT(17, 2) "list elements must be strings, ints or bools, not a list");
}

Test(errors, functions_and_methods)
{
	expect_error("foo(1)", AT(16, 1) "unknown function 'foo' (there are startsWith, endsWith, contains, "
		"matches, lowerAscii and size)");
	expect_error("http.host.bar()", AT(26, 11) "unknown method 'bar' (there are startsWith, endsWith, "
		"contains, matches, lowerAscii and size)");
	expect_error("startsWith(http.host, \"a\")", AT(16, 1) "startsWith is a method: write x.startsWith(...)");
	expect_error("http.host.startsWith()", AT(26, 11) "startsWith() takes 1 argument, got 0");
	expect_error("http.host.startsWith(\"a\", \"b\")", AT(26, 11) "startsWith() takes 1 argument, got 2");
	expect_error("size(1, 2) == 1", AT(16, 1) "size() takes 1 argument, got 2");
	expect_error("http.host.lowerAscii(1) == \"\"", AT(26, 11) "lowerAscii() takes 0 arguments, got 1");
	expect_error("http.host.startsWith(1)", AT(37, 22) "startsWith() needs a string argument, this is an int");
	expect_error("network.port.endsWith(\"1\")", AT(29, 14) "endsWith() applies to strings, not an int");
	expect_error("size(true) == 1", AT(21, 6) "size() applies to strings, lists and maps, not a bool");
	expect_error("http.host.size == 1", AT(26, 11) "'.size' is not a method call: methods need parentheses, e.g. .size()");
}

Test(errors, matches_patterns)
{
	expect_error("http.path.matches(\"(\")",
		AT(34, 19) "invalid regular expression: missing closing parenthesis at pattern offset 1");
	expect_error("http.path.matches(http.host)", AT(34, 19) "the pattern of matches() must be a string literal");
	expect_error("http.path.lowerAscii().matches(\"a\")", AT(39, 24) "matches() cannot test a lowerAscii() "
		"result: match the original text with a case-insensitive pattern, (?i)...");
}

Test(errors, non_boolean_conditions_and_operands)
{
	expect_error("http.host", AT(16, 1) "a condition must be true or false, but this expression gives a string");
	expect_error("size(http.headers)", AT(16, 1) "a condition must be true or false, but this expression gives a number");
	expect_error("true && \"x\"", AT(24, 9) "each operand of '&&' must be a bool, this is a string");
	expect_error("false || 1", AT(25, 10) "each operand of '||' must be a bool, this is an int");
	expect_error("http.host ? true : false", AT(16, 1) "the condition of '?:' must be a bool, this is a string");
	expect_error("true ? 1 : \"a\"", AT(21, 6) "the branches of '?:' have different types: int and string");
	expect_error("(true ? [1] : [2]).size() == 1", AT(22, 7) "the branches of '?:' must be strings, ints or bools, not lists");
}

Test(errors, indexing)
{
	expect_error("http.host[\"a\"] == \"\"", AT(25, 10) "only maps can be indexed with [...], this is a string");
	expect_error("http.headers[1] == \"\"", AT(29, 14) "the keys of a map are strings, this is an int");
}

Test(errors, syntax)
{
	expect_error("http.host == ", AT(29, 14) "expected an expression, found end of input");
	expect_error("", AT(16, 1) "expected an expression, found end of input");
	expect_error("1 < 2 < 3", AT(22, 7) "comparisons do not chain: add parentheses, e.g. (a == b) == c");
	expect_error("true false", AT(21, 6) "expected an operator or the end of the expression, found 'false'");
	expect_error("(true", AT(21, 6) "expected ')', found end of input");
	expect_error("[1, 2", AT(21, 6) "expected ',' or ']', found end of input");
	expect_error("http.host == \"abc", AT(29, 14) "unterminated string (strings end on the line they start)");
	expect_error("\"a\nb\" == \"\"", AT(16, 1) "unterminated string (strings end on the line they start)");
	expect_error("\"\\q\" == \"\"", AT(18, 3) "unknown escape 'q'");
	expect_error("\"\\x4\" == \"\"", AT(17, 2) "escape '\\x' needs 2 hex digits");
	expect_error("\"\\ud800\" == \"\"", AT(17, 2) "escape '\\u' names U+D800, which is not a character");
	expect_error("1.5 == 1", AT(16, 1) "floating-point numbers are not supported");
	expect_error("0x10 == 1", AT(16, 1) "invalid number: only decimal integers are supported");
	expect_error("9223372036854775808 == 1", AT(16, 1) "integer literal out of range (ints are 64-bit)");
	expect_error("99999999999999999999 == 1", AT(16, 1) "integer literal out of range (ints are 64-bit)");
	expect_error("http.host = \"x\"", AT(26, 11) "'=' is not an operator: compare with '=='");
	expect_error("true & false", AT(21, 6) "'&' is not an operator: use '&&'");
	expect_error("true # false", AT(21, 6) "unexpected character '#'");
	expect_error("-network.port == 1", AT(16, 1) "unary '-' applies only to integer literals");
	expect_error("$ == 1", AT(16, 1) "'$' must be followed by a definition name");
	expect_error("http.(", AT(21, 6) "expected a field name after '.', found '('");
}

Test(errors, invalid_arguments)
{
	oc_expr *e = (oc_expr *)1;
	cr_assert_eq(oc_expr_compile(NULL, &e), OC_EINVAL);
	cr_assert_null(e);
	oc_expr_source src = { .text = NULL };
	cr_assert_eq(oc_expr_compile(&src, &e), OC_EINVAL);
	oc_expr_def bad = { .name = "a", .text = NULL };
	src = (oc_expr_source){ .text = "true", .defs = &bad, .ndefs = 1 };
	cr_assert_eq(oc_expr_compile(&src, &e), OC_ELIMIT);
}
