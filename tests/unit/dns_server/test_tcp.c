/* TCP clients (RFC 7766): framing, pipelining, idle timeout, bounds. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "../dns/helpers.h"

TestSuite(tcp, .fini = h_stop, .timeout = 30);

static void send_query(int fd, const char *name, uint16_t id)
{
	size_t len;
	uint8_t *q = t_query(name, LDNS_RR_TYPE_A, 1232, false, id, &len);
	h_tcp_send(fd, q, len);
	free(q);
}

Test(tcp, pipelined_queries_are_answered_in_any_order_then_idle_closes)
{
	oc_dns_config cfg;
	h_config(&cfg);
	cfg.tcp_idle_ms = 400;
	h_start(&(struct h_opts){ .cfg = &cfg });
	int fd = h_tcp_connect(AGENT);
	/* both in one segment: the slow one first */
	size_t l1, l2;
	uint8_t *q1 = t_query("slow.allowed.test", LDNS_RR_TYPE_A, 1232, false, 1, &l1);
	uint8_t *q2 = t_query("paste.evil.test", LDNS_RR_TYPE_A, 1232, false, 2, &l2);
	uint8_t both[1024];
	both[0] = (uint8_t)(l1 >> 8);
	both[1] = (uint8_t)l1;
	memcpy(both + 2, q1, l1);
	both[2 + l1] = (uint8_t)(l2 >> 8);
	both[3 + l1] = (uint8_t)l2;
	memcpy(both + 4 + l1, q2, l2);
	cr_assert_eq(send(fd, both, 4 + l1 + l2, 0), (ssize_t)(4 + l1 + l2));
	free(q1);
	free(q2);

	ldns_pkt *a = h_tcp_recv(fd, 3000), *b = h_tcp_recv(fd, 3000);
	cr_assert(a && b, "two answers on one connection");
	cr_assert_eq(ldns_pkt_id(a), 2, "the blocked answer does not wait for the slow one");
	cr_assert_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	cr_assert_eq(ldns_pkt_id(b), 1);
	cr_assert_eq(ldns_pkt_ancount(b), 1);
	ldns_pkt_free(a);
	ldns_pkt_free(b);

	/* a third query on the same connection, from the cache */
	send_query(fd, "slow.allowed.test", 3);
	a = h_tcp_recv(fd, 3000);
	cr_assert_not_null(a);
	cr_assert_eq(ldns_pkt_id(a), 3);
	ldns_pkt_free(a);

	cr_assert(h_tcp_closed_within(fd, 3000), "idle connections are closed");
	close(fd);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.tcp_queries, 3);
	cr_assert_eq(st.tcp_accepted, 1);
	cr_assert_eq(st.tcp_idle_closed, 1);
	cr_assert_eq(st.tcp_open, 0);
}

Test(tcp, idle_timeout_waits_for_queries_in_flight)
{
	oc_dns_config cfg;
	h_config(&cfg);
	cfg.tcp_idle_ms = 100; /* shorter than the upstream's 150 ms */
	h_start(&(struct h_opts){ .cfg = &cfg });
	int fd = h_tcp_connect(AGENT);
	send_query(fd, "slow.allowed.test", 7);
	ldns_pkt *a = h_tcp_recv(fd, 3000);
	cr_assert_not_null(a, "the answer comes although the connection was idle");
	cr_assert_eq(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);
	cr_assert(h_tcp_closed_within(fd, 3000));
	close(fd);
}

Test(tcp, client_closing_its_side_still_gets_its_answers)
{
	h_start(NULL);
	int fd = h_tcp_connect(AGENT);
	send_query(fd, "slow.allowed.test", 9);
	shutdown(fd, SHUT_WR);
	ldns_pkt *a = h_tcp_recv(fd, 3000);
	cr_assert_not_null(a);
	cr_assert_eq(ldns_pkt_id(a), 9);
	ldns_pkt_free(a);
	cr_assert(h_tcp_closed_within(fd, 3000), "then the server closes");
	close(fd);
}

Test(tcp, unknown_peer_is_refused)
{
	h_start(NULL);
	int fd = h_tcp_connect(STRANGER);
	send_query(fd, "www.allowed.test", 5);
	ldns_pkt *a = h_tcp_recv(fd, 3000);
	cr_assert_not_null(a);
	cr_assert_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	ldns_pkt_free(a);
	close(fd);
}

Test(tcp, oversized_message_closes_the_connection)
{
	h_start(NULL);
	int fd = h_tcp_connect(AGENT);
	uint8_t prefix[2] = { 0xff, 0xff };
	cr_assert_eq(send(fd, prefix, 2, 0), 2);
	cr_assert(h_tcp_closed_within(fd, 3000));
	close(fd);
}

Test(tcp, connections_beyond_the_cap_are_closed)
{
	oc_dns_config cfg;
	h_config(&cfg);
	cfg.max_tcp_clients = 1;
	h_start(&(struct h_opts){ .cfg = &cfg });
	int first = h_tcp_connect(AGENT);
	send_query(first, "paste.evil.test", 1); /* the first is served */
	ldns_pkt *a = h_tcp_recv(first, 3000);
	cr_assert_not_null(a);
	ldns_pkt_free(a);
	int second = h_tcp_connect(OTHER);
	cr_assert(h_tcp_closed_within(second, 3000));
	close(second);
	close(first);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.tcp_rejected, 1);
}

/* One container cannot take every slot: its own cap closes its extra
 * connections while another container is still served. */
Test(tcp, one_container_cannot_take_every_connection)
{
	oc_dns_config cfg;
	h_config(&cfg);
	cfg.max_tcp_clients = 8;
	cfg.max_tcp_clients_per_container = 2;
	h_start(&(struct h_opts){ .cfg = &cfg });
	int fds[6];
	for (int i = 0; i < 6; i++)
		fds[i] = h_tcp_connect(AGENT);
	int closed = 0;
	for (int i = 0; i < 6; i++)
		closed += h_tcp_closed_within(fds[i], i < 2 ? 200 : 3000);
	cr_assert_eq(closed, 4, "AGENT keeps 2 connections, %d of 6 were closed", closed);
	int other = h_tcp_connect(OTHER);
	send_query(other, "paste.evil.test", 4);
	ldns_pkt *a = h_tcp_recv(other, 3000);
	cr_assert_not_null(a, "another container is still served");
	ldns_pkt_free(a);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.tcp_rejected, 4);
	for (int i = 0; i < 6; i++)
		close(fds[i]);
	close(other);
}

/* A query dribbled in a byte at a time cannot hold its connection past
 * the deadline: bytes do not reset it, only whole queries do. */
Test(tcp, dribbled_bytes_do_not_extend_the_deadline)
{
	oc_dns_config cfg;
	h_config(&cfg);
	cfg.tcp_idle_ms = 500;
	h_start(&(struct h_opts){ .cfg = &cfg });
	int fd = h_tcp_connect(AGENT);
	size_t len;
	uint8_t *q = t_query("paste.evil.test", LDNS_RR_TYPE_A, 1232, false, 3, &len);
	uint8_t framed[512] = { (uint8_t)(len >> 8), (uint8_t)len };
	memcpy(framed + 2, q, len);
	free(q);
	/* 2 + len bytes, one every 100 ms: six times the deadline in all */
	bool closed = false;
	for (size_t i = 0; i < 2 + len && !closed; i++) {
		if (send(fd, framed + i, 1, MSG_NOSIGNAL) != 1)
			closed = true;
		else
			closed = h_tcp_closed_within(fd, 100);
	}
	cr_assert(closed || h_tcp_closed_within(fd, 3000),
		"the connection is closed before the dribbled query completes");
	oc_dns_stats st = OC_DNS_STATS_INIT;
	h_stats(&st);
	cr_assert_eq(st.tcp_queries, 0, "the dribbled query was never answered");
	close(fd);
}
