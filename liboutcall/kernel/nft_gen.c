/*
 * The policy of PRODUCT.md §5.1, written once. Every table, counter, set,
 * chain and rule Outcall puts in the kernel is emitted here; the back-ends
 * only translate. Comments on the rules are the documentation an operator
 * reads in `nft list table inet outcall`, so they say what and why.
 */
#include "kernel/nft_desc.h"

#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

const enum oc_nft_field oc_nft_gateways_key[2] = { OC_F_IIFNAME, OC_F_IP_DADDR };
const enum oc_nft_field oc_nft_containers_key[3] = { OC_F_IIFNAME, OC_F_ETHER_SADDR, OC_F_IP_SADDR };
const enum oc_nft_field oc_nft_sources_key[2] = { OC_F_ETHER_SADDR, OC_F_IP_SADDR };
const enum oc_nft_field oc_nft_dip_key[3] = { OC_F_IP_SADDR, OC_F_IP_DADDR, OC_F_TH_DPORT };
const enum oc_nft_field oc_nft_locked_key[1] = { OC_F_IP_SADDR };

#define CT_INVALID NF_CT_STATE_INVALID_BIT
#define CT_EST_REL (NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED))

/* Named counters: the statistics an operator looks at first. */
#define C_DNS "dns-redirected"
#define C_HTTP "http-redirected"
#define C_HTTPS "https-redirected"
#define C_BLOCKED "blocked-prefix"
#define C_IPV6 "ipv6-dropped"
#define C_INVALID "invalid-dropped"
#define C_GATEWAY "gateway-dropped"
#define C_C2C "container-to-container"
#define C_INBOUND "inbound-dropped"
#define C_DIRECT "direct-ip-accepted"
#define C_FORWARD "forward-dropped"
#define C_HOST "host-to-container-dropped"
#define C_SPOOFED "spoofed"
#define C_GROUP "group-dropped"
#define C_FOREIGN "foreign-port-dropped"
#define C_RELATED "related-dropped"
#define C_LOCKED "locked-dropped"

/* Set names. */
#define S_BRIDGES "bridges"
#define S_GATEWAYS "gateways"
#define S_PORTS "ports"
#define S_CONTAINERS "containers"
#define S_SOURCES "sources"
#define S_MACS "macs"
#define S_LOCKED "locked"

struct gen {
	const struct oc_nft_desc *d;
	const struct oc_nft_sink *sink;
	enum oc_nft_family family;
	struct oc_nft_rule r;
};

static void rule_start(struct gen *g, const char *chain, const char *comment)
{
	memset(&g->r, 0, sizeof(g->r));
	g->r.family = g->family;
	g->r.chain = chain;
	g->r.comment = comment;
}

static struct oc_nft_match *add(struct gen *g, enum oc_nft_match_kind kind, bool neg)
{
	/* OC_NFT_MAX_MATCH bounds what this file writes; a rule with more
	 * matches is a bug here, caught by the unit tests. */
	struct oc_nft_match *m = &g->r.match[g->r.nmatch++];
	m->kind = kind;
	m->neg = neg;
	return m;
}

static void in_set(struct gen *g, enum oc_nft_field f, const char *set, bool neg)
{
	struct oc_nft_match *m = add(g, OC_M_LOOKUP, neg);
	m->fields[0] = f;
	m->nfields = 1;
	m->set = set;
}

static void in_concat(struct gen *g, const enum oc_nft_field *f, size_t n, const char *set,
	bool neg)
{
	struct oc_nft_match *m = add(g, OC_M_LOOKUP, neg);
	memcpy(m->fields, f, n * sizeof(*f));
	m->nfields = n;
	m->set = set;
}

static void cmp(struct gen *g, enum oc_nft_field f, uint32_t v)
{
	struct oc_nft_match *m = add(g, OC_M_CMP, false);
	m->fields[0] = f;
	m->nfields = 1;
	m->value.num = v;
}

static void cmp_not(struct gen *g, enum oc_nft_field f, uint32_t v)
{
	cmp(g, f, v);
	g->r.match[g->r.nmatch - 1].neg = true;
}

static void bits(struct gen *g, enum oc_nft_field f, uint32_t mask)
{
	struct oc_nft_match *m = add(g, OC_M_BITS, false);
	m->fields[0] = f;
	m->nfields = 1;
	m->value.num = mask;
}

static void prefix(struct gen *g, enum oc_nft_field f, const struct oc_prefix *p)
{
	struct oc_nft_match *m = add(g, OC_M_PREFIX, false);
	m->fields[0] = f;
	m->nfields = 1;
	m->value.num = p->addr;
	m->plen = p->len;
}

static void anon(struct gen *g, enum oc_nft_field f, const uint32_t *v, size_t n, bool neg)
{
	struct oc_nft_match *m = add(g, OC_M_ANON, neg);
	m->fields[0] = f;
	m->nfields = 1;
	for (size_t i = 0; i < n; i++)
		m->anon[i].num = v[i];
	m->nanon = n;
}

static int emit(struct gen *g, const char *counter, enum oc_nft_verdict v)
{
	g->r.counter = counter;
	g->r.verdict = v;
	return g->sink->rule(g->sink->ctx, &g->r);
}

static int emit_redirect(struct gen *g, const char *counter, uint16_t port)
{
	g->r.port = port;
	return emit(g, counter, OC_V_REDIRECT);
}

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

/* A named counter, starting from the value it had in the tables being
 * replaced: a restart does not wipe the statistics. */
static int counter(struct gen *g, const char *name, const char *comment)
{
	struct oc_nft_counter c = { g->family, name, comment, 0, 0 };
	for (size_t i = 0; i < g->d->ncounters; i++) {
		const struct oc_nft_counter_val *v = &g->d->counters[i];
		if (v->family == (uint32_t)g->family && strcmp(v->name, name) == 0) {
			c.packets = v->packets;
			c.bytes = v->bytes;
		}
	}
	return g->sink->counter(g->sink->ctx, &c);
}

static int chain(struct gen *g, const char *name, const char *type, enum oc_nft_hook hook,
	int prio, bool drop, const char *comment)
{
	struct oc_nft_chain c = { g->family, name, true, type, hook, prio, drop, comment };
	return g->sink->chain(g->sink->ctx, &c);
}

/* ---- elements: shared by the full ruleset and incremental updates ---- */

static const struct oc_nft_set set_bridges = { OC_NFT_INET, S_BRIDGES, { OC_F_IIFNAME }, 1, 0,
	"the Outcall bridges, one per network" };
static const struct oc_nft_set set_gateways = { OC_NFT_INET, S_GATEWAYS,
	{ OC_F_IIFNAME, OC_F_IP_DADDR }, 2, 0,
	"each bridge with its gateway address: the only host address containers may reach" };
static const struct oc_nft_set set_ports = { OC_NFT_BRIDGE, S_PORTS, { OC_F_IIFNAME }, 1, 0,
	"host-side veth of each attached container" };
static const struct oc_nft_set set_containers = { OC_NFT_BRIDGE, S_CONTAINERS,
	{ OC_F_IIFNAME, OC_F_ETHER_SADDR, OC_F_IP_SADDR }, 3, 0,
	"each container port with the MAC and IPv4 address Outcall gave it" };
static const struct oc_nft_set set_sources = { OC_NFT_INET, S_SOURCES,
	{ OC_F_ETHER_SADDR, OC_F_IP_SADDR }, 2, 0,
	"the MAC and IPv4 address of each attached container" };
static const struct oc_nft_set set_macs = { OC_NFT_BRIDGE, S_MACS, { OC_F_ETHER_SADDR }, 1, 0,
	"the MAC of each attached container, pinned to its port" };
static const struct oc_nft_set set_locked = { OC_NFT_INET, S_LOCKED, { OC_F_IP_SADDR }, 1, 0,
	"containers under lockdown: they reach only the Outcall services, which refuse them; "
	"nothing of theirs is forwarded" };

static int net_elems(const struct oc_nft_net *n, const struct oc_nft_set *only,
	const struct oc_nft_sink *sink)
{
	struct oc_nft_elem e = { .comment = n->name };
	snprintf(e.key[0].name, IFNAMSIZ, "%s", n->bridge);
	if (!only || only == &set_bridges)
		TRY(sink->elem(sink->ctx, &set_bridges, &e));
	e.key[1].num = n->gateway;
	if (!only || only == &set_gateways)
		TRY(sink->elem(sink->ctx, &set_gateways, &e));
	return 0;
}

static int member_elems(const struct oc_nft_member *m, const struct oc_nft_set *only,
	const struct oc_nft_sink *sink)
{
	struct oc_nft_elem e = { .comment = m->name };
	snprintf(e.key[0].name, IFNAMSIZ, "%s", m->port);
	if (!only || only == &set_ports)
		TRY(sink->elem(sink->ctx, &set_ports, &e));
	memcpy(e.key[1].mac, m->mac, 6);
	e.key[2].num = m->ip;
	if (!only || only == &set_containers)
		TRY(sink->elem(sink->ctx, &set_containers, &e));
	struct oc_nft_elem src = { .comment = m->name };
	memcpy(src.key[0].mac, m->mac, 6);
	if (!only || only == &set_macs)
		TRY(sink->elem(sink->ctx, &set_macs, &src));
	src.key[1].num = m->ip;
	if (!only || only == &set_sources)
		TRY(sink->elem(sink->ctx, &set_sources, &src));
	struct oc_nft_elem ip = { .comment = m->name };
	ip.key[0].num = m->ip;
	if (m->locked && (!only || only == &set_locked))
		TRY(sink->elem(sink->ctx, &set_locked, &ip));
	return 0;
}

static void dip_set(const struct oc_nft_direct *r, char *comment, size_t size,
	struct oc_nft_set *s)
{
	oc_nft_direct_comment(r, comment, size);
	*s = (struct oc_nft_set){ OC_NFT_INET, r->set,
		{ OC_F_IP_SADDR, OC_F_IP_DADDR, OC_F_TH_DPORT }, 3, OC_NFT_SET_TIMEOUT, comment };
}

static int grant_elem(const struct oc_nft_set *s, const struct oc_nft_grant_elem *ge,
	const struct oc_nft_sink *sink)
{
	struct oc_nft_elem e = {
		.timeout_ms = ge->timeout_ms,
		.expires_ms = ge->expires_ms,
		.comment = ge->note[0] ? ge->note : NULL,
	};
	e.key[0].num = ge->container;
	e.key[1].num = ge->dest;
	e.key[2].num = ge->port;
	return sink->elem(sink->ctx, s, &e);
}

int oc_nft_gen_net(const struct oc_nft_net *n, const struct oc_nft_sink *sink)
{
	return net_elems(n, NULL, sink);
}

int oc_nft_gen_member(const struct oc_nft_member *m, const struct oc_nft_sink *sink)
{
	return member_elems(m, NULL, sink);
}

int oc_nft_gen_locked(const struct oc_nft_member *m, const struct oc_nft_sink *sink)
{
	struct oc_nft_member locked = *m;
	locked.locked = true;
	return member_elems(&locked, &set_locked, sink);
}

int oc_nft_gen_grant(const struct oc_nft_direct *r, const struct oc_nft_grant_elem *g,
	const struct oc_nft_sink *sink)
{
	char comment[128];
	struct oc_nft_set s;
	dip_set(r, comment, sizeof(comment), &s);
	return grant_elem(&s, g, sink);
}

/* ---- table inet outcall ---- */

static const uint32_t tcp_udp[] = { IPPROTO_TCP, IPPROTO_UDP };

/* `meta l4proto { tcp, udp } ip saddr . ip daddr . th dport @dip-<rule>` */
static void match_grant(struct gen *g, const struct oc_nft_direct *r)
{
	anon(g, OC_F_L4PROTO, tcp_udp, 2, false);
	in_concat(g, oc_nft_dip_key, 3, r->set, false);
}

static int inet_sets(struct gen *g)
{
	const struct oc_nft_desc *d = g->d;
	TRY(g->sink->set(g->sink->ctx, &set_bridges));
	for (size_t i = 0; i < d->nnets; i++)
		TRY(net_elems(&d->nets[i], &set_bridges, g->sink));
	TRY(g->sink->set(g->sink->ctx, &set_gateways));
	for (size_t i = 0; i < d->nnets; i++)
		TRY(net_elems(&d->nets[i], &set_gateways, g->sink));
	TRY(g->sink->set(g->sink->ctx, &set_sources));
	for (size_t i = 0; i < d->nmembers; i++)
		TRY(member_elems(&d->members[i], &set_sources, g->sink));
	TRY(g->sink->set(g->sink->ctx, &set_locked));
	for (size_t i = 0; i < d->nmembers; i++)
		TRY(member_elems(&d->members[i], &set_locked, g->sink));
	for (size_t i = 0; i < d->nrules; i++) {
		char comment[128];
		struct oc_nft_set s;
		dip_set(&d->rules[i], comment, sizeof(comment), &s);
		TRY(g->sink->set(g->sink->ctx, &s));
		for (size_t j = 0; j < d->ngrants; j++)
			if (d->grants[j].rule == i)
				TRY(grant_elem(&s, &d->grants[j], g->sink));
	}
	return 0;
}

/* A locked container's packet from one of its bridges, not to its gateway. */
static void locked_away(struct gen *g, const char *why)
{
	rule_start(g, "guard", why);
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	in_set(g, OC_F_IP_SADDR, S_LOCKED, false);
	in_concat(g, oc_nft_gateways_key, 2, S_GATEWAYS, true);
}

/* First, before a grant could let it through: a locked container keeps
 * only what the Outcall services answer, and they answer "locked down"
 * (its gateway, and what the redirects send there). A grant made from a
 * DNS answer judged just before the lockdown, which the daemon revokes a
 * moment later, lets nothing through meanwhile. The rest (ICMP, other
 * protocols) the forward chain drops. */
static int guard_locked(struct gen *g)
{
	static const uint32_t redirected_tcp[] = { 53, 80, 443 };
	locked_away(g, "a locked-down container's TCP reaches only the gateway and the ports "
		"redirected to the DNS filter and the proxy");
	anon(g, OC_F_TCP_DPORT, redirected_tcp, 3, true);
	TRY(emit(g, C_LOCKED, OC_V_DROP));
	locked_away(g, "a locked-down container's UDP reaches only the gateway and DNS, "
		"redirected to the DNS filter");
	cmp_not(g, OC_F_UDP_DPORT, 53);
	return emit(g, C_LOCKED, OC_V_DROP);
}

static int inet_guard(struct gen *g)
{
	const struct oc_kcfg *cfg = g->d->cfg;
	TRY(guard_locked(g));
	rule_start(g, "guard", "IPv6 from containers is dropped: Outcall networks are IPv4 only");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	cmp(g, OC_F_NFPROTO, 10 /* NFPROTO_IPV6 */);
	TRY(emit(g, C_IPV6, OC_V_DROP));
	/* The bridge table pins addresses per port; this holds for packets that
	 * reach the host by a path it does not see, and for ports Outcall did
	 * not make (this kernel has no `meta ibrname` to tell their bridge). */
	rule_start(g, "guard", "only an attached container's own MAC and IPv4 address enter "
		"from an Outcall bridge");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	in_concat(g, oc_nft_sources_key, 2, S_SOURCES, true);
	TRY(emit(g, C_SPOOFED, OC_V_DROP));
	/* An ICMP error is "related" to whichever flow its inner header names,
	 * so a container could address one to another container's flow and
	 * carry bytes past the drop below. Containers need send none. */
	rule_start(g, "guard", "ICMP errors from containers are dropped: their inner header "
		"may name another container's flow");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	bits(g, OC_F_CT_STATE, NF_CT_STATE_BIT(IP_CT_RELATED));
	TRY(emit(g, C_RELATED, OC_V_DROP));
	for (size_t i = 0; i < cfg->nblocked; i++) {
		rule_start(g, "guard", "never reachable from containers, not even through a "
			"direct_ip grant (cloud metadata lives here)");
		in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
		prefix(g, OC_F_IP_DADDR, &cfg->blocked[i]);
		TRY(emit(g, C_BLOCKED, OC_V_DROP));
	}
	return 0;
}

static int inet_redirect(struct gen *g)
{
	const struct oc_nft_desc *d = g->d;
	const struct oc_kcfg *cfg = d->cfg;
	for (size_t i = 0; i < d->nrules; i++) {
		rule_start(g, "redirects", "a flow granted by direct_ip goes out directly, "
			"not through the proxy (never a locked-down container's)");
		in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
		in_set(g, OC_F_IP_SADDR, S_LOCKED, true);
		match_grant(g, &d->rules[i]);
		TRY(emit(g, NULL, OC_V_ACCEPT));
	}
	rule_start(g, "redirects", "DNS to any resolver goes to the DNS filter");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	cmp(g, OC_F_UDP_DPORT, 53);
	TRY(emit_redirect(g, C_DNS, cfg->dns_port));
	rule_start(g, "redirects", "DNS over TCP to any resolver goes to the DNS filter");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	cmp(g, OC_F_TCP_DPORT, 53);
	TRY(emit_redirect(g, C_DNS, cfg->dns_port));
	rule_start(g, "redirects", "HTTP to anywhere goes to the transparent proxy");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	cmp(g, OC_F_TCP_DPORT, 80);
	TRY(emit_redirect(g, C_HTTP, cfg->tproxy_http_port));
	rule_start(g, "redirects", "HTTPS to anywhere goes to the transparent proxy");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	cmp(g, OC_F_TCP_DPORT, 443);
	return emit_redirect(g, C_HTTPS, cfg->tproxy_https_port);
}

/* Accepts tcp or udp `port` on the gateway of the packet's own bridge. */
static int gateway_port(struct gen *g, enum oc_nft_field dport, uint16_t port, const char *why)
{
	rule_start(g, "host-in", why);
	in_concat(g, oc_nft_gateways_key, 2, S_GATEWAYS, false);
	cmp(g, dport, port);
	return emit(g, NULL, OC_V_ACCEPT);
}

/* Invalid packets dropped, replies accepted: the stateful part of a chain. */
static int conntrack(struct gen *g, const char *chain, const char *replies)
{
	rule_start(g, chain, "packets conntrack cannot place are dropped");
	bits(g, OC_F_CT_STATE, CT_INVALID);
	TRY(emit(g, C_INVALID, OC_V_DROP));
	rule_start(g, chain, replies);
	bits(g, OC_F_CT_STATE, CT_EST_REL);
	return emit(g, NULL, OC_V_ACCEPT);
}

static int inet_input(struct gen *g)
{
	const struct oc_kcfg *cfg = g->d->cfg;
	rule_start(g, "host-in", "not from an Outcall bridge: left to the host's other firewalls");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, true);
	TRY(emit(g, NULL, OC_V_ACCEPT));
	TRY(conntrack(g, "host-in", "replies on connections the host accepted"));
	TRY(gateway_port(g, OC_F_UDP_DPORT, cfg->dns_port, "the DNS filter"));
	TRY(gateway_port(g, OC_F_TCP_DPORT, cfg->dns_port, "the DNS filter, over TCP"));
	TRY(gateway_port(g, OC_F_TCP_DPORT, cfg->proxy_port, "the explicit HTTP proxy"));
	TRY(gateway_port(g, OC_F_TCP_DPORT, cfg->tproxy_http_port,
		"the transparent proxy, for redirected HTTP"));
	TRY(gateway_port(g, OC_F_TCP_DPORT, cfg->tproxy_https_port,
		"the transparent proxy, for redirected HTTPS"));
	if (cfg->nservice_ports) {
		uint32_t ports[OC_KCFG_MAX_PORTS];
		for (size_t i = 0; i < cfg->nservice_ports; i++)
			ports[i] = cfg->service_ports[i];
		rule_start(g, "host-in", "agent-facing services on the gateway");
		in_concat(g, oc_nft_gateways_key, 2, S_GATEWAYS, false);
		anon(g, OC_F_TCP_DPORT, ports, cfg->nservice_ports, false);
		TRY(emit(g, NULL, OC_V_ACCEPT));
	}
	rule_start(g, "host-in", "anything else from containers to the host: other ports, ICMP, "
		"the host's other addresses");
	return emit(g, C_GATEWAY, OC_V_DROP);
}

/* Before any grant or conntrack accept: a lockdown also stops the flows
 * it found established, in both directions. */
static int forward_locked(struct gen *g)
{
	rule_start(g, "forward", "nothing of a locked-down container is forwarded, granted or "
		"established");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	in_set(g, OC_F_IP_SADDR, S_LOCKED, false);
	TRY(emit(g, C_LOCKED, OC_V_DROP));
	rule_start(g, "forward", "nor is anything forwarded to a locked-down container");
	in_set(g, OC_F_OIFNAME, S_BRIDGES, false);
	in_set(g, OC_F_IP_DADDR, S_LOCKED, false);
	return emit(g, C_LOCKED, OC_V_DROP);
}

static int inet_forward(struct gen *g)
{
	const struct oc_nft_desc *d = g->d;
	TRY(forward_locked(g));
	rule_start(g, "forward", "neither from nor to an Outcall bridge: left to the host's "
		"other firewalls");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, true);
	in_set(g, OC_F_OIFNAME, S_BRIDGES, true);
	TRY(emit(g, NULL, OC_V_ACCEPT));
	/* before any conntrack accept: no state makes a container reachable */
	rule_start(g, "forward", "containers never reach each other, not even across networks "
		"or through related ICMP");
	in_set(g, OC_F_IIFNAME, S_BRIDGES, false);
	in_set(g, OC_F_OIFNAME, S_BRIDGES, false);
	TRY(emit(g, C_C2C, OC_V_DROP));
	TRY(conntrack(g, "forward", "replies on flows a direct_ip grant accepted"));
	rule_start(g, "forward", "nothing outside may open a connection to a container");
	in_set(g, OC_F_OIFNAME, S_BRIDGES, false);
	TRY(emit(g, C_INBOUND, OC_V_DROP));
	for (size_t i = 0; i < d->nrules; i++) {
		rule_start(g, "forward", "container . destination . port granted by direct_ip");
		match_grant(g, &d->rules[i]);
		TRY(emit(g, C_DIRECT, OC_V_ACCEPT));
	}
	rule_start(g, "forward", "anything else from containers is dropped (so is the policy)");
	return emit(g, C_FORWARD, OC_V_DROP);
}

static int inet_output(struct gen *g)
{
	rule_start(g, "host-out", "not to an Outcall bridge: left to the host's other firewalls");
	in_set(g, OC_F_OIFNAME, S_BRIDGES, true);
	TRY(emit(g, NULL, OC_V_ACCEPT));
	rule_start(g, "host-out", "replies of the Outcall services and related ICMP errors");
	bits(g, OC_F_CT_STATE, CT_EST_REL);
	TRY(emit(g, NULL, OC_V_ACCEPT));
	rule_start(g, "host-out", "the host opens nothing towards containers");
	return emit(g, C_HOST, OC_V_DROP);
}

static int inet_masquerade(struct gen *g)
{
	const struct oc_nft_desc *d = g->d;
	for (size_t i = 0; i < d->nrules; i++) {
		rule_start(g, "nat-out", "direct_ip flows leave with the host's address");
		match_grant(g, &d->rules[i]);
		TRY(emit(g, NULL, OC_V_MASQUERADE));
	}
	return 0;
}

static int gen_inet(struct gen *g)
{
	g->family = OC_NFT_INET;
	struct oc_nft_table t = { OC_NFT_INET, g->d->cfg->table,
		"Outcall egress policy for agent containers. Written by outcalld; "
		"replaced whole on each start" };
	TRY(g->sink->table(g->sink->ctx, &t));
	TRY(counter(g, C_DNS, "DNS from containers sent to the DNS filter"));
	TRY(counter(g, C_HTTP, "HTTP from containers sent to the transparent proxy"));
	TRY(counter(g, C_HTTPS, "HTTPS from containers sent to the transparent proxy"));
	TRY(counter(g, C_BLOCKED, "container packets to never-reachable prefixes"));
	TRY(counter(g, C_IPV6, "IPv6 packets from containers"));
	TRY(counter(g, C_INVALID, "packets from or to containers that conntrack cannot place"));
	TRY(counter(g, C_GATEWAY, "container packets to the host other than the Outcall services"));
	TRY(counter(g, C_INBOUND, "connections from outside towards containers"));
	TRY(counter(g, C_C2C, "routed packets from one container to another"));
	TRY(counter(g, C_DIRECT, "new flows accepted by a direct_ip grant"));
	TRY(counter(g, C_FORWARD, "container packets to the outside without a direct_ip grant"));
	TRY(counter(g, C_HOST, "packets the host started towards a container"));
	TRY(counter(g, C_SPOOFED, "packets from an Outcall bridge without an attached "
		"container's MAC and IP"));
	TRY(counter(g, C_RELATED, "ICMP errors from containers"));
	TRY(counter(g, C_LOCKED, "packets of locked-down containers that no Outcall service "
		"answers, and packets to them"));
	TRY(inet_sets(g));
	TRY(chain(g, "guard", "filter", OC_HOOK_PREROUTING, -150, false,
		"first look at container packets, before any redirect"));
	TRY(chain(g, "redirects", "nat", OC_HOOK_PREROUTING, -100, false,
		"containers meet the policy even when they ignore their resolver or proxy settings"));
	TRY(chain(g, "host-in", "filter", OC_HOOK_INPUT, 0, false,
		"from containers the host accepts only the Outcall services on the gateway"));
	TRY(chain(g, "forward", "filter", OC_HOOK_FORWARD, 0, true,
		"containers reach the outside only through direct_ip grants"));
	TRY(chain(g, "host-out", "filter", OC_HOOK_OUTPUT, 0, false,
		"the host sends containers only replies"));
	TRY(chain(g, "nat-out", "nat", OC_HOOK_POSTROUTING, 100, false,
		"direct_ip flows are translated to the host's address"));
	TRY(inet_guard(g));
	TRY(inet_redirect(g));
	TRY(inet_input(g));
	TRY(inet_forward(g));
	TRY(inet_output(g));
	TRY(inet_masquerade(g));
	return g->sink->end(g->sink->ctx, &t);
}

/* ---- table bridge outcall ---- */

/* A port Outcall did not make may sit on an Outcall bridge (this kernel
 * cannot tell which bridge a frame came through: no `meta ibrname`). It
 * may not speak with an Outcall container's MAC or an address of the pool. */
static int foreign_port(struct gen *g, const char *chain)
{
	const struct oc_kcfg *cfg = g->d->cfg;
	rule_start(g, chain, "a port Outcall did not make, with the MAC of an attached container");
	in_set(g, OC_F_IIFNAME, S_PORTS, true);
	in_set(g, OC_F_ETHER_SADDR, S_MACS, false);
	TRY(emit(g, C_FOREIGN, OC_V_DROP));
	rule_start(g, chain, "a port Outcall did not make, with an address of Outcall's pool");
	in_set(g, OC_F_IIFNAME, S_PORTS, true);
	prefix(g, OC_F_IP_SADDR, &cfg->pool);
	TRY(emit(g, C_FOREIGN, OC_V_DROP));
	rule_start(g, chain, "a port Outcall did not make, claiming an address of Outcall's "
		"pool in ARP");
	in_set(g, OC_F_IIFNAME, S_PORTS, true);
	prefix(g, OC_F_ARP_SADDR_IP, &cfg->pool);
	return emit(g, C_FOREIGN, OC_V_DROP);
}

static int group_drop(struct gen *g, const char *chain)
{
	rule_start(g, chain, "containers need no multicast: link-local group addresses "
		"(01:80:c2:00:00:0X) would take frames past the bridge table");
	in_set(g, OC_F_IIFNAME, S_PORTS, false);
	cmp(g, OC_F_PKTTYPE, 2 /* PACKET_MULTICAST */);
	return emit(g, C_GROUP, OC_V_DROP);
}

static int gen_bridge(struct gen *g)
{
	const struct oc_nft_desc *d = g->d;
	g->family = OC_NFT_BRIDGE;
	struct oc_nft_table t = { OC_NFT_BRIDGE, d->cfg->table,
		"Outcall layer 2 isolation: containers reach only the gateway, with the MAC "
		"and IP they were given" };
	TRY(g->sink->table(g->sink->ctx, &t));
	TRY(counter(g, C_SPOOFED, "frames from a container port with a forged MAC or IP, "
		"or neither IPv4 nor ARP"));
	TRY(counter(g, C_IPV6, "IPv6 frames from or to container ports"));
	TRY(counter(g, C_C2C, "frames bridged between container ports"));
	TRY(counter(g, C_GROUP, "multicast frames from container ports"));
	TRY(counter(g, C_FOREIGN, "frames from ports Outcall did not make that use an Outcall "
		"container's MAC or an address of the pool"));
	TRY(g->sink->set(g->sink->ctx, &set_ports));
	for (size_t i = 0; i < d->nmembers; i++)
		TRY(member_elems(&d->members[i], &set_ports, g->sink));
	TRY(g->sink->set(g->sink->ctx, &set_containers));
	for (size_t i = 0; i < d->nmembers; i++)
		TRY(member_elems(&d->members[i], &set_containers, g->sink));
	TRY(g->sink->set(g->sink->ctx, &set_macs));
	for (size_t i = 0; i < d->nmembers; i++)
		TRY(member_elems(&d->members[i], &set_macs, g->sink));
	TRY(chain(g, "prerouting", "filter", OC_HOOK_PREROUTING, -200, false,
		"anti-spoofing: a frame from a container port carries that container's MAC and IP"));
	TRY(chain(g, "input", "filter", OC_HOOK_INPUT, -200, false,
		"link-local frames the bridge passes up without prerouting"));
	TRY(chain(g, "forward", "filter", OC_HOOK_FORWARD, -200, false,
		"containers never reach each other; the gateway is reached through input, "
		"not forward"));
	TRY(chain(g, "output", "filter", OC_HOOK_OUTPUT, -200, false,
		"the host sends containers no IPv6 (no router advertisements)"));

	TRY(foreign_port(g, "prerouting"));
	rule_start(g, "prerouting", "not a container port: left to the host's other firewalls");
	in_set(g, OC_F_IIFNAME, S_PORTS, true);
	TRY(emit(g, NULL, OC_V_ACCEPT));
	rule_start(g, "prerouting", "IPv6 from containers is dropped");
	cmp(g, OC_F_ETHER_TYPE, ETHERTYPE_IPV6);
	TRY(emit(g, C_IPV6, OC_V_DROP));
	TRY(group_drop(g, "prerouting"));
	rule_start(g, "prerouting", "IPv4 with the port's own MAC and IP");
	in_concat(g, oc_nft_containers_key, 3, S_CONTAINERS, false);
	TRY(emit(g, NULL, OC_V_ACCEPT));
	rule_start(g, "prerouting", "ARP that tells the truth about the port's MAC and IP");
	static const enum oc_nft_field arp_frame[3] = { OC_F_IIFNAME, OC_F_ETHER_SADDR, OC_F_ARP_SADDR_IP };
	static const enum oc_nft_field arp_sender[3] = { OC_F_IIFNAME, OC_F_ARP_SADDR_ETHER, OC_F_ARP_SADDR_IP };
	in_concat(g, arp_frame, 3, S_CONTAINERS, false);
	in_concat(g, arp_sender, 3, S_CONTAINERS, false);
	TRY(emit(g, NULL, OC_V_ACCEPT));
	rule_start(g, "prerouting", "anything else from a container port: forged addresses, "
		"other protocols");
	TRY(emit(g, C_SPOOFED, OC_V_DROP));

	TRY(foreign_port(g, "input"));
	TRY(group_drop(g, "input"));

	rule_start(g, "forward", "from a container port to any other port");
	in_set(g, OC_F_IIFNAME, S_PORTS, false);
	TRY(emit(g, C_C2C, OC_V_DROP));
	rule_start(g, "forward", "to a container port from any other port");
	in_set(g, OC_F_OIFNAME, S_PORTS, false);
	TRY(emit(g, C_C2C, OC_V_DROP));

	rule_start(g, "output", "IPv6 from the host to containers is dropped");
	in_set(g, OC_F_OIFNAME, S_PORTS, false);
	cmp(g, OC_F_ETHER_TYPE, ETHERTYPE_IPV6);
	TRY(emit(g, C_IPV6, OC_V_DROP));
	return g->sink->end(g->sink->ctx, &t);
}

int oc_nft_generate(const struct oc_nft_desc *d, const struct oc_nft_sink *sink)
{
	struct gen g = { .d = d, .sink = sink };
	TRY(gen_inet(&g));
	return gen_bridge(&g);
}

/* ---- direct_ip rule <-> set ---- */

static bool valid_rule_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n >= OC_RULE_ID_MAX)
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int oc_nft_direct_init(struct oc_nft_direct *r, const char *id, const char *rev)
{
	if (!id || !valid_rule_id(id))
		return oc_error_set(OC_EINVAL, "direct_ip rule id '%s' is not a rule id "
			"([A-Za-z0-9._-], 1 to 128 characters)", id ? id : "(null)");
	rev = rev ? rev : "";
	if (strlen(rev) >= OC_REV_MAX || (rev[0] && !valid_rule_id(rev)))
		return oc_error_set(OC_EINVAL, "direct_ip rule '%s': revision '%s' must be up to "
			"32 characters of [A-Za-z0-9._-]", id, rev);
	memset(r, 0, sizeof(*r));
	oc_copy(r->id, sizeof(r->id), id);
	oc_copy(r->rev, sizeof(r->rev), rev);
	snprintf(r->set, sizeof(r->set), OC_DIP_PREFIX "%s", id);
	return 0;
}

/* "direct_ip grants of rule <id> (rev <rev>)". The set's name holds the
 * whole id; the comment names it for reading and carries the revision,
 * which decides on restart whether grants are still valid. A long id is
 * shortened in the comment only (nft limits comments to 127 bytes). */
void oc_nft_direct_comment(const struct oc_nft_direct *r, char *buf, size_t size)
{
	char rev[48] = "";
	if (r->rev[0])
		snprintf(rev, sizeof(rev), " (rev %s)", r->rev);
	const char *head = "direct_ip grants of rule ";
	size_t room = 127 - strlen(head) - strlen(rev);
	if (strlen(r->id) <= room)
		snprintf(buf, size, "%s%s%s", head, r->id, rev);
	else
		snprintf(buf, size, "%s%.*s...%s", head, (int)(room - 3), r->id, rev);
}

int oc_nft_direct_parse(const char *set, const char *comment, struct oc_nft_direct *out)
{
	size_t plen = strlen(OC_DIP_PREFIX);
	if (strncmp(set, OC_DIP_PREFIX, plen) != 0)
		return OC_ENOTFOUND;
	char rev[OC_REV_MAX] = "";
	const char *r = comment ? strstr(comment, " (rev ") : NULL;
	if (r) {
		r += strlen(" (rev ");
		size_t n = strcspn(r, ")");
		if (n < sizeof(rev)) {
			memcpy(rev, r, n);
			rev[n] = '\0';
		}
	}
	return oc_nft_direct_init(out, set + plen, rev);
}
