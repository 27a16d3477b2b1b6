#include "kernel/nft_read.h"
#include "core/grow.h"

#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/config.h"

struct vec {
	void *items;
	size_t n, cap, size;
	int rc;
};

static void *vec_push(struct vec *v)
{
	void *p = oc_grow(v->items, &v->cap, v->n + 1, v->size);
	if (!p) {
		v->rc = OC_ENOMEM;
		return NULL;
	}
	v->items = p;
	void *it = (char *)v->items + v->n++ * v->size;
	memset(it, 0, v->size);
	return it;
}

/* Comments are the one userdata TLV of `type` (set comments use a
 * different type number than element comments). */
static void udata_comment(const void *data, uint32_t len, uint8_t type, char *out, size_t size)
{
	out[0] = '\0';
	const struct nftnl_udata *attr;
	nftnl_udata_for_each_data(data, len, attr) {
		if (nftnl_udata_type(attr) != type)
			continue;
		size_t n = nftnl_udata_len(attr);
		const char *s = nftnl_udata_get(attr);
		if (n && s[n - 1] == '\0')
			n--;
		if (n >= size)
			n = size - 1;
		memcpy(out, s, n);
		out[n] = '\0';
	}
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vec *v = data;
	struct nftnl_set *s = nftnl_set_alloc();
	if (!s)
		return v->rc = oc_error_nomem();
	int rc = MNL_CB_OK;
	struct oc_nft_set_info *si;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		rc = v->rc = oc_error_set(OC_ECORRUPT, "could not parse an nftables set from the kernel");
	} else if ((si = vec_push(v))) {
		oc_copy(si->name, sizeof(si->name), nftnl_set_get_str(s, NFTNL_SET_NAME));
		uint32_t len = 0;
		const void *ud = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len);
		if (ud)
			udata_comment(ud, len, NFTNL_UDATA_SET_COMMENT, si->comment, sizeof(si->comment));
	} else {
		rc = v->rc;
	}
	nftnl_set_free(s);
	return rc < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int dump(struct oc_nl *nl, uint16_t type, uint32_t family, const char *table,
	const char *set, mnl_cb_t cb, struct vec *v, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *s = nftnl_set_alloc();
	if (!s)
		return oc_error_nomem();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	if (set)
		nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, (uint16_t)family, NLM_F_DUMP, 0);
	if (set)
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
	else
		nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	int kerr = 0;
	int rc = oc_nl_talk(nl, nlh, cb, v, what, &kerr);
	if (rc && kerr == ENOENT)
		rc = OC_ENOTFOUND;
	if (!rc && v->rc)
		rc = v->rc;
	if (rc) {
		free(v->items);
		v->items = NULL;
		v->n = 0;
	}
	return rc;
}

int oc_nft_read_sets(struct oc_nl *nl, uint32_t family, const char *table,
	struct oc_nft_set_info **out, size_t *n)
{
	struct vec v = { .size = sizeof(struct oc_nft_set_info) };
	char what[128];
	snprintf(what, sizeof(what), "listing the sets of table %s %s",
		family == OC_NFT_INET ? "inet" : "bridge", table);
	int rc = dump(nl, NFT_MSG_GETSET, family, table, NULL, set_cb, &v, what);
	*out = v.items;
	*n = v.n;
	return rc;
}

struct elem_ctx {
	struct vec v;
	const enum oc_nft_field *key;
	size_t nkey;
};

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_ctx *c = data;
	struct nftnl_set *s = nftnl_set_alloc();
	if (!s)
		return c->v.rc = oc_error_nomem(), MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		c->v.rc = oc_error_set(OC_ECORRUPT, "could not parse nftables set elements from the kernel");
		return MNL_CB_ERROR;
	}
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	for (struct nftnl_set_elem *e = it ? nftnl_set_elems_iter_next(it) : NULL; e;
	     e = nftnl_set_elems_iter_next(it)) {
		struct oc_nft_elem_info *ei = vec_push(&c->v);
		if (!ei)
			break;
		uint32_t len = 0;
		const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		if (!k || oc_nft_key_parse(c->key, c->nkey, k, len, ei->key)) {
			if (!c->v.rc)
				c->v.rc = oc_error_last()->code ? oc_error_last()->code : OC_ECORRUPT;
			break;
		}
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
			ei->timeout_ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION))
			ei->expires_ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION);
		const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
		if (ud)
			udata_comment(ud, len, NFTNL_UDATA_SET_ELEM_COMMENT, ei->comment, sizeof(ei->comment));
	}
	if (!it)
		c->v.rc = oc_error_nomem();
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return c->v.rc ? MNL_CB_ERROR : MNL_CB_OK;
}

int oc_nft_read_elems(struct oc_nl *nl, uint32_t family, const char *table, const char *set,
	const enum oc_nft_field *key, size_t nkey, struct oc_nft_elem_info **out, size_t *n)
{
	struct elem_ctx c = { .v = { .size = sizeof(struct oc_nft_elem_info) }, key, nkey };
	char what[400];
	snprintf(what, sizeof(what), "listing the elements of set %s %s %s",
		family == OC_NFT_INET ? "inet" : "bridge", table, set);
	int rc = dump(nl, NFT_MSG_GETSETELEM, family, table, set, elem_cb, &c.v, what);
	*out = c.v.items;
	*n = c.v.n;
	return rc;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vec *v = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o)
		return v->rc = oc_error_nomem(), MNL_CB_ERROR;
	int ok = nftnl_obj_nlmsg_parse(nlh, o) == 0;
	if (!ok)
		v->rc = oc_error_set(OC_ECORRUPT, "could not parse an nftables object from the kernel");
	struct oc_nft_counter_val *c;
	if (ok && nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER && (c = vec_push(v))) {
		oc_copy(c->name, sizeof(c->name), nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
		c->family = nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY);
		c->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
		c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	}
	nftnl_obj_free(o);
	return v->rc ? MNL_CB_ERROR : MNL_CB_OK;
}

/* One dump of a table's `kind` ("counters", "rules"); OC_ENOTFOUND without
 * the table. */
static int dump_table(struct oc_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	const char *kind, uint32_t family, const char *table)
{
	char what[128];
	snprintf(what, sizeof(what), "listing the %s of table %s %s", kind,
		family == OC_NFT_INET ? "inet" : "bridge", table);
	int kerr = 0;
	int rc = oc_nl_talk(nl, nlh, cb, data, what, &kerr);
	return rc && kerr == ENOENT ? OC_ENOTFOUND : rc;
}

int oc_nft_read_counters(struct oc_nl *nl, uint32_t family, const char *table,
	struct oc_nft_counter_val **out, size_t *n)
{
	struct vec v = { .size = sizeof(struct oc_nft_counter_val) };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o)
		return oc_error_nomem();
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, (uint16_t)family,
		NLM_F_DUMP, 0);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	int rc = dump_table(nl, nlh, obj_cb, &v, "counters", family, table);
	if (!rc)
		rc = v.rc;
	if (rc) {
		free(v.items);
		v.items = NULL;
		v.n = 0;
	}
	*out = v.items;
	*n = v.n;
	return rc;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	if (!g)
		return oc_error_nomem(), MNL_CB_ERROR;
	int ok = nftnl_gen_nlmsg_parse(nlh, g) == 0;
	if (ok)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	if (!ok)
		oc_error_set(OC_ECORRUPT, "could not parse the nftables generation from the kernel");
	return ok ? MNL_CB_OK : MNL_CB_ERROR;
}

int oc_nft_read_genid(struct oc_nl *nl, uint32_t *genid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, 0);
	*genid = 0;
	return oc_nl_talk(nl, nlh, gen_cb, genid, "reading the nftables generation", NULL);
}

/* FNV-1a over each attribute's type, length and bytes. */
static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ull;
	}
}

static void mix_attr(uint64_t *h, const struct nlattr *a)
{
	uint16_t type = mnl_attr_get_type(a), len = mnl_attr_get_payload_len(a);
	mix(h, &type, sizeof(type));
	mix(h, &len, sizeof(len));
	mix(h, mnl_attr_get_payload(a), len);
}

struct digest {
	uint64_t h;
	const uint16_t *keep;   /* the attributes that decide packets, 0-terminated */
};

/* Everything else changes with no change of policy: handles, reference
 * counts, positions, a chain's packet counters. */
static const uint16_t chain_attrs[] = { NFTA_CHAIN_NAME, NFTA_CHAIN_HOOK, NFTA_CHAIN_POLICY,
	NFTA_CHAIN_TYPE, NFTA_CHAIN_FLAGS, 0 };
static const uint16_t rule_attrs[] = { NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS,
	NFTA_RULE_USERDATA, 0 };

static int digest_attr_cb(const struct nlattr *a, void *data)
{
	struct digest *d = data;
	for (const uint16_t *k = d->keep; *k; k++)
		if (mnl_attr_get_type(a) == *k)
			mix_attr(&d->h, a);
	return MNL_CB_OK;
}

static int digest_cb(const struct nlmsghdr *nlh, void *data)
{
	struct digest *d = data;
	mix(&d->h, &nlh->nlmsg_type, sizeof(nlh->nlmsg_type));
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), digest_attr_cb, d) < 0 ?
		MNL_CB_ERROR : MNL_CB_OK;
}

int oc_nft_digest(struct oc_nl *nl, uint32_t family, const char *table, uint64_t *digest)
{
	struct digest d = { 0xcbf29ce484222325ull, chain_attrs };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nftnl_rule *r = nftnl_rule_alloc();
	int rc = c && r ? 0 : oc_error_nomem();
	if (!rc) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, (uint16_t)family,
			NLM_F_DUMP, 0);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		rc = dump_table(nl, nlh, digest_cb, &d, "chains", family, table);
	}
	if (!rc) {
		d.keep = rule_attrs;
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)family,
			NLM_F_DUMP, 0);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		rc = dump_table(nl, nlh, digest_cb, &d, "rules", family, table);
	}
	if (c)
		nftnl_chain_free(c);
	if (r)
		nftnl_rule_free(r);
	*digest = d.h;
	return rc;
}
