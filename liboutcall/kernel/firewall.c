/*
 * oc_firewall: the description (networks, containers, direct_ip rules), the
 * grant index, and the transactions that keep the kernel in step with them.
 * The kernel is the truth: open() reads the tables back, and a failed
 * transaction re-reads the grants.
 */
#include "kernel/fw_state.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/error.h"
#include "kernel/nft_batch.h"
#include "kernel/nft_text.h"

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

uint64_t oc_fw_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int oc_fw_push(void **arr, size_t *n, size_t size, const void *item)
{
	void *p = realloc(*arr, (*n + 1) * size);
	if (!p)
		return oc_error_nomem();
	memcpy((char *)p + *n * size, item, size);
	*arr = p;
	(*n)++;
	return 0;
}

void oc_fw_remove_at(void *arr, size_t *n, size_t size, size_t i)
{
	memmove((char *)arr + i * size, (char *)arr + (i + 1) * size, (*n - i - 1) * size);
	(*n)--;
}

const struct oc_nft_member *oc_fw_member_by_ip(const oc_firewall *fw, uint32_t ip, size_t *at)
{
	for (size_t i = 0; i < fw->nmembers; i++) {
		if (fw->members[i].ip == ip) {
			if (at)
				*at = i;
			return &fw->members[i];
		}
	}
	return NULL;
}

long oc_fw_rule_by_id(const struct oc_nft_direct *rules, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rules[i].id, id) == 0)
			return (long)i;
	return -1;
}

const struct oc_kcfg *oc_firewall_cfg(const oc_firewall *fw)
{
	return &fw->cfg;
}

/* ---- reading the kernel ---- */

int oc_fw_read_set(oc_firewall *fw, uint32_t family, const char *set,
	const enum oc_nft_field *key, size_t nkey, struct oc_nft_elem_info **out, size_t *n)
{
	return oc_nft_read_elems(&fw->nl, family, fw->cfg.table, set, key, nkey, out, n);
}

int oc_fw_read_grants(oc_firewall *fw)
{
	oc_grantidx_clear(&fw->idx);
	uint64_t now = oc_fw_now_ms();
	for (size_t r = 0; r < fw->nrules; r++) {
		struct oc_nft_elem_info *el;
		size_t n;
		int rc = oc_fw_read_set(fw, OC_NFT_INET, fw->rules[r].set, oc_nft_dip_key, 3, &el, &n);
		if (rc == OC_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		for (size_t i = 0; i < n && !rc; i++) {
			struct oc_grant_key k = { (uint32_t)r, el[i].key[0].num, el[i].key[1].num,
				el[i].key[2].num };
			uint64_t left = el[i].expires_ms ? el[i].expires_ms : el[i].timeout_ms;
			rc = oc_grantidx_put(&fw->idx, &k, now + left);
		}
		free(el);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_nets(oc_firewall *fw)
{
	struct oc_nft_elem_info *el;
	size_t n;
	int rc = oc_fw_read_set(fw, OC_NFT_INET, "gateways", oc_nft_gateways_key, 2, &el, &n);
	if (rc)
		return rc == OC_ENOTFOUND ? 0 : rc;
	for (size_t i = 0; i < n && !rc; i++) {
		struct oc_nft_net net = { .gateway = el[i].key[1].num };
		oc_copy(net.name, sizeof(net.name), el[i].comment);
		oc_copy(net.bridge, sizeof(net.bridge), el[i].key[0].name);
		rc = oc_fw_push((void **)&fw->nets, &fw->nnets, sizeof(net), &net);
	}
	free(el);
	return rc;
}

static int read_members(oc_firewall *fw, bool *bridge_table)
{
	struct oc_nft_elem_info *el;
	size_t n;
	int rc = oc_fw_read_set(fw, OC_NFT_BRIDGE, "containers", oc_nft_containers_key, 3, &el, &n);
	*bridge_table = rc != OC_ENOTFOUND;
	if (rc)
		return rc == OC_ENOTFOUND ? 0 : rc;
	for (size_t i = 0; i < n && !rc; i++) {
		struct oc_nft_member m = { .ip = el[i].key[2].num };
		oc_copy(m.name, sizeof(m.name), el[i].comment);
		oc_copy(m.port, sizeof(m.port), el[i].key[0].name);
		memcpy(m.mac, el[i].key[1].mac, 6);
		rc = oc_fw_push((void **)&fw->members, &fw->nmembers, sizeof(m), &m);
	}
	free(el);
	return rc;
}

int oc_fw_read_locked(oc_firewall *fw)
{
	for (size_t i = 0; i < fw->nmembers; i++)
		fw->members[i].locked = false;
	struct oc_nft_elem_info *el;
	size_t n;
	/* absent in tables an older outcalld wrote: none */
	int rc = oc_fw_read_set(fw, OC_NFT_INET, "locked", oc_nft_locked_key, 1, &el, &n);
	if (rc)
		return rc == OC_ENOTFOUND ? 0 : rc;
	for (size_t i = 0; i < n; i++) {
		size_t at;
		if (oc_fw_member_by_ip(fw, el[i].key[0].num, &at))
			fw->members[at].locked = true;
	}
	free(el);
	return 0;
}

static int by_gateway(const void *a, const void *b)
{
	uint32_t x = ((const struct oc_nft_net *)a)->gateway, y = ((const struct oc_nft_net *)b)->gateway;
	return x < y ? -1 : x > y;
}

static int by_ip(const void *a, const void *b)
{
	uint32_t x = ((const struct oc_nft_member *)a)->ip, y = ((const struct oc_nft_member *)b)->ip;
	return x < y ? -1 : x > y;
}

/* Sets come back in hash order; the description keeps address order so
 * that renderings are stable. */
static int read_state(oc_firewall *fw)
{
	struct oc_nft_set_info *sets;
	size_t nsets;
	int rc = oc_nft_read_sets(&fw->nl, OC_NFT_INET, fw->cfg.table, &sets, &nsets);
	if (rc == OC_ENOTFOUND) {
		fw->installed = false;
		return 0;
	}
	if (rc)
		return rc;
	for (size_t i = 0; i < nsets && !rc; i++) {
		struct oc_nft_direct d;
		if (oc_nft_direct_parse(sets[i].name, sets[i].comment, &d) == 0)
			rc = oc_fw_push((void **)&fw->rules, &fw->nrules, sizeof(d), &d);
	}
	free(sets);
	bool bridge_table = false;
	if (!rc)
		rc = read_nets(fw);
	if (!rc)
		rc = read_members(fw, &bridge_table);
	if (!rc)
		rc = oc_fw_read_locked(fw);
	if (!rc)
		rc = oc_fw_read_grants(fw);
	if (fw->nnets)
		qsort(fw->nets, fw->nnets, sizeof(*fw->nets), by_gateway);
	if (fw->nmembers)
		qsort(fw->members, fw->nmembers, sizeof(*fw->members), by_ip);
	fw->installed = bridge_table;
	return rc;
}

int oc_firewall_open(const oc_kernel_config *cfg, oc_firewall **out)
{
	*out = NULL;
	oc_firewall *fw = calloc(1, sizeof(*fw));
	if (!fw)
		return oc_error_nomem();
	pthread_mutex_init(&fw->lock, NULL);
	int rc = oc_kcfg_from(cfg, &fw->cfg);
	if (!rc)
		rc = oc_nl_open(&fw->nl, NETLINK_NETFILTER, -1);
	if (!rc)
		rc = read_state(fw);
	if (rc) {
		oc_firewall_free(fw);
		return rc;
	}
	*out = fw;
	return 0;
}

void oc_firewall_free(oc_firewall *fw)
{
	if (!fw)
		return;
	oc_nl_close(&fw->nl);
	oc_grantidx_clear(&fw->idx);
	free(fw->nets);
	free(fw->members);
	free(fw->rules);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

/* ---- replacing the tables ---- */

static int new_rules(const oc_direct_rule *in, size_t n, struct oc_nft_direct **out)
{
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return oc_error_nomem();
	for (size_t i = 0; i < n; i++) {
		int rc = oc_nft_direct_init(&(*out)[i], in[i].id, in[i].rev);
		if (!rc && oc_fw_rule_by_id(*out, i, in[i].id) >= 0)
			rc = oc_error_set(OC_EEXIST, "direct_ip rule '%s' is listed twice", in[i].id);
		if (rc) {
			free(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
}

/* The grants of `rules` that survive a replace: same rule id and rev, a
 * container that is still attached, time left. */
static int kept_grants(oc_firewall *fw, const struct oc_nft_direct *rules, size_t nrules,
	struct oc_nft_grant_elem **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (!fw->installed)
		return 0;
	for (size_t r = 0; r < nrules; r++) {
		long old = oc_fw_rule_by_id(fw->rules, fw->nrules, rules[r].id);
		if (old < 0 || strcmp(fw->rules[old].rev, rules[r].rev) != 0)
			continue;
		struct oc_nft_elem_info *el;
		size_t n;
		int rc = oc_fw_read_set(fw, OC_NFT_INET, rules[r].set, oc_nft_dip_key, 3, &el, &n);
		if (rc == OC_ENOTFOUND)
			continue;
		for (size_t i = 0; i < n && !rc; i++) {
			if (!oc_fw_member_by_ip(fw, el[i].key[0].num, NULL) || !el[i].timeout_ms ||
			    !el[i].expires_ms)
				continue;
			struct oc_nft_grant_elem g = { r, el[i].key[0].num, el[i].key[1].num,
				(uint16_t)el[i].key[2].num, el[i].timeout_ms, el[i].expires_ms, "" };
			oc_copy(g.note, sizeof(g.note), el[i].comment);
			rc = oc_fw_push((void **)out, nout, sizeof(g), &g);
		}
		free(el);
		if (rc) {
			free(*out);
			*out = NULL;
			*nout = 0;
			return rc;
		}
	}
	return 0;
}

static struct oc_nft_desc desc_of(const oc_firewall *fw, const struct oc_nft_direct *rules,
	size_t nrules, const struct oc_nft_grant_elem *grants, size_t ngrants)
{
	return (struct oc_nft_desc){ &fw->cfg, fw->nets, fw->nnets, fw->members, fw->nmembers,
		rules, nrules, grants, ngrants, NULL, 0 };
}

/* The counters of both tables as they are now. */
static int current_counters(oc_firewall *fw, struct oc_nft_counter_val **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	static const uint32_t families[] = { OC_NFT_INET, OC_NFT_BRIDGE };
	for (size_t f = 0; f < 2; f++) {
		struct oc_nft_counter_val *c;
		size_t nc;
		int rc = oc_nft_read_counters(&fw->nl, families[f], fw->cfg.table, &c, &nc);
		if (rc == OC_ENOTFOUND)
			continue;
		for (size_t i = 0; !rc && i < nc; i++)
			rc = oc_fw_push((void **)out, n, sizeof(*c), &c[i]);
		free(c);
		if (rc) {
			free(*out);
			*out = NULL;
			*n = 0;
			return rc;
		}
	}
	return 0;
}

int oc_fw_commit_replace(oc_firewall *fw, struct oc_nft_direct *rules, size_t nrules)
{
	struct oc_nft_grant_elem *kept;
	size_t nkept;
	TRY(kept_grants(fw, rules, nrules, &kept, &nkept));
	struct oc_nft_desc d = desc_of(fw, rules, nrules, kept, nkept);
	struct oc_nft_counter_val *counters = NULL;
	int rc = fw->installed ? current_counters(fw, &counters, &d.ncounters) : 0;
	d.counters = counters;
	struct oc_nft_batch b = { 0 };
	if (!rc)
		rc = oc_nft_batch_begin(&b, &fw->nl);
	if (!rc)
		rc = oc_nft_batch_replace(&b, &d);
	if (!rc)
		rc = oc_nft_batch_commit(&b, &fw->nl);
	oc_nft_batch_free(&b);
	free(counters);
	if (!rc) {
		fw->installed = true;
		oc_grantidx_clear(&fw->idx);
		uint64_t now = oc_fw_now_ms();
		for (size_t i = 0; i < nkept && !rc; i++) {
			struct oc_grant_key k = { (uint32_t)kept[i].rule, kept[i].container,
				kept[i].dest, kept[i].port };
			rc = oc_grantidx_put(&fw->idx, &k, now + kept[i].expires_ms);
		}
		if (!rc)
			rc = oc_fw_remember_tables(fw);
	}
	free(kept);
	return rc;
}

int oc_firewall_apply(oc_firewall *fw, const oc_direct_rule *rules, size_t n)
{
	if (!fw || (n && !rules))
		return oc_error_set(OC_EINVAL, "oc_firewall_apply: NULL argument");
	struct oc_nft_direct *nr;
	TRY(new_rules(rules, n, &nr));
	pthread_mutex_lock(&fw->lock);
	int rc = oc_fw_commit_replace(fw, nr, n);
	if (!rc) {
		free(fw->rules);
		fw->rules = nr;
		fw->nrules = n;
		/* grants of changed or removed rules went with their sets */
		rc = oc_fw_cut_flows(fw, NULL);
	} else {
		free(nr);
	}
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

int oc_firewall_installed(oc_firewall *fw)
{
	if (!fw)
		return 0;
	pthread_mutex_lock(&fw->lock);
	int installed = fw->installed;
	pthread_mutex_unlock(&fw->lock);
	return installed;
}

int oc_firewall_render(oc_firewall *fw, char **text)
{
	if (!fw || !text)
		return oc_error_set(OC_EINVAL, "oc_firewall_render: NULL argument");
	*text = NULL;
	pthread_mutex_lock(&fw->lock);
	struct oc_nft_grant_elem *kept;
	size_t nkept;
	oc_buf out = OC_BUF_INIT;
	int rc = kept_grants(fw, fw->rules, fw->nrules, &kept, &nkept);
	if (!rc) {
		struct oc_nft_desc d = desc_of(fw, fw->rules, fw->nrules, kept, nkept);
		rc = oc_nft_render(&d, &out);
		free(kept);
	}
	pthread_mutex_unlock(&fw->lock);
	if (rc) {
		oc_buf_free(&out);
		return rc;
	}
	*text = oc_buf_steal(&out);
	return 0;
}

int oc_firewall_remove(oc_firewall *fw)
{
	if (!fw)
		return oc_error_set(OC_EINVAL, "oc_firewall_remove: NULL firewall");
	pthread_mutex_lock(&fw->lock);
	struct oc_nft_batch b;
	int rc = oc_nft_batch_begin(&b, &fw->nl);
	if (!rc)
		rc = oc_nft_batch_delete_tables(&b, fw->cfg.table);
	if (!rc)
		rc = oc_nft_batch_commit(&b, &fw->nl);
	oc_nft_batch_free(&b);
	if (!rc) {
		fw->installed = false;
		fw->digested = false;
		oc_grantidx_clear(&fw->idx);
	}
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

int oc_firewall_generation(oc_firewall *fw, uint32_t *genid)
{
	if (!fw || !genid)
		return oc_error_set(OC_EINVAL, "oc_firewall_generation: NULL argument");
	pthread_mutex_lock(&fw->lock);
	int rc = oc_nft_read_genid(&fw->nl, genid);
	pthread_mutex_unlock(&fw->lock);
	return rc;
}
