/*
 * The operator's lockdowns as a list the daemon keeps, persists and hands
 * to the registry (identity/lockdown.h), which every layer asks. The file
 * (<state_dir>/lockdown.json, written atomically) is read at start before
 * any layer serves, so a lockdown holds through crashes, SIGKILL and
 * restarts until it is turned off; rule reloads never touch it.
 */
#ifndef OC_INCIDENT_LOCKDOWN_H
#define OC_INCIDENT_LOCKDOWN_H

#include <jansson.h>
#include <stddef.h>

#include "identity/lockdown.h"
#include "incident/target.h"

struct oc_lockdowns {
	struct oc_lock *v;
	size_t n;
};

/* Reads the file; a missing file is no lockdown. OC_ECORRUPT naming the
 * file for anything else it cannot read (the start fails rather than
 * lift a lockdown silently). */
int oc_lockdowns_load(const char *path, struct oc_lockdowns *out);
int oc_lockdowns_save(const char *path, const struct oc_lockdowns *l);
void oc_lockdowns_free(struct oc_lockdowns *l);

/* Adds a lockdown of t (agent, network or all), or replaces the reason of
 * the one with the same target. */
int oc_lockdowns_on(struct oc_lockdowns *l, const struct oc_target *t, const char *reason,
	const char *by, int64_t now);
/* Lifts the lockdown of t; for "all", every lockdown. *lifted counts them;
 * OC_ENOTFOUND when none matched. */
int oc_lockdowns_off(struct oc_lockdowns *l, const struct oc_target *t, size_t *lifted);

json_t *oc_lock_json(const struct oc_lock *k);
json_t *oc_lockdowns_json(const struct oc_lockdowns *l);

#endif
