/* $name definitions: expansion, errors, the used flag. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "helpers.h"

static oc_tri eval_with(const char *text, oc_expr_def *defs, size_t n)
{
	oc_expr_source src = { .text = text, .defs = defs, .ndefs = n };
	oc_expr *e = NULL;
	cr_assert_eq(oc_expr_compile(&src, &e), 0, "%s: %s", text, oc_error_last()->message);
	oc_context ctx;
	sample_context(&ctx);
	oc_tri t = oc_expr_eval(e, &ctx);
	oc_expr_free(e);
	return t;
}

Test(defs, expand_and_mark_used)
{
	oc_expr_def defs[] = {
		{ .name = "gh", .text = "http.host.endsWith(\".github.com\")" },
		{ .name = "unused", .text = "true" },
		{ .name = "posting", .text = "http.method == \"POST\"" },
	};
	cr_assert_eq(eval_with("$gh && $posting", defs, 3), OC_TRI_TRUE);
	cr_assert(defs[0].used);
	cr_assert_not(defs[1].used);
	cr_assert(defs[2].used);
}

Test(defs, recursive_and_transitively_used)
{
	oc_expr_def defs[] = {
		{ .name = "a", .text = "$b || $c" },
		{ .name = "b", .text = "http.host == \"nope\"" },
		{ .name = "c", .text = "$d && true" },
		{ .name = "d", .text = "agent.name == \"coder\"" },
		{ .name = "e", .text = "$d" },
	};
	cr_assert_eq(eval_with("$a", defs, 5), OC_TRI_TRUE);
	for (int i = 0; i < 4; i++)
		cr_assert(defs[i].used, "$%s not marked used", defs[i].name);
	cr_assert_not(defs[4].used);
}

Test(defs, expansion_is_parenthesised)
{
	oc_expr_def defs[] = { { .name = "x", .text = "true || false" } };
	/* Textual substitution would read `true || false && false`. */
	cr_assert_eq(eval_with("$x && false", defs, 1), OC_TRI_FALSE);
}

Test(defs, values_of_any_type)
{
	oc_expr_def defs[] = {
		{ .name = "hosts", .text = "[\"API.GitHub.com.\", \"gitlab.com\"]" },
		{ .name = "port", .text = "443" },
		{ .name = "key", .text = "'X-Api-Key'" },
	};
	cr_assert_eq(eval_with("http.host in $hosts && network.port == $port", defs, 3), OC_TRI_TRUE);
	cr_assert_eq(eval_with("http.headers[$key] == \"secret\"", defs, 3), OC_TRI_TRUE);
}

Test(defs, undefined)
{
	cr_assert_eq(compile_rc("true && $nope", NULL, 0), OC_EPARSE);
	cr_assert_str_eq(oc_error_last()->message, "rules.yaml:10:24: rule 'r1': condition 1:9: "
		"undefined definition $nope: add it under 'definitions:' in this file");
}

Test(defs, cycles_report_the_chain)
{
	oc_expr_def defs[] = {
		{ .name = "a", .text = "$b", .line = 3, .column = 6 },
		{ .name = "b", .text = "true && $a", .line = 4, .column = 6 },
		{ .name = "self", .text = "true || $self", .line = 5, .column = 9 },
	};
	cr_assert_eq(compile_rc("$a", defs, 3), OC_EPARSE);
	cr_assert_str_eq(oc_error_last()->message, "rules.yaml:4:14: rule 'r1': definition $b 1:9 "
		"(used at condition 1:1): definition cycle: $a -> $b -> $a");
	cr_assert_eq(compile_rc("false || $self", defs, 3), OC_EPARSE);
	cr_assert_str_eq(oc_error_last()->message, "rules.yaml:5:17: rule 'r1': definition $self 1:9 "
		"(used at condition 1:10): definition cycle: $self -> $self");
}

Test(defs, errors_inside_a_definition_point_into_it)
{
	oc_expr_def defs[] = {
		{ .name = "outer", .text = "$inner", .line = 2, .column = 10 },
		{ .name = "inner", .text = "true &&\n  http.hots == \"x\"", .line = 3, .column = 10 },
	};
	cr_assert_eq(compile_rc("agent.name == \"a\" || $outer", defs, 2), OC_EPARSE);
	/* A multi-line text is a YAML block scalar: its later lines lost the
	 * indentation of its first, so the column offset applies to them too. */
	cr_assert_str_eq(oc_error_last()->message, "rules.yaml:4:12: rule 'r1': definition $inner 2:3 "
		"(used at condition 1:22): unknown field 'http.hots'; did you mean 'http.host'?");
	cr_assert_eq(oc_error_last()->line, 4);
	cr_assert_eq(oc_error_last()->column, 12);
}

Test(defs, type_errors_about_a_reference_point_at_it)
{
	oc_expr_def defs[] = { { .name = "s", .text = "\"text\"", .line = 2, .column = 6 } };
	cr_assert_eq(compile_rc("true && $s", defs, 1), OC_EPARSE);
	cr_assert_str_eq(oc_error_last()->message, "rules.yaml:10:24: rule 'r1': condition 1:9: "
		"each operand of '&&' must be a bool, this is a string");
	cr_assert_eq(compile_rc("$s", defs, 1), OC_EPARSE);
	cr_assert_str_eq(oc_error_last()->message, "rules.yaml:10:16: rule 'r1': condition 1:1: "
		"a condition must be true or false, but this expression gives a string");
}

Test(defs, expansion_size_is_bounded)
{
	/* Each level doubles the expression: 2^30 nodes if unchecked. */
	char names[31][4], texts[31][16];
	oc_expr_def defs[31];
	for (int i = 0; i < 31; i++) {
		snprintf(names[i], sizeof(names[i]), "d%d", i);
		if (i == 30)
			snprintf(texts[i], sizeof(texts[i]), "true");
		else
			snprintf(texts[i], sizeof(texts[i]), "$d%d || $d%d", i + 1, i + 1);
		defs[i] = (oc_expr_def){ .name = names[i], .text = texts[i] };
	}
	cr_assert_eq(compile_rc("$d0", defs, 31), OC_EPARSE);
	cr_assert(strstr(oc_error_last()->message, "expression too large: more than 200000 nodes"),
		"%s", oc_error_last()->message);
}
