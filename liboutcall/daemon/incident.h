/* Incident response inside the daemon (incident.c): lockdowns in force at
 * every layer, and grants taken away with their flows. */
#ifndef OC_DAEMON_INCIDENT_H
#define OC_DAEMON_INCIDENT_H

#include "daemon/internal.h"
#include "incident/lockdown.h"

/* What a command took away. */
struct oc_incident_cut {
	size_t containers;   /* locked-down containers it acted on */
	size_t grants;       /* direct_ip grants revoked */
	size_t flows;        /* conntrack flows cut */
	size_t conns;        /* proxy connections closed */
};

/* At start, before any layer serves: reads <state_dir>/lockdown.json into
 * the registry and the kernel's set `locked`. */
int oc_daemon_lockdown_open(oc_daemon *d);
/* Takes back what locked containers hold: their direct_ip grants with the
 * conntrack flows they carried (all a container can forward) and their
 * proxy connections. */
int oc_daemon_lockdown_enforce(oc_daemon *d, struct oc_incident_cut *out);
/* Turns a lockdown on or off, enforces it and saves the file. *lifted
 * counts lockdowns turned off. */
int oc_daemon_lockdown_change(oc_daemon *d, bool on, const struct oc_target *t,
	const char *reason, const char *by, size_t *lifted, struct oc_incident_cut *cut);
/* From the kernel watch: revokes grants locked containers got anyway. */
void oc_daemon_lockdown_sweep(oc_daemon *d);
/* Containers a lockdown covers now. */
size_t oc_daemon_locked_containers(oc_daemon *d);

/* Revokes the live direct_ip grants of an agent, of a rule, or all. */
int oc_daemon_flush_grants(oc_daemon *d, const struct oc_target *t, struct oc_incident_cut *out);

#endif
