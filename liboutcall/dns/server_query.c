/* One query from a client, whatever the transport (server.h; the call
 * order is liboutcall/dns/README.md's). */
#include "dns/server.h"
#include "dns/respond.h"
#include "dns/rrtype.h"
#include "engine/judge.h"
#include "core/lru.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A query waiting for an upstream. It holds what its decision borrows:
 * the container and the rule set the decision was made with. */
struct oc_dns_pending {
	oc_dns_server *s;
	oc_dlist node;            /* in the server's list */
	oc_dlist snode;           /* in the sink's list */
	struct oc_dns_sink *sink; /* NULL once detached */
	oc_sockaddr peer;
	uint32_t key;             /* in pending_peers */
	oc_container *c;
	oc_ruleset *rs;
	uint64_t generation;
	oc_decision d;
	oc_dns_fetch *fetch;
	int64_t start_us;
	oc_dns_query q;
};

/* What the decision record says about a query. */
struct outcome {
	oc_event_verdict verdict;
	const char *rule;
	const char *reason;
	int rcode;
	int kept, removed;
	char text[512]; /* reason or EDE text built for this query */
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void oc_dns_rules_release(struct oc_dns_rules *r)
{
	if (r->taken)
		oc_ruleset_unref(r->rs);
	r->taken = false;
	r->rs = NULL;
}

/* Appends v in decimal. */
static char *put_uint(char *p, unsigned v)
{
	char tmp[10];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* "10.200.0.2:41000" for the decision record. Every query formats one, so
 * IPv4 (every container) is done by hand: snprintf was a sixth of the
 * cached path's user time. */
static const char *format_peer(const oc_sockaddr *peer, char *buf)
{
	if (oc_sockaddr_family(peer) != AF_INET)
		return oc_sockaddr_format(peer, buf);
	const uint8_t *a = (const uint8_t *)&peer->u.in4.sin_addr;
	char *p = buf;
	for (int i = 0; i < 4; i++) {
		p = put_uint(p, a[i]);
		*p++ = i < 3 ? '.' : ':';
	}
	*put_uint(p, oc_sockaddr_port(peer)) = '\0';
	return buf;
}

static void emit(oc_dns_server *s, const oc_sockaddr *peer, const oc_container *c,
	const oc_dns_query *q, bool named, uint64_t generation, int64_t start_us,
	const struct outcome *o)
{
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_DECISION, OC_EVENT_LAYER_DNS);
	char peer_text[OC_SOCKADDR_STRLEN], type_buf[OC_DNS_TYPE_NAME_MAX];
	ev.peer = format_peer(peer, peer_text);
	if (c) {
		ev.agent = oc_container_agent_name(c);
		ev.container = oc_container_name(c);
	}
	if (q->has_question) {
		ev.host = named ? q->name : NULL;
		ev.dns_type = oc_dns_type_name(q->qtype, type_buf);
	}
	ev.verdict = o->verdict;
	ev.rule = o->rule;
	ev.generation = generation;
	ev.latency_us = mono_us() - start_us;
	ev.reason = o->reason;
	ev.dns_rcode = o->rcode;
	ev.answers_kept = o->kept;
	ev.answers_removed = o->removed;
	oc_events_emit(s->svc.events, &ev);
}

static int respond_ede(const oc_dns_query *q, int rcode, uint16_t code, const char *text,
	uint8_t *out, size_t limit)
{
	oc_dns_ede ede = { code, text, strlen(text) };
	int n = oc_dns_respond(q, rcode, NULL, &ede, out, limit);
	return n > 0 ? n : 0;
}

static int servfail(oc_dns_server *s, const oc_dns_query *q, uint16_t code, const char *why,
	struct outcome *o, uint8_t *out, size_t limit)
{
	s->st.servfail++;
	o->rcode = OC_DNS_RCODE_SERVFAIL;
	o->reason = why;
	return respond_ede(q, OC_DNS_RCODE_SERVFAIL, code, why, out, limit);
}

/* The judge's verdict (engine/judge.h) on name for the container; a name
 * the context cannot hold is the default block, as is a rule set that is
 * not there yet. True when the container is locked down: then *lock (may
 * be NULL) is the lockdown. */
static bool decide(const oc_ruleset *rs, oc_registry *reg, const oc_container *c,
	const char *name, const char *type, oc_decision *d, struct oc_lock *lock)
{
	oc_context ctx;
	char host[OC_HOSTNAME_MAX];
	oc_judgment j = { .d = { .verdict = OC_ACTION_BLOCK, .rule_id = "default" } };
	if (oc_context_for_dns(&ctx, host, name, type) == 0)
		oc_judge(rs, reg, c, &ctx, false, &j);
	*d = j.d;
	if (j.locked && lock)
		*lock = j.lock;
	return j.locked;
}

/* CNAME targets are judged like the query name, for the same agent and
 * record type; the first refusal is kept for the EDE text. */
struct chain_check {
	const oc_ruleset *rs;
	oc_registry *reg;
	const oc_container *c;
	const char *type;
	oc_decision refused;
	const char *refused_name;
};

static bool chain_allowed(void *arg, const char *name)
{
	struct chain_check *cc = arg;
	decide(cc->rs, cc->reg, cc->c, name, cc->type, &cc->refused, NULL);
	if (cc->refused.verdict == OC_ACTION_ALLOW)
		return true;
	cc->refused_name = name;
	return false;
}

/* Answers q from a filtered answer (cached or fresh): the chain cut where
 * the agent may not follow it, else the direct_ip grants, then the write. */
static int answer_with(oc_dns_server *s, const oc_ruleset *rs, const oc_container *c,
	const oc_dns_query *q, const oc_decision *d, const oc_dns_answer *a, uint32_t elapsed,
	struct outcome *o, uint8_t *out, size_t limit)
{
	char type_buf[OC_DNS_TYPE_NAME_MAX];
	struct chain_check cc = { rs, s->svc.registry, c, oc_dns_type_name(q->qtype, type_buf) };
	size_t links = oc_dns_answer_links(a, chain_allowed, &cc);
	oc_dns_ede ede = { OC_DNS_EDE_BLOCKED, o->text, 0 };
	const oc_dns_ede *e = NULL;
	if (links < a->nlinks) {
		s->st.cut++;
		ede.len = oc_dns_block_text(cc.refused.rule ? cc.refused.rule_id : NULL, NULL,
			cc.refused_name, s->svc.request_command, o->text, sizeof(o->text));
		e = &ede;
		o->reason = o->text;
	} else if (d->egress.mode == OC_EGRESS_DIRECT_IP &&
		oc_dns_srv_grant(s, c, d, q->name, a, elapsed, o->text, sizeof(o->text)) < 0) {
		return servfail(s, q, OC_DNS_EDE_PROHIBITED, o->text, o, out, limit);
	}
	int n = oc_dns_answer_write(a, q, elapsed, links, e, out, limit);
	if (n < 0)
		return servfail(s, q, OC_DNS_EDE_OTHER, "answer does not fit the question", o, out,
			limit);
	s->st.allowed++;
	o->rcode = links < a->nlinks ? OC_DNS_RCODE_NOERROR : a->rcode;
	o->kept = links < a->nlinks ? 0 : (int)a->naddrs;
	return n;
}

void oc_dns_sink_init(struct oc_dns_sink *sink,
	void (*send)(struct oc_dns_sink *, const oc_sockaddr *, const uint8_t *, size_t), bool tcp)
{
	*sink = (struct oc_dns_sink){ .send = send, .tcp = tcp };
	oc_dlist_init(&sink->pending);
}

static void unlink_from_sink(struct oc_dns_pending *p)
{
	if (!p->sink)
		return;
	oc_dlist_remove(&p->snode);
	p->sink->inflight--;
	p->sink = NULL;
}

static void pending_free(struct oc_dns_pending *p)
{
	unlink_from_sink(p);
	oc_dlist_remove(&p->node);
	oc_peercount_release(&p->s->pending_peers, p->key);
	oc_container_unref(p->c);
	oc_ruleset_unref(p->rs);
	free(p);
}

void oc_dns_sink_detach(struct oc_dns_sink *sink)
{
	while (!oc_dlist_empty(&sink->pending))
		unlink_from_sink(oc_container_of(sink->pending.next, struct oc_dns_pending, snode));
}

void oc_dns_srv_abandon_all(oc_dns_server *s)
{
	while (!oc_dlist_empty(&s->pending)) {
		struct oc_dns_pending *p = oc_container_of(s->pending.next, struct oc_dns_pending,
			node);
		oc_dns_fetch_cancel(p->fetch);
		pending_free(p);
	}
}

static void on_fetched(void *arg, const oc_dns_fetch_result *res)
{
	struct oc_dns_pending *p = arg;
	oc_dns_server *s = p->s;
	struct oc_dns_sink *sink = p->sink;
	uint8_t *out = s->answer;
	size_t limit = oc_dns_response_limit(&p->q, sink && sink->tcp);
	struct outcome o = { .verdict = OC_EVENT_VERDICT_ALLOW, .rule = p->d.rule_id };
	int n;
	oc_dns_filter_result fr;
	if (!res->ok) {
		n = servfail(s, &p->q, OC_DNS_EDE_NO_REACHABLE_AUTHORITY, res->why, &o, out, limit);
	} else if (oc_dns_filter(&s->filter, &p->q, p->d.egress.allow_private_ips, res->msg,
			res->len, &fr) < 0) {
		n = servfail(s, &p->q, OC_DNS_EDE_OTHER, "out of memory", &o, out, limit);
	} else {
		o.removed = (int)fr.addrs_removed;
		s->st.addrs_removed += fr.addrs_removed;
		if (!fr.answer) {
			n = servfail(s, &p->q, OC_DNS_EDE_BLOCKED, fr.why, &o, out, limit);
		} else {
			o.reason = oc_dns_fetcher_stats(s->fetcher)[res->upstream].addr;
			n = answer_with(s, p->rs, p->c, &p->q, &p->d, fr.answer, 0, &o, out, limit);
			oc_dns_cache_key k = oc_dns_cache_key_of(&p->q, p->d.egress.allow_private_ips);
			oc_dns_cache_insert(s->cache, &k, fr.answer, oc_loop_now(s->loop));
		}
	}
	/* Off the sink's list first: a sink that closes while sending must
	 * not find this query still waiting. */
	unlink_from_sink(p);
	if (sink && n > 0)
		sink->send(sink, &p->peer, out, (size_t)n);
	emit(s, &p->peer, p->c, &p->q, true, p->generation, p->start_us, &o);
	pending_free(p);
}

/* A cache miss: ask the upstreams. Returns true when the query waits for
 * them (it then owns c, and the answer comes through the sink); false
 * with *n the length of an immediate SERVFAIL. */
static bool forward(oc_dns_server *s, struct oc_dns_sink *sink, const oc_sockaddr *peer,
	oc_container *c, const oc_dns_query *q, const struct oc_dns_rules *rules,
	const oc_decision *d, int64_t start_us, struct outcome *o, uint8_t *out, size_t limit,
	int *n)
{
	/* Each waiting query holds a socket of a budget sized from the
	 * descriptor limit: one container flooding names nobody answers
	 * must leave the rest of it to the others. */
	uint32_t key = oc_sockaddr_family(peer) == AF_INET ? peer->u.in4.sin_addr.s_addr : 0;
	size_t share = s->cfg.max_pending / OC_DNS_PENDING_SHARE;
	oc_peercount_result r = oc_peercount_take(&s->pending_peers, key, share ? share : 1,
		s->cfg.max_pending);
	if (r != OC_PEERCOUNT_TAKEN) {
		s->st.overloaded++;
		*n = servfail(s, q, OC_DNS_EDE_OTHER, r == OC_PEERCOUNT_PEER_FULL ?
			"too many of this container's queries waiting for upstream resolvers" :
			r == OC_PEERCOUNT_FULL ? "too many queries waiting for upstream resolvers" :
			"out of memory", o, out, limit);
		return false;
	}
	struct oc_dns_pending *p = malloc(sizeof(*p));
	if (!p) {
		oc_peercount_release(&s->pending_peers, key);
		*n = servfail(s, q, OC_DNS_EDE_OTHER, "out of memory", o, out, limit);
		return false;
	}
	*p = (struct oc_dns_pending){ .s = s, .sink = sink, .peer = *peer, .key = key, .c = c,
		.rs = oc_ruleset_ref(rules->rs), .generation = rules->generation, .d = *d,
		.start_us = start_us, .q = *q };
	const char *why = "out of memory";
	if (oc_dns_fetch_start(s->fetcher, &p->q, on_fetched, p, &p->fetch, &why) != 0) {
		oc_peercount_release(&s->pending_peers, key);
		oc_ruleset_unref(p->rs);
		free(p);
		*n = servfail(s, q, OC_DNS_EDE_NO_REACHABLE_AUTHORITY, why, o, out, limit);
		return false;
	}
	oc_dlist_push(&s->pending, &p->node);
	oc_dlist_push(&sink->pending, &p->snode);
	sink->inflight++;
	return true;
}

static oc_container *peer_container(oc_dns_server *s, const oc_sockaddr *peer)
{
	if (oc_sockaddr_family(peer) != AF_INET)
		return NULL; /* containers have IPv4 addresses only */
	return oc_registry_by_ip(s->svc.registry, peer->u.in4.sin_addr);
}

size_t oc_dns_srv_query(oc_dns_server *s, struct oc_dns_rules *rules, struct oc_dns_sink *sink,
	const oc_sockaddr *peer, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	int64_t start_us = mono_us();
	oc_dns_query q;
	oc_dns_verdict v = oc_dns_query_parse(pkt, len, &q);
	if (v == OC_DNS_QUERY_DROP) {
		s->st.dropped++;
		return 0;
	}
	s->st.queries++;
	s->st.tcp_queries += sink->tcp;
	size_t limit = oc_dns_response_limit(&q, sink->tcp);
	if (limit > cap)
		limit = cap;
	struct outcome o = { .verdict = OC_EVENT_VERDICT_REFUSED, .rcode = OC_DNS_RCODE_REFUSED };
	oc_container *c = peer_container(s, peer);
	uint32_t ip = peer->u.in4.sin_addr.s_addr;
	int n;
	oc_decision d;
	uint64_t generation = 0; /* no rule set asked */
	if (!c) {
		s->st.refused_unknown++;
		o.reason = "not a managed container";
		n = respond_ede(&q, o.rcode, OC_DNS_EDE_PROHIBITED,
			"outcall: this address is not a managed container", out, limit);
	} else if (s->rl && !oc_ratelimit_take(s->rl, &ip, sizeof(ip), oc_loop_now(s->loop))) {
		s->st.rate_limited++;
		o.reason = "rate limited";
		n = respond_ede(&q, o.rcode, OC_DNS_EDE_OTHER,
			"outcall: query rate limit of this container exceeded; slow down", out, limit);
	} else if (v == OC_DNS_QUERY_ERROR) {
		s->st.malformed++;
		o = (struct outcome){ .verdict = OC_EVENT_VERDICT_ERROR, .rcode = q.rcode, .reason = q.why };
		n = oc_dns_respond(&q, q.rcode, NULL, NULL, out, limit);
	} else {
		if (!rules->taken) {
			rules->rs = oc_live_acquire(s->svc.rules, &rules->generation);
			rules->taken = true;
		}
		generation = rules->generation;
		char type_buf[OC_DNS_TYPE_NAME_MAX];
		struct oc_lock lock;
		bool locked = decide(rules->rs, s->svc.registry, c, q.name,
			oc_dns_type_name(q.qtype, type_buf), &d, &lock);
		o.rule = d.rule_id;
		if (d.verdict != OC_ACTION_ALLOW) {
			s->st.blocked++;
			o.verdict = OC_EVENT_VERDICT_BLOCK;
			o.rcode = OC_DNS_RCODE_NXDOMAIN;
			/* the default names no rule; a lockdown names itself and
			 * why, since asking for access would be refused */
			n = oc_dns_respond_blocked(&q, strcmp(d.rule_id, "default") ? d.rule_id : NULL,
				locked ? lock.reason : NULL, s->svc.request_command,
				s->cfg.blocked_ttl, out, limit);
		} else {
			o.verdict = OC_EVENT_VERDICT_ALLOW;
			oc_dns_cache_key k = oc_dns_cache_key_of(&q, d.egress.allow_private_ips);
			uint32_t elapsed;
			const oc_dns_answer *a = oc_dns_cache_lookup(s->cache, &k, oc_loop_now(s->loop),
				&elapsed);
			if (!a) {
				if (forward(s, sink, peer, c, &q, rules, &d, start_us, &o, out, limit, &n))
					return 0; /* the pending query owns c now */
			} else {
				o.reason = "cache";
				n = answer_with(s, rules->rs, c, &q, &d, a, elapsed, &o, out, limit);
			}
		}
	}
	emit(s, peer, c, &q, v == OC_DNS_QUERY_OK, generation, start_us, &o);
	oc_container_unref(c);
	return n > 0 ? (size_t)n : 0;
}
