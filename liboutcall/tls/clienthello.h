/*
 * Reading the TLS ClientHello that opens a tunnelled or redirected TLS
 * connection, to judge its server name (SNI) before a byte reaches the
 * upstream. Nothing is decrypted and nothing is answered: the proxy keeps
 * the bytes and forwards them unchanged once the name is allowed.
 *
 * Incremental: call oc_tls_hello_parse() with all bytes received so far on
 * the connection (buf from the connection's first byte; it may move or
 * grow between calls, its first len bytes must stay the same). A
 * ClientHello may be split over several reads and over several TLS
 * records; each call resumes at the first record not yet taken. When the
 * hello fits in one record (the usual case) it is parsed in place;
 * otherwise its fragments are gathered into one heap buffer, freed by
 * oc_tls_hello_free().
 *
 * Strict: records must be handshake records (type 22, version 3.x, 1 to
 * 2^14 bytes); the first handshake message must be a ClientHello of at
 * most OC_TLS_HELLO_MAX bytes, with nothing after it in its last record;
 * the records carrying it may not exceed OC_TLS_RECORDS_MAX bytes in all;
 * every length field must fit exactly inside its parent; an extension type
 * may appear once; server_name must hold exactly one host_name that is a
 * valid DNS name without a trailing dot and is not an IP address (RFC 6066
 * §3); the ALPN list must be well-formed. SSLv2-style hellos and hellos
 * older than TLS 1.0 are refused. No server_name extension is not an
 * error: has_sni is false and the caller decides.
 *
 * Encrypted Client Hello: when the encrypted_client_hello extension is
 * present (ech = true), the SNI read here is the outer, public name of the
 * ECH provider; the real name is encrypted and cannot be judged. The
 * caller decides whether to judge the outer name or refuse ECH.
 *
 * Memory: an oc_tls_hello is about 560 bytes plus, only while a split
 * hello is being gathered, a 16 KiB buffer; keep it only until the
 * verdict.
 *
 * Thread-safety: plain data owned by the caller.
 */
#ifndef OC_TLS_CLIENTHELLO_H
#define OC_TLS_CLIENTHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum { OC_TLS_MORE = 0, OC_TLS_DONE = 1 };

#define OC_TLS_HELLO_MAX 16384    /* ClientHello body bytes */
#define OC_TLS_RECORDS_MAX 32768  /* bytes of the records carrying it, headers included */
#define OC_TLS_ALPN_MAX 256

typedef struct oc_tls_hello {
	/* Progress (private). */
	uint32_t rec_off;        /* next record header in the caller's buffer */
	uint32_t have;           /* handshake bytes gathered in `gather` */
	uint32_t need;           /* 4 + ClientHello length, once known */
	uint8_t *gather;         /* heap, only for a hello split over records */
	uint8_t state;
	int8_t failure;          /* the oc_err returned when it failed */

	/* Results, valid once parse returned OC_TLS_DONE. */
	bool has_sni;
	bool ech;                /* encrypted_client_hello present: sni is the outer name */
	bool alpn_truncated;     /* the ALPN list had more than fits in alpn[] */
	uint16_t version;        /* legacy_version (0x0303 for TLS 1.2 and 1.3) */
	uint16_t alpn_len;       /* bytes in alpn[] */
	uint32_t consumed;       /* bytes of the records that carried the hello */
	char sni[256];           /* host_name as sent, NUL-terminated; "" without SNI */
	uint8_t alpn[OC_TLS_ALPN_MAX]; /* protocol names as on the wire: length byte, name */

	const char *error;       /* why the hello was refused (constant) */
} oc_tls_hello;

void oc_tls_hello_init(oc_tls_hello *h);
/* Frees the gather buffer; the results stay readable. */
void oc_tls_hello_free(oc_tls_hello *h);

/* Parses as far as buf[0..len) allows. Returns OC_TLS_MORE, OC_TLS_DONE,
 * or a negative oc_err: OC_EPARSE for malformed or unsupported input,
 * OC_ELIMIT when a size cap is hit (h->error and the last error say
 * which). Once DONE or failed, further calls return the same. */
int oc_tls_hello_parse(oc_tls_hello *h, const uint8_t *buf, size_t len);

/* Steps through the ALPN protocol names: *pos starts at 0; returns false
 * after the last. */
bool oc_tls_hello_alpn_next(const oc_tls_hello *h, size_t *pos, const char **name, size_t *len);

#endif
