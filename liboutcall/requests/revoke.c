/* Revoking an approved request (incident response): its rule file goes,
 * the rules reload at once (the reload cuts the flows the rule's direct_ip
 * grants carried), and the record keeps who revoked it and why, so the
 * agent reads the reason on its next check and in its request's status. */
#include "requests/store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"

int oc_req_store_revoke(oc_req_store *s, const char *id, const char *by, const char *reason,
	const oc_req **out)
{
	oc_req *r = oc_req_store_get(s, id);
	if (!r)
		return oc_error_set(OC_ENOTFOUND, "no access request '%.40s' (see `outcall requests "
			"list --status approved`)", id);
	if (r->status != OC_REQ_APPROVED)
		return oc_error_set(OC_ESTATE, "request %s is %s, not approved: only an approved "
			"request can be revoked", id, oc_req_status_name(r->status));
	char *why, *who;
	if (oc_req_decision_texts(reason && reason[0] ? reason : "revoked by the operator", by, &why,
		    &who) != 0)
		return OC_ENOMEM;
	char path[4096];
	oc_req_rule_path(s, r->id, path, sizeof(path));
	if (unlink(path) != 0 && errno != ENOENT) {
		int rc = oc_error_os("cannot remove %s to revoke request %s", path, id);
		free(why);
		free(who);
		return rc;
	}
	/* The file is gone: the request is revoked whatever the reload says.
	 * A failed reload keeps the old set (and the rule) live until the
	 * rules load again, which the caller must hear. */
	int rc = oc_req_store_reload(s);
	char err[1024] = "";
	if (rc)
		snprintf(err, sizeof(err), "%s", oc_error_last()->message);
	free(r->reason);
	free(r->revoked_by);
	r->status = OC_REQ_REVOKED;
	r->reason = why;
	r->revoked_by = who;
	r->revoked_at = (int64_t)time(NULL);
	s->stats.revoked++;
	int saved = oc_req_store_persist(s, r);
	oc_req_store_emit(s, r, NULL, "revoked", why);
	if (s->cfg.changed)
		s->cfg.changed(r, s->cfg.changed_arg);
	*out = r;
	if (rc)
		return oc_error_set(rc, "request %s is revoked and %s removed, but the rules did not "
			"reload, so rule req-%s stays live until they do: %s", id, path, id, err);
	return saved;
}

const oc_req *oc_req_store_revoked_for(oc_req_store *s, const char *agent, const char *host)
{
	for (size_t i = s->nreqs; i-- > 0;) {
		const oc_req *r = s->reqs[i];
		if (r->status == OC_REQ_REVOKED && r->ask.host && strcmp(r->ask.host, host) == 0 &&
		    (r->scope == OC_REQ_SCOPE_ALL || strcmp(r->agent, agent) == 0))
			return r;
	}
	return NULL;
}

size_t oc_req_revoked_text(oc_req_store *s, const char *agent, const char *host, char *buf,
	size_t size)
{
	const oc_req *r = oc_req_store_revoked_for(s, agent, host);
	if (!r || !size) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	int n = snprintf(buf, size, "access request %s for %s was revoked by the operator: %s",
		r->id, r->ask.host, r->reason ? r->reason : "no reason given");
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
