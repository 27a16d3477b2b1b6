/* Audit records of incident commands (audit.h). */
#include "incident/audit.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void oc_audit_who(uid_t uid, char out[OC_AUDIT_WHO_MAX])
{
	struct passwd pw, *found = NULL;
	char buf[1024];
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) != 0)
		found = NULL;
	snprintf(out, OC_AUDIT_WHO_MAX, "uid=%u user=%.64s", (unsigned)uid,
		found ? found->pw_name : "?");
}

uint64_t oc_audit_emit(oc_events *events, const struct oc_audit *a)
{
	char reason[1400];
	const char *why = a->reason && a->reason[0] ? a->reason : "no reason given";
	if (a->outcome)
		snprintf(reason, sizeof(reason), "%s (%s)", why, a->outcome);
	else
		snprintf(reason, sizeof(reason), "%s", why);
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_AUDIT, OC_EVENT_LAYER_INCIDENT);
	ev.peer = a->who;
	ev.outcome = a->action;
	ev.path = a->target;
	ev.agent = a->agent;
	ev.rule = a->rule;
	ev.host = a->host;
	ev.port = a->port;
	ev.reason = reason;
	return oc_events_emit(events, &ev);
}
