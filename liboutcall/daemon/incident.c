/* Incident response inside the daemon: lockdowns kept in force at every
 * layer, and direct_ip grants taken away with their flows. The commands'
 * API is hostapi/incident.c; the list and its file are incident/. */
#include "daemon/incident.h"
#include "identity/registry.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "identity/lockdown.h"
#include "kernel/firewall.h"

#define LOCKED_CLOSE_REASON "locked down by the operator"

static oc_registry *registry(oc_daemon *d)
{
	return oc_networks_registry(d->nets);
}

/* Revokes the live grants `pick` chooses, in one transaction (their flows
 * are cut with them). */
static int revoke_where(oc_daemon *d, bool (*pick)(oc_daemon *, const oc_grant_info *,
	const void *), const void *arg, size_t *grants, size_t *flows)
{
	*grants = *flows = 0;
	oc_firewall *fw = oc_networks_firewall(d->nets);
	oc_grant_list *l = NULL;
	int rc = oc_firewall_grants(fw, &l);
	size_t n = oc_grant_list_count(l), k = 0;
	oc_grant *gone = rc ? NULL : calloc(n ? n : 1, sizeof(*gone));
	if (!rc && !gone)
		rc = oc_error_nomem();
	for (size_t i = 0; !rc && i < n; i++) {
		const oc_grant_info *g = oc_grant_list_get(l, i);
		if (pick(d, g, arg))
			gone[k++] = (oc_grant){ .rule_id = g->rule_id, .container = g->container,
				.dest = g->dest, .port = g->port };
	}
	if (!rc && k)
		rc = oc_firewall_revoke(fw, gone, k, flows);
	if (!rc)
		*grants = k;
	free(gone);
	oc_grant_list_free(l);
	return rc;
}

static bool of_locked(oc_daemon *d, const oc_grant_info *g, const void *arg)
{
	(void)arg;
	oc_container *c = oc_registry_by_ip(registry(d), g->container);
	bool locked = c && oc_registry_locked(registry(d), c, NULL);
	oc_container_unref(c);
	return locked;
}

/* The addresses (host order) of the containers a lockdown covers now. */
static int locked_ips(oc_daemon *d, uint32_t **ips, size_t *n)
{
	*ips = NULL;
	*n = 0;
	oc_container **list = NULL;
	size_t count = 0;
	int rc = oc_registry_snapshot(registry(d), &list, &count);
	if (!rc && !(*ips = calloc(count ? count : 1, sizeof(**ips))))
		rc = oc_error_nomem();
	for (size_t i = 0; !rc && i < count; i++)
		if (oc_registry_locked(registry(d), list[i], NULL))
			(*ips)[(*n)++] = ntohl(oc_container_ip(list[i]).s_addr);
	oc_containers_release(list, count);
	return rc;
}

/* Makes the kernel's set `locked` hold the containers a lockdown covers
 * now: its drops come before any grant or flow. (An attach adds a covered
 * container locked by itself: oc_registry_would_lock.) */
static int lockdown_sync(oc_daemon *d)
{
	uint32_t *ips;
	size_t n, changed = 0;
	int rc = locked_ips(d, &ips, &n);
	if (!rc)
		rc = oc_firewall_set_locked(oc_networks_firewall(d->nets), ips, n, &changed);
	free(ips);
	if (rc)
		return oc_error_set(rc, "the kernel's set of locked-down containers could not be "
			"updated: %s", oc_error_last()->message);
	if (changed)
		oc_daemon_log(d, OC_LOG_INFO, "kernel: %zu containers locked down, %zu changed",
			n, changed);
	return 0;
}

int oc_daemon_lockdown_enforce(oc_daemon *d, struct oc_incident_cut *out)
{
	*out = (struct oc_incident_cut){ 0 };
	int rc = revoke_where(d, of_locked, NULL, &out->grants, &out->flows);
	uint32_t *ips = NULL;
	if (!rc)
		rc = locked_ips(d, &ips, &out->containers);
	for (size_t i = 0; !rc && d->proxy && i < out->containers; i++)
		out->conns += oc_proxy_close_peer(d->proxy, (struct in_addr){ htonl(ips[i]) },
			LOCKED_CLOSE_REASON);
	free(ips);
	d->incident_flows_cut += out->flows;
	return rc;
}

int oc_daemon_lockdown_open(oc_daemon *d)
{
	snprintf(d->lockdown_path, sizeof(d->lockdown_path), "%s/lockdown.json", d->cfg.state_dir);
	int rc = oc_lockdowns_load(d->lockdown_path, &d->locks);
	if (!rc)
		rc = oc_registry_set_locks(registry(d), d->locks.v, d->locks.n);
	/* the tables kept theirs while no daemon ran; the file decides */
	if (!rc)
		rc = lockdown_sync(d);
	for (size_t i = 0; !rc && i < d->locks.n; i++) {
		const struct oc_lock *k = &d->locks.v[i];
		oc_log_about about = { .network = k->scope == OC_LOCK_NETWORK ? k->name : NULL };
		oc_daemon_log_about(d, OC_LOG_WARN, &about, "LOCKDOWN in force for %s %s (since %lld, "
			"by %s): %s",
			k->scope == OC_LOCK_AGENT ? "agent" : k->scope == OC_LOCK_NETWORK ? "network" :
			"every container", k->name, (long long)k->since, k->by, k->reason);
	}
	return rc;
}

int oc_daemon_lockdown_change(oc_daemon *d, bool on, const struct oc_target *t,
	const char *reason, const char *by, size_t *lifted, struct oc_incident_cut *cut)
{
	*cut = (struct oc_incident_cut){ 0 };
	*lifted = 0;
	int rc = on ? oc_lockdowns_on(&d->locks, t, reason, by, (int64_t)time(NULL)) :
		oc_lockdowns_off(&d->locks, t, lifted);
	if (rc)
		return rc;
	/* The registry first: from here every layer refuses; the kernel
	 * drops the rest; then what was already let through is taken back. */
	rc = oc_registry_set_locks(registry(d), d->locks.v, d->locks.n);
	if (!rc)
		rc = lockdown_sync(d);
	if (!rc && on)
		rc = oc_daemon_lockdown_enforce(d, cut);
	int saved = oc_lockdowns_save(d->lockdown_path, &d->locks);
	if (!rc && saved)
		rc = oc_error_set(saved, "the lockdown is %s now but %s could not be written, so a "
			"restart would %s it: %s", on ? "on" : "off", d->lockdown_path,
			on ? "lift" : "restore", oc_error_last()->message);
	return rc;
}

void oc_daemon_lockdown_sweep(oc_daemon *d)
{
	if (!d->locks.n)
		return;
	/* A DNS answer judged just before a lockdown may grant just after it. */
	size_t grants, flows;
	if (revoke_where(d, of_locked, NULL, &grants, &flows) != 0)
		oc_daemon_log(d, OC_LOG_ERROR, "revoking the direct_ip grants of locked-down "
			"containers: %s", oc_error_last()->message);
	else if (grants)
		oc_daemon_log(d, OC_LOG_WARN, "revoked %zu direct_ip grants of locked-down "
			"containers made around the lockdown (%zu flows cut)", grants, flows);
	d->incident_flows_cut += flows;
}

static bool of_target(oc_daemon *d, const oc_grant_info *g, const void *arg)
{
	const struct oc_target *t = arg;
	if (t->kind == OC_TARGET_ALL)
		return true;
	if (t->kind == OC_TARGET_RULE)
		return strcmp(g->rule_id, t->name) == 0;
	oc_container *c = oc_registry_by_ip(registry(d), g->container);
	bool mine = c && strcmp(oc_container_agent_name(c), t->name) == 0;
	oc_container_unref(c);
	return mine;
}

int oc_daemon_flush_grants(oc_daemon *d, const struct oc_target *t, struct oc_incident_cut *out)
{
	*out = (struct oc_incident_cut){ 0 };
	int rc = revoke_where(d, of_target, t, &out->grants, &out->flows);
	d->incident_flows_cut += out->flows;
	return rc;
}

size_t oc_daemon_locked_containers(oc_daemon *d)
{
	uint32_t *ips;
	size_t n;
	if (locked_ips(d, &ips, &n) != 0)
		n = 0;
	free(ips);
	return n;
}
