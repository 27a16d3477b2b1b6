/* Internal side of oc_firewall: what the network layer changes when it
 * creates networks and attaches containers. Each call updates the kernel
 * first (incrementally when the tables are installed, by a full apply when
 * they are not) and the description only once the kernel acknowledged it. */
#ifndef OC_KERNEL_FIREWALL_H
#define OC_KERNEL_FIREWALL_H

#include <outcall/kernel.h>

#include "kernel/config.h"
#include "kernel/nft_desc.h"
#include "kernel/nl.h"

const struct oc_kcfg *oc_firewall_cfg(const oc_firewall *fw);

int oc_firewall_add_net(oc_firewall *fw, const struct oc_nft_net *n);
int oc_firewall_del_net(oc_firewall *fw, const char *name);
/* Adds a container's port . MAC . IP. */
int oc_firewall_add_member(oc_firewall *fw, const struct oc_nft_member *m);
/* Removes a container and, in the same transaction, its grants. */
int oc_firewall_del_member(oc_firewall *fw, uint32_t ip);
/* Makes set `locked` hold exactly the attached containers among ips[0..n)
 * (host order; others are ignored): the kernel drops what they send
 * (but to the Outcall services) and what is sent to them, whatever their
 * grants and flows. Commits only what changed; *changed (may be NULL)
 * counts the containers locked or unlocked. A member added with
 * m->locked is locked from its first packet. */
int oc_firewall_set_locked(oc_firewall *fw, const uint32_t *ips, size_t n, size_t *changed);

/* Cuts the conntrack flows of the pool's addresses that nothing permits
 * now: no container holds the source address, or the flow is neither to
 * an Outcall service nor covered by a live direct_ip grant. Applying rules
 * and removing or adding a container do it themselves; *cut (may be NULL)
 * counts the flows deleted. */
int oc_firewall_cut_flows(oc_firewall *fw, size_t *cut);
/* For a timer of about a second: once a grant has expired, cuts its flows. */
int oc_firewall_tick(oc_firewall *fw, size_t *cut);
/* Conntrack entries cut and reinstalls by oc_firewall_repair, since open. */
void oc_firewall_watch_stats(oc_firewall *fw, uint64_t *flows_cut, uint64_t *repairs);

/* Deletes these grants (those still live; rule_id, container, dest and
 * port name each) in one transaction and cuts the flows they carried. */
int oc_firewall_revoke(oc_firewall *fw, const oc_grant *grants, size_t n, size_t *cut);

/* Compares the rules of both tables in the kernel with the description;
 * when someone else removed or emptied them, reinstalls them whole (grants
 * are lost with them, and their flows cut) and returns 1. 0 when intact. */
int oc_firewall_repair(oc_firewall *fw);
/* A socket that turns readable when anyone commits an nftables change in
 * the namespace: a cue to call oc_firewall_repair. Drain it with
 * oc_nft_watch_drain; close it with oc_nl_close. */
int oc_nft_watch_open(struct oc_nl *nl);
void oc_nft_watch_drain(struct oc_nl *nl);

/* Copies of the current networks / members (free() the array). */
int oc_firewall_nets(oc_firewall *fw, struct oc_nft_net **out, size_t *n);
int oc_firewall_members(oc_firewall *fw, struct oc_nft_member **out, size_t *n);

#endif
