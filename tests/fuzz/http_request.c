/* Fuzzes the request head parser, the chunked decoder behind it and the
 * response writer it feeds. Invariants checked on every input:
 * - parsing in one call and in pieces (split points taken from the input)
 *   reach the same verdict and the same head length;
 * - every span of an accepted head lies inside the head;
 * - a refused head has a 4xx/5xx status and a reason, and the writer turns
 *   them into a response. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/chunked.h"
#include "http/request.h"
#include "http/response.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void in_head(const oc_http_request *r, oc_http_span s)
{
	CHECK((size_t)s.off + s.len <= r->head_len);
}

static void check_spans(const oc_http_request *r)
{
	in_head(r, r->method_text);
	in_head(r, r->target);
	in_head(r, r->path);
	in_head(r, r->query);
	in_head(r, r->origin);
	in_head(r, r->target_authority.host);
	in_head(r, r->host.host);
	CHECK(r->nheaders <= r->max_headers);
	for (int i = 0; i < r->nheaders; i++) {
		in_head(r, r->headers[i].name);
		in_head(r, r->headers[i].value);
		CHECK(r->headers[i].name.len > 0);
	}
}

static void body(const oc_http_request *r, const char *data, size_t size)
{
	if (r->framing != OC_HTTP_BODY_CHUNKED)
		return;
	oc_http_chunked c;
	oc_http_chunked_init(&c);
	size_t used;
	const char *rest = data + r->head_len;
	size_t left = size - r->head_len;
	int rc = oc_http_chunked_feed(&c, rest, left, &used, NULL, NULL);
	CHECK(used <= left);
	CHECK(rc == OC_HTTP_DONE || rc == OC_HTTP_MORE || rc == OC_EPARSE);
	CHECK(rc != OC_HTTP_MORE || used == left);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy so that ASan sees any read past the input. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);

	static oc_http_request whole, pieces;
	oc_http_request_init(&whole);
	int rc = oc_http_request_parse(&whole, buf, size);

	oc_http_request_init(&pieces);
	int rc2 = OC_HTTP_MORE;
	size_t k = 0;
	while (k < size && rc2 == OC_HTTP_MORE) {
		k += 1 + (size_t)(data[k] % 7);
		rc2 = oc_http_request_parse(&pieces, buf, k < size ? k : size);
	}
	if (size == 0)
		rc2 = oc_http_request_parse(&pieces, buf, 0);
	CHECK(rc == rc2);
	CHECK(whole.status == pieces.status);

	if (rc == OC_HTTP_DONE) {
		CHECK(whole.head_len == pieces.head_len && whole.head_len <= size);
		CHECK(whole.framing == pieces.framing && whole.flags == pieces.flags);
		check_spans(&whole);
		body(&whole, buf, size);
	} else if (rc < 0) {
		CHECK(whole.status >= 400 && whole.status <= 505 && whole.error);
		oc_buf out = OC_BUF_INIT;
		CHECK(oc_http_response_text(&out, whole.status, whole.error, true) == 0);
		oc_buf_free(&out);
	} else {
		CHECK(size < whole.max_head);
	}
	free(buf);
	return 0;
}
