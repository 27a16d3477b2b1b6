/* Packets for the DNS tests, built and read with ldns so the tests do not
 * share the code under test's idea of the wire format. */
#ifndef OC_TEST_DNS_HELPERS_H
#define OC_TEST_DNS_HELPERS_H

/* stdbool before ldns, which otherwise defines bool as signed char */
#include <stdbool.h>
#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>
#include "dns/query.h"

/* A query; udp_size 0 means no OPT record. Free with free(). */
uint8_t *t_query(const char *name, ldns_rr_type type, uint16_t udp_size, bool do_bit,
	uint16_t id, size_t *len);
/* t_query() parsed with oc_dns_query_parse(), asserting OC_DNS_QUERY_OK. */
void t_parsed_query(oc_dns_query *q, const char *name, ldns_rr_type type, uint16_t udp_size);

/* An upstream answer to `name`/`type` with the records given in zone-file
 * syntax (NULL-terminated lists; authority may be NULL). */
ldns_pkt *t_answer(const char *name, ldns_rr_type type, ldns_pkt_rcode rcode, uint16_t id,
	const char *const *answer, const char *const *authority);
uint8_t *t_wire(const ldns_pkt *p, size_t *len);
/* Parses wire bytes, asserting that ldns accepts them. */
ldns_pkt *t_parse(const uint8_t *wire, size_t len);

/* The first Extended DNS Error of a parsed answer: false if none. text
 * gets the EXTRA-TEXT, NUL-terminated. */
bool t_ede(ldns_pkt *p, uint16_t *code, char *text, size_t size);

/* Owner names, types and rdata of a section as one line of text
 * ("a.example. CNAME b.example. | b.example. A 1.2.3.4"), for asserts. */
char *t_section(const ldns_pkt *p, ldns_pkt_section s);

#endif
