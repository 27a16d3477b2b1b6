/* Conntrack over ctnetlink: a dump of the IPv4 table, then one delete per
 * picked flow, naming it by the original tuple exactly as the dump gave it. */
#include "kernel/conntrack.h"
#include "core/grow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/error.h"

/* A tuple attribute is about 60 bytes; room for options of newer kernels. */
#define TUPLE_MAX 256

struct victim {
	uint8_t tuple[TUPLE_MAX];   /* the CTA_TUPLE_ORIG attribute, header included */
	uint16_t tuple_len;
	uint16_t zone;
	bool has_zone;
};

struct dump {
	oc_ct_pick_fn pick;
	void *arg;
	struct victim *v;
	size_t n, cap;
	int rc;
};

struct tb {
	const struct nlattr *a[CTA_MAX + 1];
};

static int table_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int nested(const struct nlattr *a, const struct nlattr **tb, size_t n)
{
	memset(tb, 0, n * sizeof(*tb));
	return a ? mnl_attr_parse_nested(a, table_cb, tb) : MNL_CB_ERROR;
}

static uint32_t be32_at(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) == 4 ? ntohl(mnl_attr_get_u32(a)) : 0;
}

static uint16_t be16_at(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) == 2 ? ntohs(mnl_attr_get_u16(a)) : 0;
}

/* Addresses and ports of one tuple; false when it is not IPv4. */
static bool tuple(const struct nlattr *t, struct oc_ct_flow *f)
{
	const struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1], *pr[CTA_PROTO_MAX + 1];
	if (nested(t, tb, CTA_TUPLE_MAX + 1) < 0 || nested(tb[CTA_TUPLE_IP], ip, CTA_IP_MAX + 1) < 0 ||
	    !ip[CTA_IP_V4_SRC] || !ip[CTA_IP_V4_DST])
		return false;
	f->src = be32_at(ip[CTA_IP_V4_SRC]);
	f->dst = be32_at(ip[CTA_IP_V4_DST]);
	if (nested(tb[CTA_TUPLE_PROTO], pr, CTA_PROTO_MAX + 1) < 0 || !pr[CTA_PROTO_NUM])
		return false;
	f->proto = mnl_attr_get_u8(pr[CTA_PROTO_NUM]);
	f->sport = be16_at(pr[CTA_PROTO_SRC_PORT]);
	f->dport = be16_at(pr[CTA_PROTO_DST_PORT]);
	return true;
}

static int flow_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), table_cb, tb) < 0)
		return MNL_CB_OK;
	struct oc_ct_flow f = { 0 }, reply = { 0 };
	const struct nlattr *orig = tb[CTA_TUPLE_ORIG];
	if (!orig || mnl_attr_get_len(orig) > TUPLE_MAX || !tuple(orig, &f) ||
	    !tuple(tb[CTA_TUPLE_REPLY], &reply))
		return MNL_CB_OK;
	f.reply_src = reply.src;
	if (!d->pick(&f, d->arg))
		return MNL_CB_OK;
	struct victim *grown = oc_grow(d->v, &d->cap, d->n + 1, sizeof(*grown));
	if (!grown) {
		d->rc = OC_ENOMEM;
		return MNL_CB_ERROR;
	}
	d->v = grown;
	struct victim *v = &d->v[d->n++];
	v->tuple_len = mnl_attr_get_len(orig);
	memcpy(v->tuple, orig, v->tuple_len);
	v->has_zone = tb[CTA_ZONE] && mnl_attr_get_payload_len(tb[CTA_ZONE]) == 2;
	v->zone = v->has_zone ? mnl_attr_get_u16(tb[CTA_ZONE]) : 0;
	return MNL_CB_OK;
}

static struct nlmsghdr *request(char *buf, uint8_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

static int delete(struct oc_nl *nl, const struct victim *v, bool *gone)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = request(buf, IPCTNL_MSG_CT_DELETE, 0);
	void *at = mnl_nlmsg_get_payload_tail(nlh);
	memcpy(at, v->tuple, v->tuple_len);
	nlh->nlmsg_len += MNL_ALIGN(v->tuple_len);
	if (v->has_zone)
		mnl_attr_put(nlh, CTA_ZONE, sizeof(v->zone), &v->zone);
	int kerr;
	int rc = oc_nl_talk(nl, nlh, NULL, NULL, "deleting a conntrack entry", &kerr);
	*gone = rc == 0;
	return rc && kerr == ENOENT ? 0 : rc;  /* it ended by itself */
}

int oc_ct_cut(struct oc_nl *nl, oc_ct_pick_fn pick, void *arg, size_t *cut)
{
	if (cut)
		*cut = 0;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = request(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP);
	struct dump d = { .pick = pick, .arg = arg };
	int rc = oc_nl_talk(nl, nlh, flow_cb, &d, "listing conntrack entries", NULL);
	if (d.rc)
		rc = d.rc;
	/* deleted after the dump: a dump does not survive changes under it */
	for (size_t i = 0; !rc && i < d.n; i++) {
		bool gone;
		rc = delete(nl, &d.v[i], &gone);
		if (cut && gone)
			(*cut)++;
	}
	free(d.v);
	return rc;
}

static bool touches(const struct oc_ct_flow *f, void *arg)
{
	uint32_t addr = *(const uint32_t *)arg;
	return f->src == addr || f->dst == addr || f->reply_src == addr;
}

int oc_ct_cut_addr(struct oc_nl *nl, uint32_t addr, size_t *cut)
{
	return oc_ct_cut(nl, touches, &addr, cut);
}
