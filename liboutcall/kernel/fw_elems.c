/* Networks and containers: element changes in the tables' sets, each in
 * its own transaction, applied to the description once acknowledged. */
#include "kernel/fw_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/nft_batch.h"

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

typedef int (*gen_fn)(const void *item, const struct oc_nft_sink *sink);

static int gen_net(const void *item, const struct oc_nft_sink *sink)
{
	return oc_nft_gen_net(item, sink);
}

static int gen_member(const void *item, const struct oc_nft_sink *sink)
{
	return oc_nft_gen_member(item, sink);
}

/* The members whose lock changes: item is a struct lock_change. */
struct lock_change {
	const oc_firewall *fw;
	const bool *want;
	bool on;
};

static int gen_lock_change(const void *item, const struct oc_nft_sink *sink)
{
	const struct lock_change *lc = item;
	for (size_t i = 0; i < lc->fw->nmembers; i++)
		if (lc->fw->members[i].locked != lc->want[i] && lc->want[i] == lc->on)
			TRY(oc_nft_gen_locked(&lc->fw->members[i], sink));
	return 0;
}

/* One transaction adding (or deleting) the elements of `item`, plus, when
 * deleting a container, its grants. */
static int elems_commit(oc_firewall *fw, gen_fn gen, const void *item, bool del,
	const struct oc_nft_grant_elem *grants, size_t ngrants)
{
	struct oc_nft_batch b;
	struct oc_nft_elems e;
	int rc = oc_nft_batch_begin(&b, &fw->nl);
	oc_nft_elems_init(&e, &b, fw->cfg.table, del);
	if (!rc)
		rc = gen(item, &e.sink);
	for (size_t i = 0; !rc && i < ngrants; i++)
		rc = oc_nft_gen_grant(&fw->rules[grants[i].rule], &grants[i], &e.sink);
	if (!rc)
		rc = oc_nft_elems_flush(&e);
	if (!rc)
		rc = oc_nft_batch_commit(&b, &fw->nl);
	if (rc)
		oc_nft_elems_discard(&e);
	oc_nft_batch_free(&b);
	return rc;
}

/* Before the tables exist, a change is made by installing them whole. */
static int install(oc_firewall *fw)
{
	struct oc_nft_direct *rules = malloc((fw->nrules ? fw->nrules : 1) * sizeof(*rules));
	if (!rules)
		return oc_error_nomem();
	if (fw->nrules)
		memcpy(rules, fw->rules, fw->nrules * sizeof(*rules));
	int rc = oc_fw_commit_replace(fw, rules, fw->nrules);
	free(rules);
	return rc;
}

int oc_firewall_add_net(oc_firewall *fw, const struct oc_nft_net *n)
{
	pthread_mutex_lock(&fw->lock);
	int rc = 0;
	for (size_t i = 0; i < fw->nnets && !rc; i++) {
		const struct oc_nft_net *o = &fw->nets[i];
		if (strcmp(o->name, n->name) == 0 && strcmp(o->bridge, n->bridge) == 0 &&
		    o->gateway == n->gateway)
			goto out;  /* already there: adopt */
		if (strcmp(o->name, n->name) == 0 || strcmp(o->bridge, n->bridge) == 0 ||
		    o->gateway == n->gateway)
			rc = oc_error_set(OC_EEXIST, "network '%s' (bridge %s) conflicts with network "
				"'%s' (bridge %s) in the nftables tables", n->name, n->bridge, o->name,
				o->bridge);
	}
	if (!rc && fw->installed)
		rc = elems_commit(fw, gen_net, n, false, NULL, 0);
	if (!rc)
		rc = oc_fw_push((void **)&fw->nets, &fw->nnets, sizeof(*n), n);
	if (!rc && !fw->installed) {
		rc = install(fw);
		if (rc)
			fw->nnets--;
	}
out:
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

int oc_firewall_del_net(oc_firewall *fw, const char *name)
{
	pthread_mutex_lock(&fw->lock);
	int rc = oc_error_set(OC_ENOTFOUND, "no network '%s' in the nftables tables", name);
	for (size_t i = 0; i < fw->nnets; i++) {
		if (strcmp(fw->nets[i].name, name) != 0)
			continue;
		rc = fw->installed ? elems_commit(fw, gen_net, &fw->nets[i], true, NULL, 0) : 0;
		if (!rc)
			oc_fw_remove_at(fw->nets, &fw->nnets, sizeof(*fw->nets), i);
		break;
	}
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

int oc_firewall_add_member(oc_firewall *fw, const struct oc_nft_member *m)
{
	pthread_mutex_lock(&fw->lock);
	char ip[16];
	int rc = 0;
	const struct oc_nft_member *o = oc_fw_member_by_ip(fw, m->ip, NULL);
	if (o)
		rc = oc_error_set(OC_EEXIST, "container '%s' already has address %s", o->name,
			oc_ipv4_str(m->ip, ip));
	/* flows a previous holder of the address left must not be inherited */
	if (!rc)
		rc = oc_fw_cut_addr(fw, m->ip);
	if (!rc && fw->installed)
		rc = elems_commit(fw, gen_member, m, false, NULL, 0);
	if (!rc)
		rc = oc_fw_push((void **)&fw->members, &fw->nmembers, sizeof(*m), m);
	if (!rc && !fw->installed) {
		rc = install(fw);
		if (rc)
			fw->nmembers--;
	}
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

/* The container's grants as the kernel holds them now. */
static int member_grants(oc_firewall *fw, uint32_t ip, struct oc_nft_grant_elem **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (size_t r = 0; r < fw->nrules; r++) {
		struct oc_nft_elem_info *el;
		size_t ne;
		int rc = oc_fw_read_set(fw, OC_NFT_INET, fw->rules[r].set, oc_nft_dip_key, 3, &el, &ne);
		if (rc == OC_ENOTFOUND)
			continue;
		for (size_t i = 0; i < ne && !rc; i++) {
			if (el[i].key[0].num != ip)
				continue;
			struct oc_nft_grant_elem g = { r, ip, el[i].key[1].num,
				(uint16_t)el[i].key[2].num, 0, 0, "" };
			rc = oc_fw_push((void **)out, n, sizeof(g), &g);
		}
		free(el);
		if (rc) {
			free(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
}

int oc_firewall_del_member(oc_firewall *fw, uint32_t ip)
{
	pthread_mutex_lock(&fw->lock);
	char buf[16];
	size_t at;
	int rc = 0;
	if (!oc_fw_member_by_ip(fw, ip, &at)) {
		rc = oc_error_set(OC_ENOTFOUND, "no container with address %s in the nftables tables",
			oc_ipv4_str(ip, buf));
		goto out;
	}
	/* A grant that expires between the read and the commit makes the
	 * kernel refuse the deletion: read again and retry, a bounded number
	 * of times. */
	for (int attempt = 0; fw->installed && attempt < 3; attempt++) {
		struct oc_nft_grant_elem *g;
		size_t ng;
		rc = member_grants(fw, ip, &g, &ng);
		if (!rc)
			rc = elems_commit(fw, gen_member, &fw->members[at], true, g, ng);
		free(g);
		if (rc != OC_EKERNEL)
			break;
	}
	if (!rc) {
		oc_fw_remove_at(fw->members, &fw->nmembers, sizeof(*fw->members), at);
		if (fw->installed)
			rc = oc_fw_read_grants(fw);
		if (!rc)
			rc = oc_fw_cut_addr(fw, ip);
	}
out:
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

/* want[i]: member i is to be locked. Additions and deletions are two
 * transactions (one batch of elements either adds or deletes): locking
 * goes first, so a change of who is locked never opens a gap. Each
 * member's flag follows what the kernel acknowledged. */
static int lock_commit(oc_firewall *fw, const bool *want, size_t *changed)
{
	for (int on = 1; on >= 0; on--) {
		size_t n = 0;
		for (size_t i = 0; i < fw->nmembers; i++)
			n += fw->members[i].locked != want[i] && want[i] == on;
		struct lock_change lc = { fw, want, on };
		if (n && fw->installed)
			TRY(elems_commit(fw, gen_lock_change, &lc, !on, NULL, 0));
		/* before the tables exist (someone removed them), their
		 * reinstall writes it */
		for (size_t i = 0; i < fw->nmembers; i++)
			if (want[i] == on)
				fw->members[i].locked = on;
		*changed += n;
	}
	return 0;
}

int oc_firewall_set_locked(oc_firewall *fw, const uint32_t *ips, size_t n, size_t *changed)
{
	pthread_mutex_lock(&fw->lock);
	size_t count = 0;
	bool *want = calloc(fw->nmembers ? fw->nmembers : 1, sizeof(*want));
	int rc = want ? 0 : oc_error_nomem();
	for (size_t i = 0; !rc && i < n; i++) {
		size_t at;
		if (oc_fw_member_by_ip(fw, ips[i], &at))
			want[at] = true;
	}
	if (!rc)
		rc = lock_commit(fw, want, &count);
	/* someone else changed the set (an element gone makes the kernel
	 * refuse its deletion): start again from what it holds, once */
	if (rc == OC_EKERNEL && oc_fw_read_locked(fw) == 0)
		rc = lock_commit(fw, want, &count);
	free(want);
	pthread_mutex_unlock(&fw->lock);
	if (changed)
		*changed = count;
	return rc;
}

int oc_firewall_nets(oc_firewall *fw, struct oc_nft_net **out, size_t *n)
{
	pthread_mutex_lock(&fw->lock);
	*n = fw->nnets;
	*out = malloc((*n ? *n : 1) * sizeof(**out));
	int rc = *out ? 0 : oc_error_nomem();
	if (!rc && *n)
		memcpy(*out, fw->nets, *n * sizeof(**out));
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

int oc_firewall_members(oc_firewall *fw, struct oc_nft_member **out, size_t *n)
{
	pthread_mutex_lock(&fw->lock);
	*n = fw->nmembers;
	*out = malloc((*n ? *n : 1) * sizeof(**out));
	int rc = *out ? 0 : oc_error_nomem();
	if (!rc && *n)
		memcpy(*out, fw->members, *n * sizeof(**out));
	pthread_mutex_unlock(&fw->lock);
	return rc;
}
