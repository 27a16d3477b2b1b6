/* Reloading rules: one new immutable set, one kernel transaction, one
 * generation; and the inotify watch that triggers it. */
#include "daemon/internal.h"

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "engine/judge.h"
#include "kernel/firewall.h"

#define RELOAD_RETRY_MS 2000

int oc_daemon_load_rules(oc_daemon *d, oc_ruleset **out)
{
	const char *paths[] = { d->cfg.rules_dir };
	oc_warnings *w = NULL;
	int rc = oc_ruleset_load(paths, 1, NULL, out, &w);
	for (size_t i = 0; !rc && i < oc_warnings_count(w); i++) {
		const oc_warning *x = oc_warnings_get(w, i);
		oc_log_about about = { .rule = x->rule_id, .file = x->file, .line = x->line };
		oc_daemon_log_about(d, OC_LOG_WARN, &about, "%s", x->message);
	}
	oc_warnings_free(w);
	return rc;
}

/* What a direct_ip grant depends on: a rule whose condition, ports or
 * private-address setting changed must lose the grants made under the old
 * version (the kernel drops a set whose revision differs). */
static void rule_rev(const oc_rule *r, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ull;
	const oc_egress *e = oc_rule_egress(r);
	for (const char *p = oc_rule_condition(r); *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	for (size_t i = 0; i < e->nports; i++)
		h = (h ^ e->ports[i]) * 0x100000001b3ull;
	h = (h ^ (e->allow_private_ips ? 0x5a : 0xa5)) * 0x100000001b3ull;
	snprintf(out, 17, "%016" PRIx64, h);
}

/* Would the rules still grant g? The grant was made for a DNS answer to
 * its note (the name) under its rule: the same question must reach an
 * allow by that rule, in direct_ip mode, with g's port. */
static bool still_granted(const oc_ruleset *rs, oc_registry *reg, const oc_grant_info *g)
{
	oc_container *c = oc_registry_by_ip(reg, g->container);
	oc_context ctx;
	char host[OC_HOSTNAME_MAX];
	oc_judgment j = { 0 };
	bool keep = c && g->note[0] && oc_context_for_dns(&ctx, host, g->note, "A") == 0;
	if (keep) {
		oc_judge(rs, reg, c, &ctx, false, &j);
		keep = j.allowed && strcmp(j.d.rule_id, g->rule_id) == 0 &&
			j.d.egress.mode == OC_EGRESS_DIRECT_IP;
	}
	bool port = false;
	for (size_t i = 0; keep && i < j.d.egress.nports; i++)
		port |= j.d.egress.ports[i] == g->port;
	if (c)
		oc_container_unref(c);
	return keep && port;
}

/* Grants of unchanged rules survive a reload; a rule added above theirs
 * (a block, another allow) or a changed container must still cut them. */
static int rejudge_grants(oc_daemon *d, const oc_ruleset *rs)
{
	oc_firewall *fw = oc_networks_firewall(d->nets);
	oc_grant_list *l = NULL;
	int rc = oc_firewall_grants(fw, &l);
	size_t n = oc_grant_list_count(l), k = 0;
	oc_grant *gone = calloc(n ? n : 1, sizeof(*gone));
	if (!rc && !gone)
		rc = oc_error_nomem();
	for (size_t i = 0; !rc && i < n; i++) {
		const oc_grant_info *g = oc_grant_list_get(l, i);
		if (!still_granted(rs, oc_networks_registry(d->nets), g))
			gone[k++] = (oc_grant){ .rule_id = g->rule_id, .container = g->container,
				.dest = g->dest, .port = g->port };
	}
	size_t cut = 0;
	if (!rc && k)
		rc = oc_firewall_revoke(fw, gone, k, &cut);
	if (!rc && k)
		oc_daemon_log(d, OC_LOG_INFO, "the new rules no longer grant %zu direct_ip grants: "
			"revoked, %zu flows cut", k, cut);
	free(gone);
	oc_grant_list_free(l);
	return rc;
}

int oc_daemon_apply_rules(oc_daemon *d, oc_ruleset *rs)
{
	size_t n = oc_ruleset_count(rs), k = 0;
	oc_direct_rule *dr = calloc(n ? n : 1, sizeof(*dr));
	char (*revs)[17] = calloc(n ? n : 1, sizeof(*revs));
	int rc = 0;
	if (!dr || !revs)
		rc = oc_error_nomem();
	for (size_t i = 0; !rc && i < n; i++) {
		const oc_rule *r = oc_ruleset_rule(rs, i);
		if (oc_rule_action(r) != OC_ACTION_ALLOW ||
		    oc_rule_egress(r)->mode != OC_EGRESS_DIRECT_IP)
			continue;
		rule_rev(r, revs[k]);
		dr[k] = (oc_direct_rule){ oc_rule_id(r), revs[k] };
		k++;
	}
	/* Kernel first: a new direct_ip rule's set must exist before the DNS
	 * filter can grant into it. */
	if (!rc)
		rc = oc_firewall_apply(oc_networks_firewall(d->nets), dr, k);
	free(dr);
	free(revs);
	if (rc)
		return rc;
	uint64_t gen = oc_live_publish(d->live, rs);
	oc_daemon_log(d, OC_LOG_INFO, "rules generation %" PRIu64 ": %zu rules (%zu direct_ip) "
		"from %s", gen, n, k, d->cfg.rules_dir);
	/* a permission that ends ends what it opened: the proxy's tunnels */
	size_t closed = d->proxy ? oc_proxy_rejudge(d->proxy) : 0;
	if (closed)
		oc_daemon_log(d, OC_LOG_INFO, "the new rules no longer allow %zu open proxy tunnels: "
			"closed", closed);
	/* after the publish: grants made meanwhile under the old rules are
	 * judged here too */
	return rejudge_grants(d, rs);
}

static void reload_event(oc_daemon *d, bool ok, const char *reason)
{
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_RELOAD, OC_EVENT_LAYER_RULES);
	ev.outcome = ok ? "ok" : "failed";
	ev.reason = reason;
	ev.generation = oc_live_generation(d->live);
	oc_events_emit(d->events, &ev);
}

static void retry_reload(oc_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	oc_daemon *d = arg;
	d->reload_timer = 0;
	oc_daemon_log(d, OC_LOG_INFO, "reloading again: the last rules loaded but were not applied");
	oc_daemon_reload_async(d, NULL, NULL);
}

/* Rules that loaded but that the kernel did not take (a refused
 * transaction) are what the files say the operator wants: a rule removed
 * to end some access must not stay live for want of another change, so
 * the reload is tried again until it goes through. (A file that does not
 * load waits for its fix: the watch sees it.) */
static void retry_later(oc_daemon *d)
{
	if (d->reload_timer || d->stopping || !d->loop)
		return;
	if (oc_loop_timer_add(d->loop, RELOAD_RETRY_MS, retry_reload, d, &d->reload_timer) == 0)
		oc_daemon_log(d, OC_LOG_WARN, "the rules will be applied again in %d ms",
			RELOAD_RETRY_MS);
}

/* Bookkeeping after a reload attempt; rc and the last error describe it,
 * `loaded` says whether the files loaded (the failure was the apply). */
static int reload_finished(oc_daemon *d, int rc, bool loaded)
{
	d->last_reload_at = time(NULL);
	if (rc) {
		d->reloads_failed++;
		snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s",
			oc_error_last()->message);
		const oc_error *e = oc_error_last();
		oc_log_about about = { .rule = e->rule_id, .file = e->file, .line = e->line };
		oc_daemon_log_about(d, OC_LOG_ERROR, &about, "reload failed, the previous rules stay "
			"live: %s", d->last_reload_error);
		/* Keep the error (with its location) for the caller across the
		 * event, which may set errors of its own. */
		oc_error_saved saved;
		oc_error_save(&saved);
		reload_event(d, false, saved.message);
		if (loaded)
			retry_later(d);
		return oc_error_restore(&saved.pub);
	}
	d->reloads_ok++;
	d->last_reload_error[0] = '\0';
	reload_event(d, true, NULL);
	return 0;
}

int oc_daemon_reload(oc_daemon *d)
{
	oc_ruleset *rs = NULL;
	int rc = oc_daemon_load_rules(d, &rs);
	bool loaded = rc == 0;
	if (loaded)
		rc = oc_daemon_apply_rules(d, rs);
	oc_ruleset_unref(rs);
	return reload_finished(d, rc, loaded);
}

/*
 * Reloads the daemon starts itself (API, SIGHUP, the rules watch) compile
 * the rules on a thread of their own, so the DNS filter and the proxy keep
 * answering while thousands of rules compile; the kernel transaction and
 * the publish happen back on the loop. One runs at a time; requests that
 * arrive meanwhile are served by one more reload after it.
 */
struct oc_reload {
	oc_daemon *d;
	pthread_t thread;
	bool threaded;
	uint64_t generation;     /* live when loading began */
	oc_ruleset *rs;
	int rc;
	oc_error_saved err;      /* the loading thread's last error */
	struct oc_reload_waiter *waiters;
};

struct oc_reload_waiter {
	oc_reload_done_fn done;    /* NULL once forgotten: told nothing, freed with its list */
	void *arg;
	struct oc_reload_waiter *next;
};

void oc_daemon_reload_forget(struct oc_reload_waiter *w)
{
	w->done = NULL;
}

static void start_reload(oc_daemon *d);

static void *load_thread(void *arg)
{
	struct oc_reload *job = arg;
	job->rc = oc_daemon_load_rules(job->d, &job->rs);
	if (job->rc)
		oc_error_save(&job->err);
	oc_loop_post(oc_daemon_loop(job->d), oc_daemon_reload_collect, job);
	return NULL;
}

void oc_daemon_reload_collect(oc_loop *loop, void *arg)
{
	(void)loop;
	struct oc_reload *job = arg;
	oc_daemon *d = job->d;
	if (job->threaded)
		pthread_join(job->thread, NULL);
	if (oc_live_generation(d->live) != job->generation) {
		/* A synchronous reload (an approval, say) published while this one
		 * loaded: its files may be newer than ours. Load again rather
		 * than publish an older view of the directory. */
		oc_ruleset_unref(job->rs);
		struct oc_reload_waiter **tail = &job->waiters;
		while (*tail)
			tail = &(*tail)->next;
		*tail = d->next_waiters;
		d->next_waiters = job->waiters;
		d->reload_job = NULL;
		free(job);
		d->reload_again = false;
		start_reload(d);
		return;
	}
	int rc = job->rc ? oc_error_restore(&job->err.pub) : oc_daemon_apply_rules(d, job->rs);
	oc_ruleset_unref(job->rs);
	rc = reload_finished(d, rc, job->rc == 0);
	if (rc)
		oc_error_save(&job->err);
	for (struct oc_reload_waiter *w = job->waiters, *next; w; w = next) {
		next = w->next;
		if (w->done) {
			if (rc)
				oc_error_restore(&job->err.pub);
			w->done(d, w->arg, rc);
		}
		free(w);
	}
	d->reload_job = NULL;
	free(job);
	if (d->reload_again) {
		d->reload_again = false;
		start_reload(d);
	}
}

static void start_reload(oc_daemon *d)
{
	struct oc_reload *job = calloc(1, sizeof(*job));
	if (!job) {
		oc_daemon_log(d, OC_LOG_ERROR, "cannot reload: out of memory");
		return;
	}
	job->d = d;
	job->generation = oc_live_generation(d->live);
	job->waiters = d->next_waiters;
	d->next_waiters = NULL;
	d->reload_job = job;
	job->threaded = pthread_create(&job->thread, NULL, load_thread, job) == 0;
	if (!job->threaded) {
		/* No thread: load on the loop instead. */
		job->rc = oc_daemon_load_rules(d, &job->rs);
		if (job->rc)
			oc_error_save(&job->err);
		oc_loop_post(d->loop, oc_daemon_reload_collect, job);
	}
}

struct oc_reload_waiter *oc_daemon_reload_async(oc_daemon *d, oc_reload_done_fn done, void *arg)
{
	struct oc_reload_waiter *w = NULL;
	if (done) {
		w = calloc(1, sizeof(*w));
		if (!w) {
			done(d, arg, oc_error_nomem());
			return NULL;
		}
		w->done = done;
		w->arg = arg;
		w->next = d->next_waiters;
		d->next_waiters = w;
	}
	if (d->reload_job)
		d->reload_again = true;
	else
		start_reload(d);
	return w;
}

void oc_daemon_reload_wait(oc_daemon *d)
{
	/* At free: a loading thread may still run; let it finish. */
	if (d->reload_job) {
		if (d->reload_job->threaded)
			pthread_join(d->reload_job->thread, NULL);
		oc_ruleset_unref(d->reload_job->rs);
		for (struct oc_reload_waiter *w = d->reload_job->waiters, *n; w; w = n) {
			n = w->next;
			free(w);
		}
		free(d->reload_job);
		d->reload_job = NULL;
	}
	for (struct oc_reload_waiter *w = d->next_waiters, *n; w; w = n) {
		n = w->next;
		free(w);
	}
	d->next_waiters = NULL;
}

static void debounced_reload(oc_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	oc_daemon *d = arg;
	d->reload_timer = 0;
	oc_daemon_log(d, OC_LOG_INFO, "rules directory changed: reloading");
	oc_daemon_reload_async(d, NULL, NULL);
}

/* Add the requests/ subdirectory when it appears. */
static void watch_requests(oc_daemon *d)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/requests", d->cfg.rules_dir);
	inotify_add_watch(d->inotify_fd, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
		IN_DELETE | IN_CREATE | IN_ONLYDIR);
}

static void on_inotify(oc_loop *loop, int fd, unsigned events, void *arg)
{
	(void)events;
	oc_daemon *d = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			if ((ev->mask & IN_ISDIR) && ev->len && strcmp(ev->name, "requests") == 0)
				watch_requests(d);
			/* Editors' temporary files do not count; rule files do. */
			if (!(ev->mask & IN_ISDIR) && ev->len && ev->name[0] != '.')
				changed = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (!changed)
		return;
	if (d->reload_timer && oc_loop_timer_rearm(loop, d->reload_timer, d->cfg.reload_debounce_ms) == 0)
		return;
	oc_loop_timer_add(loop, d->cfg.reload_debounce_ms, debounced_reload, d, &d->reload_timer);
}

int oc_daemon_watch_rules(oc_daemon *d)
{
	d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->inotify_fd < 0)
		return oc_error_os("cannot watch %s", d->cfg.rules_dir);
	if (inotify_add_watch(d->inotify_fd, d->cfg.rules_dir, IN_CLOSE_WRITE | IN_MOVED_TO |
		IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ONLYDIR) < 0) {
		int rc = oc_error_os("cannot watch %s", d->cfg.rules_dir);
		close(d->inotify_fd);
		d->inotify_fd = -1;
		return rc;
	}
	watch_requests(d);
	return oc_loop_add_fd(d->loop, d->inotify_fd, OC_LOOP_READ, on_inotify, d);
}

void oc_daemon_unwatch_rules(oc_daemon *d)
{
	if (d->reload_timer)
		oc_loop_timer_cancel(d->loop, d->reload_timer);
	d->reload_timer = 0;
	if (d->inotify_fd >= 0) {
		oc_loop_del_fd(d->loop, d->inotify_fd);
		close(d->inotify_fd);
		d->inotify_fd = -1;
	}
}
