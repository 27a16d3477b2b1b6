#include "kernel/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "kernel/config.h"

struct msg {
	char buf[4096];
	struct nlmsghdr *nlh;
};

static void *start(struct msg *m, uint16_t type, uint16_t flags, size_t hdr)
{
	m->nlh = mnl_nlmsg_put_header(m->buf);
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return mnl_nlmsg_put_extra_header(m->nlh, hdr);
}

static int kind_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		oc_copy(data, 32, mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct oc_link *l = data;
	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			oc_copy(l->name, sizeof(l->name), mnl_attr_get_str(a));
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6)
			memcpy(l->mac, mnl_attr_get_payload(a), 6);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, kind_cb, l->kind);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct oc_link *l = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	memset(l, 0, sizeof(*l));
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, l);
	return MNL_CB_OK;
}

int oc_rtnl_link_get(struct oc_nl *nl, const char *name, struct oc_link *out)
{
	struct msg m;
	struct ifinfomsg *ifm = start(&m, RTM_GETLINK, 0, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(m.nlh, IFLA_IFNAME, name);
	char what[64];
	snprintf(what, sizeof(what), "looking up link %s", name);
	int kerr;
	memset(out, 0, sizeof(*out));
	int rc = oc_nl_talk(nl, m.nlh, link_cb, out, what, &kerr);
	if (rc && (kerr == ENODEV || kerr == ENOENT))
		return OC_ENOTFOUND;
	return rc;
}

int oc_rtnl_bridge_ensure(struct oc_nl *nl, const char *name, struct oc_link *out)
{
	int rc = oc_rtnl_link_get(nl, name, out);
	if (rc == 0) {
		if (strcmp(out->kind, "bridge") == 0)
			return 0;
		return oc_error_set(OC_EEXIST, "link %s exists and is %s%s, not a bridge: remove it "
			"or choose another bridge_prefix", name, out->kind[0] ? "a " : "a device of no kind",
			out->kind);
	}
	if (rc != OC_ENOTFOUND)
		return rc;
	struct msg m;
	struct ifinfomsg *ifm = start(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(m.nlh, IFLA_IFNAME, name);
	struct nlattr *li = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(m.nlh, li);
	char what[64];
	snprintf(what, sizeof(what), "creating bridge %s", name);
	rc = oc_nl_talk(nl, m.nlh, NULL, NULL, what, NULL);
	return rc ? rc : oc_rtnl_link_get(nl, name, out);
}

/* The kernel refuses bits 0-2 (STP, pause, LACP): the input chain of the
 * bridge table judges those, as the bridge passes them up through it. */
#define GROUP_FWD_ALL 0xfff8

int oc_rtnl_bridge_harden(struct oc_nl *nl, int ifindex, const char *name, const uint8_t mac[6])
{
	struct msg m;
	struct ifinfomsg *ifm = start(&m, RTM_NEWLINK, 0, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	/* set, even to the same value: only a set address stays put */
	mnl_attr_put(m.nlh, IFLA_ADDRESS, 6, mac);
	struct nlattr *li = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, "bridge");
	struct nlattr *data = mnl_attr_nest_start(m.nlh, IFLA_INFO_DATA);
	/* Every group address the kernel lets a bridge forward: such frames
	 * then take the forwarding path through prerouting instead of being
	 * passed up the port's own stack. */
	mnl_attr_put_u16(m.nlh, IFLA_BR_GROUP_FWD_MASK, GROUP_FWD_ALL);
	struct br_boolopt_multi bo = { .optval = 1u << BR_BOOLOPT_NO_LL_LEARN,
		.optmask = 1u << BR_BOOLOPT_NO_LL_LEARN };
	mnl_attr_put(m.nlh, IFLA_BR_MULTI_BOOLOPT, sizeof(bo), &bo);
	mnl_attr_nest_end(m.nlh, data);
	mnl_attr_nest_end(m.nlh, li);
	char what[96];
	snprintf(what, sizeof(what), "setting the MAC, group_fwd_mask and no_linklocal_learn of "
		"bridge %s", name);
	return oc_nl_talk(nl, m.nlh, NULL, NULL, what, NULL);
}

int oc_rtnl_veth_create(struct oc_nl *nl, const char *host, int master, const char *peer,
	const uint8_t peer_mac[6], int peer_netns_fd)
{
	struct msg m;
	struct ifinfomsg *ifm = start(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(m.nlh, IFLA_IFNAME, host);
	mnl_attr_put_u32(m.nlh, IFLA_MASTER, (uint32_t)master);
	struct nlattr *li = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(m.nlh, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(m.nlh, VETH_INFO_PEER);
	struct ifinfomsg *pifm = mnl_nlmsg_put_extra_header(m.nlh, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(m.nlh, IFLA_IFNAME, peer);
	mnl_attr_put(m.nlh, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_put_u32(m.nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(m.nlh, p);
	mnl_attr_nest_end(m.nlh, data);
	mnl_attr_nest_end(m.nlh, li);
	char what[96];
	snprintf(what, sizeof(what), "creating veth pair %s / %s (in the container)", host, peer);
	return oc_nl_talk(nl, m.nlh, NULL, NULL, what, NULL);
}

int oc_rtnl_link_up(struct oc_nl *nl, int ifindex, const char *name)
{
	struct msg m;
	struct ifinfomsg *ifm = start(&m, RTM_NEWLINK, 0, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	char what[64];
	snprintf(what, sizeof(what), "bringing link %s up", name);
	return oc_nl_talk(nl, m.nlh, NULL, NULL, what, NULL);
}

int oc_rtnl_link_del(struct oc_nl *nl, int ifindex, const char *name)
{
	struct msg m;
	struct ifinfomsg *ifm = start(&m, RTM_DELLINK, 0, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	char what[64];
	snprintf(what, sizeof(what), "deleting link %s", name);
	return oc_nl_talk(nl, m.nlh, NULL, NULL, what, NULL);
}

int oc_rtnl_addr_add(struct oc_nl *nl, int ifindex, const char *name, uint32_t ip, int plen)
{
	struct msg m;
	struct ifaddrmsg *ifa = start(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)plen;
	ifa->ifa_index = (unsigned)ifindex;
	uint32_t n = htonl(ip), brd = htonl(ip | (~0u >> plen));
	mnl_attr_put_u32(m.nlh, IFA_LOCAL, n);
	mnl_attr_put_u32(m.nlh, IFA_ADDRESS, n);
	mnl_attr_put_u32(m.nlh, IFA_BROADCAST, brd);
	char what[96], buf[16];
	snprintf(what, sizeof(what), "adding address %s/%d to %s", oc_ipv4_str(ip, buf), plen, name);
	int kerr;
	int rc = oc_nl_talk(nl, m.nlh, NULL, NULL, what, &kerr);
	return rc && kerr == EEXIST ? 0 : rc;
}

int oc_rtnl_route_default(struct oc_nl *nl, int ifindex, const char *name, uint32_t gw)
{
	struct msg m;
	struct rtmsg *rt = start(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(m.nlh, RTA_GATEWAY, htonl(gw));
	mnl_attr_put_u32(m.nlh, RTA_OIF, (uint32_t)ifindex);
	char what[96], buf[16];
	snprintf(what, sizeof(what), "setting the default route via %s on %s", oc_ipv4_str(gw, buf), name);
	return oc_nl_talk(nl, m.nlh, NULL, NULL, what, NULL);
}
