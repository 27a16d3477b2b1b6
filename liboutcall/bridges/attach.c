/* Attaching containers: an address, a pinned MAC and a veth into their
 * network namespace; detaching them again. */
#include "bridges/networks.h"
#include "identity/registry.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "identity/lockdown.h"
#include "identity/names.h"
#include "kernel/netns.h"
#include "kernel/rtnl.h"

/* The first address from .2 to .254 no container of the network has. */
static int pick_ip(oc_networks *n, const struct oc_nft_net *net, uint32_t *ip)
{
	struct oc_nft_member *m;
	size_t nm;
	int rc = oc_firewall_members(n->fw, &m, &nm);
	if (rc)
		return rc;
	uint32_t base = net->gateway & ~0xffu;
	bool used[256] = { false };
	for (size_t i = 0; i < nm; i++)
		if ((m[i].ip & ~0xffu) == base)
			used[m[i].ip & 0xff] = true;
	free(m);
	for (uint32_t h = 2; h < 255; h++) {
		if (!used[h]) {
			*ip = base + h;
			return 0;
		}
	}
	return oc_error_set(OC_ELIMIT, "network '%s' is full: all 253 container addresses are in use",
		net->name);
}

/* A veth of this name can only be the remains of an attach that died
 * half-way (its address is free, so the tables never knew it). */
static int clear_leftover(oc_networks *n, const char *port, int bridge)
{
	struct oc_link l;
	int rc = oc_rtnl_link_get(&n->rt, port, &l);
	if (rc == OC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (strcmp(l.kind, "veth") != 0 || l.master != bridge)
		return oc_error_set(OC_EEXIST, "link %s exists and is not an Outcall container port: "
			"remove it", port);
	return oc_rtnl_link_del(&n->rt, l.ifindex, port);
}

/* Address, link up and default route, inside the container. */
static int configure_inside(int nsfd, const char *ifname, uint32_t ip, uint32_t gw)
{
	int fd;
	int rc = oc_netns_socket(nsfd, NETLINK_ROUTE, &fd);
	if (rc)
		return rc;
	struct oc_nl nl;
	rc = oc_nl_open(&nl, NETLINK_ROUTE, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	struct oc_link l;
	rc = oc_rtnl_link_get(&nl, ifname, &l);
	if (rc == OC_ENOTFOUND)
		rc = oc_error_set(OC_ENOTFOUND, "%s vanished from the container right after creation",
			ifname);
	if (!rc)
		rc = oc_rtnl_addr_add(&nl, l.ifindex, ifname, ip, 24);
	if (!rc)
		rc = oc_rtnl_link_up(&nl, l.ifindex, ifname);
	if (!rc)
		rc = oc_rtnl_route_default(&nl, l.ifindex, ifname, gw);
	oc_nl_close(&nl);
	return rc;
}

struct plan {
	struct oc_nft_net net;
	struct oc_nft_member m;
	const char *ifname;
	char netns[300];
	int nsfd;
};

/* One namespace is one container: a second attach of it would give the
 * same processes a second identity (and a second agent socket). */
static int not_attached(oc_networks *n, const char *name, const struct plan *p)
{
	struct stat st;
	if (fstat(p->nsfd, &st) != 0)
		return oc_error_os("container '%s': the network namespace (%s)", name, p->netns);
	oc_container **list = NULL;
	size_t count = 0;
	int rc = oc_registry_snapshot(n->reg, &list, &count);
	for (size_t i = 0; !rc && i < count; i++)
		if (oc_container_netns_ino(list[i]) == (uint64_t)st.st_ino &&
		    oc_container_netns_dev(list[i]) == (uint64_t)st.st_dev)
			rc = oc_error_set(OC_EEXIST, "the network namespace (%s) is attached already, "
				"as container '%s'", p->netns, oc_container_name(list[i]));
	oc_containers_release(list, count);
	return rc;
}

static int prepare(oc_networks *n, const oc_attach_options *o, struct plan *p)
{
	const struct oc_kcfg *cfg = oc_firewall_cfg(n->fw);
	if (!o || !oc_name_valid(o->name))
		return oc_error_set(OC_EINVAL, "container name '%s' must be 1 to 64 characters of "
			"[A-Za-z0-9._-]", o && o->name ? o->name : "(null)");
	oc_container *c = oc_registry_by_name(n->reg, o->name);
	if (c) {
		oc_container_unref(c);
		return oc_error_set(OC_EEXIST, "a container named '%s' is already attached", o->name);
	}
	p->ifname = o->ifname ? o->ifname : cfg->container_ifname;
	if (strlen(p->ifname) == 0 || strlen(p->ifname) >= IFNAMSIZ)
		return oc_error_set(OC_EINVAL, "container '%s': interface name '%s' must be 1 to %d "
			"characters", o->name, p->ifname, IFNAMSIZ - 1);
	int rc = oc_net_find(n, o->network ? o->network : "default", &p->net);
	if (!rc)
		rc = pick_ip(n, &p->net, &p->m.ip);
	if (rc)
		return rc;
	oc_copy(p->m.name, sizeof(p->m.name), o->name);
	/* a lockdown that covers it holds in the kernel from its first packet */
	char agent[OC_NAME_MAX];
	oc_agent_name(o->name, agent, sizeof(agent));
	p->m.locked = oc_registry_would_lock(n->reg, agent, p->net.name);
	oc_net_mac_for(p->m.ip, p->m.mac);
	oc_network_info info;
	oc_net_info(cfg, &p->net, &info);
	snprintf(p->m.port, sizeof(p->m.port), "oc%d-%u", info.index, p->m.ip & 0xff);
	rc = oc_netns_open(o->netns_path, o->pid, &p->nsfd, p->netns, sizeof(p->netns));
	if (!rc && (rc = not_attached(n, o->name, p)) != 0) {
		close(p->nsfd);
		p->nsfd = -1;
	}
	return rc;
}

static int record(oc_networks *n, const oc_attach_options *o, const struct plan *p, int ifindex,
	oc_container **out)
{
	struct stat ns;
	if (fstat(p->nsfd, &ns) != 0)
		return oc_error_os("container '%s': the network namespace (%s)", o->name, p->netns);
	oc_container_spec s = { .name = o->name, .network = p->net.name, .veth = p->m.port,
		.ifindex = ifindex, .netns = p->netns, .container_id = o->container_id,
		.image = o->image, .labels = o->labels, .attached_at = (int64_t)time(NULL),
		.netns_dev = (uint64_t)ns.st_dev, .netns_ino = (uint64_t)ns.st_ino };
	s.ip.s_addr = htonl(p->m.ip);
	memcpy(s.mac, p->m.mac, 6);
	oc_container *c;
	int rc = oc_container_new(&s, &c);
	if (!rc)
		rc = oc_registry_put(n->reg, c);
	if (!rc && out)
		*out = oc_container_ref(c);
	if (c)
		oc_container_unref(c);
	return rc;
}

static int attach_locked(oc_networks *n, const oc_attach_options *o, oc_container **out)
{
	struct plan p = { .nsfd = -1 };
	int rc = prepare(n, o, &p);
	if (rc)
		return rc;
	struct oc_link br, host = { 0 };
	bool made = false, tabled = false;
	rc = oc_rtnl_link_get(&n->rt, p.net.bridge, &br);
	if (rc == OC_ENOTFOUND)
		rc = oc_error_set(OC_ENOTFOUND, "bridge %s of network '%s' is gone: create the "
			"network again", p.net.bridge, p.net.name);
	if (!rc)
		rc = clear_leftover(n, p.m.port, br.ifindex);
	if (!rc)
		rc = oc_rtnl_veth_create(&n->rt, p.m.port, br.ifindex, p.ifname, p.m.mac, p.nsfd);
	made = rc == 0;
	if (!rc)
		rc = oc_rtnl_link_get(&n->rt, p.m.port, &host);
	if (!rc)
		rc = oc_net_no_ipv6(p.m.port);
	/* a frame the bridge passes up the port's own stack (a link-local
	 * group address) finds no route back through the port: dropped */
	if (!rc)
		rc = oc_net_ipv4_conf(p.m.port, "rp_filter", "1");
	if (!rc)
		rc = configure_inside(p.nsfd, p.ifname, p.m.ip, p.net.gateway);
	/* the tables pin port, MAC and IP before the port carries a frame */
	if (!rc)
		rc = oc_firewall_add_member(n->fw, &p.m);
	tabled = rc == 0;
	if (!rc)
		rc = oc_rtnl_link_up(&n->rt, host.ifindex, p.m.port);
	if (!rc)
		rc = record(n, o, &p, host.ifindex, out);
	if (rc) {
		/* undo in reverse, keeping the error that caused it */
		char msg[1024];
		oc_copy(msg, sizeof(msg), oc_error_last()->message);
		if (made && host.ifindex)
			oc_rtnl_link_del(&n->rt, host.ifindex, p.m.port);
		if (tabled)
			oc_firewall_del_member(n->fw, p.m.ip);
		oc_error_set(rc, "attaching container '%s' (%s): %s", o->name, p.netns, msg);
	}
	close(p.nsfd);
	return rc;
}

int oc_network_attach(oc_networks *n, const oc_attach_options *o, oc_container **out)
{
	if (out)
		*out = NULL;
	if (!n || !o)
		return oc_error_set(OC_EINVAL, "oc_network_attach: NULL argument");
	pthread_mutex_lock(&n->lock);
	int rc = attach_locked(n, o, out);
	pthread_mutex_unlock(&n->lock);
	return rc;
}

int oc_network_detach(oc_networks *n, const char *name)
{
	if (!n || !name)
		return oc_error_set(OC_EINVAL, "oc_network_detach: NULL argument");
	pthread_mutex_lock(&n->lock);
	oc_container *c = oc_registry_by_name(n->reg, name);
	int rc = c ? 0 : oc_error_set(OC_ENOTFOUND, "no container named '%s' is attached", name);
	/* The port goes first: while it exists, the tables must still pin it. */
	struct oc_link l;
	if (!rc && oc_rtnl_link_get(&n->rt, oc_container_veth(c), &l) == 0)
		rc = oc_rtnl_link_del(&n->rt, l.ifindex, oc_container_veth(c));
	if (!rc)
		rc = oc_firewall_del_member(n->fw, ntohl(oc_container_ip(c).s_addr));
	if (!rc)
		rc = oc_registry_remove(n->reg, name);
	oc_container_unref(c);
	pthread_mutex_unlock(&n->lock);
	return rc;
}
