/* Parsing what an agent asks for: every form, every refusal. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include <outcall/error.h>

#include "requests/ask.h"

static int parse(const char *text, oc_req_ask *a)
{
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	cr_assert_not_null(j, "test JSON: %s", text);
	int rc = oc_req_ask_parse(j, a);
	json_decref(j);
	return rc;
}

Test(ask, host_with_every_option)
{
	oc_req_ask a;
	cr_assert_eq(parse("{\"host\": \"API.Example.com.\", \"port\": 443, \"method\": \"GET\","
		" \"path_prefix\": \"/v1/\", \"justification\": \"tests\", \"duration\": \"2h\"}", &a), 0,
		"%s", oc_error_last()->message);
	cr_assert_str_eq(a.host, "api.example.com");
	cr_assert_eq(a.port, 443);
	cr_assert_str_eq(a.method, "GET");
	cr_assert_str_eq(a.path_prefix, "/v1/");
	cr_assert_str_eq(a.justification, "tests");
	cr_assert_eq(a.wanted_s, 7200);
	cr_assert_null(a.rule_file);
	oc_req_ask_clear(&a);
}

Test(ask, rule_file)
{
	oc_req_ask a;
	cr_assert_eq(parse("{\"rule_file\": \"version: '1'\", \"justification\": \"x\"}", &a), 0);
	cr_assert_null(a.host);
	cr_assert_str_eq(a.rule_file, "version: '1'");
	oc_req_ask_clear(&a);
}

struct refusal {
	const char *body;
	const char *says;
};

Test(ask, refusals_say_what_is_wrong)
{
	static const struct refusal cases[] = {
		{ "{\"host\": \"a.example\"}", "justification' is missing" },
		{ "{\"justification\": \"x\"}", "say what is needed" },
		{ "{\"host\": \"a.example\", \"justification\": \"  \\n\"}", "justification is empty" },
		{ "{\"host\": \"a.example\", \"justification\": \"x\", \"color\": 1}", "unknown field 'color'" },
		{ "{\"host\": 5, \"justification\": \"x\"}", "'host' must be a string" },
		{ "{\"host\": \"a.example\", \"port\": \"443\", \"justification\": \"x\"}", "'port' must be an integer" },
		{ "{\"host\": \"a.example\", \"port\": 0, \"justification\": \"x\"}", "from 1 to 65535" },
		{ "{\"host\": \"a.example\", \"port\": 65536, \"justification\": \"x\"}", "from 1 to 65535" },
		{ "{\"host\": \"a.example\", \"justification\": [\"x\"]}", "'justification' must be a string" },
		{ "{\"host\": \"a b\", \"justification\": \"x\"}", "not a valid host name" },
		{ "{\"host\": \"*.example.com\", \"justification\": \"x\"}", "host" },
		{ "{\"host\": \"a\\\".example\", \"justification\": \"x\"}", "host" },
		{ "{\"host\": \"a.example\", \"method\": \"GE T\", \"justification\": \"x\"}", "not an HTTP method" },
		{ "{\"host\": \"a.example\", \"method\": \"G\\\"\", \"justification\": \"x\"}", "not an HTTP method" },
		{ "{\"host\": \"a.example\", \"path_prefix\": \"v1\", \"justification\": \"x\"}", "must start with '/'" },
		{ "{\"host\": \"a.example\", \"path_prefix\": \"/a\\\")\", \"justification\": \"x\"}", "without quotes" },
		{ "{\"host\": \"a.example\", \"path_prefix\": \"/a\\\\b\", \"justification\": \"x\"}", "backslashes" },
		{ "{\"host\": \"a.example\", \"path_prefix\": \"/a b\", \"justification\": \"x\"}", "visible ASCII" },
		{ "{\"host\": \"a.example\", \"path_prefix\": \"/\\u00e9\", \"justification\": \"x\"}", "visible ASCII" },
		{ "{\"host\": \"a.example\", \"duration\": 60, \"justification\": \"x\"}", "'duration' must be a string" },
		{ "{\"host\": \"a.example\", \"duration\": \"forever\", \"justification\": \"x\"}", "invalid duration" },
		{ "{\"host\": \"a.example\", \"rule_file\": \"x\", \"justification\": \"x\"}", "either a host or a rule_file" },
		{ "{\"rule_file\": \"x\", \"port\": 1, \"justification\": \"x\"}", "takes no port" },
		{ "{\"rule_file\": 1, \"justification\": \"x\"}", "'rule_file' must be a string" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		oc_req_ask a;
		cr_expect_eq(parse(cases[i].body, &a), OC_EINVAL, "accepted: %s", cases[i].body);
		cr_expect(strstr(oc_error_last()->message, cases[i].says), "%s -> %s", cases[i].body,
			oc_error_last()->message);
		cr_expect_null(a.host);
		cr_expect_null(a.justification);
	}
}

Test(ask, long_texts_are_refused)
{
	char body[4096];
	char just[1100];
	memset(just, 'x', 1001);
	just[1001] = '\0';
	snprintf(body, sizeof(body), "{\"host\": \"a.example\", \"justification\": \"%s\"}", just);
	oc_req_ask a;
	cr_assert_eq(parse(body, &a), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "1001 bytes"));
	just[1000] = '\0';
	snprintf(body, sizeof(body), "{\"host\": \"a.example\", \"justification\": \"%s\"}", just);
	cr_assert_eq(parse(body, &a), 0);
	oc_req_ask_clear(&a);
}
