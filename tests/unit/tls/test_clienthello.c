#include <criterion/criterion.h>
#include <stdlib.h>
#include "hello_builder.h"
#include "tls/clienthello.h"

/* Records carrying a hello built from `o`, split into `chunk`-byte
 * records (0: one record). */
static void records(oc_buf *out, const struct hello_opts *o, size_t chunk)
{
	oc_buf hs = OC_BUF_INIT;
	build_hello(&hs, o);
	wrap_records(out, hs.data, hs.len, chunk ? chunk : hs.len);
	oc_buf_free(&hs);
}

/* Parses in one call from an exact-size heap copy (ASan sees overreads). */
static int parse_all(oc_tls_hello *h, const oc_buf *b)
{
	uint8_t *copy = malloc(b->len);
	memcpy(copy, b->data, b->len);
	oc_tls_hello_init(h);
	int rc = oc_tls_hello_parse(h, copy, b->len);
	oc_tls_hello_free(h);
	free(copy);
	return rc;
}

static void refused(const oc_buf *b, int code, const char *why)
{
	oc_tls_hello h;
	int rc = parse_all(&h, b);
	cr_assert_eq(rc, code, "rc %d (%s), want %d", rc, h.error ? h.error : "-", code);
	cr_assert(strstr(h.error, why), "reason '%s' lacks '%s'", h.error, why);
	cr_assert(strstr(oc_error_last()->message, why));
}

static const struct hello_opts typical = {
	.sni = "api.example.com", .alpn = { "h2", "http/1.1", NULL },
};

Test(tls_hello, sni_and_alpn_in_one_record)
{
	oc_buf b = OC_BUF_INIT;
	records(&b, &typical, 0);
	oc_tls_hello h;
	cr_assert_eq(parse_all(&h, &b), OC_TLS_DONE, "%s", h.error);
	cr_assert(h.has_sni);
	cr_assert_str_eq(h.sni, "api.example.com");
	cr_assert_eq(h.version, 0x0303);
	cr_assert_not(h.ech);
	cr_assert_eq(h.consumed, b.len);
	size_t pos = 0, len;
	const char *name;
	cr_assert(oc_tls_hello_alpn_next(&h, &pos, &name, &len));
	cr_assert(len == 2 && !memcmp(name, "h2", 2));
	cr_assert(oc_tls_hello_alpn_next(&h, &pos, &name, &len));
	cr_assert(len == 8 && !memcmp(name, "http/1.1", 8));
	cr_assert_not(oc_tls_hello_alpn_next(&h, &pos, &name, &len));
	cr_assert_not(h.alpn_truncated);
	oc_buf_free(&b);
}

Test(tls_hello, every_read_boundary)
{
	oc_buf b = OC_BUF_INIT;
	records(&b, &typical, 0);
	/* Also early-data records after the hello: they are not looked at. */
	oc_buf_append(&b, "\x17\x03\x03\x00\x02zz", 7);
	oc_tls_hello h;
	oc_tls_hello_init(&h);
	size_t hello_len = b.len - 7;
	for (size_t k = 1; k < hello_len; k++)
		cr_assert_eq(oc_tls_hello_parse(&h, (uint8_t *)b.data, k), OC_TLS_MORE, "at %zu", k);
	cr_assert_eq(oc_tls_hello_parse(&h, (uint8_t *)b.data, hello_len), OC_TLS_DONE);
	cr_assert_eq(oc_tls_hello_parse(&h, (uint8_t *)b.data, b.len), OC_TLS_DONE);
	cr_assert_str_eq(h.sni, "api.example.com");
	cr_assert_eq(h.consumed, hello_len);
	oc_tls_hello_free(&h);
	oc_buf_free(&b);
}

Test(tls_hello, split_over_records_at_every_point)
{
	oc_buf hs = OC_BUF_INIT;
	build_hello(&hs, &typical);
	for (size_t cut = 1; cut < hs.len; cut++) {
		oc_buf b = OC_BUF_INIT;
		wrap_records(&b, hs.data, cut, cut);
		wrap_records(&b, hs.data + cut, hs.len - cut, hs.len);
		oc_tls_hello h;
		cr_assert_eq(parse_all(&h, &b), OC_TLS_DONE, "cut %zu: %s", cut, h.error);
		cr_assert_str_eq(h.sni, "api.example.com");
		cr_assert_eq(h.alpn_len, 12);
		oc_buf_free(&b);
	}
	oc_buf_free(&hs);
}

Test(tls_hello, many_small_records_read_byte_by_byte)
{
	oc_buf b = OC_BUF_INIT;
	records(&b, &typical, 7);
	oc_tls_hello h;
	oc_tls_hello_init(&h);
	int rc = OC_TLS_MORE;
	size_t k;
	for (k = 1; k <= b.len && rc == OC_TLS_MORE; k++)
		rc = oc_tls_hello_parse(&h, (uint8_t *)b.data, k);
	cr_assert_eq(rc, OC_TLS_DONE, "%s", h.error);
	cr_assert_eq(k - 1, b.len);
	cr_assert_str_eq(h.sni, "api.example.com");
	cr_assert_null(h.gather, "the gather buffer is released when done");
	oc_buf_free(&b);
}

Test(tls_hello, without_sni)
{
	oc_buf b = OC_BUF_INIT;
	struct hello_opts o = { .alpn = { "h2", NULL } };
	records(&b, &o, 0);
	oc_tls_hello h;
	cr_assert_eq(parse_all(&h, &b), OC_TLS_DONE);
	cr_assert_not(h.has_sni);
	cr_assert_str_eq(h.sni, "");
	oc_buf_reset(&b);
	o = (struct hello_opts){ .no_extensions = true };
	records(&b, &o, 0);
	cr_assert_eq(parse_all(&h, &b), OC_TLS_DONE);
	cr_assert_not(h.has_sni);
	cr_assert_eq(h.alpn_len, 0);
	oc_buf_free(&b);
}

Test(tls_hello, ech_is_reported_with_the_outer_name)
{
	oc_buf b = OC_BUF_INIT;
	struct hello_opts o = { .sni = "public.ech-provider.example", .ech = true };
	records(&b, &o, 0);
	oc_tls_hello h;
	cr_assert_eq(parse_all(&h, &b), OC_TLS_DONE);
	cr_assert(h.ech);
	cr_assert_str_eq(h.sni, "public.ech-provider.example");
	oc_buf_free(&b);
}

Test(tls_hello, long_alpn_list_is_truncated_not_refused)
{
	oc_buf b = OC_BUF_INIT;
	static char names[8][101];
	struct hello_opts o = { .sni = "x.example" };
	for (int i = 0; i < 7; i++) {
		memset(names[i], 'a' + i, 100);
		o.alpn[i] = names[i];
	}
	records(&b, &o, 0);
	oc_tls_hello h;
	cr_assert_eq(parse_all(&h, &b), OC_TLS_DONE);
	cr_assert(h.alpn_truncated);
	cr_assert_eq(h.alpn_len, 202, "two whole names fit");
	oc_buf_free(&b);
}

Test(tls_hello, not_tls_at_all)
{
	oc_buf b = OC_BUF_INIT;
	oc_buf_puts(&b, "GET / HTTP/1.1\r\n");
	refused(&b, OC_EPARSE, "not a TLS handshake record");
	oc_buf_reset(&b);
	oc_buf_append(&b, "\x80\x2e\x01\x03\x01", 5);
	refused(&b, OC_EPARSE, "SSLv2-style");
	const char *types[] = { "\x15", "\x14", "\x17" };
	for (int i = 0; i < 3; i++) {
		oc_buf_reset(&b);
		oc_buf_append(&b, types[i], 1);
		oc_buf_append(&b, "\x03\x03\x00\x02\x01\x00", 6);
		refused(&b, OC_EPARSE, "not a TLS handshake record");
	}
	oc_buf_free(&b);
}

Test(tls_hello, refused_on_the_first_byte)
{
	oc_tls_hello h;
	oc_tls_hello_init(&h);
	cr_assert_eq(oc_tls_hello_parse(&h, (const uint8_t *)"G", 1), OC_EPARSE);
	cr_assert_eq(oc_tls_hello_parse(&h, (const uint8_t *)"GE", 2), OC_EPARSE, "stays failed");
}

Test(tls_hello, bad_records)
{
	oc_buf b = OC_BUF_INIT;
	oc_buf_append(&b, "\x16\x02\x00\x00\x05", 5);
	refused(&b, OC_EPARSE, "record version");
	oc_buf_reset(&b);
	oc_buf_append(&b, "\x16\x03\x01\x00\x00", 5);
	refused(&b, OC_EPARSE, "empty handshake record");
	oc_buf_reset(&b);
	oc_buf_append(&b, "\x16\x03\x01\x40\x01", 5);
	refused(&b, OC_EPARSE, "longer than 2^14");
	oc_buf_free(&b);
}

Test(tls_hello, sizes_are_capped)
{
	oc_buf b = OC_BUF_INIT;
	/* The header alone announces too much: refused before the body. */
	oc_buf_append(&b, "\x16\x03\x01\x00\x04\x01\x00\x40\x01", 9);
	refused(&b, OC_ELIMIT, "larger than 16 KiB");

	oc_buf_reset(&b);
	struct hello_opts o = { .sni = "x.example", .pad = 6000 };
	records(&b, &o, 1);
	refused(&b, OC_ELIMIT, "too many record bytes");
	oc_buf_free(&b);
}

Test(tls_hello, wrong_handshake_message_and_trailing_data)
{
	oc_buf hs = OC_BUF_INIT, b = OC_BUF_INIT;
	build_hello(&hs, &typical);
	hs.data[0] = 2;
	wrap_records(&b, hs.data, hs.len, hs.len);
	refused(&b, OC_EPARSE, "not a ClientHello");

	hs.data[0] = 1;
	oc_buf_append(&hs, "\x14\x00\x00\x00", 4);
	oc_buf_reset(&b);
	wrap_records(&b, hs.data, hs.len, hs.len);
	refused(&b, OC_EPARSE, "data after the ClientHello");
	oc_buf_reset(&b);
	wrap_records(&b, hs.data, hs.len, 50);
	refused(&b, OC_EPARSE, "data after the ClientHello");
	oc_buf_reset(&b);
	wrap_records(&b, hs.data, 2, 2);
	wrap_records(&b, hs.data + 2, hs.len - 2, hs.len);
	refused(&b, OC_EPARSE, "data after the ClientHello");
	oc_buf_free(&hs);
	oc_buf_free(&b);
}

/* A hello whose bytes after the header are replaced by `body`. */
static void raw_hello(oc_buf *b, const void *body, size_t n)
{
	oc_buf hs = OC_BUF_INIT;
	put(&hs, 1, 1);
	put(&hs, (uint32_t)n, 3);
	oc_buf_append(&hs, body, n);
	wrap_records(b, hs.data, hs.len, hs.len);
	oc_buf_free(&hs);
}

Test(tls_hello, malformed_fixed_fields)
{
	oc_buf b = OC_BUF_INIT;
	uint8_t body[80] = { 3, 3 };
	raw_hello(&b, body, 20);
	refused(&b, OC_EPARSE, "truncated before its random");

	oc_buf_reset(&b);
	body[0] = 3, body[1] = 0;
	raw_hello(&b, body, 40);
	refused(&b, OC_EPARSE, "older than TLS 1.0");

	body[1] = 3;
	body[34] = 33; /* session_id longer than 32 */
	oc_buf_reset(&b);
	raw_hello(&b, body, 80);
	refused(&b, OC_EPARSE, "session_id");

	body[34] = 50; /* session_id longer than what is left */
	oc_buf_reset(&b);
	raw_hello(&b, body, 60);
	refused(&b, OC_EPARSE, "session_id");

	body[34] = 0;
	body[35] = 0, body[36] = 3; /* odd cipher_suites */
	oc_buf_reset(&b);
	raw_hello(&b, body, 80);
	refused(&b, OC_EPARSE, "cipher_suites");

	body[36] = 2;
	body[39] = 0; /* no compression method */
	oc_buf_reset(&b);
	raw_hello(&b, body, 40);
	refused(&b, OC_EPARSE, "compression_methods");
	oc_buf_free(&b);
}

static void bad_extensions(const oc_buf *raw, const char *why)
{
	oc_buf b = OC_BUF_INIT;
	struct hello_opts o = { .raw = raw };
	records(&b, &o, 0);
	refused(&b, OC_EPARSE, why);
	oc_buf_free(&b);
}

Test(tls_hello, malformed_extensions)
{
	oc_buf raw = OC_BUF_INIT;
	ext(&raw, 0, "", 0);
	bad_extensions(&raw, "malformed server_name extension");

	oc_buf_reset(&raw);
	ext(&raw, 0, "\x00\x09\x00\x00\x03" "abc", 8);
	bad_extensions(&raw, "malformed server_name extension");

	oc_buf_reset(&raw);
	ext(&raw, 0, "\x00\x06\x00\x00\x09" "abc", 8);
	bad_extensions(&raw, "malformed server_name entry");

	oc_buf_reset(&raw);
	ext(&raw, 0, "\x00\x0a\x00\x00\x03" "abc" "\x00\x00\x01" "d", 12);
	bad_extensions(&raw, "more than one host_name");

	oc_buf_reset(&raw);
	ext(&raw, 0, "\x00\x0b\x00\x00\x08" "evil\0.ex", 13);
	bad_extensions(&raw, "not a valid DNS name");

	oc_buf_reset(&raw);
	ext(&raw, 16, "\x00\x03\x02h2\x00", 6);
	bad_extensions(&raw, "malformed ALPN extension");

	oc_buf_reset(&raw);
	ext(&raw, 16, "\x00\x03\x00h2", 5);
	bad_extensions(&raw, "malformed ALPN protocol name");

	oc_buf_reset(&raw);
	ext(&raw, 16, "\x00\x03\x05h2", 5);
	bad_extensions(&raw, "malformed ALPN protocol name");

	oc_buf_reset(&raw);
	ext(&raw, 16, "\x00\x00", 2);
	bad_extensions(&raw, "malformed ALPN extension");

	oc_buf_reset(&raw);
	ext(&raw, 13, "", 0);
	ext(&raw, 13, "", 0);
	bad_extensions(&raw, "appears twice");

	oc_buf_reset(&raw);
	put(&raw, 13, 2);
	put(&raw, 10, 2);
	bad_extensions(&raw, "malformed extension header");

	oc_buf_reset(&raw);
	put(&raw, 13, 1);
	bad_extensions(&raw, "malformed extension header");
	oc_buf_free(&raw);

	/* The extensions block itself longer than the hello. */
	oc_buf hs = OC_BUF_INIT, b = OC_BUF_INIT;
	struct hello_opts o = { .sni = "x.example" };
	build_hello(&hs, &o);
	hs.data[4 + 2 + 32 + 1 + 3 + 2 + 4 + 2] ^= 0x01;
	wrap_records(&b, hs.data, hs.len, hs.len);
	refused(&b, OC_EPARSE, "extensions length does not match");
	oc_buf_free(&hs);
	oc_buf_free(&b);
}

static void bad_sni(const char *name, const char *why)
{
	oc_buf b = OC_BUF_INIT;
	struct hello_opts o = { .sni = name };
	records(&b, &o, 0);
	refused(&b, OC_EPARSE, why);
	oc_buf_free(&b);
}

Test(tls_hello, sni_must_be_a_dns_name)
{
	bad_sni("", "not a valid DNS name");
	bad_sni("example.com.", "not a valid DNS name");
	bad_sni("exa mple.com", "not a valid DNS name");
	bad_sni("a..example", "not a valid DNS name");
	bad_sni("caf\xc3\xa9.example", "not a valid DNS name");
	bad_sni("198.18.0.10", "IP address");
	bad_sni("0x7f.1", "IP address");
	char longname[300];
	memset(longname, 'a', 64);
	strcpy(longname + 64, ".example");
	bad_sni(longname, "not a valid DNS name");
}
