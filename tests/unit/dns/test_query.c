#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "dns/query.h"

static oc_dns_verdict parse_raw(const void *pkt, size_t len, oc_dns_query *q)
{
	/* Copy to an exact-size heap block so ASan catches any over-read. */
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, pkt, len);
	oc_dns_verdict v = oc_dns_query_parse(copy, len, q);
	free(copy);
	return v;
}

Test(query, plain_query_normalised_with_case_kept_in_question)
{
	size_t len;
	uint8_t *w = t_query("WWW.Example.COM.", LDNS_RR_TYPE_AAAA, 0, false, 0xbeef, &len);
	oc_dns_query q;
	cr_assert_eq(parse_raw(w, len, &q), OC_DNS_QUERY_OK);
	cr_assert_str_eq(q.name, "www.example.com");
	cr_assert_eq(q.name_len, 15);
	cr_assert_eq(q.id, 0xbeef);
	cr_assert(q.flags & 0x0100); /* RD */
	cr_assert_eq(q.qtype, LDNS_RR_TYPE_AAAA);
	cr_assert_eq(q.qclass, LDNS_RR_CLASS_IN);
	cr_assert_not(q.edns);
	cr_assert_eq(q.qlen, len - 12);
	cr_assert_eq(memcmp(q.question, w + 12, q.qlen), 0);
	cr_assert_eq(memcmp(q.question, "\3WWW\7Example\3COM\0", 17), 0);
	free(w);
}

Test(query, edns_size_and_do_bit)
{
	size_t len;
	uint8_t *w = t_query("example.com", LDNS_RR_TYPE_A, 4096, true, 1, &len);
	oc_dns_query q;
	cr_assert_eq(parse_raw(w, len, &q), OC_DNS_QUERY_OK);
	cr_assert(q.edns);
	cr_assert(q.edns_do);
	cr_assert_eq(q.udp_size, 4096);
	free(w);
}

Test(query, drops_responses_and_runts)
{
	oc_dns_query q;
	cr_assert_eq(parse_raw("\x12\x34\x01\x00\0\1\0\0\0\0\0", 11, &q), OC_DNS_QUERY_DROP);
	size_t len;
	uint8_t *w = t_query("example.com", LDNS_RR_TYPE_A, 0, false, 7, &len);
	w[2] |= 0x80; /* QR */
	cr_assert_eq(parse_raw(w, len, &q), OC_DNS_QUERY_DROP);
	cr_assert_str_eq(q.why, "a response, not a query");
	free(w);
}

static void expect_error(const void *pkt, size_t len, int rcode, bool has_question)
{
	oc_dns_query q;
	cr_assert_eq(parse_raw(pkt, len, &q), OC_DNS_QUERY_ERROR);
	cr_assert_eq(q.rcode, rcode, "rcode %d, want %d (%s)", q.rcode, rcode, q.why);
	cr_assert_eq(q.has_question, has_question);
	cr_assert_not_null(q.why);
}

#define HDR(flags, qd, an, ns, ar) "\x12\x34" flags "\0" qd "\0" an "\0" ns "\0" ar
#define QEX "\7example\3com\0\0\1\0\1"

Test(query, opcode_and_counts)
{
	/* NOTIFY (opcode 4): not implemented, question not parsed. */
	expect_error(HDR("\x20\x00", "\1", "\0", "\0", "\0") QEX, 12 + 17, 4, false);
	expect_error(HDR("\x01\x00", "\0", "\0", "\0", "\0"), 12, 1, false);
	expect_error(HDR("\x01\x00", "\2", "\0", "\0", "\0") QEX QEX, 12 + 34, 1, false);
	expect_error(HDR("\x01\x00", "\1", "\1", "\0", "\0") QEX, 12 + 17, 1, false);
}

Test(query, malformed_questions)
{
	/* Name runs past the end. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7exam", 12 + 5, 1, false);
	/* Type and class missing. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7example\3com\0\0", 12 + 14, 1, false);
	/* A compression pointer in the question. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\3www\xc0\x0c\0\1\0\1", 12 + 10, 1,
		false);
	/* Reserved label type. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\x47x\0\0\1\0\1", 12 + 7, 1, false);
	/* Trailing garbage. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") QEX "\0", 12 + 18, 1, true);
	/* ARCOUNT promises a record that is not there. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\1") QEX, 12 + 17, 1, true);
}

/* Appends `count` labels of `n` copies of `c`. */
static size_t put_labels(uint8_t *pkt, size_t off, int count, uint8_t n, char c)
{
	for (int i = 0; i < count; i++) {
		pkt[off++] = n;
		memset(pkt + off, c, n);
		off += n;
	}
	return off;
}

Test(query, name_longer_than_255_bytes)
{
	uint8_t pkt[12 + 300] = "\x12\x34\x01\x00\0\1\0\0\0\0\0\0";
	/* 4 * 64 = 256 bytes of labels, plus the root. */
	size_t off = put_labels(pkt, 12, 4, 63, 'a');
	pkt[off++] = 0;
	memcpy(pkt + off, "\0\1\0\1", 4);
	expect_error(pkt, off + 4, 1, false);

	/* 253 characters is the longest valid name. */
	off = put_labels(pkt, 12, 3, 63, 'b');
	off = put_labels(pkt, off, 1, 61, 'c');
	pkt[off++] = 0;
	memcpy(pkt + off, "\0\1\0\1", 4);
	oc_dns_query q;
	cr_assert_eq(parse_raw(pkt, off + 4, &q), OC_DNS_QUERY_OK, "%s", q.why);
	cr_assert_eq(strlen(q.name), 253);
	cr_assert_eq(q.name_len, 253);
}

#define OPT(ver, rdlen) "\0\0\x29\x10\0\0" ver "\0\0\0" rdlen

Test(query, edns_errors)
{
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\2") QEX OPT("\0", "\0") OPT("\0", "\0"),
		12 + 17 + 22, 1, true);
	/* OPT owned by a name other than the root. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\1") QEX "\1x\0\0\x29\x10\0\0\0\0\0\0\0",
		12 + 17 + 13, 1, true);
	/* Option length larger than the RDATA. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\1") QEX OPT("\0", "\4") "\0\x0a\0\x09",
		12 + 17 + 11 + 4, 1, true);
	/* EDNS version 1: BADVERS. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\1") QEX OPT("\1", "\0"), 12 + 17 + 11, 16,
		true);
	/* A well-formed cookie option is fine. */
	oc_dns_query q;
	cr_assert_eq(parse_raw(HDR("\x01\x00", "\1", "\0", "\0", "\1") QEX OPT("\0", "\x0c")
		"\0\x0a\0\x08" "abcdefgh", 12 + 17 + 11 + 12, &q), OC_DNS_QUERY_OK);
	cr_assert(q.edns);
	cr_assert_eq(q.udp_size, 0x1000);
}

Test(query, refused_classes_types_and_names)
{
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7version\4bind\0\0\x10\0\3",
		12 + 18, 5, true);
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7example\3com\0\0\xfc\0\1",
		12 + 17, 5, true);
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7example\3com\0\0\x29\0\1",
		12 + 17, 5, true);
	/* A dot or a space inside a label has no host-name form. */
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7exa.ple\3com\0\0\1\0\1",
		12 + 17, 5, true);
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7exa ple\3com\0\0\1\0\1",
		12 + 17, 5, true);
	expect_error(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7exa\xc3\xa9le\3com\0\0\1\0\1",
		12 + 17, 5, true);
}

Test(query, any_underscore_and_root_are_queries)
{
	oc_dns_query q;
	cr_assert_eq(parse_raw(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\7example\3com\0\0\xff\0\1",
		12 + 17, &q), OC_DNS_QUERY_OK);
	cr_assert_eq(parse_raw(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\4_tcp\7Example\0\0\x21\0\1",
		12 + 18, &q), OC_DNS_QUERY_OK);
	cr_assert_str_eq(q.name, "_tcp.example");
	cr_assert_eq(parse_raw(HDR("\x01\x00", "\1", "\0", "\0", "\0") "\0\0\2\0\1", 12 + 5, &q),
		OC_DNS_QUERY_OK);
	cr_assert_str_eq(q.name, "");
}
