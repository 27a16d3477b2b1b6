/* The inside of oc_firewall, shared by the files that implement it:
 * firewall.c (open, apply, render, remove), fw_grant.c (grants) and
 * fw_elems.c (networks and containers). Every function here expects the
 * caller to hold fw->lock. */
#ifndef OC_KERNEL_FW_STATE_H
#define OC_KERNEL_FW_STATE_H

#include <pthread.h>
#include <stdbool.h>

#include "kernel/firewall.h"
#include "kernel/grantidx.h"
#include "kernel/nft_read.h"
#include "kernel/nl.h"

struct oc_firewall {
	pthread_mutex_t lock;
	struct oc_kcfg cfg;
	struct oc_nl nl;
	bool installed;
	struct oc_nft_net *nets;
	size_t nnets;
	struct oc_nft_member *members;
	size_t nmembers;
	struct oc_nft_direct *rules;
	size_t nrules;
	struct oc_grantidx idx;
	bool lost;              /* found removed by someone else, not yet reinstalled */
	bool digested;          /* digest holds the chains and rules as last written */
	uint64_t digest;
	uint32_t digest_genid;  /* the nftables generation at which they were seen so */
	uint64_t flows_cut;     /* conntrack entries deleted, ever */
	uint64_t repairs;       /* reinstalls after someone else removed the tables */
};

uint64_t oc_fw_now_ms(void);
/* Appends a copy of item to a realloc'ed array. */
int oc_fw_push(void **arr, size_t *n, size_t size, const void *item);
void oc_fw_remove_at(void *arr, size_t *n, size_t size, size_t i);
const struct oc_nft_member *oc_fw_member_by_ip(const oc_firewall *fw, uint32_t ip, size_t *at);
long oc_fw_rule_by_id(const struct oc_nft_direct *rules, size_t n, const char *id);
int oc_fw_read_set(oc_firewall *fw, uint32_t family, const char *set,
	const enum oc_nft_field *key, size_t nkey, struct oc_nft_elem_info **out, size_t *n);
/* Sets each member's `locked` from the kernel's set `locked`. */
int oc_fw_read_locked(oc_firewall *fw);
/* Rebuilds the grant index from the kernel's direct_ip sets. */
int oc_fw_read_grants(oc_firewall *fw);
/* Re-reads the grants and cuts the conntrack flows nothing permits now. */
int oc_fw_cut_flows(oc_firewall *fw, size_t *cut);
/* Cuts every flow from or to ip. */
int oc_fw_cut_addr(oc_firewall *fw, uint32_t ip);
/* Replaces both tables with the current description and `rules`. */
int oc_fw_commit_replace(oc_firewall *fw, struct oc_nft_direct *rules, size_t nrules);
/* Takes the digest of both tables as they are now: what oc_firewall_repair
 * compares them with. */
int oc_fw_remember_tables(oc_firewall *fw);

#endif
