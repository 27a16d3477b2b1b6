#include <criterion/criterion.h>
#include <regex.h>
#include <string.h>
#include "http/response.h"

/* The response without its Date line, which depends on the clock; checks
 * that the Date line is an IMF-fixdate. */
static char *without_date(oc_buf *b)
{
	char *d = strstr(b->data, "Date: ");
	cr_assert_not_null(d);
	char *end = strstr(d, "\r\n");
	regex_t re;
	regcomp(&re, "^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
		"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
		"[0-9]{2}:[0-9]{2}:[0-9]{2} GMT\r\n", REG_EXTENDED);
	cr_assert_eq(regexec(&re, d, 0, NULL, 0), 0, "bad Date line: %.40s", d);
	regfree(&re);
	memmove(d, end + 2, strlen(end + 2) + 1);
	return b->data;
}

Test(http_response, plain_text_block)
{
	oc_buf b = OC_BUF_INIT;
	cr_assert_eq(oc_http_response_text(&b, 403, "blocked by rule x\n", true), 0);
	cr_assert_str_eq(without_date(&b),
		"HTTP/1.1 403 Forbidden\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 18\r\n"
		"Connection: close\r\n"
		"\r\n"
		"blocked by rule x\n");
	oc_buf_free(&b);
}

Test(http_response, json_keep_alive_with_extra_fields)
{
	oc_buf b = OC_BUF_INIT;
	oc_buf_puts(&b, "prefix|");
	oc_kv extra[] = { { "Cache-Control", "no-store" }, { "X-Decision", "d-42" } };
	oc_http_response r = {
		.status = 200, .content_type = "application/json", .body = "{}", .body_len = 2,
		.headers = extra, .nheaders = 2,
	};
	cr_assert_eq(oc_http_response_write(&b, &r), 0);
	cr_assert_str_eq(without_date(&b),
		"prefix|HTTP/1.1 200 OK\r\n"
		"Content-Type: application/json\r\n"
		"Content-Length: 2\r\n"
		"Connection: keep-alive\r\n"
		"Cache-Control: no-store\r\n"
		"X-Decision: d-42\r\n"
		"\r\n{}");
	oc_buf_free(&b);
}

Test(http_response, bodyless_statuses_and_head)
{
	oc_buf b = OC_BUF_INIT;
	oc_http_response r = { .status = 204, .content_type = "text/plain", .body = "x", .body_len = 1 };
	cr_assert_eq(oc_http_response_write(&b, &r), 0);
	cr_assert_str_eq(without_date(&b), "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
	oc_buf_reset(&b);
	r = (oc_http_response){ .status = 502, .body = "upstream down", .body_len = 13, .head = true };
	cr_assert_eq(oc_http_response_write(&b, &r), 0);
	cr_assert_str_eq(without_date(&b),
		"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n");
	oc_buf_free(&b);
}

Test(http_response, injection_and_bad_input_are_refused)
{
	oc_buf b = OC_BUF_INIT;
	oc_buf_puts(&b, "keep");
	oc_kv crlf[] = { { "X-Rule", "a\r\nSet-Cookie: evil" } };
	oc_http_response r = { .status = 403, .headers = crlf, .nheaders = 1 };
	cr_assert_eq(oc_http_response_write(&b, &r), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "X-Rule"));
	cr_assert_str_eq(b.data, "keep", "nothing is written on failure");

	oc_kv bad_name[] = { { "X Rule", "a" } };
	r.headers = bad_name;
	cr_assert_eq(oc_http_response_write(&b, &r), OC_EINVAL);
	oc_kv empty_name[] = { { "", "a" } };
	r.headers = empty_name;
	cr_assert_eq(oc_http_response_write(&b, &r), OC_EINVAL);
	oc_kv framing[] = { { "content-length", "0" } };
	r.headers = framing;
	cr_assert_eq(oc_http_response_write(&b, &r), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "set by the writer"));

	r = (oc_http_response){ .status = 403, .content_type = "text/plain\r\nX: y" };
	cr_assert_eq(oc_http_response_write(&b, &r), OC_EINVAL);
	r = (oc_http_response){ .status = 99 };
	cr_assert_eq(oc_http_response_write(&b, &r), OC_EINVAL);
	r.status = 600;
	cr_assert_eq(oc_http_response_write(&b, &r), OC_EINVAL);
	cr_assert_str_eq(b.data, "keep");
	oc_buf_free(&b);
}

Test(http_response, reasons)
{
	cr_assert_str_eq(oc_http_reason(431), "Request Header Fields Too Large");
	cr_assert_str_eq(oc_http_reason(504), "Gateway Timeout");
	cr_assert_str_eq(oc_http_reason(599), "Unknown");
}
