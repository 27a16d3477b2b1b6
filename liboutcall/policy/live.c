/* The live rule set (policy.h). A mutex, not a lock-free scheme: it is held
 * for a pointer copy and a reference increment, which costs tens of
 * nanoseconds uncontended, and it keeps acquire-vs-publish obviously
 * correct (no reader can see a set after its last reference is dropped). */
#include <outcall/policy.h>

#include <pthread.h>
#include <stdlib.h>

#include "core/error.h"

struct oc_live {
	pthread_mutex_t lock;
	oc_ruleset *rs;
	uint64_t generation;
};

int oc_live_new(oc_live **out)
{
	oc_live *l = calloc(1, sizeof(*l));
	if (!l)
		return oc_error_nomem();
	pthread_mutex_init(&l->lock, NULL);
	*out = l;
	return 0;
}

void oc_live_free(oc_live *l)
{
	if (!l)
		return;
	oc_ruleset_unref(l->rs);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

uint64_t oc_live_publish(oc_live *l, oc_ruleset *rs)
{
	oc_ruleset_ref(rs);
	pthread_mutex_lock(&l->lock);
	oc_ruleset *old = l->rs;
	l->rs = rs;
	uint64_t g = ++l->generation;
	pthread_mutex_unlock(&l->lock);
	oc_ruleset_unref(old);
	return g;
}

oc_ruleset *oc_live_acquire(oc_live *l, uint64_t *generation)
{
	pthread_mutex_lock(&l->lock);
	oc_ruleset *rs = oc_ruleset_ref(l->rs);
	if (generation)
		*generation = l->generation;
	pthread_mutex_unlock(&l->lock);
	return rs;
}

uint64_t oc_live_generation(oc_live *l)
{
	pthread_mutex_lock(&l->lock);
	uint64_t g = l->generation;
	pthread_mutex_unlock(&l->lock);
	return g;
}
