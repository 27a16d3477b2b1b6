/* The request store's records: loading, saving, lookup, events. */
#include "requests/store_int.h"
#include "core/grow.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomicfile.h"
#include "core/buf.h"
#include "core/error.h"
#include "policy/files.h"
#include "requests/ask.h"

void oc_req_record_path(const oc_req_store *s, const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.json", s->records_dir, id);
}

void oc_req_rule_path(const oc_req_store *s, const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.yaml", s->rules_dir, id);
}

int oc_req_decision_texts(const char *reason, const char *by, char **why, char **who)
{
	*why = strdup(reason);
	*who = strdup(by ? by : "the operator");
	if (*why && *who)
		return 0;
	free(*why);
	free(*who);
	*why = *who = NULL;
	return oc_error_nomem();
}

int oc_req_store_persist(oc_req_store *s, const oc_req *r)
{
	json_t *j = oc_req_to_json(r);
	char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!text)
		return oc_error_nomem();
	char path[4096];
	oc_req_record_path(s, r->id, path, sizeof(path));
	int rc = oc_file_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

void oc_req_store_emit(oc_req_store *s, const oc_req *r, const char *id, const char *verdict,
	const char *reason)
{
	if (!s->cfg.events)
		return;
	char rule[32], peer[64];
	snprintf(rule, sizeof(rule), "req-%s", r ? r->id : id);
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_REQUEST, OC_EVENT_LAYER_REQUESTS);
	ev.outcome = verdict;
	ev.rule = rule;
	ev.reason = reason;
	if (r) {
		snprintf(peer, sizeof(peer), "pid=%d uid=%u gid=%u", (int)r->pid, (unsigned)r->uid,
			(unsigned)r->gid);
		ev.agent = r->agent;
		ev.container = r->container;
		ev.peer = peer;
		ev.host = r->ask.host;
		ev.port = r->ask.port;
		ev.method = r->ask.method;
		ev.path = r->ask.path_prefix;
	}
	oc_events_emit(s->cfg.events, &ev);
}

int oc_req_store_reload(oc_req_store *s)
{
	return s->cfg.reload ? s->cfg.reload(s->cfg.reload_arg) : 0;
}

oc_req *oc_req_store_get(oc_req_store *s, const char *id)
{
	if (!oc_req_id_valid(id))
		return NULL;
	for (size_t i = 0; i < s->nreqs; i++)
		if (strcmp(s->reqs[i]->id, id) == 0)
			return s->reqs[i];
	return NULL;
}

const oc_req *oc_req_store_find(oc_req_store *s, const char *id)
{
	return oc_req_store_get(s, id);
}

size_t oc_req_store_count(const oc_req_store *s)
{
	return s->nreqs;
}

const oc_req *oc_req_store_at(const oc_req_store *s, size_t i)
{
	return i < s->nreqs ? s->reqs[i] : NULL;
}

void oc_req_store_stats(const oc_req_store *s, oc_req_stats *out)
{
	*out = s->stats;
	out->pending = 0;
	for (size_t i = 0; i < s->nreqs; i++)
		out->pending += s->reqs[i]->status == OC_REQ_PENDING;
}

void oc_req_store_prune(oc_req_store *s, const oc_req *keep)
{
	size_t i = 0;
	while (s->nreqs > s->cfg.max_records && i < s->nreqs) {
		oc_req *r = s->reqs[i];
		if (r == keep || (r->status != OC_REQ_REJECTED && r->status != OC_REQ_EXPIRED &&
		    r->status != OC_REQ_REVOKED)) {
			i++;
			continue;
		}
		char path[4096];
		oc_req_record_path(s, r->id, path, sizeof(path));
		unlink(path);
		oc_req_free(r);
		memmove(&s->reqs[i], &s->reqs[i + 1], (s->nreqs - i - 1) * sizeof(*s->reqs));
		s->nreqs--;
	}
}

static int by_creation(const void *a, const void *b)
{
	const oc_req *x = *(oc_req *const *)a, *y = *(oc_req *const *)b;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	return strcmp(x->id, y->id);
}

int oc_req_store_add(oc_req_store *s, oc_req *r)
{
	oc_req **g = oc_grow(s->reqs, &s->cap, s->nreqs + 1, sizeof(*g));
	if (!g)
		return OC_ENOMEM;
	s->reqs = g;
	s->reqs[s->nreqs++] = r;
	return 0;
}

/* A record that cannot be read must not stop the daemon, nor vanish: it is
 * moved aside for the operator and reported. */
static void set_aside(oc_req_store *s, const char *path, const char *id)
{
	oc_buf aside = OC_BUF_INIT, reason = OC_BUF_INIT;
	oc_buf_printf(&reason, "unreadable request record moved to %s.corrupt: %s", path,
		oc_error_last()->message);
	if (oc_buf_printf(&aside, "%s.corrupt", path) == 0)
		rename(path, aside.data);
	oc_req_store_emit(s, NULL, id, "error", reason.data);
	oc_buf_free(&aside);
	oc_buf_free(&reason);
}

bool oc_req_file_id(const char *name, const char *suffix, char id[OC_REQ_ID_LEN + 1])
{
	snprintf(id, OC_REQ_ID_LEN + 1, "%.*s", OC_REQ_ID_LEN, name);
	return strlen(name) == OC_REQ_ID_LEN + strlen(suffix) &&
		strcmp(name + OC_REQ_ID_LEN, suffix) == 0 && oc_req_id_valid(id);
}

static int load_one(oc_req_store *s, const char *name)
{
	char id[OC_REQ_ID_LEN + 1], path[4096];
	if (!oc_req_file_id(name, ".json", id))
		return 0; /* not ours: temp files, .corrupt */
	oc_req_record_path(s, id, path, sizeof(path));
	char *text = NULL;
	size_t len;
	int rc = oc_file_read(path, MAX_RECORD_SIZE, &text, &len);
	if (rc == OC_ENOMEM)
		return rc;
	json_error_t err;
	json_t *j = rc ? NULL : json_loads(text, JSON_REJECT_DUPLICATES, &err);
	free(text);
	if (!rc && !j)
		rc = oc_error_set(OC_ECORRUPT, "%s:%d: %s", path, err.line, err.text);
	oc_req *r = NULL;
	if (!rc)
		rc = oc_req_from_json(j, path, &r);
	json_decref(j);
	if (!rc && (strcmp(r->id, id) != 0 || oc_req_ask_check(&r->ask) != 0))
		rc = oc_error_set(OC_ECORRUPT, "%s: id or ask does not hold up", path);
	if (!rc && (rc = oc_req_store_add(s, r)) == 0)
		return 0;
	oc_req_free(r);
	if (rc == OC_ENOMEM)
		return rc;
	set_aside(s, path, id);
	return 0;
}

static int load_records(oc_req_store *s)
{
	DIR *d = opendir(s->records_dir);
	if (!d)
		return oc_error_os("cannot read the request records in %s", s->records_dir);
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d)))
		rc = load_one(s, de->d_name);
	closedir(d);
	if (s->nreqs > 1)
		qsort(s->reqs, s->nreqs, sizeof(*s->reqs), by_creation);
	return rc;
}

static char *join(const char *dir, const char *sub)
{
	oc_buf b = OC_BUF_INIT;
	if (oc_buf_printf(&b, "%s/%s", dir, sub) != 0)
		return NULL;
	return oc_buf_steal(&b);
}

int oc_req_store_open(const oc_req_store_config *cfg, oc_req_store **out)
{
	if (!cfg->state_dir || !cfg->rules_dir || !cfg->loop || !cfg->max_pending ||
	    !cfg->max_pending_per_container)
		return oc_error_set(OC_EINVAL, "request store: state_dir, rules_dir, loop and the "
			"pending limits are required");
	oc_req_store *s = calloc(1, sizeof(*s));
	if (!s)
		return oc_error_nomem();
	s->cfg = *cfg;
	s->records_dir = join(cfg->state_dir, "requests");
	s->rules_dir = join(cfg->rules_dir, "requests");
	int rc = s->records_dir && s->rules_dir ? 0 : oc_error_nomem();
	if (!rc)
		rc = oc_mkdir_p(s->records_dir, 0700);
	if (!rc)
		rc = load_records(s);
	if (!rc)
		rc = oc_req_expiry_restore(s);
	if (rc) {
		oc_req_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void oc_req_store_free(oc_req_store *s)
{
	if (!s)
		return;
	oc_req_expiry_free(s);
	for (size_t i = 0; i < s->nreqs; i++)
		oc_req_free(s->reqs[i]);
	free(s->reqs);
	free(s->records_dir);
	free(s->rules_dir);
	free(s);
}
