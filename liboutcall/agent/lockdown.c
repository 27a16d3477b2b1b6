/* What a locked-down container hears on its agent socket: every check is
 * blocked with the operator's reason, whoami says so, and requests are
 * refused (the operator decides when the lockdown ends, not a request). */
#include "agent/internal.h"

#include <stdio.h>

void oc_agent_lockdown_text(const struct oc_lock *l, char *buf, size_t size)
{
	snprintf(buf, size, "locked down: %s (by the operator; nothing is allowed until the "
		"lockdown is lifted)", l->reason[0] ? l->reason : "no reason given");
}

bool oc_agent_locked(oc_agent_call *k, struct oc_lock *out)
{
	return oc_registry_locked(k->a->svc.registry, k->c, out);
}

bool oc_agent_refuse_locked(oc_agent_call *k)
{
	struct oc_lock l;
	if (!oc_agent_locked(k, &l))
		return false;
	char text[OC_LOCK_REASON_MAX + 128];
	oc_agent_lockdown_text(&l, text, sizeof(text));
	oc_agent_reply_error(k, 403, "locked_down", "%s", text);
	return true;
}
