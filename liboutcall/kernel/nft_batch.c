#include "kernel/nft_batch.h"

#include <arpa/inet.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/error.h"

/* Elements per NEWSETELEM message: the element list is one netlink
 * attribute, whose length field has 16 bits. */
#define ELEMS_PER_MSG 200
#define ELEM_MSG_ROOM (72 * 1024)
#define MSG_ROOM (16 * 1024)

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

static const char *family_name(uint32_t f)
{
	return f == OC_NFT_INET ? "inet" : "bridge";
}

static int nomem(void)
{
	return oc_error_nomem();
}

/* A comment as nftables userdata: one TLV of `type`. */
static int put_comment_udata(const char *comment, uint8_t type, void *obj,
	void (*set)(void *obj, const void *data, uint32_t len))
{
	if (!comment)
		return 0;
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 16);
	if (!u)
		return nomem();
	if (!nftnl_udata_put_strz(u, type, comment)) {
		nftnl_udata_buf_free(u);
		return oc_error_set(OC_EINVAL, "nftables comment too long (%zu bytes, at most %d): '%s'",
			strlen(comment), NFTNL_UDATA_COMMENT_MAXLEN - 1, comment);
	}
	set(obj, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	return 0;
}

static void table_udata(void *o, const void *d, uint32_t l) { nftnl_table_set_data(o, NFTNL_TABLE_USERDATA, d, l); }
static void chain_udata(void *o, const void *d, uint32_t l) { nftnl_chain_set_data(o, NFTNL_CHAIN_USERDATA, d, l); }
static void rule_udata(void *o, const void *d, uint32_t l) { nftnl_rule_set_data(o, NFTNL_RULE_USERDATA, d, l); }
static void elem_udata(void *o, const void *d, uint32_t l) { nftnl_set_elem_set(o, NFTNL_SET_ELEM_USERDATA, d, l); }
static void obj_udata(void *o, const void *d, uint32_t l) { nftnl_obj_set_data(o, NFTNL_OBJ_USERDATA, d, l); }

static int table_msg(struct oc_nft_batch *b, uint32_t family, const char *name,
	const char *comment, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t)
		return nomem();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	int rc = put_comment_udata(comment, NFTNL_UDATA_TABLE_COMMENT, t, table_udata);
	void *p = oc_nft_batch_room(b, MSG_ROOM);
	if (!rc && p) {
		struct nlmsghdr *nlh = nftnl_table_nlmsg_build_hdr(p, type, (uint16_t)family,
			type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, 0);
		nftnl_table_nlmsg_build_payload(nlh, t);
		rc = oc_nft_batch_add(b, nlh, "%s table %s %s",
			type == NFT_MSG_NEWTABLE ? "adding" : "deleting", family_name(family), name);
	}
	nftnl_table_free(t);
	return rc ? rc : b->rc;
}

/* ---- the sink ---- */

struct nlsink {
	struct oc_nft_elems elems;   /* set and element messages */
	struct oc_nft_batch *b;
	const char *table;
	uint32_t family;
};

static uint32_t key_type(const enum oc_nft_field *f, size_t n)
{
	uint32_t t = 0;
	for (size_t i = 0; i < n; i++)
		t = (t << 6) | oc_nft_field(f[i])->datatype;
	return t;
}

static uint32_t key_len(const enum oc_nft_field *f, size_t n)
{
	uint32_t l = 0;
	for (size_t i = 0; i < n; i++)
		l += oc_nft_key_width(f, n, i);
	return l;
}

static int flush(struct oc_nft_elems *e)
{
	struct nftnl_set *s = e->pending;
	if (!s)
		return 0;
	int rc = 0;
	if (e->npending) {
		void *p = oc_nft_batch_room(e->b, ELEM_MSG_ROOM);
		if (p) {
			uint16_t type = e->del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM;
			struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(p, type,
				(uint16_t)e->pending_family, e->del ? 0 : NLM_F_CREATE, 0);
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
			rc = oc_nft_batch_add(e->b, nlh, "%s %zu elements %s set %s %s %s",
				e->del ? "deleting" : "adding", e->npending, e->del ? "from" : "to",
				family_name(e->pending_family), e->table, e->pending_name);
		} else {
			rc = e->b->rc;
		}
	}
	nftnl_set_free(s);
	e->pending = NULL;
	e->npending = 0;
	return rc;
}

int oc_nft_elems_flush(struct oc_nft_elems *e)
{
	return flush(e);
}

void oc_nft_elems_discard(struct oc_nft_elems *e)
{
	if (e->pending)
		nftnl_set_free(e->pending);
	e->pending = NULL;
	e->npending = 0;
}

static struct nftnl_set *set_obj(const char *table, const struct oc_nft_set *s)
{
	struct nftnl_set *ns = nftnl_set_alloc();
	if (!ns)
		return NULL;
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, s->family);
	return ns;
}

static int elems_elem(void *ctx, const struct oc_nft_set *s, const struct oc_nft_elem *el)
{
	struct oc_nft_elems *e = ctx;
	if (e->pending && (e->pending_family != s->family || strcmp(e->pending_name, s->name) != 0 ||
			   e->npending == ELEMS_PER_MSG))
		TRY(flush(e));
	if (!e->pending) {
		e->pending = set_obj(e->table, s);
		if (!e->pending)
			return nomem();
		e->pending_family = s->family;
		oc_copy(e->pending_name, sizeof(e->pending_name), s->name);
	}
	struct nftnl_set_elem *ne = nftnl_set_elem_alloc();
	if (!ne)
		return nomem();
	uint8_t key[OC_NFT_MAX_CONCAT * IFNAMSIZ];
	size_t klen = oc_nft_key_bytes(s->key, s->nkey, el->key, key);
	nftnl_set_elem_set(ne, NFTNL_SET_ELEM_KEY, key, (uint32_t)klen);
	if (!e->del && el->timeout_ms) {
		nftnl_set_elem_set_u64(ne, NFTNL_SET_ELEM_TIMEOUT, el->timeout_ms);
		if (el->expires_ms)
			nftnl_set_elem_set_u64(ne, NFTNL_SET_ELEM_EXPIRATION, el->expires_ms);
	}
	int rc = e->del ? 0 : put_comment_udata(el->comment, NFTNL_UDATA_SET_ELEM_COMMENT, ne, elem_udata);
	if (rc) {
		nftnl_set_elem_free(ne);
		return rc;
	}
	nftnl_set_elem_add(e->pending, ne);
	e->npending++;
	return 0;
}

void oc_nft_elems_init(struct oc_nft_elems *e, struct oc_nft_batch *b, const char *table, bool del)
{
	memset(e, 0, sizeof(*e));
	e->sink.ctx = e;
	e->sink.elem = elems_elem;
	e->b = b;
	e->table = table;
	e->del = del;
}

static int s_table(void *ctx, const struct oc_nft_table *t)
{
	struct nlsink *n = ctx;
	n->table = t->name;
	n->family = t->family;
	n->elems.table = t->name;
	return table_msg(n->b, t->family, t->name, t->comment, NFT_MSG_NEWTABLE);
}

static int s_counter(void *ctx, const struct oc_nft_counter *c)
{
	struct nlsink *n = ctx;
	TRY(flush(&n->elems));
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o)
		return nomem();
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, n->table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, c->name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, c->packets);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, c->bytes);
	int rc = put_comment_udata(c->comment, NFTNL_UDATA_OBJ_COMMENT, o, obj_udata);
	void *p = oc_nft_batch_room(n->b, MSG_ROOM);
	if (!rc && p) {
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(p, NFT_MSG_NEWOBJ,
			(uint16_t)c->family, NLM_F_CREATE, 0);
		nftnl_obj_nlmsg_build_payload(nlh, o);
		rc = oc_nft_batch_add(n->b, nlh, "adding counter %s %s %s",
			family_name(c->family), n->table, c->name);
	}
	nftnl_obj_free(o);
	return rc ? rc : n->b->rc;
}

static int set_msg(struct nlsink *n, struct nftnl_set *ns, const char *name)
{
	void *p = oc_nft_batch_room(n->b, MSG_ROOM);
	if (!p)
		return n->b->rc;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(p, NFT_MSG_NEWSET, (uint16_t)n->family,
		NLM_F_CREATE, 0);
	nftnl_set_nlmsg_build_payload(nlh, ns);
	return oc_nft_batch_add(n->b, nlh, "adding set %s %s %s", family_name(n->family),
		n->table, name);
}

/* nft's byte order codes (BYTEORDER_HOST_ENDIAN, BYTEORDER_BIG_ENDIAN). */
#define NFT_BYTEORDER_HOST 1
#define NFT_BYTEORDER_BIG 2

/* A set's userdata: its comment and, for single-field keys, the key's byte
 * order, which `nft list` needs to print names and numbers (concatenations
 * carry it in their field types). */
static int set_userdata(struct nftnl_set *ns, const struct oc_nft_set *s)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 32);
	if (!u)
		return nomem();
	int ok = 1;
	if (s->nkey == 1) {
		const struct oc_nft_field_info *fi = oc_nft_field(s->key[0]);
		bool host = fi->host_order || fi->vtype == OC_VT_IFNAME;
		ok = nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER,
			host ? NFT_BYTEORDER_HOST : NFT_BYTEORDER_BIG);
	}
	if (ok && s->comment)
		ok = nftnl_udata_put_strz(u, NFTNL_UDATA_SET_COMMENT, s->comment);
	if (ok)
		nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	return ok ? 0 : oc_error_set(OC_EINVAL, "nftables comment of set %s too long", s->name);
}

static int s_set(void *ctx, const struct oc_nft_set *s)
{
	struct nlsink *n = ctx;
	TRY(flush(&n->elems));
	struct nftnl_set *ns = set_obj(n->table, s);
	if (!ns)
		return nomem();
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, s->flags);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, key_type(s->key, s->nkey));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, key_len(s->key, s->nkey));
	nftnl_set_set_u32(ns, NFTNL_SET_ID, ++n->elems.set_id);
	int rc = set_userdata(ns, s);
	if (!rc)
		rc = set_msg(n, ns, s->name);
	nftnl_set_free(ns);
	return rc;
}

static int s_elem(void *ctx, const struct oc_nft_set *s, const struct oc_nft_elem *e)
{
	struct nlsink *n = ctx;
	return elems_elem(&n->elems, s, e);
}

static int s_chain(void *ctx, const struct oc_nft_chain *c)
{
	struct nlsink *n = ctx;
	TRY(flush(&n->elems));
	struct nftnl_chain *ch = nftnl_chain_alloc();
	if (!ch)
		return nomem();
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, n->table);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, c->name);
	if (c->base) {
		/* The OC_HOOK_* order is the kernel's hook numbering, shared by
		 * the inet and bridge families. */
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, (uint32_t)c->hook);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, c->prio);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, c->type);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, c->policy_drop ? NF_DROP : NF_ACCEPT);
	}
	int rc = put_comment_udata(c->comment, NFTNL_UDATA_CHAIN_COMMENT, ch, chain_udata);
	void *p = oc_nft_batch_room(n->b, MSG_ROOM);
	if (!rc && p) {
		struct nlmsghdr *nlh = nftnl_chain_nlmsg_build_hdr(p, NFT_MSG_NEWCHAIN,
			(uint16_t)c->family, NLM_F_CREATE, 0);
		nftnl_chain_nlmsg_build_payload(nlh, ch);
		rc = oc_nft_batch_add(n->b, nlh, "adding chain %s %s %s", family_name(c->family),
			n->table, c->name);
	}
	nftnl_chain_free(ch);
	return rc ? rc : n->b->rc;
}

/* ---- rules ---- */

struct rb {
	struct nlsink *n;
	struct nftnl_rule *r;
	int l3;    /* dependency established: 0, OC_DEP_IPV4, OC_DEP_ARP */
	int l4;    /* 0, OC_DEP_TCP, OC_DEP_UDP */
	bool l2;   /* `meta iiftype ether` established (inet only) */
	int rc;
};

static struct nftnl_expr *expr(struct rb *rb, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	if (!e) {
		rb->rc = nomem();
		return NULL;
	}
	nftnl_rule_add_expr(rb->r, e);
	return e;
}

/* nft numbers registers in 16-byte units for the first word of each and in
 * 4-byte units otherwise; concatenations fill consecutive 4-byte words. */
static uint32_t reg_at(uint32_t word)
{
	return word % 4 == 0 ? NFT_REG_1 + word / 4 : NFT_REG32_00 + word;
}

static void load(struct rb *rb, enum oc_nft_field f, uint32_t reg, uint32_t len)
{
	const struct oc_nft_field_info *fi = oc_nft_field(f);
	struct nftnl_expr *e;
	switch (fi->load) {
	case OC_LOAD_META:
		if ((e = expr(rb, "meta"))) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, fi->key);
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
		}
		return;
	case OC_LOAD_CT:
		if ((e = expr(rb, "ct"))) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, fi->key);
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, reg);
		}
		return;
	case OC_LOAD_PAYLOAD:
		if ((e = expr(rb, "payload"))) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
			nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, fi->key);
			nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, fi->offset);
			nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		}
		return;
	}
}

static void cmp_data(struct rb *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(rb, "cmp");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void cmp_field(struct rb *rb, enum oc_nft_field f, uint32_t num, bool neg)
{
	const struct oc_nft_field_info *fi = oc_nft_field(f);
	struct oc_nft_val v = { .num = num };
	uint8_t data[IFNAMSIZ];
	oc_nft_val_bytes(f, &v, data);
	load(rb, f, NFT_REG_1, fi->len);
	cmp_data(rb, neg ? NFT_CMP_NEQ : NFT_CMP_EQ, data, fi->len);
}

/* What nft inserts before a field that needs a protocol established. */
static void dependency(struct rb *rb, enum oc_nft_dep dep)
{
	switch (dep) {
	case OC_DEP_NONE:
		return;
	case OC_DEP_ETHER: {
		/* the bridge family always has an Ethernet header */
		if (rb->n->family != OC_NFT_INET || rb->l2)
			return;
		rb->l2 = true;
		uint16_t ether = ARPHRD_ETHER;
		struct nftnl_expr *e = expr(rb, "meta");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_IIFTYPE);
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
		}
		cmp_data(rb, NFT_CMP_EQ, &ether, sizeof(ether));
		return;
	}
	case OC_DEP_IPV4:
	case OC_DEP_ARP:
		if (rb->l3 == (int)dep)
			return;
		rb->l3 = (int)dep;
		if (rb->n->family == OC_NFT_INET)
			cmp_field(rb, OC_F_NFPROTO, NFPROTO_IPV4, false);
		else
			cmp_field(rb, OC_F_ETHER_TYPE, dep == OC_DEP_IPV4 ? ETHERTYPE_IP : ETHERTYPE_ARP, false);
		return;
	case OC_DEP_TCP:
	case OC_DEP_UDP:
		if (rb->l4 == (int)dep)
			return;
		rb->l4 = (int)dep;
		cmp_field(rb, OC_F_L4PROTO, dep == OC_DEP_TCP ? IPPROTO_TCP : IPPROTO_UDP, false);
		return;
	}
}

static void lookup(struct rb *rb, const char *set, uint32_t set_id, bool neg)
{
	struct nftnl_expr *e = expr(rb, "lookup");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (set_id)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	if (neg)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
}

/* An anonymous constant set, added to the batch right before its rule. */
static int anon_set(struct rb *rb, const struct oc_nft_match *m, uint32_t *id)
{
	struct nlsink *n = rb->n;
	const struct oc_nft_field_info *fi = oc_nft_field(m->fields[0]);
	struct oc_nft_set s = { n->family, "__set%d", { m->fields[0] }, 1,
		NFT_SET_ANONYMOUS | NFT_SET_CONSTANT, NULL };
	struct nftnl_set *ns = set_obj(n->table, &s);
	if (!ns)
		return nomem();
	*id = ++n->elems.set_id;
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, s.flags);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, fi->datatype);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, fi->len);
	nftnl_set_set_u32(ns, NFTNL_SET_ID, *id);
	int rc = set_msg(n, ns, "(anonymous)");
	for (size_t i = 0; !rc && i < m->nanon; i++) {
		struct nftnl_set_elem *ne = nftnl_set_elem_alloc();
		if (!ne) {
			rc = nomem();
			break;
		}
		uint8_t key[IFNAMSIZ];
		oc_nft_val_bytes(m->fields[0], &m->anon[i], key);
		nftnl_set_elem_set(ne, NFTNL_SET_ELEM_KEY, key, fi->len);
		nftnl_set_elem_add(ns, ne);
	}
	void *p = rc ? NULL : oc_nft_batch_room(n->b, MSG_ROOM);
	if (p) {
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(p, NFT_MSG_NEWSETELEM,
			(uint16_t)n->family, NLM_F_CREATE, 0);
		nftnl_set_elems_nlmsg_build_payload(nlh, ns);
		rc = oc_nft_batch_add(n->b, nlh, "adding the elements of an anonymous set in %s %s",
			family_name(n->family), n->table);
	} else if (!rc) {
		rc = n->b->rc;
	}
	nftnl_set_free(ns);
	return rc;
}

static int match(struct rb *rb, const struct oc_nft_match *m)
{
	const struct oc_nft_field_info *fi = oc_nft_field(m->fields[0]);
	for (size_t i = 0; i < m->nfields; i++)
		dependency(rb, oc_nft_field(m->fields[i])->dep);
	switch (m->kind) {
	case OC_M_CMP:
		cmp_field(rb, m->fields[0], m->value.num, m->neg);
		break;
	case OC_M_PREFIX: {
		struct oc_nft_val v = m->value;
		uint8_t addr[4];
		oc_nft_val_bytes(m->fields[0], &v, addr);
		uint32_t op = m->neg ? NFT_CMP_NEQ : NFT_CMP_EQ;
		if (m->plen % 8 == 0) {
			/* nft compares whole bytes without a mask */
			load(rb, m->fields[0], NFT_REG_1, m->plen / 8u);
			cmp_data(rb, op, addr, m->plen / 8u);
			break;
		}
		load(rb, m->fields[0], NFT_REG_1, 4);
		uint32_t mask = htonl(~0u << (32 - m->plen)), zero = 0;
		struct nftnl_expr *e = expr(rb, "bitwise");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		}
		cmp_data(rb, op, addr, 4);
		break;
	}
	case OC_M_BITS: {
		uint32_t mask = m->value.num, zero = 0;
		load(rb, m->fields[0], NFT_REG_1, fi->len);
		struct nftnl_expr *e = expr(rb, "bitwise");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		}
		cmp_data(rb, m->neg ? NFT_CMP_EQ : NFT_CMP_NEQ, &zero, 4);
		break;
	}
	case OC_M_LOOKUP: {
		uint32_t word = 0;
		for (size_t i = 0; i < m->nfields; i++) {
			load(rb, m->fields[i], reg_at(word), oc_nft_field(m->fields[i])->len);
			word += oc_nft_field_width(m->fields[i]) / 4;
		}
		lookup(rb, m->set, 0, m->neg);
		break;
	}
	case OC_M_ANON: {
		uint32_t id = 0;
		int rc = anon_set(rb, m, &id);
		if (rc)
			return rc;
		load(rb, m->fields[0], NFT_REG_1, fi->len);
		lookup(rb, "__set%d", id, m->neg);
		break;
	}
	}
	return rb->rc;
}

static void verdict(struct rb *rb, uint32_t v, const char *chain)
{
	struct nftnl_expr *e = expr(rb, "immediate");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, v);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

static void statement(struct rb *rb, const struct oc_nft_rule *r)
{
	struct nftnl_expr *e;
	if (r->counter && (e = expr(rb, "objref"))) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, r->counter);
	}
	switch (r->verdict) {
	case OC_V_ACCEPT:
		verdict(rb, NF_ACCEPT, NULL);
		return;
	case OC_V_DROP:
		verdict(rb, NF_DROP, NULL);
		return;
	case OC_V_JUMP:
		verdict(rb, (uint32_t)NFT_JUMP, r->target);
		return;
	case OC_V_REDIRECT: {
		uint16_t port = htons(r->port);
		if ((e = expr(rb, "immediate"))) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
			nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &port, sizeof(port));
		}
		if ((e = expr(rb, "redir"))) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_REDIR_REG_PROTO_MIN, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_REDIR_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
		}
		return;
	}
	case OC_V_MASQUERADE:
		expr(rb, "masq");
		return;
	}
}

static int s_rule(void *ctx, const struct oc_nft_rule *r)
{
	struct nlsink *n = ctx;
	TRY(flush(&n->elems));
	struct rb rb = { .n = n, .r = nftnl_rule_alloc() };
	if (!rb.r)
		return nomem();
	nftnl_rule_set_str(rb.r, NFTNL_RULE_TABLE, n->table);
	nftnl_rule_set_str(rb.r, NFTNL_RULE_CHAIN, r->chain);
	int rc = 0;
	for (size_t i = 0; !rc && i < r->nmatch; i++)
		rc = match(&rb, &r->match[i]);
	if (!rc) {
		statement(&rb, r);
		rc = rb.rc;
	}
	if (!rc)
		rc = put_comment_udata(r->comment, NFTNL_UDATA_RULE_COMMENT, rb.r, rule_udata);
	void *p = rc ? NULL : oc_nft_batch_room(n->b, MSG_ROOM);
	if (p) {
		struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(p, NFT_MSG_NEWRULE,
			(uint16_t)r->family, NLM_F_CREATE | NLM_F_APPEND, 0);
		nftnl_rule_nlmsg_build_payload(nlh, rb.r);
		rc = oc_nft_batch_add(n->b, nlh, "adding rule \"%s\" to chain %s %s %s",
			r->comment ? r->comment : "", family_name(r->family), n->table, r->chain);
	} else if (!rc) {
		rc = n->b->rc;
	}
	nftnl_rule_free(rb.r);
	return rc;
}

static int s_end(void *ctx, const struct oc_nft_table *t)
{
	struct nlsink *n = ctx;
	(void)t;
	return flush(&n->elems);
}

int oc_nft_batch_delete_tables(struct oc_nft_batch *b, const char *table)
{
	static const uint32_t families[] = { OC_NFT_INET, OC_NFT_BRIDGE };
	for (size_t i = 0; i < 2; i++) {
		TRY(table_msg(b, families[i], table, NULL, NFT_MSG_NEWTABLE));
		TRY(table_msg(b, families[i], table, NULL, NFT_MSG_DELTABLE));
	}
	return 0;
}

int oc_nft_batch_replace(struct oc_nft_batch *b, const struct oc_nft_desc *d)
{
	TRY(oc_nft_batch_delete_tables(b, d->cfg->table));
	struct nlsink n = { .b = b };
	oc_nft_elems_init(&n.elems, b, d->cfg->table, false);
	struct oc_nft_sink sink = { &n, s_table, s_counter, s_set, s_elem, s_chain, s_rule, s_end };
	int rc = oc_nft_generate(d, &sink);
	if (rc)
		oc_nft_elems_discard(&n.elems);
	return rc;
}
