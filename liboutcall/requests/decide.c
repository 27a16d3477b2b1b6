/* Submitting, approving and rejecting access requests. */
#include "requests/store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <outcall/policy.h>

#include "core/atomicfile.h"
#include "core/error.h"
#include "requests/duration.h"
#include "requests/rulegen.h"

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_ask(const oc_req_ask *a, const oc_req_ask *b)
{
	return same_str(a->host, b->host) && a->port == b->port && same_str(a->method, b->method) &&
		same_str(a->path_prefix, b->path_prefix) && same_str(a->rule_file, b->rule_file);
}

/* The pending request of `container` that asks for the same thing, and
 * how many that container has pending. */
static oc_req *pending_of(oc_req_store *s, const char *container, const oc_req_ask *ask,
	size_t *count, size_t *total)
{
	oc_req *same = NULL;
	*count = *total = 0;
	for (size_t i = 0; i < s->nreqs; i++) {
		oc_req *r = s->reqs[i];
		if (r->status != OC_REQ_PENDING)
			continue;
		(*total)++;
		if (strcmp(r->container, container) != 0)
			continue;
		(*count)++;
		if (same_ask(&r->ask, ask))
			same = r;
	}
	return same;
}

static int new_id(oc_req_store *s, char id[OC_REQ_ID_LEN + 1])
{
	for (int tries = 0; tries < 16; tries++) {
		int rc = oc_req_id_new(id);
		if (rc)
			return rc;
		char path[4096];
		oc_req_record_path(s, id, path, sizeof(path));
		if (!oc_req_store_get(s, id) && access(path, F_OK) != 0)
			return 0;
	}
	return oc_error_set(OC_ELIMIT, "no free request id after 16 tries; delete old records in %s",
		s->records_dir);
}

int oc_req_store_submit(oc_req_store *s, const oc_req_submitter *who, oc_req_ask *ask,
	const oc_req **out, bool *duplicate)
{
	size_t mine, total;
	oc_req *same = pending_of(s, who->container, ask, &mine, &total);
	*duplicate = same != NULL;
	if (same) {
		*out = same;
		oc_req_ask_clear(ask);
		return 0;
	}
	if (mine >= s->cfg.max_pending_per_container)
		return oc_error_set(OC_ELIMIT, "container %s already has %zu pending requests, the "
			"most it may have; wait for the operator to decide them", who->container, mine);
	if (total >= s->cfg.max_pending)
		return oc_error_set(OC_ELIMIT, "%zu requests are pending, the most the daemon keeps; "
			"try again after the operator has decided some", total);
	oc_req *r = calloc(1, sizeof(*r));
	if (!r)
		return oc_error_nomem();
	r->ask = *ask;
	r->status = OC_REQ_PENDING;
	r->pid = who->pid;
	r->uid = who->uid;
	r->gid = who->gid;
	r->created_at = (int64_t)time(NULL);
	int rc = new_id(s, r->id);
	if (!rc && (!(r->container = strdup(who->container)) || !(r->agent = strdup(who->agent))))
		rc = oc_error_nomem();
	if (!rc && who->container_id && who->container_id[0] &&
	    !(r->container_id = strdup(who->container_id)))
		rc = oc_error_nomem();
	r->name_generated = who->name_generated;
	/* Compiled now, so the agent hears about a bad rule file, not the
	 * operator at approval. */
	char *body = NULL;
	if (!rc)
		rc = oc_req_rule_body(r, oc_req_default_scope(r), &body);
	free(body);
	if (!rc)
		rc = oc_req_store_persist(s, r);
	if (!rc)
		rc = oc_req_store_add(s, r);
	if (rc) {
		memset(&r->ask, 0, sizeof(r->ask)); /* still the caller's */
		oc_req_free(r);
		return rc;
	}
	memset(ask, 0, sizeof(*ask));
	s->stats.submitted++;
	oc_req_store_emit(s, r, NULL, "submitted", r->ask.justification);
	*out = r;
	return 0;
}

static int pending(oc_req_store *s, const char *id, oc_req **out)
{
	oc_req *r = oc_req_store_get(s, id);
	if (!r)
		return oc_error_set(OC_ENOTFOUND, "no access request '%s' (see `outcall requests list`)",
			id);
	if (r->status != OC_REQ_PENDING)
		return oc_error_set(OC_ESTATE, "request %s is already %s", id,
			oc_req_status_name(r->status));
	*out = r;
	return 0;
}

static int check_edit(const char *body)
{
	oc_ruleset *rs = NULL;
	int rc = oc_ruleset_load_string("edited rule file", body, strlen(body), NULL, &rs, NULL);
	if (!rc && oc_ruleset_count(rs) == 0)
		rc = oc_error_set(OC_EINVAL, "the edited rule file has no rules");
	oc_ruleset_unref(rs);
	return rc;
}

static int64_t expiry_for(const oc_req *r, const oc_req_approval *a, int64_t now)
{
	if (a->for_s > 0)
		return now + a->for_s;
	if (a->for_s == OC_REQ_FOR_ASKED && r->ask.wanted_s > 0)
		return now + r->ask.wanted_s;
	return 0;
}

/* Writes the file and has the daemon load it; on failure nothing stays. */
static int install(oc_req_store *s, const oc_req *r, const char *body)
{
	char *text = NULL, path[4096];
	oc_req_rule_path(s, r->id, path, sizeof(path));
	int rc = oc_req_rule_file(r, body, &text);
	if (!rc)
		rc = oc_mkdir_p(s->rules_dir, 0755);
	if (!rc)
		rc = oc_file_write_atomic(path, text, strlen(text), 0644);
	free(text);
	if (rc)
		return rc;
	if ((rc = oc_req_store_reload(s)) != 0) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
		unlink(path);
		return oc_error_set(rc, "request %s was not approved: its rule file does not load "
			"with the others: %s", r->id, msg);
	}
	return 0;
}

/* An approval whose record cannot be saved (a full or read-only disk) is
 * undone: a restart would read the record as pending with the rule live,
 * and the operator would have been told the approval failed. */
static int not_saved(oc_req_store *s, const oc_req *r, int rc)
{
	char msg[1024], path[4096];
	snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
	oc_req_rule_path(s, r->id, path, sizeof(path));
	unlink(path);
	if (oc_req_store_reload(s) != 0)
		oc_req_store_emit(s, r, NULL, "error", oc_error_last()->message);
	return oc_error_set(rc, "request %s was not approved: its record could not be saved (%s); "
		"the rule file is removed again: make room and approve it again", r->id, msg);
}

static void decided(oc_req_store *s, oc_req *r, const char *verdict, const char *reason)
{
	oc_req_store_emit(s, r, NULL, verdict, reason);
	if (s->cfg.changed)
		s->cfg.changed(r, s->cfg.changed_arg);
	oc_req_store_prune(s, r);
}

int oc_req_store_approve(oc_req_store *s, const char *id, const oc_req_approval *a,
	const oc_req **out)
{
	oc_req *r;
	int rc = pending(s, id, &r);
	char *body = NULL, *by = NULL;
	if (!rc && a->rule_body) {
		rc = check_edit(a->rule_body);
		if (!rc && !(body = strdup(a->rule_body)))
			rc = oc_error_nomem();
	} else if (!rc) {
		rc = oc_req_rule_body(r, a->scope, &body);
	}
	if (!rc && !(by = strdup(a->by ? a->by : "the operator")))
		rc = oc_error_nomem();
	if (rc) {
		free(body);
		return rc;
	}
	int64_t now = (int64_t)time(NULL);
	oc_req before = *r;
	r->decided_at = now;
	r->decided_by = by;
	r->scope = a->scope;
	r->expires_at = expiry_for(r, a, now);
	if ((rc = install(s, r, body)) != 0) {
		*r = before;
		free(by);
		free(body);
		return rc;
	}
	r->status = OC_REQ_APPROVED;
	r->rule = body;
	if ((rc = oc_req_store_persist(s, r)) != 0) {
		rc = not_saved(s, r, rc);
		*r = before;
		free(by);
		free(body);
		return rc;
	}
	s->stats.approved++;
	char reason[300], whom[200], when[OC_TIME_TEXT_MAX] = "never";
	if (r->expires_at)
		oc_time_format(r->expires_at, when);
	oc_req_scope_text(r, r->scope, whom, sizeof(whom));
	snprintf(reason, sizeof(reason), "for %s, expires %s", whom, when);
	if (r->expires_at)
		rc = oc_req_expiry_arm(s, r->id, r->expires_at);
	decided(s, r, "approved", reason);
	*out = r;
	return rc;
}

int oc_req_store_reject(oc_req_store *s, const char *id, const char *by, const char *reason,
	const oc_req **out)
{
	if (!reason || !reason[strspn(reason, " \t\r\n")])
		return oc_error_set(OC_EINVAL, "give a reason for the rejection: the agent reads it");
	if (strlen(reason) > OC_REQ_TEXT_MAX)
		return oc_error_set(OC_EINVAL, "the reason has %zu bytes, more than the %d allowed",
			strlen(reason), OC_REQ_TEXT_MAX);
	oc_req *r;
	int rc = pending(s, id, &r);
	if (rc)
		return rc;
	char *why, *who;
	if (oc_req_decision_texts(reason, by, &why, &who) != 0)
		return OC_ENOMEM;
	/* A crash between writing an approval's file and saving its record
	 * leaves a pending record with a live rule: rejecting removes it. */
	char path[4096];
	oc_req_rule_path(s, r->id, path, sizeof(path));
	if (unlink(path) == 0 && oc_req_store_reload(s) != 0)
		oc_req_store_emit(s, r, NULL, "error", oc_error_last()->message);
	r->status = OC_REQ_REJECTED;
	r->decided_at = (int64_t)time(NULL);
	r->decided_by = who;
	r->reason = why;
	s->stats.rejected++;
	rc = oc_req_store_persist(s, r);
	decided(s, r, "rejected", why);
	*out = r;
	return rc;
}
