/*
 * The DNS server under test, for real: its own loop on a thread, listening
 * on GW:53 in the test's private network namespace (tests/unit/kernel's
 * nstest_enter; every address lives on that namespace's lo), a registry
 * with two containers, the fake upstreams of fakeup.h and, when asked, a
 * real oc_firewall in the same namespace. Clients are plain sockets in the
 * test's thread bound to a container's address; every wait is bounded.
 */
#ifndef OC_TEST_DNSSRV_HARNESS_H
#define OC_TEST_DNSSRV_HARNESS_H

/* stdbool before ldns, which otherwise defines bool as signed char */
#include <stdbool.h>
#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/dns.h>
#include <outcall/kernel.h>
#include "fakeup.h"

#define GW "10.200.0.1"
#define GW2 "10.200.1.1"      /* a second network's gateway (not listened on at start) */
#define AGENT "10.200.0.2"    /* container coder-1: agent.name "coder", id "c0ffee",
                               * image "img:1", label team=blue */
#define OTHER "10.200.0.3"    /* container other-7: agent.name "other" */
#define STRANGER "10.200.0.9" /* no container */
/* 96 bytes under rule "dip": one more than a grant's note holds */
#define LONG_DIRECT "a23456789012345678901234567890123456789.b234567890123456789012345678901234567890" \
	".c23.direct.test"

struct h_opts {
	const oc_dns_config *cfg;     /* NULL: h_config() */
	bool firewall;                /* a real oc_firewall with the direct_ip rules
	                               * "dip" and "dip-gw" */
	const oc_kernel_config *kcfg; /* for that firewall; NULL: defaults */
};

/* The test defaults: the fake upstreams, short timeouts, no rate limit. */
void h_config(oc_dns_config *cfg);
void h_start(const struct h_opts *o);
/* Stops and frees everything; a second call does nothing. */
void h_stop(void);
/* Makes `yaml` the live rule set (the server judges by it from then on). */
void h_publish(const char *yaml);

/* A query from `from` over UDP; the parsed answer, or NULL if none came
 * within ms. udp_size 0: no OPT record. */
ldns_pkt *h_ask_udp(const char *from, const char *name, ldns_rr_type type, uint16_t udp_size,
	int ms);
/* The same, asserting that an answer came (3 s). */
ldns_pkt *h_ask(const char *from, const char *name, ldns_rr_type type);
/* Raw: sends msg over UDP from `from`, returns the answer's length or -1. */
int h_udp_raw(const char *from, const uint8_t *msg, size_t len, uint8_t *resp, size_t cap,
	int ms);

/* TCP: a connected socket bound to `from`; framed send and receive. */
int h_tcp_connect(const char *from);
void h_tcp_send(int fd, const uint8_t *msg, size_t len);
/* The next answer, or NULL on timeout or EOF. */
ldns_pkt *h_tcp_recv(int fd, int ms);
/* True if the server closes the connection within ms. */
bool h_tcp_closed_within(int fd, int ms);

/* Runs fn(server, arg) on the server's thread and waits for it. */
void h_on_loop(void (*fn)(oc_dns_server *s, void *arg), void *arg);
/* Sends a query from `from` to `to` (IP:port) over UDP without waiting:
 * returns the socket, for h_recv_udp. */
int h_send_udp(const char *from, const char *to, const char *name, uint16_t id);
/* The answer on fd within ms, or NULL. Closes fd. */
ldns_pkt *h_recv_udp(int fd, int ms);

/* Server state, read on the server's thread. */
void h_stats(oc_dns_stats *st);
/* Upstream i's counters (oc_dns_server_upstreams). */
oc_dns_upstream_stats h_upstream(size_t i);
void h_flush(void);
struct h_cache_entry {
	char name[256], type[16];
	uint32_t ttl_left;
	size_t bytes;
};
/* oc_dns_server_cache_list into e[0..max); returns the entries seen. */
size_t h_cache_list(struct h_cache_entry *e, size_t max);

/* The last decision record the server emitted, and how many so far. */
struct h_event {
	char verdict[16], rule[64], reason[512], host[256], agent[64], type[16], peer[64];
	int rcode, kept, removed;
	uint64_t generation;
};
size_t h_events(struct h_event *last);
/* The same once at least n records came (the server emits a forwarded
 * query's record just after sending its answer); waits 2 s at most. */
size_t h_events_wait(size_t n, struct h_event *last);

struct fakeup *h_fakeup(void);
oc_firewall *h_firewall(void);

/* Section text of a parsed answer, as tests/unit/dns's t_section. */
char *h_section(const ldns_pkt *p, ldns_pkt_section s);

#endif
