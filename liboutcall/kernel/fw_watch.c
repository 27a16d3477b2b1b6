/* Noticing tables that someone else removed or emptied (`nft flush
 * ruleset`, nftables.service starting): with ip_forward on, containers
 * would route freely while the description still says "installed". */
#include "kernel/fw_state.h"

#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/error.h"

static int nop_table(void *ctx, const struct oc_nft_table *t) { (void)ctx; (void)t; return 0; }
static int nop_counter(void *ctx, const struct oc_nft_counter *c) { (void)ctx; (void)c; return 0; }
static int nop_set(void *ctx, const struct oc_nft_set *s) { (void)ctx; (void)s; return 0; }
static int nop_elem(void *ctx, const struct oc_nft_set *s, const struct oc_nft_elem *e)
{
	(void)ctx;
	(void)s;
	(void)e;
	return 0;
}
static int nop_chain(void *ctx, const struct oc_nft_chain *c) { (void)ctx; (void)c; return 0; }

static int count_rule(void *ctx, const struct oc_nft_rule *r)
{
	size_t *n = ctx;
	n[r->family == OC_NFT_INET ? 0 : 1]++;
	return 0;
}

/* Rules per table (inet, bridge) the description makes. */
static int expected(oc_firewall *fw, size_t n[2])
{
	n[0] = n[1] = 0;
	struct oc_nft_sink sink = { n, nop_table, nop_counter, nop_set, nop_elem, nop_chain,
		count_rule, nop_table };
	struct oc_nft_desc d = { &fw->cfg, fw->nets, fw->nnets, fw->members, fw->nmembers,
		fw->rules, fw->nrules, NULL, 0, NULL, 0 };
	return oc_nft_generate(&d, &sink);
}

static int intact(oc_firewall *fw, bool *ok)
{
	static const uint32_t families[2] = { OC_NFT_INET, OC_NFT_BRIDGE };
	size_t want[2];
	int rc = expected(fw, want);
	*ok = true;
	for (size_t i = 0; !rc && i < 2 && *ok; i++) {
		size_t have = 0;
		rc = oc_nft_count_rules(&fw->nl, families[i], fw->cfg.table, &have);
		if (rc == OC_ENOTFOUND)
			rc = 0;
		*ok = have == want[i];
	}
	return rc;
}

int oc_firewall_repair(oc_firewall *fw)
{
	pthread_mutex_lock(&fw->lock);
	bool ok = true;
	int rc = fw->installed ? intact(fw, &ok) : 0;
	if (!rc && (!ok || fw->lost)) {
		/* status reports them missing until the reinstall succeeds */
		fw->installed = false;
		fw->lost = true;
		struct oc_nft_direct *rules = malloc((fw->nrules ? fw->nrules : 1) * sizeof(*rules));
		rc = rules ? 0 : oc_error_nomem();
		if (!rc) {
			memcpy(rules, fw->rules, fw->nrules * sizeof(*rules));
			rc = oc_fw_commit_replace(fw, rules, fw->nrules);
			free(rules);
		}
		if (!rc) {
			fw->lost = false;
			fw->repairs++;
			rc = oc_fw_cut_flows(fw, NULL);
		}
		if (!rc)
			rc = 1;
	}
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

int oc_nft_watch_open(struct oc_nl *nl)
{
	int rc = oc_nl_open(nl, NETLINK_NETFILTER, -1);
	if (rc)
		return rc;
	unsigned group = NFNLGRP_NFTABLES;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		rc = oc_error_os("subscribing to nftables events");
		oc_nl_close(nl);
	}
	return rc;
}

void oc_nft_watch_drain(struct oc_nl *nl)
{
	char buf[8192];
	/* what changed does not matter: the tables are compared whole */
	while (recv(mnl_socket_get_fd(nl->sock), buf, sizeof(buf), MSG_DONTWAIT) > 0 ||
	       errno == ENOBUFS)
		;
}
