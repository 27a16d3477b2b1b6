#include "helpers.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

uint8_t *t_query(const char *name, ldns_rr_type type, uint16_t udp_size, bool do_bit,
	uint16_t id, size_t *len)
{
	ldns_pkt *p = NULL;
	cr_assert_eq(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
		LDNS_STATUS_OK, "bad test name %s", name);
	ldns_pkt_set_id(p, id);
	if (udp_size) {
		ldns_pkt_set_edns_udp_size(p, udp_size);
		ldns_pkt_set_edns_do(p, do_bit);
	}
	uint8_t *w = t_wire(p, len);
	ldns_pkt_free(p);
	return w;
}

void t_parsed_query(oc_dns_query *q, const char *name, ldns_rr_type type, uint16_t udp_size)
{
	size_t len;
	uint8_t *w = t_query(name, type, udp_size, false, 0x1234, &len);
	cr_assert_eq(oc_dns_query_parse(w, len, q), OC_DNS_QUERY_OK, "%s", q->why);
	free(w);
}

static void push_all(ldns_pkt *p, ldns_pkt_section s, const char *const *rrs)
{
	for (size_t i = 0; rrs && rrs[i]; i++) {
		ldns_rr *rr = NULL;
		cr_assert_eq(ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL), LDNS_STATUS_OK,
			"bad test record %s", rrs[i]);
		ldns_pkt_push_rr(p, s, rr);
	}
}

ldns_pkt *t_answer(const char *name, ldns_rr_type type, ldns_pkt_rcode rcode, uint16_t id,
	const char *const *answer, const char *const *authority)
{
	ldns_pkt *p = NULL;
	cr_assert_eq(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
		LDNS_STATUS_OK);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	push_all(p, LDNS_SECTION_ANSWER, answer);
	push_all(p, LDNS_SECTION_AUTHORITY, authority);
	return p;
}

uint8_t *t_wire(const ldns_pkt *p, size_t *len)
{
	uint8_t *w = NULL;
	cr_assert_eq(ldns_pkt2wire(&w, p, len), LDNS_STATUS_OK);
	return w;
}

ldns_pkt *t_parse(const uint8_t *wire, size_t len)
{
	ldns_pkt *p = NULL;
	cr_assert_eq(ldns_wire2pkt(&p, wire, len), LDNS_STATUS_OK, "ldns rejects our packet");
	return p;
}

bool t_ede(ldns_pkt *p, uint16_t *code, char *text, size_t size)
{
	ldns_edns_option_list *l = ldns_pkt_edns_get_option_list(p);
	for (size_t i = 0; l && i < ldns_edns_option_list_get_count(l); i++) {
		ldns_edns_option *o = ldns_edns_option_list_get_option(l, i);
		if (ldns_edns_get_code(o) != LDNS_EDNS_EDE)
			continue;
		size_t n = ldns_edns_get_size(o);
		const uint8_t *d = ldns_edns_get_data(o);
		cr_assert_geq(n, 2);
		*code = (uint16_t)(d[0] << 8 | d[1]);
		cr_assert_lt(n - 2, size);
		memcpy(text, d + 2, n - 2);
		text[n - 2] = '\0';
		return true;
	}
	return false;
}

char *t_section(const ldns_pkt *p, ldns_pkt_section s)
{
	ldns_rr_list *l = ldns_pkt_get_section_clone(p, s);
	ldns_buffer *b = ldns_buffer_new(256);
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		if (i)
			ldns_buffer_printf(b, " | ");
		ldns_rdf2buffer_str(b, ldns_rr_owner(rr));
		ldns_buffer_printf(b, " ");
		ldns_rr_type2buffer_str(b, ldns_rr_get_type(rr));
		for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
			ldns_buffer_printf(b, " ");
			ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, j));
		}
	}
	char *s2 = ldns_buffer_export2str(b);
	ldns_buffer_free(b);
	ldns_rr_list_deep_free(l);
	return s2;
}
