/* Revoked approvals as other layers tell them: the proxy's block page says
 * what the agent's own check says (check.c). */
#ifndef OC_AGENT_REVOKED_H
#define OC_AGENT_REVOKED_H

#include <stddef.h>
#include <outcall/agents.h>

/* "access request ID for HOST was revoked by the operator: REASON" for the
 * latest revoked approval that covered agent and host (normal form), cut
 * to size; returns its length, 0 (buf "") when there is none or the
 * requests are not loaded yet. Loop thread only. */
size_t oc_agents_revoked_text(oc_agents *a, const char *agent, const char *host, char *buf,
	size_t size);

#endif
