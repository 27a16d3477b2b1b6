/* Noticing tables that someone else removed, emptied or changed (`nft
 * flush ruleset`, nftables.service starting, a script that replaces one
 * rule with another): with ip_forward on, containers would route freely
 * while the description still says "installed". */
#include "kernel/fw_state.h"

#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/error.h"

/* Both tables' digest, and the generation it was read at (read before
 * the dumps: a change during them leaves the generation moved). */
static int digest(oc_firewall *fw, uint64_t *h, uint32_t *genid)
{
	static const uint32_t families[2] = { OC_NFT_INET, OC_NFT_BRIDGE };
	int rc = oc_nft_read_genid(&fw->nl, genid);
	*h = 0;
	for (size_t i = 0; !rc && i < 2; i++) {
		uint64_t t = 0;
		rc = oc_nft_digest(&fw->nl, families[i], fw->cfg.table, &t);
		if (rc == OC_ENOTFOUND) {
			t = families[i];  /* not the digest of any table */
			rc = 0;
		}
		*h = *h * 31 + t;
	}
	return rc;
}

int oc_fw_remember_tables(oc_firewall *fw)
{
	int rc = digest(fw, &fw->digest, &fw->digest_genid);
	fw->digested = rc == 0;
	return rc;
}

/* Intact while no transaction happened since the last look (one small
 * message), or the chains and rules are as they were after Outcall
 * wrote them (element updates, Outcall's own included, move the
 * generation, not the digest). */
static int intact(oc_firewall *fw, bool *ok)
{
	*ok = true;
	uint32_t genid;
	int rc = oc_nft_read_genid(&fw->nl, &genid);
	if (rc || (fw->digested && genid == fw->digest_genid))
		return rc;
	if (!fw->digested)
		return oc_fw_remember_tables(fw);  /* tables this process did not write */
	uint64_t h;
	rc = digest(fw, &h, &genid);
	*ok = h == fw->digest;
	if (!rc && *ok)
		fw->digest_genid = genid;
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
