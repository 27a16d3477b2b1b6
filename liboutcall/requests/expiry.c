/* Approved rules with an expiry: one loop timer each. The rule file's
 * header is the authority (a file may outlive its record); records
 * re-arm what the files do not say.
 *
 * A rule ends at the first of its two ends: its duration on the monotonic
 * clock (the loop's timers), which a wall clock set back cannot stretch,
 * and its wall-clock expiry, which is what the operator was shown and what
 * a restart arms, and which a clock set forward (or a suspend, which the
 * monotonic clock sleeps through) reaches early. The timer wakes at least
 * every WALL_CHECK_MS to look at the wall clock. */
#include "requests/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "policy/files.h"
#include "requests/rulegen.h"

#define MAX_RULE_FILE_SIZE (1u << 20)
#define WALL_CHECK_MS 1000

static void unlink_expiry(oc_req_store *s, struct oc_req_expiry *e)
{
	for (struct oc_req_expiry **p = &s->expiries; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	free(e);
}

static void expire(oc_req_store *s, const char *id)
{
	char path[4096];
	oc_req_rule_path(s, id, path, sizeof(path));
	bool removed = unlink(path) == 0;
	if (!removed && errno != ENOENT) {
		char msg[4200];
		snprintf(msg, sizeof(msg), "cannot remove expired rule file %s: %s; remove it by hand",
			path, strerror(errno));
		oc_req_store_emit(s, oc_req_store_get(s, id), id, "error", msg);
		return;
	}
	if (removed && oc_req_store_reload(s) != 0) {
		/* All-or-nothing reloads keep the old set, and the rule in it, until
		 * the rules load again; the operator must know. */
		oc_buf msg = OC_BUF_INIT;
		oc_buf_printf(&msg, "expired rule req-%s stays live until the rules load again "
			"(%s is removed, the reload failed): %s", id, path, oc_error_last()->message);
		oc_req_store_emit(s, oc_req_store_get(s, id), id, "error", msg.data);
		oc_buf_free(&msg);
	}
	oc_req *r = oc_req_store_get(s, id);
	if (r && r->status == OC_REQ_APPROVED) {
		r->status = OC_REQ_EXPIRED;
		if (oc_req_store_persist(s, r) != 0)
			oc_req_store_emit(s, r, NULL, "error", oc_error_last()->message);
	} else if (!removed) {
		return; /* nothing was live */
	}
	s->stats.expired++;
	oc_req_store_emit(s, r, id, "expired", removed ? "the approved rule expired and was removed"
		: "the approved rule expired (its file was already gone)");
	if (r && s->cfg.changed)
		s->cfg.changed(r, s->cfg.changed_arg);
	oc_req_store_prune(s, r);
}

static void on_timer(oc_loop *loop, uint64_t timer, void *arg);

/* Arms e's timer for its monotonic end or the next look at the wall
 * clock, whichever comes first. */
static int rearm(struct oc_req_expiry *e)
{
	oc_loop *loop = e->store->cfg.loop;
	uint64_t now = oc_loop_now(loop);
	uint64_t ms = e->mono_end > now ? e->mono_end - now : 0;
	return oc_loop_timer_add(loop, ms < WALL_CHECK_MS ? ms : WALL_CHECK_MS, on_timer, e,
		&e->timer);
}

static void on_timer(oc_loop *loop, uint64_t timer, void *arg)
{
	(void)timer;
	struct oc_req_expiry *e = arg;
	oc_req_store *s = e->store;
	e->timer = 0;
	if (oc_loop_now(loop) < e->mono_end && (int64_t)time(NULL) < e->at && rearm(e) == 0)
		return;
	char id[OC_REQ_ID_LEN + 1];
	memcpy(id, e->id, sizeof(id));
	unlink_expiry(s, e);
	expire(s, id);
}

int oc_req_expiry_arm(oc_req_store *s, const char *id, int64_t at)
{
	struct oc_req_expiry *e = s->expiries;
	while (e && strcmp(e->id, id) != 0)
		e = e->next;
	if (!e) {
		if (!(e = calloc(1, sizeof(*e))))
			return oc_error_nomem();
		e->store = s;
		snprintf(e->id, sizeof(e->id), "%s", id);
		e->next = s->expiries;
		s->expiries = e;
	}
	oc_loop_timer_cancel(s->cfg.loop, e->timer);
	e->timer = 0;
	e->at = at;
	int64_t now = (int64_t)time(NULL);
	e->mono_end = oc_loop_now(s->cfg.loop) + (at > now ? (uint64_t)(at - now) * 1000 : 0);
	int rc = rearm(e);
	if (rc)
		unlink_expiry(s, e);
	return rc;
}

static bool armed(const oc_req_store *s, const char *id)
{
	for (const struct oc_req_expiry *e = s->expiries; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return true;
	return false;
}

static int restore_from_files(oc_req_store *s)
{
	DIR *d = opendir(s->rules_dir);
	if (!d)
		return errno == ENOENT ? 0 : oc_error_os("cannot read %s", s->rules_dir);
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		char id[OC_REQ_ID_LEN + 1], path[4096];
		if (!oc_req_file_id(de->d_name, ".yaml", id))
			continue;
		oc_req_rule_path(s, id, path, sizeof(path));
		char *text = NULL;
		size_t len;
		if (oc_file_read(path, MAX_RULE_FILE_SIZE, &text, &len) != 0) {
			/* The rules loader reports such a file; it cannot expire. */
			continue;
		}
		int64_t at = oc_req_header_expiry(text);
		free(text);
		if (at)
			rc = oc_req_expiry_arm(s, id, at);
	}
	closedir(d);
	return rc;
}

int oc_req_expiry_restore(oc_req_store *s)
{
	int rc = restore_from_files(s);
	for (size_t i = 0; !rc && i < s->nreqs; i++) {
		const oc_req *r = s->reqs[i];
		if (r->status == OC_REQ_APPROVED && r->expires_at && !armed(s, r->id))
			rc = oc_req_expiry_arm(s, r->id, r->expires_at);
	}
	return rc;
}

void oc_req_expiry_free(oc_req_store *s)
{
	while (s->expiries) {
		struct oc_req_expiry *e = s->expiries;
		s->expiries = e->next;
		oc_loop_timer_cancel(s->cfg.loop, e->timer);
		free(e);
	}
}
