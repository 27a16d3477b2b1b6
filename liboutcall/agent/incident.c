/* The operator's incident commands on access requests, as JSON for the
 * host API: revoking an approval and granting by hand. */
#include "agent/internal.h"
#include "agent/operator.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "requests/duration.h"

int oc_agents_revoke_json(oc_agents *a, const char *id, const char *reason, const char *by,
	char **json)
{
	int rc = oc_agents_ready(a);
	const oc_req *r = NULL;
	if (!rc)
		rc = oc_req_store_revoke(a->store, id, by, reason, &r);
	if (!r)
		return rc;
	/* revoked even when the reload failed: the answer says both */
	char *text = NULL;
	int drc = oc_agents_dump(oc_agents_view(a, r), &text);
	if (rc) {
		free(text);
		return rc;
	}
	*json = text;
	return drc;
}

int oc_agents_grant_json(oc_agents *a, const oc_agents_grant_spec *spec, char **json)
{
	int rc = oc_agents_ready(a);
	oc_req_grant g = { .agent = spec->agent, .host = spec->host, .port = spec->port,
		.reason = spec->reason, .by = spec->by, .uid = spec->uid, .gid = spec->gid };
	if (!rc && !spec->duration)
		rc = oc_error_set(OC_EINVAL, "a grant by hand needs a duration (\"for\": \"10m\"); "
			"at most 24h");
	if (!rc)
		rc = oc_duration_parse(spec->duration, &g.for_s);
	const oc_req *r = NULL;
	if (!rc)
		rc = oc_req_store_grant(a->store, &g, &r);
	if (rc)
		return rc;
	return oc_agents_dump(oc_agents_view(a, r), json);
}
