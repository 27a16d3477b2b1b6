/*
 * libFuzzer target for the DNS server's per-packet path (dns/server.h):
 * packet in, answer out, under a fixed rule set, as oc_dns_srv_query runs
 * it for a UDP datagram or a TCP message.
 *
 * Input: one control byte, then the packet.
 *   bit 0: the peer is a managed container (else a stranger)
 *   bit 1: over TCP (else UDP)
 *   bit 2: first store the packet, taken as an upstream answer to the
 *          question it carries, in the server's cache (as the forwarding
 *          path would, filtered under the rule's allow_private_ips), then
 *          ask that question: the cache-hit path with its CNAME checks and
 *          direct_ip grants
 * Every answer must be a DNS message ldns can read, with the query's id.
 *
 * Forwarding runs too: the target lives in a network namespace of its own
 * with no interface up, so every upstream attempt fails at once and no
 * packet can leave (the answer is then SERVFAIL).
 */
/* before ldns, which otherwise defines its own bool */
#include <stdbool.h>
#include <ldns/ldns.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <outcall/outcall.h>
#include "dns/server.h"
#include "dns/upstream.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_yaml[] =
	"version: \"1\"\n"
	"rules:\n"
	"  - id: blocked\n"
	"    condition: 'dns.query.endsWith(\"blocked\")'\n"
	"    action: block\n"
	"  - id: direct\n"
	"    condition: 'dns.query.startsWith(\"d\")'\n"
	"    action: allow\n"
	"    egress: { mode: direct_ip, ports: [443] }\n"
	"  - id: private\n"
	"    condition: 'dns.query.startsWith(\"p\") && agent.name == \"coder\"'\n"
	"    action: allow\n"
	"    egress: { allow_private_ips: true }\n"
	"  - id: rest\n"
	"    condition: 'dns.record_type != \"TXT\"'\n"
	"    action: allow\n";

static oc_dns_server *srv;
static uint64_t events_seen;

struct capture {
	struct oc_dns_sink sink;
	size_t sent;
};

static void capture_send(struct oc_dns_sink *sink, const oc_sockaddr *peer, const uint8_t *msg,
	size_t len)
{
	((struct capture *)sink)->sent++;
}

static void on_event(const oc_event *ev, void *arg)
{
	if (ev->layer != OC_EVENT_LAYER_DNS || ev->verdict == OC_EVENT_VERDICT_NONE)
		abort();
	events_seen++;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz-dns_server: %s: %s\n", what, oc_error_last()->message);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "fuzz-dns_server: needs a private network namespace (run as root) so "
			"that forwarded queries cannot leave\n");
		abort();
	}
	oc_ruleset *rs = NULL;
	oc_live *live = NULL;
	oc_registry *reg = NULL;
	oc_addr_policy *priv = NULL;
	oc_events *events = NULL;
	if (oc_ruleset_load_string("fuzz.yaml", rules_yaml, sizeof(rules_yaml) - 1, NULL, &rs, NULL) < 0 ||
		oc_live_new(&live) < 0 || oc_registry_new(&reg) < 0 ||
		oc_addr_policy_new(NULL, &priv) < 0 || oc_events_new(64, &events) < 0 ||
		!oc_events_subscribe(events, on_event, NULL))
		die("setup");
	oc_live_publish(live, rs);
	oc_ruleset_unref(rs);
	oc_container_spec spec = { .name = "coder-1", .network = "default", .veth = "v" };
	spec.ip.s_addr = htonl(0x0ac80002);
	oc_container *c;
	if (oc_container_new(&spec, &c) < 0 || oc_registry_put(reg, c) < 0)
		die("container");
	oc_container_unref(c);
	oc_dns_config cfg;
	oc_dns_config_init(&cfg, OC_DNS_CONFIG_VERSION);
	cfg.upstreams = "127.0.0.1:53";
	cfg.cache_entries = 64;
	cfg.cache_bytes = 1 << 20;
	cfg.rate_per_sec = 1e9;
	cfg.rate_burst = 1e9;
	oc_services svc = { .rules = live, .registry = reg, .events = events,
		.private_ranges = priv };
	oc_loop *loop = NULL;
	if (oc_loop_new(&loop) < 0 || oc_dns_server_new(loop, &cfg, &svc, &srv) < 0)
		die("server");
	return 0;
}

/* data's own question as a query, if it has one. */
static bool question_of(const uint8_t *data, size_t size, oc_dns_query *q)
{
	if (size < OC_DNS_HEADER_LEN)
		return false;
	size_t end = oc_dns_skip_name(data, size, OC_DNS_HEADER_LEN);
	if (end == 0 || size - end < 4 || end + 4 - OC_DNS_HEADER_LEN > OC_DNS_QUESTION_MAX)
		return false;
	uint8_t pkt[OC_DNS_HEADER_LEN + OC_DNS_QUESTION_MAX] = { data[0], data[1], 1, 0, 0, 1 };
	size_t qlen = end + 4 - OC_DNS_HEADER_LEN;
	memcpy(pkt + OC_DNS_HEADER_LEN, data + OC_DNS_HEADER_LEN, qlen);
	return oc_dns_query_parse(pkt, OC_DNS_HEADER_LEN + qlen, q) == OC_DNS_QUERY_OK;
}

/* What the forwarding path stores for q (under both allow_private keys,
 * since the rule that will decide is the fuzzer's choice of name). */
static void store(const oc_dns_query *q, const uint8_t *data, size_t size)
{
	for (int allow_private = 0; allow_private < 2; allow_private++) {
		oc_dns_filter_result res;
		if (oc_dns_filter(&srv->filter, q, allow_private, data, size, &res) < 0 || !res.answer)
			continue;
		oc_dns_cache_key k = oc_dns_cache_key_of(q, allow_private);
		oc_dns_cache_insert(srv->cache, &k, res.answer, oc_loop_now(srv->loop));
	}
}

static void ask(const uint8_t *pkt, size_t len, bool known, bool tcp)
{
	static uint8_t out[OC_DNS_TCP_MAX];
	struct capture cap = { .sent = 0 };
	oc_dns_sink_init(&cap.sink, capture_send, tcp);
	oc_sockaddr peer;
	oc_sockaddr_parse(&peer, known ? "10.200.0.2:5353" : "10.200.0.9:5353", -1);
	struct oc_dns_rules rules = { 0 };
	uint64_t before = events_seen;
	size_t n = oc_dns_srv_query(srv, &rules, &cap.sink, &peer, pkt, len, out,
		tcp ? OC_DNS_TCP_MAX : OC_DNS_UDP_MAX);
	oc_dns_rules_release(&rules);
	if (!oc_dlist_empty(&cap.sink.pending))
		abort(); /* no upstream can be reached here: nothing may wait */
	if (n == 0) {
		if (len >= OC_DNS_HEADER_LEN && !(pkt[2] & 0x80))
			abort(); /* only responses and runts go unanswered */
		return;
	}
	if (events_seen != before + 1 || n > (tcp ? OC_DNS_TCP_MAX : OC_DNS_UDP_MAX))
		abort(); /* one decision record per answered query; the size bound */
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, out, n) != LDNS_STATUS_OK || ldns_pkt_id(p) != oc_dns_get16(pkt))
		abort();
	ldns_pkt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t ctl = data[0];
	const uint8_t *pkt = data + 1;
	size_t len = size - 1;
	oc_dns_query q;
	if ((ctl & 4) && question_of(pkt, len, &q)) {
		store(&q, pkt, len);
		uint8_t query[OC_DNS_HEADER_LEN + OC_DNS_QUESTION_MAX] = { pkt[0], pkt[1], 1, 0, 0, 1 };
		memcpy(query + OC_DNS_HEADER_LEN, q.question, q.qlen);
		ask(query, OC_DNS_HEADER_LEN + q.qlen, ctl & 1, ctl & 2);
		return 0;
	}
	ask(pkt, len, ctl & 1, ctl & 2);
	return 0;
}
