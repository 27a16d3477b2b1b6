#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "http/chunked.h"

static void collect(void *arg, const char *data, size_t len)
{
	oc_buf_append(arg, data, len);
}

struct fed {
	int rc;
	size_t used;
	oc_buf payload;
	oc_http_chunked c;
};

/* Feeds `body` in pieces of `step` bytes (0: all at once), copying each
 * piece to an exact-size heap buffer so that ASan sees overreads. */
static void feed(struct fed *f, const char *body, size_t len, size_t step)
{
	*f = (struct fed){ .rc = OC_HTTP_MORE };
	oc_http_chunked_init(&f->c);
	size_t off = 0;
	while (off < len && f->rc == OC_HTTP_MORE) {
		size_t n = step && len - off > step ? step : len - off;
		char *piece = malloc(n);
		memcpy(piece, body + off, n);
		size_t used;
		f->rc = oc_http_chunked_feed(&f->c, piece, n, &used, collect, &f->payload);
		free(piece);
		cr_assert_leq(used, n);
		if (f->rc == OC_HTTP_MORE)
			cr_assert_eq(used, n, "MORE consumes everything");
		off += used;
	}
	f->used = off;
}

static void accepted(const char *body, const char *payload)
{
	size_t len = strlen(body);
	for (size_t step = 0; step <= len; step++) {
		struct fed f;
		feed(&f, body, len, step);
		cr_assert_eq(f.rc, OC_HTTP_DONE, "step %zu: %s (%s)", step, body, f.c.error);
		cr_assert_eq(f.used, len, "step %zu: used %zu of %zu", step, f.used, len);
		cr_assert_eq(f.payload.len, strlen(payload));
		cr_assert_eq(f.c.body_size, strlen(payload));
		cr_assert(!f.payload.len || !memcmp(f.payload.data, payload, f.payload.len));
		oc_buf_free(&f.payload);
	}
}

static void refused(const char *body, const char *why)
{
	for (size_t step = 0; step <= 3; step++) {
		struct fed f;
		feed(&f, body, strlen(body), step);
		cr_assert_eq(f.rc, OC_EPARSE, "step %zu accepted: %s", step, body);
		cr_assert(strstr(f.c.error, why), "%s: '%s' lacks '%s'", body, f.c.error, why);
		size_t used;
		cr_assert_eq(oc_http_chunked_feed(&f.c, "0\r\n\r\n", 5, &used, NULL, NULL), OC_EPARSE);
		oc_buf_free(&f.payload);
	}
}

Test(http_chunked, valid_bodies)
{
	accepted("5\r\nhello\r\n0\r\n\r\n", "hello");
	accepted("0\r\n\r\n", "");
	accepted("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world");
	accepted("A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij");
	accepted("0005\r\nhello\r\n0000000000000000\r\n\r\n", "hello");
	accepted("5;name\r\nhello\r\n0\r\n\r\n", "hello");
	accepted("5;a=b;c=\"q \\\"x\\\\\" ;d = e\r\nhello\r\n0;last\r\n\r\n", "hello");
	accepted("5 ; a\t=\t\"\"\r\nhello\r\n0\r\n\r\n", "hello");
	accepted("5\r\nhello\r\n0\r\nX-Sum: abc\r\nY:\r\n\r\n", "hello");
	accepted("3\r\n\r\n\r\r\n0\r\n\r\n", "\r\n\r");
}

Test(http_chunked, stops_at_end_of_body)
{
	const char *s = "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
	struct fed f;
	feed(&f, s, strlen(s), 0);
	cr_assert_eq(f.rc, OC_HTTP_DONE);
	cr_assert_eq(f.used, strlen("5\r\nhello\r\n0\r\n\r\n"));
	size_t used = 99;
	cr_assert_eq(oc_http_chunked_feed(&f.c, "x", 1, &used, NULL, NULL), OC_HTTP_DONE);
	cr_assert_eq(used, 0);
	oc_buf_free(&f.payload);
}

Test(http_chunked, relay_without_callback)
{
	oc_http_chunked c;
	oc_http_chunked_init(&c);
	size_t used;
	const char *s = "4\r\nabcd\r\n0\r\n\r\n";
	cr_assert_eq(oc_http_chunked_feed(&c, s, strlen(s), &used, NULL, NULL), OC_HTTP_DONE);
	cr_assert_eq(c.body_size, 4);
}

Test(http_chunked, size_line_errors)
{
	refused("\r\n", "hex digit");
	refused("x\r\n", "hex digit");
	refused("-5\r\nhello\r\n0\r\n\r\n", "hex digit");
	refused("0x5\r\nhello\r\n0\r\n\r\n", "bad byte after chunk size");
	refused("5\nhello\r\n0\r\n\r\n", "bad byte after chunk size");
	refused("5\rhello\r\n0\r\n\r\n", "end with CRLF");
	refused("5 \r\nhello\r\n0\r\n\r\n", "must lead to ';'");
	refused("5\t\r\nhello\r\n0\r\n\r\n", "must lead to ';'");
	refused("00000000000000005\r\nhello\r\n", "more than 16 hex digits");
	refused("8000000000000000\r\n", "2^63-1");
	refused("ffffffffffffffff\r\n", "2^63-1");
}

Test(http_chunked, extension_errors)
{
	refused("5;\r\nhello\r\n0\r\n\r\n", "extension name must be a token");
	refused("5;=x\r\nhello\r\n0\r\n\r\n", "extension name must be a token");
	refused("5;a=\r\nhello\r\n0\r\n\r\n", "token or quoted-string");
	refused("5;a=b c\r\nhello\r\n0\r\n\r\n", "must lead to ';'");
	refused("5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", "bad byte in chunk extension value");
	refused("5;a=\"b\r\nhello\r\n0\r\n\r\n", "quoted chunk extension");
	refused("5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n", "escaped byte");
	refused("5;a@b\r\nhello\r\n0\r\n\r\n", "bad byte in chunk extension");
	refused("5;a \r\nhello\r\n0\r\n\r\n", "bad byte in chunk extension");
}

Test(http_chunked, data_and_trailer_errors)
{
	refused("5\r\nhelloX\r\n0\r\n\r\n", "followed by CRLF");
	refused("5\r\nhello\n0\r\n\r\n", "followed by CRLF");
	refused("5\r\nhello\r0\r\n\r\n", "followed by CRLF");
	refused("0\r\n\n", "trailer field name must be a token");
	refused("0\r\n X: a\r\n\r\n", "obs-fold");
	refused("0\r\nX : a\r\n\r\n", "followed by ':'");
	refused("0\r\nX\r\n\r\n", "followed by ':'");
	refused("0\r\nX: a\x01\r\n\r\n", "control byte in trailer");
	refused("0\r\nX: a\rb\r\n\r\n", "bare CR in trailer");
	refused("0\r\n\rX", "must end with CRLF");
}

Test(http_chunked, bounds)
{
	/* One size line over the limit. */
	oc_buf b = OC_BUF_INIT;
	oc_buf_puts(&b, "1;x=");
	for (int i = 0; i < OC_HTTP_CHUNK_LINE_MAX; i++)
		oc_buf_puts(&b, "a");
	oc_buf_puts(&b, "\r\nz\r\n0\r\n\r\n");
	refused(b.data, "size line too long");

	/* Extensions under the line limit each, over the body limit in all. */
	oc_buf_reset(&b);
	for (int i = 0; i < OC_HTTP_CHUNK_EXT_MAX / 500 + 1; i++) {
		oc_buf_puts(&b, "1;x=");
		for (int j = 0; j < 500; j++)
			oc_buf_puts(&b, "a");
		oc_buf_puts(&b, "\r\nz\r\n");
	}
	oc_buf_puts(&b, "0\r\n\r\n");
	refused(b.data, "too many chunk extension bytes");

	oc_buf_reset(&b);
	oc_buf_puts(&b, "0\r\n");
	for (int i = 0; i < OC_HTTP_CHUNK_TRAILER_MAX / 10 + 1; i++)
		oc_buf_printf(&b, "X%06d:\r\n", i);
	oc_buf_puts(&b, "\r\n");
	refused(b.data, "trailer section too large");
	oc_buf_free(&b);
}

Test(http_chunked, large_chunk_is_relayed_in_pieces)
{
	oc_http_chunked c;
	oc_http_chunked_init(&c);
	size_t used;
	const char *head = "100000\r\n";
	cr_assert_eq(oc_http_chunked_feed(&c, head, strlen(head), &used, NULL, NULL), OC_HTTP_MORE);
	static char block[65536];
	memset(block, 'x', sizeof(block));
	for (int i = 0; i < 16; i++) {
		cr_assert_eq(oc_http_chunked_feed(&c, block, sizeof(block), &used, NULL, NULL), OC_HTTP_MORE);
		cr_assert_eq(used, sizeof(block));
	}
	cr_assert_eq(c.body_size, 0x100000);
	cr_assert_eq(oc_http_chunked_feed(&c, "\r\n0\r\n\r\n", 7, &used, NULL, NULL), OC_HTTP_DONE);
}

Test(http_chunked, data_moved_unseen_is_accounted)
{
	oc_http_chunked c;
	oc_http_chunked_init(&c);
	size_t used;
	cr_assert_eq(oc_http_chunked_data_pending(&c), 0, "framing comes first");
	cr_assert_eq(oc_http_chunked_feed(&c, "a;x=1\r\n01", 9, &used, NULL, NULL), OC_HTTP_MORE);
	cr_assert_eq(oc_http_chunked_data_pending(&c), 8, "two of ten data bytes were fed");
	oc_http_chunked_skip(&c, 5);
	cr_assert_eq(oc_http_chunked_data_pending(&c), 3);
	oc_http_chunked_skip(&c, 3);
	cr_assert_eq(oc_http_chunked_data_pending(&c), 0);
	cr_assert_eq(c.body_size, 10);
	/* The framing after the skipped data is still checked. */
	cr_assert_eq(oc_http_chunked_feed(&c, "X", 1, &used, NULL, NULL), OC_EPARSE);
	oc_http_chunked_init(&c);
	oc_http_chunked_feed(&c, "3\r\n", 3, &used, NULL, NULL);
	oc_http_chunked_skip(&c, 3);
	cr_assert_eq(oc_http_chunked_feed(&c, "\r\n0\r\n\r\n", 7, &used, NULL, NULL), OC_HTTP_DONE);
	cr_assert_eq(c.body_size, 3);
}
