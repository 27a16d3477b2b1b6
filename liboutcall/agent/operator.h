/* The operator's side of access requests as the host API's JSON documents
 * (docs/api.md). outcall/agents.h gives the same answers as typed objects
 * (agent/request_info.c, built from these documents). Each returns 0 with
 * one JSON text in *json (free() it), or an oc_err as the typed calls do. */
#ifndef OC_AGENT_OPERATOR_H
#define OC_AGENT_OPERATOR_H

#include <outcall/agents.h>

/* {"requests": [...]} oldest first. */
int oc_agents_requests_json(oc_agents *a, const char *status, char **json);
/* The request record with "rule_id", "rule_path", "note", "default_scope",
 * and while it is pending "scope", "proposed_rule" (or
 * "proposed_rule_error") and "matches": every attached container that rule
 * reaches, as [{"name", "container_id", "agent"}]. An approved request has
 * its "scope" and the "matches" of its rule. */
int oc_agents_request_json(oc_agents *a, const char *id, oc_agents_scope scope, char **json);
/* The request afterwards (approve: with its "matches"). */
int oc_agents_approve_json(oc_agents *a, const char *id, const oc_agents_approval *ap,
	char **json);
int oc_agents_reject_json(oc_agents *a, const char *id, const char *reason, const char *by,
	char **json);
int oc_agents_revoke_json(oc_agents *a, const char *id, const char *reason, const char *by,
	char **json);
int oc_agents_grant_json(oc_agents *a, const oc_agents_grant_spec *spec, char **json);

#endif
