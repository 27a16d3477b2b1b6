/* The ClientHello reader (clienthello.h): record reassembly, then one
 * bounded walk over the hello with a reader that cannot step outside the
 * bytes it was given. */
#include "tls/clienthello.h"

#include <stdlib.h>
#include <string.h>

#include "sockets/hostname.h"

enum { ST_RECORDS, ST_DONE, ST_FAILED };

enum {
	REC_HANDSHAKE = 22,
	HS_CLIENT_HELLO = 1,
	EXT_SERVER_NAME = 0,
	EXT_ALPN = 16,
	EXT_ECH = 0xfe0d,
	NAME_TYPE_HOST = 0,
	RECORD_MAX = 16384,
};

void oc_tls_hello_init(oc_tls_hello *h)
{
	memset(h, 0, sizeof(*h));
}

void oc_tls_hello_free(oc_tls_hello *h)
{
	free(h->gather);
	h->gather = NULL;
}

static int fail_code(oc_tls_hello *h, int code, const char *why)
{
	h->state = ST_FAILED;
	h->failure = (int8_t)code;
	h->error = why;
	oc_tls_hello_free(h);
	return oc_error_set(code, "TLS ClientHello refused: %s", why);
}

static int fail(oc_tls_hello *h, const char *why)
{
	return fail_code(h, OC_EPARSE, why);
}

/* A bounded reader: every read checks what is left. */
typedef struct rd {
	const uint8_t *p;
	size_t n;
} rd;

static bool get(rd *r, size_t k, uint32_t *v)
{
	if (r->n < k)
		return false;
	*v = 0;
	for (size_t i = 0; i < k; i++)
		*v = *v << 8 | r->p[i];
	r->p += k;
	r->n -= k;
	return true;
}

/* A vector with a k-byte length prefix, which must fit in what is left. */
static bool vec(rd *r, size_t k, rd *out)
{
	uint32_t len;
	if (!get(r, k, &len) || len > r->n)
		return false;
	*out = (rd){ r->p, len };
	r->p += len;
	r->n -= len;
	return true;
}

static int server_name(oc_tls_hello *h, rd ext)
{
	rd list;
	if (!vec(&ext, 2, &list) || ext.n || !list.n)
		return fail(h, "malformed server_name extension");
	while (list.n) {
		uint32_t type;
		rd name;
		if (!get(&list, 1, &type) || !vec(&list, 2, &name))
			return fail(h, "malformed server_name entry");
		if (type != NAME_TYPE_HOST)
			continue;
		if (h->has_sni)
			return fail(h, "server_name has more than one host_name");
		if (!oc_hostname_syntax_ok((const char *)name.p, name.n, false))
			return fail(h, "SNI is not a valid DNS name");
		if (oc_hostname_ends_in_number((const char *)name.p, name.n))
			return fail(h, "SNI is an IP address (RFC 6066 allows only DNS names)");
		memcpy(h->sni, name.p, name.n);
		h->sni[name.n] = '\0';
		h->has_sni = true;
	}
	return 0;
}

static int alpn(oc_tls_hello *h, rd ext)
{
	rd list;
	if (!vec(&ext, 2, &list) || ext.n || !list.n)
		return fail(h, "malformed ALPN extension");
	while (list.n) {
		rd name;
		if (!vec(&list, 1, &name) || !name.n)
			return fail(h, "malformed ALPN protocol name");
		if (h->alpn_truncated || h->alpn_len + 1 + name.n > sizeof(h->alpn)) {
			h->alpn_truncated = true;
			continue;
		}
		h->alpn[h->alpn_len] = (uint8_t)name.n;
		memcpy(h->alpn + h->alpn_len + 1, name.p, name.n);
		h->alpn_len = (uint16_t)(h->alpn_len + 1 + name.n);
	}
	return 0;
}

static int extensions(oc_tls_hello *h, rd r)
{
	rd all;
	if (!vec(&r, 2, &all) || r.n)
		return fail(h, "extensions length does not match the ClientHello");
	uint64_t seen[65536 / 64] = { 0 };
	while (all.n) {
		uint32_t type;
		rd ext;
		if (!get(&all, 2, &type) || !vec(&all, 2, &ext))
			return fail(h, "malformed extension header");
		if (seen[type / 64] & (1ull << (type % 64)))
			return fail(h, "an extension appears twice");
		seen[type / 64] |= 1ull << (type % 64);
		int rc = 0;
		if (type == EXT_SERVER_NAME)
			rc = server_name(h, ext);
		else if (type == EXT_ALPN)
			rc = alpn(h, ext);
		else if (type == EXT_ECH)
			h->ech = true;
		if (rc)
			return rc;
	}
	return 0;
}

/* The ClientHello body (after the 4-byte handshake header). */
static int client_hello(oc_tls_hello *h, const uint8_t *p, size_t n)
{
	rd r = { p, n }, skip;
	uint32_t version;
	if (!get(&r, 2, &version) || r.n < 32)
		return fail(h, "ClientHello truncated before its random");
	if (version >> 8 != 3 || version < 0x0301)
		return fail(h, "ClientHello older than TLS 1.0 (SSL 3.0 or SSLv2)");
	h->version = (uint16_t)version;
	r.p += 32;
	r.n -= 32;
	if (!vec(&r, 1, &skip) || skip.n > 32)
		return fail(h, "malformed session_id");
	if (!vec(&r, 2, &skip) || skip.n < 2 || skip.n % 2)
		return fail(h, "malformed cipher_suites");
	if (!vec(&r, 1, &skip) || skip.n < 1)
		return fail(h, "malformed compression_methods");
	if (r.n == 0)
		return 0; /* no extensions at all: no SNI */
	return extensions(h, r);
}

/* The handshake header is known: check it and note the length needed. */
static int header(oc_tls_hello *h, const uint8_t *hs)
{
	if (hs[0] != HS_CLIENT_HELLO)
		return fail(h, "first handshake message is not a ClientHello");
	uint32_t len = (uint32_t)hs[1] << 16 | (uint32_t)hs[2] << 8 | hs[3];
	if (len > OC_TLS_HELLO_MAX)
		return fail_code(h, OC_ELIMIT, "ClientHello larger than 16 KiB");
	h->need = 4 + len;
	return 0;
}

/* Appends a record's payload to the gathered handshake bytes. */
static int gather(oc_tls_hello *h, const uint8_t *p, size_t n)
{
	if (!h->gather && !(h->gather = malloc(4 + OC_TLS_HELLO_MAX)))
		return fail_code(h, OC_ENOMEM, "out of memory");
	if (h->need && h->have + n > h->need)
		return fail(h, "data after the ClientHello in its record");
	memcpy(h->gather + h->have, p, n);
	h->have += (uint32_t)n;
	if (!h->need && h->have >= 4) {
		int rc = header(h, h->gather);
		if (rc)
			return rc;
		if (h->have > h->need)
			return fail(h, "data after the ClientHello in its record");
	}
	return 0;
}

static int finish(oc_tls_hello *h, const uint8_t *body, size_t n)
{
	int rc = client_hello(h, body, n);
	oc_tls_hello_free(h);
	if (rc)
		return rc;
	h->consumed = h->rec_off;
	h->state = ST_DONE;
	return OC_TLS_DONE;
}

/* Checks the record header at rh (len bytes of it available, 1 to 5) as
 * far as it goes, so that non-TLS traffic is refused on its first byte. */
static int record_header(oc_tls_hello *h, const uint8_t *rh, size_t len, uint32_t *rlen)
{
	if (rh[0] != REC_HANDSHAKE) {
		if (rh[0] & 0x80)
			return fail(h, "SSLv2-style ClientHello is not supported");
		return fail(h, "not a TLS handshake record");
	}
	if (len >= 2 && rh[1] != 3)
		return fail(h, "record version is not 3.x");
	if (len < 5)
		return OC_TLS_MORE;
	*rlen = (uint32_t)rh[3] << 8 | rh[4];
	if (*rlen == 0)
		return fail(h, "empty handshake record");
	if (*rlen > RECORD_MAX)
		return fail(h, "record longer than 2^14 bytes");
	if (h->rec_off + 5 + *rlen > OC_TLS_RECORDS_MAX)
		return fail_code(h, OC_ELIMIT, "ClientHello spread over too many record bytes");
	return OC_TLS_DONE;
}

int oc_tls_hello_parse(oc_tls_hello *h, const uint8_t *buf, size_t len)
{
	if (h->state == ST_DONE)
		return OC_TLS_DONE;
	if (h->state == ST_FAILED)
		return oc_error_set(h->failure, "TLS ClientHello refused: %s", h->error);
	while (len > h->rec_off) {
		const uint8_t *rh = buf + h->rec_off;
		uint32_t rlen = 0;
		int rc = record_header(h, rh, len - h->rec_off, &rlen);
		if (rc <= 0)
			return rc;
		if (len - h->rec_off < 5 + rlen)
			return OC_TLS_MORE;
		const uint8_t *payload = rh + 5;
		h->rec_off += 5 + rlen;
		/* The usual case: the whole hello in the first record. */
		if (!h->have && rlen >= 4) {
			if ((rc = header(h, payload)))
				return rc;
			if (rlen > h->need)
				return fail(h, "data after the ClientHello in its record");
			if (rlen == h->need)
				return finish(h, payload + 4, h->need - 4);
		}
		if ((rc = gather(h, payload, rlen)))
			return rc;
		if (h->need && h->have == h->need)
			return finish(h, h->gather + 4, h->need - 4);
	}
	return OC_TLS_MORE;
}

bool oc_tls_hello_alpn_next(const oc_tls_hello *h, size_t *pos, const char **name, size_t *len)
{
	if (*pos >= h->alpn_len)
		return false;
	*len = h->alpn[*pos];
	*name = (const char *)h->alpn + *pos + 1;
	*pos += 1 + *len;
	return true;
}
