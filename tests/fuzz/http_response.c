/* Fuzzes the response head parser. Invariants checked on every input:
 * - parsing in one call and in pieces (split points taken from the input)
 *   reach the same verdict, head length and framing;
 * - every span of an accepted head lies inside the head, the status is
 *   200 to 599 (100 to 599 for a relay, picked by the input's first byte)
 *   and bodies are framed only as the status allows;
 * - a refused head has a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/response_parse.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void in_head(const oc_http_response_head *r, oc_http_span s)
{
	CHECK((size_t)s.off + s.len <= r->head_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy so that ASan sees any read past the input. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	bool head = size && (data[0] & 1);
	bool relay = size && (data[0] & 2);

	static oc_http_response_head whole, pieces;
	oc_http_response_head_init(&whole);
	whole.head = head;
	whole.relay = relay;
	int rc = oc_http_response_head_parse(&whole, buf, size);

	oc_http_response_head_init(&pieces);
	pieces.head = head;
	pieces.relay = relay;
	int rc2 = OC_HTTP_MORE;
	size_t k = 0;
	while (k < size && rc2 == OC_HTTP_MORE) {
		k += 1 + (size_t)(data[k] % 7);
		rc2 = oc_http_response_head_parse(&pieces, buf, k < size ? k : size);
	}
	if (size == 0)
		rc2 = oc_http_response_head_parse(&pieces, buf, 0);
	CHECK(rc == rc2);

	if (rc == OC_HTTP_DONE) {
		CHECK(whole.head_len == pieces.head_len && whole.head_len <= size);
		CHECK(whole.framing == pieces.framing && whole.keep_alive == pieces.keep_alive);
		CHECK(whole.status >= (relay ? 100 : 200) && whole.status <= 599);
		CHECK(!(head || whole.status < 200 || whole.status == 204 || whole.status == 304) ||
			whole.framing == OC_HTTP_BODY_NONE);
		in_head(&whole, whole.reason);
		CHECK(whole.nheaders <= whole.max_headers);
		for (int i = 0; i < whole.nheaders; i++) {
			in_head(&whole, whole.headers[i].name);
			in_head(&whole, whole.headers[i].value);
			CHECK(whole.headers[i].name.len > 0);
		}
	} else if (rc < 0) {
		CHECK(whole.error && (rc == OC_EPARSE || rc == OC_ELIMIT));
	} else {
		CHECK(size < whole.max_head);
	}
	free(buf);
	return 0;
}
