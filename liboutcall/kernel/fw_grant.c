/* direct_ip grants: adding them (capped, acknowledged) and listing them. */
#include "kernel/fw_state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/nft_batch.h"

/* One element of the transaction: which rule, the element, and whether a
 * live element with the same key must be deleted first (nftables keeps the
 * old timeout when an existing element is added again). */
struct planned {
	size_t rule;
	struct oc_nft_grant_elem e;
	bool replace;
};

static int check(const oc_firewall *fw, const oc_grant *g, long *rule)
{
	char ip[16];
	if (!g->rule_id)
		return oc_error_set(OC_EINVAL, "direct_ip grant without a rule id");
	*rule = oc_fw_rule_by_id(fw->rules, fw->nrules, g->rule_id);
	if (*rule < 0)
		return oc_error_set(OC_ENOTFOUND, "direct_ip grant for rule '%s': no such direct_ip "
			"rule in the applied policy", g->rule_id);
	if (!oc_fw_member_by_ip(fw, ntohl(g->container.s_addr), NULL))
		return oc_error_set(OC_ENOTFOUND, "direct_ip grant of rule '%s' for %s: no container "
			"with that address is attached", g->rule_id, oc_ipv4_str(ntohl(g->container.s_addr), ip));
	if (g->port == 0)
		return oc_error_set(OC_EINVAL, "direct_ip grant of rule '%s': port 0", g->rule_id);
	if (g->timeout_ms == 0 || g->timeout_ms > fw->cfg.grant_timeout_max_ms)
		return oc_error_set(OC_EINVAL, "direct_ip grant of rule '%s': timeout %u ms is outside "
			"1 .. %u ms", g->rule_id, g->timeout_ms, fw->cfg.grant_timeout_max_ms);
	if (g->note && strlen(g->note) >= OC_NOTE_MAX)
		return oc_error_set(OC_EINVAL, "direct_ip grant of rule '%s': note longer than %d bytes",
			g->rule_id, OC_NOTE_MAX - 1);
	if (g->note && strchr(g->note, '"'))
		return oc_error_set(OC_EINVAL, "direct_ip grant of rule '%s': the note may not contain "
			"'\"'", g->rule_id);
	return 0;
}

static int cap_error(const oc_firewall *fw, const oc_grant *g)
{
	char ip[16];
	const struct oc_nft_member *m = oc_fw_member_by_ip(fw, ntohl(g->container.s_addr), NULL);
	return oc_error_set(OC_ELIMIT, "container %s (%s) already holds %u live grants of "
		"direct_ip rule '%s', the cap: grant refused; wait for grants to expire or raise "
		"grant_cap", m->name, oc_ipv4_str(m->ip, ip), fw->cfg.grant_cap, g->rule_id);
}

/* Decides what the transaction holds and updates the index as if it had
 * committed; the caller re-reads the index from the kernel on failure.
 * `seen` maps a key already planned in this call to its place + 1, so a
 * key named twice becomes one element with the longer timeout. */
static int plan(oc_firewall *fw, const oc_grant *grants, size_t n, struct planned *out,
	size_t *nout, struct oc_grantidx *seen)
{
	uint64_t now = oc_fw_now_ms();
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		const oc_grant *g = &grants[i];
		long rule = -1;
		int rc = check(fw, g, &rule);
		if (rc)
			return rc;
		struct oc_grant_key k = { (uint32_t)rule, ntohl(g->container.s_addr),
			ntohl(g->dest.s_addr), g->port };
		uint64_t at = oc_grantidx_get(seen, &k, 0);
		if (at) {
			struct planned *p = &out[at - 1];
			if (g->timeout_ms > p->e.timeout_ms)
				p->e.timeout_ms = g->timeout_ms;
			continue;
		}
		uint64_t want = now + g->timeout_ms;
		uint64_t have = oc_grantidx_get(&fw->idx, &k, now);
		if (have >= want)
			continue;  /* live long enough already */
		if (!have && oc_grantidx_count(&fw->idx, k.rule, k.container, now,
				fw->cfg.grant_cap) >= fw->cfg.grant_cap)
			return cap_error(fw, g);
		if ((rc = oc_grantidx_put(&fw->idx, &k, want)) ||
		    (rc = oc_grantidx_put(seen, &k, *nout + 1)))
			return rc;
		struct planned *p = &out[(*nout)++];
		*p = (struct planned){ (size_t)rule, { (size_t)rule, k.container, k.dest, g->port,
			g->timeout_ms, 0, "" }, have != 0 };
		if (g->note)
			oc_copy(p->e.note, sizeof(p->e.note), g->note);
	}
	return 0;
}

/* Deletions first, in their own messages, so that no element is added
 * before its older self is gone. */
static int commit(oc_firewall *fw, const struct planned *p, size_t n, int *kerr_enoent)
{
	struct oc_nft_batch b;
	struct oc_nft_elems del, add;
	int rc = oc_nft_batch_begin(&b, &fw->nl);
	oc_nft_elems_init(&del, &b, fw->cfg.table, true);
	oc_nft_elems_init(&add, &b, fw->cfg.table, false);
	for (size_t i = 0; !rc && i < n; i++)
		if (p[i].replace)
			rc = oc_nft_gen_grant(&fw->rules[p[i].rule], &p[i].e, &del.sink);
	if (!rc)
		rc = oc_nft_elems_flush(&del);
	for (size_t i = 0; !rc && i < n; i++)
		rc = oc_nft_gen_grant(&fw->rules[p[i].rule], &p[i].e, &add.sink);
	if (!rc)
		rc = oc_nft_elems_flush(&add);
	if (!rc)
		rc = oc_nft_batch_commit(&b, &fw->nl);
	*kerr_enoent = b.kerr == ENOENT;
	if (rc) {
		oc_nft_elems_discard(&del);
		oc_nft_elems_discard(&add);
	}
	oc_nft_batch_free(&b);
	return rc;
}

int oc_firewall_grant(oc_firewall *fw, const oc_grant *grants, size_t n)
{
	if (!fw || (n && !grants))
		return oc_error_set(OC_EINVAL, "oc_firewall_grant: NULL argument");
	if (n == 0)
		return 0;
	struct planned *p = malloc(n * sizeof(*p));
	if (!p)
		return oc_error_nomem();
	pthread_mutex_lock(&fw->lock);
	int rc = fw->installed ? 0 : oc_error_set(OC_ESTATE, "direct_ip grants need the Outcall "
		"tables installed: apply the policy first");
	/* An element the index believes live may have just expired in the
	 * kernel, which then refuses to delete it: re-read and plan again once. */
	for (int attempt = 0; !rc && attempt < 2; attempt++) {
		size_t np = 0;
		int enoent = 0;
		struct oc_grantidx seen = { 0 };
		rc = plan(fw, grants, n, p, &np, &seen);
		oc_grantidx_clear(&seen);
		if (!rc && np)
			rc = commit(fw, p, np, &enoent);
		if (!rc)
			break;
		int saved = rc;
		char msg[1024];
		oc_copy(msg, sizeof(msg), oc_error_last()->message);
		if (oc_fw_read_grants(fw))
			break;
		oc_error_set(saved, "%s", msg);
		if (!enoent)
			break;
		rc = 0;
	}
	pthread_mutex_unlock(&fw->lock);
	free(p);
	return rc;
}

/* ---- listing ---- */

struct grant_item {
	oc_grant_info pub;
	char rule[OC_RULE_ID_MAX];
	char note[128];
};

struct oc_grant_list {
	struct grant_item *items;
	size_t n;
};

static int cmp_items(const void *a, const void *b)
{
	const struct grant_item *ia = a, *ib = b;
	const oc_grant_info *x = &ia->pub, *y = &ib->pub;
	int c = strcmp(ia->rule, ib->rule);
	if (c)
		return c;
	uint32_t xs[3] = { ntohl(x->container.s_addr), ntohl(x->dest.s_addr), x->port };
	uint32_t ys[3] = { ntohl(y->container.s_addr), ntohl(y->dest.s_addr), y->port };
	for (int i = 0; i < 3; i++)
		if (xs[i] != ys[i])
			return xs[i] < ys[i] ? -1 : 1;
	return 0;
}

static int list_rule(oc_firewall *fw, const struct oc_nft_direct *r, struct oc_grant_list *l)
{
	struct oc_nft_elem_info *el;
	size_t n;
	int rc = oc_fw_read_set(fw, OC_NFT_INET, r->set, oc_nft_dip_key, 3, &el, &n);
	if (rc)
		return rc == OC_ENOTFOUND ? 0 : rc;
	for (size_t i = 0; i < n && !rc; i++) {
		struct grant_item it = { 0 };
		oc_copy(it.rule, sizeof(it.rule), r->id);
		oc_copy(it.note, sizeof(it.note), el[i].comment);
		it.pub.container.s_addr = htonl(el[i].key[0].num);
		it.pub.dest.s_addr = htonl(el[i].key[1].num);
		it.pub.port = (uint16_t)el[i].key[2].num;
		it.pub.timeout_ms = el[i].timeout_ms;
		it.pub.remaining_ms = el[i].expires_ms;
		rc = oc_fw_push((void **)&l->items, &l->n, sizeof(it), &it);
	}
	free(el);
	return rc;
}

int oc_firewall_grants(oc_firewall *fw, oc_grant_list **out)
{
	if (!fw || !out)
		return oc_error_set(OC_EINVAL, "oc_firewall_grants: NULL argument");
	*out = NULL;
	struct oc_grant_list *l = calloc(1, sizeof(*l));
	if (!l)
		return oc_error_nomem();
	pthread_mutex_lock(&fw->lock);
	int rc = 0;
	for (size_t r = 0; r < fw->nrules && !rc; r++)
		rc = list_rule(fw, &fw->rules[r], l);
	pthread_mutex_unlock(&fw->lock);
	if (rc) {
		oc_grant_list_free(l);
		return rc;
	}
	if (l->n)
		qsort(l->items, l->n, sizeof(*l->items), cmp_items);
	/* pointers into the items are set once the array stops moving */
	for (size_t i = 0; i < l->n; i++) {
		l->items[i].pub.rule_id = l->items[i].rule;
		l->items[i].pub.note = l->items[i].note;
	}
	*out = l;
	return 0;
}

size_t oc_grant_list_count(const oc_grant_list *l)
{
	return l ? l->n : 0;
}

const oc_grant_info *oc_grant_list_get(const oc_grant_list *l, size_t i)
{
	return l && i < l->n ? &l->items[i].pub : NULL;
}

void oc_grant_list_free(oc_grant_list *l)
{
	if (!l)
		return;
	free(l->items);
	free(l);
}

/* ---- revoking ---- */

/* The grants of `g` the kernel still holds, as elements to delete. */
static int live_of(oc_firewall *fw, const oc_grant *g, size_t n, struct oc_nft_grant_elem **out,
	size_t *nout)
{
	uint64_t now = oc_fw_now_ms();
	*out = NULL;
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		long rule = g[i].rule_id ? oc_fw_rule_by_id(fw->rules, fw->nrules, g[i].rule_id) : -1;
		if (rule < 0)
			continue;
		struct oc_grant_key k = { (uint32_t)rule, ntohl(g[i].container.s_addr),
			ntohl(g[i].dest.s_addr), g[i].port };
		if (!oc_grantidx_get(&fw->idx, &k, now))
			continue;
		struct oc_nft_grant_elem e = { (size_t)rule, k.container, k.dest, g[i].port, 0, 0, "" };
		int rc = oc_fw_push((void **)out, nout, sizeof(e), &e);
		if (rc) {
			free(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
}

static int delete_elems(oc_firewall *fw, const struct oc_nft_grant_elem *e, size_t n)
{
	struct oc_nft_batch b;
	struct oc_nft_elems del;
	int rc = oc_nft_batch_begin(&b, &fw->nl);
	oc_nft_elems_init(&del, &b, fw->cfg.table, true);
	for (size_t i = 0; !rc && i < n; i++)
		rc = oc_nft_gen_grant(&fw->rules[e[i].rule], &e[i], &del.sink);
	if (!rc)
		rc = oc_nft_elems_flush(&del);
	if (!rc)
		rc = oc_nft_batch_commit(&b, &fw->nl);
	if (rc)
		oc_nft_elems_discard(&del);
	oc_nft_batch_free(&b);
	return rc;
}

int oc_firewall_revoke(oc_firewall *fw, const oc_grant *grants, size_t n, size_t *cut)
{
	if (cut)
		*cut = 0;
	pthread_mutex_lock(&fw->lock);
	int rc = fw->installed ? oc_fw_read_grants(fw) : 0;
	/* a grant that expires between the read and the commit makes the
	 * kernel refuse the batch: read again, once */
	for (int attempt = 0; fw->installed && !rc && attempt < 2; attempt++) {
		struct oc_nft_grant_elem *e;
		size_t ne;
		rc = live_of(fw, grants, n, &e, &ne);
		if (!rc && ne)
			rc = delete_elems(fw, e, ne);
		free(e);
		if (rc != OC_EKERNEL || attempt)
			break;
		rc = oc_fw_read_grants(fw);
	}
	if (!rc)
		rc = oc_fw_cut_flows(fw, cut);
	pthread_mutex_unlock(&fw->lock);
	return rc;
}
