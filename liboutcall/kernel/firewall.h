/* Internal side of oc_firewall: what the network layer changes when it
 * creates networks and attaches containers. Each call updates the kernel
 * first (incrementally when the tables are installed, by a full apply when
 * they are not) and the description only once the kernel acknowledged it. */
#ifndef OC_KERNEL_FIREWALL_H
#define OC_KERNEL_FIREWALL_H

#include <outcall/kernel.h>

#include "kernel/config.h"
#include "kernel/nft_desc.h"

const struct oc_kcfg *oc_firewall_cfg(const oc_firewall *fw);

int oc_firewall_add_net(oc_firewall *fw, const struct oc_nft_net *n);
int oc_firewall_del_net(oc_firewall *fw, const char *name);
/* Adds a container's port . MAC . IP. */
int oc_firewall_add_member(oc_firewall *fw, const struct oc_nft_member *m);
/* Removes a container and, in the same transaction, its grants. */
int oc_firewall_del_member(oc_firewall *fw, uint32_t ip);

/* Copies of the current networks / members (free() the array). */
int oc_firewall_nets(oc_firewall *fw, struct oc_nft_net **out, size_t *n);
int oc_firewall_members(oc_firewall *fw, struct oc_nft_member **out, size_t *n);

#endif
