/* Builds ClientHello messages and TLS records byte by byte for the tests,
 * so each test can say exactly which field is wrong. */
#ifndef OC_TEST_HELLO_BUILDER_H
#define OC_TEST_HELLO_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "core/buf.h"

static inline void put(oc_buf *b, uint32_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		uint8_t c = (uint8_t)(v >> (8 * i));
		oc_buf_append(b, &c, 1);
	}
}

/* Starts a vector with a `bytes`-long length prefix; close() fills it. */
static inline size_t open_vec(oc_buf *b, int bytes)
{
	size_t at = b->len;
	put(b, 0, bytes);
	return at;
}

static inline void close_vec(oc_buf *b, size_t at, int bytes)
{
	size_t n = b->len - at - (size_t)bytes;
	for (int i = bytes - 1, k = 0; i >= 0; i--, k++)
		b->data[at + (size_t)k] = (char)(uint8_t)(n >> (8 * i));
}

/* One extension: type, 2-byte length, data. */
static inline void ext(oc_buf *b, uint16_t type, const void *data, size_t len)
{
	put(b, type, 2);
	put(b, (uint32_t)len, 2);
	oc_buf_append(b, data, len);
}

/* A well-formed server_name extension body for one host_name. */
static inline void sni_body(oc_buf *b, const char *name)
{
	size_t list = open_vec(b, 2);
	put(b, 0, 1);
	put(b, (uint32_t)strlen(name), 2);
	oc_buf_puts(b, name);
	close_vec(b, list, 2);
}

struct hello_opts {
	uint16_t version;       /* 0: 0x0303 */
	const char *sni;        /* NULL: no server_name extension */
	const char *alpn[8];    /* NULL-terminated; none: no ALPN extension */
	bool ech;
	bool no_extensions;     /* stop after compression_methods */
	size_t pad;             /* bytes of a padding extension (type 21) */
	const oc_buf *raw;      /* extra extensions appended verbatim */
};

/* A ClientHello handshake message, 4-byte header included. */
static inline void build_hello(oc_buf *b, const struct hello_opts *o)
{
	put(b, 1, 1);
	size_t hs = open_vec(b, 3);
	put(b, o->version ? o->version : 0x0303, 2);
	for (int i = 0; i < 32; i++)
		put(b, (uint32_t)i, 1);
	size_t sid = open_vec(b, 1);
	put(b, 0xabcdef, 3);
	close_vec(b, sid, 1);
	size_t cs = open_vec(b, 2);
	put(b, 0x1301, 2);
	put(b, 0xc02f, 2);
	close_vec(b, cs, 2);
	put(b, 1, 1);
	put(b, 0, 1);
	if (!o->no_extensions) {
		size_t exts = open_vec(b, 2);
		put(b, 0x0a0a, 2); /* a GREASE extension, as browsers send */
		put(b, 0, 2);
		if (o->sni) {
			oc_buf body = OC_BUF_INIT;
			sni_body(&body, o->sni);
			ext(b, 0, body.data, body.len);
			oc_buf_free(&body);
		}
		if (o->alpn[0]) {
			put(b, 16, 2);
			size_t e = open_vec(b, 2);
			size_t list = open_vec(b, 2);
			for (int i = 0; o->alpn[i]; i++) {
				put(b, (uint32_t)strlen(o->alpn[i]), 1);
				oc_buf_puts(b, o->alpn[i]);
			}
			close_vec(b, list, 2);
			close_vec(b, e, 2);
		}
		if (o->ech)
			ext(b, 0xfe0d, "\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00", 10);
		if (o->pad) {
			put(b, 21, 2);
			put(b, (uint32_t)o->pad, 2);
			for (size_t i = 0; i < o->pad; i++)
				put(b, 0, 1);
		}
		if (o->raw)
			oc_buf_append(b, o->raw->data, o->raw->len);
		close_vec(b, exts, 2);
	}
	close_vec(b, hs, 3);
}

/* Handshake bytes in records of at most `chunk` payload bytes each. */
static inline void wrap_records(oc_buf *out, const void *hs, size_t n, size_t chunk)
{
	const uint8_t *p = hs;
	for (size_t off = 0; off < n; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;
		put(out, 22, 1);
		put(out, 0x0301, 2);
		put(out, (uint32_t)k, 2);
		oc_buf_append(out, p + off, k);
	}
}

#endif
