/*
 * What every enforcement layer borrows from its host (outcalld's oc_daemon,
 * or an embedder): the live rules, who is who, where decisions go, the
 * kernel for direct_ip grants and the private-address policy. One struct so
 * the DNS filter, the proxy and the agent socket are wired identically.
 *
 * Ownership: everything is borrowed; the owner keeps each object alive
 * until every layer using the struct has been freed. Thread-safety: each
 * referenced object documents its own; all of them may be shared between
 * threads.
 */
#ifndef OUTCALL_SERVICES_H
#define OUTCALL_SERVICES_H

#include <outcall/addr.h>
#include <outcall/events.h>
#include <outcall/identity.h>
#include <outcall/firewall.h>
#include <outcall/policy.h>

typedef struct oc_services {
	oc_live *rules;                  /* required: the live rule set and its generation */
	oc_registry *registry;           /* required: containers, looked up by source IP */
	oc_events *events;               /* required: one record per decision */
	oc_firewall *firewall;           /* may be NULL: direct_ip grants then fail (SERVFAIL) */
	const oc_addr_policy *private_ranges; /* required: addresses stripped / refused */
	/* The command agents run to ask for access, named in block messages
	 * (DNS EDE text, proxy 403 page). NULL: "outcall-shim request". */
	const char *request_command;
} oc_services;

#endif
