/*
 * The description the ruleset is generated from: configuration, networks,
 * attached containers, direct_ip rules and the grants to carry over. The
 * generator (nft_gen.c) is the only place that turns it into tables,
 * chains, sets and rules; see nft_ir.h for the two back-ends.
 */
#ifndef OC_KERNEL_NFT_DESC_H
#define OC_KERNEL_NFT_DESC_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/config.h"
#include "kernel/nft_ir.h"

#define OC_NAME_MAX 65       /* network and container names, with NUL */
#define OC_RULE_ID_MAX 129   /* PRODUCT.md §4: [A-Za-z0-9._-]{1,128} */
#define OC_REV_MAX 33
#define OC_NOTE_MAX 96
#define OC_DIP_PREFIX "dip-"

struct oc_nft_net {
	char name[OC_NAME_MAX];
	char bridge[IFNAMSIZ];
	uint32_t gateway;       /* host order; the network is gateway/24 */
};

struct oc_nft_member {
	char name[OC_NAME_MAX];
	char port[IFNAMSIZ];    /* host-side veth, a port of its network's bridge */
	uint8_t mac[6];
	uint32_t ip;            /* host order */
	bool locked;            /* under lockdown: in set `locked` */
};

struct oc_nft_direct {
	char id[OC_RULE_ID_MAX];
	char rev[OC_REV_MAX];
	char set[sizeof(OC_DIP_PREFIX) + OC_RULE_ID_MAX];
};

struct oc_nft_grant_elem {
	size_t rule;            /* index into the description's rules */
	uint32_t container, dest;
	uint16_t port;
	uint64_t timeout_ms;
	uint64_t expires_ms;    /* remaining; 0 = the full timeout */
	char note[OC_NOTE_MAX];
};

/* A named counter's value, carried over when the tables are replaced. */
struct oc_nft_counter_val {
	uint32_t family;
	char name[64];
	uint64_t packets, bytes;
};

struct oc_nft_desc {
	const struct oc_kcfg *cfg;
	const struct oc_nft_net *nets;
	size_t nnets;
	const struct oc_nft_member *members;
	size_t nmembers;
	const struct oc_nft_direct *rules;
	size_t nrules;
	const struct oc_nft_grant_elem *grants;
	size_t ngrants;
	const struct oc_nft_counter_val *counters;  /* values to start from, or NULL */
	size_t ncounters;
};

/* Emits both tables, complete, into sink. */
int oc_nft_generate(const struct oc_nft_desc *d, const struct oc_nft_sink *sink);

/* The element changes for one network or one container, for incremental
 * updates: sink->elem is called once per (set, element) it appears in. */
int oc_nft_gen_net(const struct oc_nft_net *n, const struct oc_nft_sink *sink);
int oc_nft_gen_member(const struct oc_nft_member *m, const struct oc_nft_sink *sink);
/* The container's element of set `locked` alone, whatever m->locked says
 * (to add or delete it when a lockdown starts or ends). */
int oc_nft_gen_locked(const struct oc_nft_member *m, const struct oc_nft_sink *sink);
/* One direct_ip grant element of rule r. */
int oc_nft_gen_grant(const struct oc_nft_direct *r, const struct oc_nft_grant_elem *g,
	const struct oc_nft_sink *sink);

/* Fills r->set from r->id; the id must be a valid rule id. */
int oc_nft_direct_init(struct oc_nft_direct *r, const char *id, const char *rev);
/* The comment of rule r's set, and the rule id and rev read back from a set
 * name and comment (returns OC_ENOTFOUND for sets that are not direct_ip). */
void oc_nft_direct_comment(const struct oc_nft_direct *r, char *buf, size_t size);
int oc_nft_direct_parse(const char *set, const char *comment, struct oc_nft_direct *out);

/* The key layouts of the sets read back on open. */
extern const enum oc_nft_field oc_nft_gateways_key[2];
extern const enum oc_nft_field oc_nft_containers_key[3];
extern const enum oc_nft_field oc_nft_sources_key[2];
extern const enum oc_nft_field oc_nft_dip_key[3];
extern const enum oc_nft_field oc_nft_locked_key[1];

#endif
