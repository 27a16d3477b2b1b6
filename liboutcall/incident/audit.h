/*
 * The audit record of an incident command: who ran it (uid and user
 * name, from the host socket's SO_PEERCRED), what it did, to what, and
 * why. One OC_EVENT_AUDIT record in the decision log (outcall/events.h
 * says which field holds what), so it is kept, rotated, followed and
 * shipped with the decisions it explains.
 */
#ifndef OC_INCIDENT_AUDIT_H
#define OC_INCIDENT_AUDIT_H

#include <stdint.h>
#include <sys/types.h>
#include <outcall/events.h>

/* Room for "uid=4294967295 user=" and a user name. */
#define OC_AUDIT_WHO_MAX 96

/* "uid=0 user=root", or "uid=1234 user=?" when the uid has no name. */
void oc_audit_who(uid_t uid, char out[OC_AUDIT_WHO_MAX]);

struct oc_audit {
	const char *who;        /* oc_audit_who */
	const char *action;     /* "revoke", "flush", "lockdown on", "lockdown off", "grant" */
	const char *target;     /* "request r-abc", "agent a1", "network n1", "rule r", "all" */
	const char *agent;      /* the agent concerned, or NULL */
	const char *rule;       /* the rule concerned, or NULL */
	const char *host;       /* a grant's host, or NULL */
	int port;
	const char *reason;     /* the operator's, or NULL */
	const char *outcome;    /* what happened ("3 grants removed, 2 flows cut"), or NULL */
};

/* Emits the record; returns its id. */
uint64_t oc_audit_emit(oc_events *events, const struct oc_audit *a);

#endif
