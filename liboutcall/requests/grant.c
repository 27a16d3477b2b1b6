/* Temporary grants by hand (incident response): the operator gives an
 * agent a host for a while without writing YAML. The grant is an access
 * request filed on the operator's behalf and approved at once, so it is
 * recorded, listed, expired and revoked exactly like an approval. */
#include "requests/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "identity/names.h"
#include "requests/ask.h"

static int build_ask(const oc_req_grant *g, oc_req_ask *ask)
{
	json_t *body = json_pack("{s:s, s:s}", "host", g->host ? g->host : "",
		"justification", g->reason && g->reason[0] ? g->reason : "granted by hand");
	if (!body)
		return oc_error_nomem();
	if (g->port)
		json_object_set_new(body, "port", json_integer(g->port));
	int rc = oc_req_ask_parse(body, ask);
	json_decref(body);
	return rc;
}

int oc_req_store_grant(oc_req_store *s, const oc_req_grant *g, const oc_req **out)
{
	if (!g->agent || !oc_name_valid(g->agent))
		return oc_error_set(OC_EINVAL, "agent '%.64s' is not an agent name "
			"([A-Za-z0-9._-], 1 to 64 characters)", g->agent ? g->agent : "");
	if (g->for_s <= 0 || g->for_s > OC_REQ_GRANT_MAX_S)
		return oc_error_set(OC_EINVAL, "a grant by hand lasts from 1 second to %d hours; "
			"for longer access write a rule file", OC_REQ_GRANT_MAX_S / 3600);
	oc_req_ask ask;
	int rc = build_ask(g, &ask);
	if (rc)
		return rc;
	oc_req_submitter who = { .container = OC_REQ_OPERATOR, .agent = g->agent, .uid = g->uid,
		.gid = g->gid };
	const oc_req *r = NULL;
	bool dup;
	rc = oc_req_store_submit(s, &who, &ask, &r, &dup);
	oc_req_ask_clear(&ask);
	if (rc)
		return rc;
	char id[OC_REQ_ID_LEN + 1];
	memcpy(id, r->id, sizeof(id));
	oc_req_approval ap = { .by = g->by, .for_s = g->for_s, .scope = OC_REQ_SCOPE_AGENT };
	rc = oc_req_store_approve(s, id, &ap, out);
	if (rc) {
		/* no pending record of the operator's may linger */
		char msg[1024];
		const oc_req *gone;
		snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
		oc_req_store_reject(s, id, g->by, "the grant by hand failed", &gone);
		return oc_error_set(rc, "%s", msg);
	}
	return 0;
}
