/* Shared by the HTTP tests: parse a request from a string, both at once
 * and byte by byte, in an exact-size heap copy so that ASan catches any
 * read past the bytes received. */
#ifndef OC_TEST_HTTP_HELPERS_H
#define OC_TEST_HTTP_HELPERS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http/request.h"

struct parsed {
	oc_http_request r;
	char *buf;
	size_t len;
	int rc;
};

static inline bool same_span(oc_http_span a, oc_http_span b)
{
	return a.off == b.off && a.len == b.len;
}

static inline bool same_authority(const oc_http_authority *a, const oc_http_authority *b)
{
	return same_span(a->host, b->host) && a->port == b->port && a->ipv6 == b->ipv6;
}

static inline void same_results(const oc_http_request *a, const oc_http_request *b)
{
	cr_assert(a->version_minor == b->version_minor && a->flags == b->flags &&
		a->method == b->method && a->form == b->form && a->framing == b->framing &&
		a->content_length == b->content_length && a->nheaders == b->nheaders,
		"incremental results differ");
	cr_assert(same_span(a->method_text, b->method_text) && same_span(a->target, b->target) &&
		same_span(a->path, b->path) && same_span(a->query, b->query) &&
		same_span(a->origin, b->origin), "incremental spans differ");
	cr_assert(same_authority(&a->target_authority, &b->target_authority) &&
		same_authority(&a->host, &b->host), "incremental authorities differ");
	for (int i = 0; i < a->nheaders; i++)
		cr_assert(same_span(a->headers[i].name, b->headers[i].name) &&
			same_span(a->headers[i].value, b->headers[i].value) &&
			a->headers[i].flags == b->headers[i].flags, "header %d differs", i);
}

/* Parses `text` (len bytes) in one call and again one byte at a time; the
 * two must agree. The caller frees p->buf. */
static inline void parse_n(struct parsed *p, const char *text, size_t len)
{
	p->len = len;
	p->buf = malloc(len ? len : 1);
	memcpy(p->buf, text, len);
	oc_http_request_init(&p->r);
	p->rc = oc_http_request_parse(&p->r, p->buf, len);

	static oc_http_request inc;
	oc_http_request_init(&inc);
	int rc = OC_HTTP_MORE;
	for (size_t k = 1; k <= len && rc == OC_HTTP_MORE; k++)
		rc = oc_http_request_parse(&inc, p->buf, k);
	cr_assert_eq(rc, p->rc, "byte-by-byte parse ended with %d, whole with %d", rc, p->rc);
	cr_assert_eq(inc.status, p->r.status);
	if (rc == OC_HTTP_DONE) {
		cr_assert_eq(inc.head_len, p->r.head_len);
		same_results(&inc, &p->r);
	}
}

static inline void parse(struct parsed *p, const char *text)
{
	parse_n(p, text, strlen(text));
}

/* The span's text compared with a string. */
static inline bool span_is(const struct parsed *p, oc_http_span s, const char *want)
{
	return s.len == strlen(want) && memcmp(p->buf + s.off, want, s.len) == 0;
}

#endif
