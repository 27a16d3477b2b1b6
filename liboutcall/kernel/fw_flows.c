/* Cutting the conntrack flows the tables no longer permit: `ct state
 * established` would otherwise keep a flow alive after its grant expired,
 * was revoked or lost its rule, and after its container left. */
#include "kernel/fw_state.h"

#include <netinet/in.h>
#include <stdio.h>

#include "core/error.h"
#include "kernel/conntrack.h"

static bool is_gateway(const oc_firewall *fw, uint32_t ip)
{
	for (size_t i = 0; i < fw->nnets; i++)
		if (fw->nets[i].gateway == ip)
			return true;
	return false;
}

static bool granted(oc_firewall *fw, const struct oc_ct_flow *f, uint64_t now)
{
	if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		return false;
	for (size_t r = 0; r < fw->nrules; r++) {
		struct oc_grant_key k = { (uint32_t)r, f->src, f->dst, f->dport };
		if (oc_grantidx_get(&fw->idx, &k, now))
			return true;
	}
	return false;
}

struct judge {
	oc_firewall *fw;
	uint64_t now;
};

/* A flow from the pool is permitted while a container holds its source
 * address and it goes to an Outcall service (to the gateway, or redirected
 * there) or is covered by a live direct_ip grant. */
static bool unpermitted(const struct oc_ct_flow *f, void *arg)
{
	const struct judge *j = arg;
	const struct oc_prefix *pool = &j->fw->cfg.pool;
	uint32_t mask = pool->len ? ~0u << (32 - pool->len) : 0;
	if ((f->src & mask) != (pool->addr & mask))
		return false;
	if (!oc_fw_member_by_ip(j->fw, f->src, NULL))
		return true;
	if (is_gateway(j->fw, f->dst) || is_gateway(j->fw, f->reply_src))
		return false;
	return !granted(j->fw, f, j->now);
}

/* Caller holds fw->lock. */
int oc_fw_cut_flows(oc_firewall *fw, size_t *cut)
{
	int rc = fw->installed ? oc_fw_read_grants(fw) : 0;
	struct judge j = { fw, oc_fw_now_ms() };
	size_t n = 0;
	if (!rc)
		rc = oc_ct_cut(&fw->nl, unpermitted, &j, &n);
	fw->flows_cut += n;
	if (cut)
		*cut = n;
	return rc;
}

int oc_fw_cut_addr(oc_firewall *fw, uint32_t ip)
{
	size_t n = 0;
	int rc = oc_ct_cut_addr(&fw->nl, ip, &n);
	fw->flows_cut += n;
	return rc;
}

int oc_firewall_cut_flows(oc_firewall *fw, size_t *cut)
{
	pthread_mutex_lock(&fw->lock);
	int rc = oc_fw_cut_flows(fw, cut);
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

int oc_firewall_tick(oc_firewall *fw, size_t *cut)
{
	if (cut)
		*cut = 0;
	pthread_mutex_lock(&fw->lock);
	uint64_t first = oc_grantidx_first_expiry(&fw->idx);
	int rc = first && first <= oc_fw_now_ms() ? oc_fw_cut_flows(fw, cut) : 0;
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

void oc_firewall_watch_stats(oc_firewall *fw, uint64_t *flows_cut, uint64_t *repairs)
{
	pthread_mutex_lock(&fw->lock);
	*flows_cut = fw->flows_cut;
	*repairs = fw->repairs;
	pthread_mutex_unlock(&fw->lock);
}
