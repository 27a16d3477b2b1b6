/*
 * Text back-end: renders the IR as nft syntax, laid out the way
 * `nft -s list table` prints it, so the output can be read as the policy's
 * documentation and loaded with `nft -f` (the tests do both).
 */
#include "kernel/nft_text.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"

struct text_chain {
	oc_buf head;
	oc_buf rules;
	char name[64];
};

struct text {
	oc_buf *out;
	oc_buf body;           /* counters and sets of the current table */
	struct text_chain chains[16];
	size_t nchains;
	const struct oc_nft_set *open_set;
	size_t open_elems;
	int rc;
};

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

static const char *family_name(enum oc_nft_family f)
{
	return f == OC_NFT_INET ? "inet" : "bridge";
}

static int put_comment(oc_buf *b, const char *c)
{
	/* Comments are written by the generator and by operators naming
	 * networks and containers; names cannot hold quotes (validated), so no
	 * escaping is needed. */
	return c ? oc_buf_printf(b, " comment \"%s\"", c) : 0;
}

static int put_val(oc_buf *b, enum oc_nft_field f, const struct oc_nft_val *v)
{
	const struct oc_nft_field_info *fi = oc_nft_field(f);
	switch (fi->vtype) {
	case OC_VT_IFNAME:
		return oc_buf_printf(b, "\"%s\"", v->name);
	case OC_VT_MAC:
		return oc_buf_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
			v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
	case OC_VT_IPV4: {
		char ip[16];
		return oc_buf_puts(b, oc_ipv4_str(v->num, ip));
	}
	case OC_VT_PORT:
		return oc_buf_printf(b, "%u", v->num);
	case OC_VT_NFPROTO:
		return oc_buf_puts(b, v->num == 2 ? "ipv4" : v->num == 10 ? "ipv6" : "unknown");
	case OC_VT_L4PROTO:
		if (v->num == 6)
			return oc_buf_puts(b, "tcp");
		if (v->num == 17)
			return oc_buf_puts(b, "udp");
		return oc_buf_printf(b, "%u", v->num);
	case OC_VT_ETHERTYPE:
		if (v->num == 0x0800)
			return oc_buf_puts(b, "ip");
		if (v->num == 0x0806)
			return oc_buf_puts(b, "arp");
		if (v->num == 0x86dd)
			return oc_buf_puts(b, "ip6");
		return oc_buf_printf(b, "0x%04x", v->num);
	case OC_VT_PKTTYPE: {
		static const char *const names[] = { "host", "broadcast", "multicast", "other" };
		return v->num < 4 ? oc_buf_puts(b, names[v->num]) : oc_buf_printf(b, "%u", v->num);
	}
	case OC_VT_CTSTATE: {
		static const char *const names[] = { "invalid", "established", "related", "new" };
		const char *sep = "";
		for (unsigned i = 0; i < 4; i++) {
			if (v->num & (1u << i)) {
				TRY(oc_buf_printf(b, "%s%s", sep, names[i]));
				sep = ",";
			}
		}
		return 0;
	}
	}
	return 0;
}

/* nft's time format: 1d2h3m4s5ms, omitting zero parts. */
static int put_time(oc_buf *b, uint64_t ms)
{
	static const struct { uint64_t ms; const char *unit; } parts[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" }, { 1, "ms" },
	};
	if (ms == 0)
		return oc_buf_puts(b, "0s");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (ms >= parts[i].ms) {
			TRY(oc_buf_printf(b, "%llu%s", (unsigned long long)(ms / parts[i].ms), parts[i].unit));
			ms %= parts[i].ms;
		}
	}
	return 0;
}

static int close_set(struct text *t)
{
	if (!t->open_set)
		return 0;
	if (t->open_elems)
		TRY(oc_buf_puts(&t->body, " }\n"));
	t->open_set = NULL;
	return oc_buf_puts(&t->body, "\t}\n\n");
}

static int t_table(void *ctx, const struct oc_nft_table *tb)
{
	struct text *t = ctx;
	TRY(oc_buf_printf(t->out, "table %s %s {\n", family_name(tb->family), tb->name));
	return tb->comment ? oc_buf_printf(t->out, "\tcomment \"%s\"\n", tb->comment) : 0;
}

static int t_counter(void *ctx, const struct oc_nft_counter *c)
{
	struct text *t = ctx;
	TRY(oc_buf_printf(&t->body, "\tcounter %s {\n", c->name));
	if (c->comment)
		TRY(oc_buf_printf(&t->body, "\t\tcomment \"%s\"\n", c->comment));
	return oc_buf_puts(&t->body, "\t}\n\n");
}

static const char *type_name(enum oc_nft_field f)
{
	switch (oc_nft_field(f)->vtype) {
	case OC_VT_IFNAME: return "ifname";
	case OC_VT_MAC: return "ether_addr";
	case OC_VT_IPV4: return "ipv4_addr";
	case OC_VT_PORT: return "inet_service";
	case OC_VT_NFPROTO: return "nf_proto";
	case OC_VT_L4PROTO: return "inet_proto";
	case OC_VT_ETHERTYPE: return "ether_type";
	case OC_VT_CTSTATE: return "ct_state";
	case OC_VT_PKTTYPE: return "pkt_type";
	}
	return "?";
}

static int t_set(void *ctx, const struct oc_nft_set *s)
{
	struct text *t = ctx;
	TRY(close_set(t));
	TRY(oc_buf_printf(&t->body, "\tset %s {\n\t\ttype ", s->name));
	for (size_t i = 0; i < s->nkey; i++)
		TRY(oc_buf_printf(&t->body, "%s%s", i ? " . " : "", type_name(s->key[i])));
	TRY(oc_buf_puts(&t->body, "\n"));
	if (s->flags & OC_NFT_SET_TIMEOUT)
		TRY(oc_buf_puts(&t->body, "\t\tflags timeout\n"));
	if (s->comment)
		TRY(oc_buf_printf(&t->body, "\t\tcomment \"%s\"\n", s->comment));
	t->open_set = s;
	t->open_elems = 0;
	return 0;
}

static int t_elem(void *ctx, const struct oc_nft_set *s, const struct oc_nft_elem *e)
{
	struct text *t = ctx;
	oc_buf *b = &t->body;
	TRY(oc_buf_puts(b, t->open_elems ? ",\n\t\t\t     " : "\t\telements = { "));
	for (size_t i = 0; i < s->nkey; i++) {
		if (i)
			TRY(oc_buf_puts(b, " . "));
		TRY(put_val(b, s->key[i], &e->key[i]));
	}
	if (e->timeout_ms) {
		TRY(oc_buf_puts(b, " timeout "));
		TRY(put_time(b, e->timeout_ms));
		if (e->expires_ms) {
			TRY(oc_buf_puts(b, " expires "));
			TRY(put_time(b, e->expires_ms));
		}
	}
	TRY(put_comment(b, e->comment));
	t->open_elems++;
	return 0;
}

static const char *hook_name(enum oc_nft_hook h)
{
	static const char *const names[] = { "prerouting", "input", "forward", "output", "postrouting" };
	return names[h];
}

/* nft prints well-known priorities by name. */
static int put_prio(oc_buf *b, enum oc_nft_family f, int prio)
{
	static const struct { enum oc_nft_family f; int prio; const char *name; } names[] = {
		{ OC_NFT_INET, -300, "raw" }, { OC_NFT_INET, -150, "mangle" },
		{ OC_NFT_INET, -100, "dstnat" }, { OC_NFT_INET, 0, "filter" },
		{ OC_NFT_INET, 100, "srcnat" }, { OC_NFT_BRIDGE, -200, "filter" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].f == f && names[i].prio == prio)
			return oc_buf_puts(b, names[i].name);
	return oc_buf_printf(b, "%d", prio);
}

static int t_chain(void *ctx, const struct oc_nft_chain *c)
{
	struct text *t = ctx;
	TRY(close_set(t));
	if (t->nchains == sizeof(t->chains) / sizeof(t->chains[0]))
		return oc_error_set(OC_ELIMIT, "nft text: more than %zu chains in one table", t->nchains);
	struct text_chain *tc = &t->chains[t->nchains++];
	oc_copy(tc->name, sizeof(tc->name), c->name);
	oc_buf *b = &tc->head;
	TRY(oc_buf_printf(b, "\tchain %s {\n", c->name));
	if (c->comment)
		TRY(oc_buf_printf(b, "\t\tcomment \"%s\"\n", c->comment));
	if (c->base) {
		TRY(oc_buf_printf(b, "\t\ttype %s hook %s priority ", c->type, hook_name(c->hook)));
		TRY(put_prio(b, c->family, c->prio));
		TRY(oc_buf_printf(b, "; policy %s;\n", c->policy_drop ? "drop" : "accept"));
	}
	return 0;
}

static int put_match(oc_buf *b, const struct oc_nft_match *m)
{
	const struct oc_nft_field_info *fi = oc_nft_field(m->fields[0]);
	const char *neg = m->neg ? "!= " : "";
	switch (m->kind) {
	case OC_M_CMP:
	case OC_M_BITS:
		TRY(oc_buf_printf(b, "%s %s", fi->text, neg));
		return put_val(b, m->fields[0], &m->value);
	case OC_M_PREFIX: {
		char ip[16];
		return oc_buf_printf(b, "%s %s%s/%u", fi->text, neg, oc_ipv4_str(m->value.num, ip), m->plen);
	}
	case OC_M_LOOKUP:
		for (size_t i = 0; i < m->nfields; i++)
			TRY(oc_buf_printf(b, "%s%s", i ? " . " : "", oc_nft_field(m->fields[i])->text));
		return oc_buf_printf(b, " %s@%s", neg, m->set);
	case OC_M_ANON:
		TRY(oc_buf_printf(b, "%s %s{ ", fi->text, neg));
		for (size_t i = 0; i < m->nanon; i++) {
			if (i)
				TRY(oc_buf_puts(b, ", "));
			TRY(put_val(b, m->fields[0], &m->anon[i]));
		}
		return oc_buf_puts(b, " }");
	}
	return 0;
}

static int t_rule(void *ctx, const struct oc_nft_rule *r)
{
	struct text *t = ctx;
	struct text_chain *tc = NULL;
	for (size_t i = 0; i < t->nchains; i++)
		if (strcmp(t->chains[i].name, r->chain) == 0)
			tc = &t->chains[i];
	if (!tc)
		return oc_error_set(OC_EINVAL, "nft text: rule for undeclared chain '%s'", r->chain);
	oc_buf *b = &tc->rules;
	TRY(oc_buf_puts(b, "\t\t"));
	for (size_t i = 0; i < r->nmatch; i++) {
		TRY(put_match(b, &r->match[i]));
		TRY(oc_buf_puts(b, " "));
	}
	if (r->counter)
		TRY(oc_buf_printf(b, "counter name \"%s\" ", r->counter));
	switch (r->verdict) {
	case OC_V_ACCEPT: TRY(oc_buf_puts(b, "accept")); break;
	case OC_V_DROP: TRY(oc_buf_puts(b, "drop")); break;
	case OC_V_JUMP: TRY(oc_buf_printf(b, "jump %s", r->target)); break;
	case OC_V_REDIRECT: TRY(oc_buf_printf(b, "redirect to :%u", r->port)); break;
	case OC_V_MASQUERADE: TRY(oc_buf_puts(b, "masquerade")); break;
	}
	TRY(put_comment(b, r->comment));
	return oc_buf_puts(b, "\n");
}

static int t_end(void *ctx, const struct oc_nft_table *tb)
{
	struct text *t = ctx;
	(void)tb;
	TRY(close_set(t));
	TRY(oc_buf_append(t->out, t->body.data ? t->body.data : "", t->body.len));
	oc_buf_reset(&t->body);
	for (size_t i = 0; i < t->nchains; i++) {
		struct text_chain *tc = &t->chains[i];
		if (i)
			TRY(oc_buf_puts(t->out, "\n"));
		TRY(oc_buf_append(t->out, tc->head.data, tc->head.len));
		if (tc->rules.len)
			TRY(oc_buf_append(t->out, tc->rules.data, tc->rules.len));
		TRY(oc_buf_puts(t->out, "\t}\n"));
		oc_buf_free(&tc->head);
		oc_buf_free(&tc->rules);
	}
	t->nchains = 0;
	return oc_buf_puts(t->out, "}\n");
}

int oc_nft_render(const struct oc_nft_desc *d, oc_buf *out)
{
	struct text t = { .out = out };
	struct oc_nft_sink sink = { &t, t_table, t_counter, t_set, t_elem, t_chain, t_rule, t_end };
	int rc = oc_nft_generate(d, &sink);
	oc_buf_free(&t.body);
	for (size_t i = 0; i < t.nchains; i++) {
		oc_buf_free(&t.chains[i].head);
		oc_buf_free(&t.chains[i].rules);
	}
	return rc;
}
