/* Fuzzes the ClientHello reader. Invariants: one call and byte-by-byte
 * calls agree on verdict, SNI, ALPN and consumed length; the SNI is a
 * NUL-terminated DNS name; consumed lies inside the input; the gather
 * buffer never leaks (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockets/hostname.h"
#include "tls/clienthello.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);

	oc_tls_hello whole, pieces;
	oc_tls_hello_init(&whole);
	int rc = oc_tls_hello_parse(&whole, buf, size);
	oc_tls_hello_init(&pieces);
	int rc2 = OC_TLS_MORE;
	for (size_t k = 1; k <= size && rc2 == OC_TLS_MORE; k++)
		rc2 = oc_tls_hello_parse(&pieces, buf, k);
	if (size == 0)
		rc2 = oc_tls_hello_parse(&pieces, buf, 0);
	CHECK(rc == rc2);

	if (rc == OC_TLS_DONE) {
		CHECK(whole.consumed <= size && whole.consumed == pieces.consumed);
		CHECK(whole.has_sni == pieces.has_sni && !strcmp(whole.sni, pieces.sni));
		CHECK(whole.alpn_len == pieces.alpn_len && !memcmp(whole.alpn, pieces.alpn, whole.alpn_len));
		size_t n = strlen(whole.sni);
		CHECK(whole.has_sni ? oc_hostname_syntax_ok(whole.sni, n, false) : n == 0);
		size_t pos = 0, len, total = 0;
		const char *name;
		while (oc_tls_hello_alpn_next(&whole, &pos, &name, &len))
			total += 1 + len;
		CHECK(total == whole.alpn_len);
	} else if (rc < 0) {
		CHECK(whole.error != NULL && pieces.error != NULL);
	}
	oc_tls_hello_free(&whole);
	oc_tls_hello_free(&pieces);
	free(buf);
	return 0;
}
