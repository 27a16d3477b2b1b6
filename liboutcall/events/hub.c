/* The events hub (events.h): ring, decision log file, subscribers and
 * counters behind one mutex. */
#include <outcall/events.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/version.h"
#include "core/error.h"
#include "core/random.h"

/* A ring slot owns truncated copies of the event's strings. */
struct slot {
	uint64_t seq;
	oc_event ev;
	char agent[64], container[96], peer[64], host[256], method[24];
	char path[256], outcome[16], rule[132], reason[128], dns_type[16];
};

struct sub {
	uint64_t handle;
	oc_event_fn fn;
	void *arg;
};

struct rule_count {
	char *rule;
	uint64_t hits;
};

#define MAX_RULE_COUNTS 65536

/* Rule ids come from the operator's rule files: FNV-1a is enough, and a
 * counter is never evicted, which core/lru.h tables do. */
static size_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (size_t)h;
}

struct oc_events {
	pthread_mutex_t lock;
	struct slot *ring;
	size_t size;
	uint64_t seq;             /* last sequence number written */
	uint64_t next_id;
	oc_events_stats stats;
	struct sub *subs;
	size_t nsubs;
	uint64_t next_handle;
	struct rule_count *rules; /* open addressing on the rule id */
	size_t rules_cap, nrules;
	uint64_t other_rule_hits;
	pthread_mutex_t file_lock;
	int fd;
	char *path;
	uint64_t log_size;        /* bytes in the file, as far as this hub knows */
	uint64_t log_max;         /* rotate at this size; 0: never */
	unsigned log_keep;        /* rotated files kept: path.1 .. path.N */
	char *json;               /* serialisation buffer, under file_lock */
	size_t json_cap;
};

static const char *const layer_names[] = { "dns", "http", "tls", "agent", "kernel", "requests",
	"rules", NULL };
static const char *const verdict_names[] = { "allow", "block", "refused", NULL };

const char *const *oc_events_stat_layers(void) { return layer_names; }
const char *const *oc_events_stat_verdicts(void) { return verdict_names; }

/* by_layer_verdict's indexes: the names above follow the enums' order from
 * their first value, so an event's counter is found without comparing
 * text on every emit; anything else counts under "other". */
static int stat_layer(oc_event_layer l)
{
	return l >= OC_EVENT_LAYER_DNS && l <= OC_EVENT_LAYER_RULES ? (int)l - OC_EVENT_LAYER_DNS : 7;
}

static int stat_verdict(oc_event_verdict v)
{
	return v >= OC_EVENT_VERDICT_ALLOW && v <= OC_EVENT_VERDICT_REFUSED ?
		(int)v - OC_EVENT_VERDICT_ALLOW : 3;
}

void oc_event_init(oc_event *ev, oc_event_kind kind, oc_event_layer layer)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->layer = layer;
	ev->dns_rcode = -1;
}

int oc_events_new(size_t ring_size, oc_events **out)
{
	oc_events *h = calloc(1, sizeof(*h));
	if (!h)
		return oc_error_nomem();
	h->size = ring_size ? ring_size : 4096;
	h->ring = calloc(h->size, sizeof(*h->ring));
	if (!h->ring) {
		free(h);
		return oc_error_nomem();
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->file_lock, NULL);
	h->fd = -1;
	/* A random base keeps ids of separate runs apart; the low 32 bits
	 * count. A failing getrandom leaves the base at 0, which is only less
	 * unique. */
	uint64_t base = 0;
	oc_random_bytes(&base, sizeof(base));
	h->next_id = base & ~0xffffffffull;
	*out = h;
	return 0;
}

void oc_events_free(oc_events *h)
{
	if (!h)
		return;
	if (h->fd >= 0)
		close(h->fd);
	for (size_t i = 0; i < h->rules_cap; i++)
		free(h->rules[i].rule);
	free(h->rules);
	free(h->subs);
	free(h->ring);
	free(h->path);
	free(h->json);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->file_lock);
	free(h);
}

static int open_log(const char *path, uint64_t *size)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat st;
	if (fd < 0)
		oc_error_os("cannot open decision log %s", path);
	else
		*size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return fd;
}

void oc_events_set_log_rotation(oc_events *h, uint64_t max_bytes, unsigned keep)
{
	pthread_mutex_lock(&h->file_lock);
	h->log_max = max_bytes;
	h->log_keep = keep;
	pthread_mutex_unlock(&h->file_lock);
}

/* Under file_lock: path.N-1 -> path.N ... path -> path.1, then a new
 * path; with keep 0 the file is emptied instead. The oldest goes. A
 * failure is counted and writing goes on to the old file, so decisions
 * are never lost to a rename that failed. */
static void rotate(oc_events *h)
{
	size_t n = strlen(h->path) + 16;
	char *from = malloc(n), *to = malloc(n);
	bool ok = from && to;
	for (unsigned i = h->log_keep; ok && i > 1; i--) {
		snprintf(from, n, "%s.%u", h->path, i - 1);
		snprintf(to, n, "%s.%u", h->path, i);
		if (rename(from, to) != 0 && errno != ENOENT)
			ok = false;
	}
	if (ok && h->log_keep) {
		snprintf(to, n, "%s.1", h->path);
		ok = rename(h->path, to) == 0;
	}
	free(from);
	free(to);
	uint64_t size = 0;
	int fd = -1;
	if (ok && h->log_keep)
		fd = open_log(h->path, &size);
	else if (ok)
		ok = ftruncate(h->fd, 0) == 0;
	if (fd >= 0) {
		close(h->fd);
		h->fd = fd;
	}
	if (!ok || (h->log_keep && fd < 0)) {
		h->stats.log_rotate_errors++;
		return;
	}
	h->log_size = size;
	h->stats.log_rotations++;
}

int oc_events_set_log_file(oc_events *h, const char *path)
{
	int fd = -1;
	uint64_t size = 0;
	char *copy = NULL;
	if (path) {
		if (!(copy = strdup(path)))
			return oc_error_nomem();
		if ((fd = open_log(path, &size)) < 0) {
			free(copy);
			return OC_EOS;
		}
	}
	pthread_mutex_lock(&h->file_lock);
	if (h->fd >= 0)
		close(h->fd);
	free(h->path);
	h->fd = fd;
	h->path = copy;
	h->log_size = size;
	pthread_mutex_unlock(&h->file_lock);
	return 0;
}

int oc_events_reopen(oc_events *h)
{
	pthread_mutex_lock(&h->file_lock);
	int rc = 0;
	if (h->path) {
		uint64_t size = 0;
		int fd = open_log(h->path, &size);
		if (fd < 0) {
			rc = OC_EOS;
		} else {
			if (h->fd >= 0)
				close(h->fd);
			h->fd = fd;
			h->log_size = size;
		}
	}
	pthread_mutex_unlock(&h->file_lock);
	return rc;
}

uint64_t oc_events_next_id(oc_events *h)
{
	return __atomic_add_fetch(&h->next_id, 1, __ATOMIC_RELAXED);
}

static const char *keep(char *dst, size_t cap, const char *src)
{
	if (!src)
		return NULL;
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return dst;
}

static void count_rule(oc_events *h, const char *rule)
{
	if (h->nrules * 2 >= h->rules_cap) {
		if (h->rules_cap >= MAX_RULE_COUNTS * 2) {
			/* fall through to the lookup; new ids go to "other" */
		} else {
			size_t cap = h->rules_cap ? h->rules_cap * 2 : 64;
			struct rule_count *t = calloc(cap, sizeof(*t));
			if (!t) {
				h->other_rule_hits++;
				return;
			}
			for (size_t i = 0; i < h->rules_cap; i++) {
				if (!h->rules[i].rule)
					continue;
				size_t j = hash_str(h->rules[i].rule) & (cap - 1);
				while (t[j].rule)
					j = (j + 1) & (cap - 1);
				t[j] = h->rules[i];
			}
			free(h->rules);
			h->rules = t;
			h->rules_cap = cap;
		}
	}
	size_t j = hash_str(rule) & (h->rules_cap - 1);
	while (h->rules[j].rule) {
		if (strcmp(h->rules[j].rule, rule) == 0) {
			h->rules[j].hits++;
			return;
		}
		j = (j + 1) & (h->rules_cap - 1);
	}
	if (h->nrules >= MAX_RULE_COUNTS || !(h->rules[j].rule = strdup(rule))) {
		h->other_rule_hits++;
		return;
	}
	h->rules[j].hits = 1;
	h->nrules++;
}

static void write_log(oc_events *h, const oc_event *ev)
{
	pthread_mutex_lock(&h->file_lock);
	if (h->fd >= 0) {
		size_t len = 0;
		if (oc_event_to_json(ev, &h->json, &len, &h->json_cap) == 0) {
			h->json[len++] = '\n';
			ssize_t w;
			do
				w = write(h->fd, h->json, len);
			while (w < 0 && errno == EINTR);
			if (w != (ssize_t)len)
				__atomic_add_fetch(&h->stats.log_write_errors, 1, __ATOMIC_RELAXED);
			/* Half a line (the disk filled up in the middle) would glue
			 * itself to the next line written: cut it off again. */
			struct stat st;
			if (w > 0 && w < (ssize_t)len && fstat(h->fd, &st) == 0 && st.st_size >= w &&
			    ftruncate(h->fd, st.st_size - w) == 0)
				w = 0;
			if (w > 0)
				h->log_size += (uint64_t)w;
			if (h->log_max && h->log_size >= h->log_max)
				rotate(h);
		}
	}
	pthread_mutex_unlock(&h->file_lock);
}

uint64_t oc_events_emit(oc_events *h, const oc_event *in)
{
	oc_event ev = *in;
	if (!ev.id)
		ev.id = oc_events_next_id(h);
	if (!ev.time_us) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ev.time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	pthread_mutex_lock(&h->lock);
	h->seq++;
	struct slot *s = &h->ring[h->seq % h->size];
	if (s->seq)
		h->stats.dropped_from_ring++;
	s->seq = h->seq;
	s->ev = ev;
	s->ev.agent = keep(s->agent, sizeof(s->agent), ev.agent);
	s->ev.container = keep(s->container, sizeof(s->container), ev.container);
	s->ev.peer = keep(s->peer, sizeof(s->peer), ev.peer);
	s->ev.host = keep(s->host, sizeof(s->host), ev.host);
	s->ev.method = keep(s->method, sizeof(s->method), ev.method);
	s->ev.path = keep(s->path, sizeof(s->path), ev.path);
	s->ev.outcome = keep(s->outcome, sizeof(s->outcome), ev.outcome);
	s->ev.rule = keep(s->rule, sizeof(s->rule), ev.rule);
	s->ev.reason = keep(s->reason, sizeof(s->reason), ev.reason);
	s->ev.dns_type = keep(s->dns_type, sizeof(s->dns_type), ev.dns_type);
	h->stats.emitted++;
	if (ev.kind == OC_EVENT_DECISION) {
		h->stats.by_layer_verdict[stat_layer(ev.layer)][stat_verdict(ev.verdict)]++;
		if (ev.rule)
			count_rule(h, ev.rule);
	}
	/* Subscribers run without the lock; copy the list (it is short). */
	struct sub subs[16];
	size_t nsubs = h->nsubs < 16 ? h->nsubs : 16;
	if (nsubs)
		memcpy(subs, h->subs, nsubs * sizeof(*subs));
	pthread_mutex_unlock(&h->lock);

	write_log(h, &ev);
	for (size_t i = 0; i < nsubs; i++)
		subs[i].fn(&ev, subs[i].arg);
	return ev.id;
}

uint64_t oc_events_subscribe(oc_events *h, oc_event_fn fn, void *arg)
{
	pthread_mutex_lock(&h->lock);
	uint64_t handle = 0;
	if (h->nsubs < 16) {
		struct sub *grown = realloc(h->subs, (h->nsubs + 1) * sizeof(*grown));
		if (grown) {
			h->subs = grown;
			handle = ++h->next_handle;
			h->subs[h->nsubs++] = (struct sub){ handle, fn, arg };
		}
	}
	pthread_mutex_unlock(&h->lock);
	if (!handle)
		oc_error_set(OC_ELIMIT, "cannot subscribe to events: at most 16 subscribers");
	return handle;
}

void oc_events_unsubscribe(oc_events *h, uint64_t handle)
{
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < h->nsubs; i++) {
		if (h->subs[i].handle == handle) {
			h->subs[i] = h->subs[--h->nsubs];
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
}

static bool passes(const oc_event *ev, const oc_event_filter *f)
{
	if (!f)
		return true;
	if (f->kind >= 0 && (int)ev->kind != f->kind)
		return false;
	if (f->agent && (!ev->agent || strcmp(f->agent, ev->agent) != 0))
		return false;
	if (f->layer && ev->layer != f->layer)
		return false;
	const char *verdict = oc_event_verdict_text(ev);
	if (f->verdict && (!verdict || strcmp(f->verdict, verdict) != 0))
		return false;
	return true;
}

uint64_t oc_events_read(oc_events *h, uint64_t after, const oc_event_filter *filter, size_t max,
	oc_event_fn fn, void *arg)
{
	/* Copy matching slots out under the lock, call fn without it. */
	pthread_mutex_lock(&h->lock);
	uint64_t first = h->seq >= h->size ? h->seq - h->size + 1 : 1;
	if (after + 1 > first)
		first = after + 1;
	uint64_t last = after;
	size_t n = 0;
	struct slot *copy = NULL;
	size_t want = max && max < h->size ? max : h->size;
	if (first <= h->seq)
		copy = malloc(want * sizeof(*copy));
	for (uint64_t s = first; copy && s <= h->seq && n < want; s++) {
		const struct slot *sl = &h->ring[s % h->size];
		last = s;
		if (!passes(&sl->ev, filter))
			continue;
		copy[n] = *sl;
		n++;
	}
	pthread_mutex_unlock(&h->lock);
	for (size_t i = 0; i < n; i++) {
		/* Re-point the strings at the copy. */
		struct slot *c = &copy[i];
		c->ev.agent = c->ev.agent ? c->agent : NULL;
		c->ev.container = c->ev.container ? c->container : NULL;
		c->ev.peer = c->ev.peer ? c->peer : NULL;
		c->ev.host = c->ev.host ? c->host : NULL;
		c->ev.method = c->ev.method ? c->method : NULL;
		c->ev.path = c->ev.path ? c->path : NULL;
		c->ev.outcome = c->ev.outcome ? c->outcome : NULL;
		c->ev.rule = c->ev.rule ? c->rule : NULL;
		c->ev.reason = c->ev.reason ? c->reason : NULL;
		c->ev.dns_type = c->ev.dns_type ? c->dns_type : NULL;
		fn(&c->ev, arg);
	}
	free(copy);
	return last;
}

OC_DEFINE_STRUCT_INIT(oc_events_stats, OC_EVENTS_STATS)

int oc_events_get_stats(oc_events *h, oc_events_stats *out)
{
	int rc = oc_struct_version_check(out->version, OC_EVENTS_STATS_VERSION, "oc_events_stats");
	if (rc)
		return rc;
	pthread_mutex_lock(&h->lock);
	*out = h->stats;
	pthread_mutex_unlock(&h->lock);
	out->version = OC_EVENTS_STATS_VERSION;
	out->log_write_errors = __atomic_load_n(&h->stats.log_write_errors, __ATOMIC_RELAXED);
	pthread_mutex_lock(&h->file_lock);
	out->log_rotations = h->stats.log_rotations;
	out->log_rotate_errors = h->stats.log_rotate_errors;
	pthread_mutex_unlock(&h->file_lock);
	return 0;
}

void oc_events_rule_hits(oc_events *h, void (*fn)(const char *, uint64_t, void *), void *arg)
{
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < h->rules_cap; i++)
		if (h->rules[i].rule)
			fn(h->rules[i].rule, h->rules[i].hits, arg);
	if (h->other_rule_hits)
		fn("other", h->other_rule_hits, arg);
	pthread_mutex_unlock(&h->lock);
}
