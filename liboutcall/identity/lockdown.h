/*
 * Lockdowns: containers the operator cut off from everything (incident
 * response). The registry holds the table, so every layer that asks who a
 * peer is can ask, under the same lock, whether it is locked down; the
 * judge (engine/judge.h) blocks a locked container before any rule is read.
 * The daemon owns the list, persists it and sets it here whole
 * (liboutcall/incident/lockdown.h).
 */
#ifndef OC_IDENTITY_LOCKDOWN_H
#define OC_IDENTITY_LOCKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/identity.h>

/* Longest reason, in bytes: the agent reads it in every answer. */
#define OC_LOCK_REASON_MAX 256
#define OC_LOCK_NAME_MAX 65
#define OC_LOCK_BY_MAX 96

enum oc_lock_scope {
	OC_LOCK_AGENT,     /* every container whose agent.name is `name` */
	OC_LOCK_NETWORK,   /* every container on the network `name` */
	OC_LOCK_ALL,       /* every container */
};

struct oc_lock {
	enum oc_lock_scope scope;
	char name[OC_LOCK_NAME_MAX];   /* "" for OC_LOCK_ALL */
	char reason[OC_LOCK_REASON_MAX];
	char by[OC_LOCK_BY_MAX];       /* "uid=0 (root)" */
	int64_t since;                 /* Unix seconds */
};

/* Replaces the registry's table with a copy of locks[0..n). */
int oc_registry_set_locks(oc_registry *r, const struct oc_lock *locks, size_t n);
/* True when a lock covers c; *out (may be NULL) gets the first that does. */
bool oc_registry_locked(oc_registry *r, const oc_container *c, struct oc_lock *out);
/* True when a lock covers a container of this agent on this network: an
 * attach asks before the container exists, so that the kernel holds it
 * locked from its first packet. */
bool oc_registry_would_lock(oc_registry *r, const char *agent, const char *network);

#endif
