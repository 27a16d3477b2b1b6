/* The registry: two arrays of references, one sorted by IP and one by
 * name, searched by bisection, behind a read-write lock. */
#include <outcall/identity.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/grow.h"
#include "identity/registry.h"
#include "identity/lockdown.h"

struct oc_registry {
	pthread_rwlock_t lock;
	oc_container **by_ip;    /* ascending IP (host order) */
	oc_container **by_name;  /* ascending name */
	size_t n, cap;
	struct oc_lock *locks;   /* lockdowns (identity/lockdown.h) */
	size_t nlocks;
};

static uint32_t ip_of(const oc_container *c)
{
	return ntohl(oc_container_ip(c).s_addr);
}

/* Index of the first element not less than the key. */
static size_t find_ip(const oc_registry *r, uint32_t ip)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ip_of(r->by_ip[mid]) < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t find_name(const oc_registry *r, const char *name)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(oc_container_name(r->by_name[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool has_ip(const oc_registry *r, size_t i, uint32_t ip)
{
	return i < r->n && ip_of(r->by_ip[i]) == ip;
}

static bool has_name(const oc_registry *r, size_t i, const char *name)
{
	return i < r->n && strcmp(oc_container_name(r->by_name[i]), name) == 0;
}

static void insert_at(oc_container **a, size_t n, size_t i, oc_container *c)
{
	memmove(a + i + 1, a + i, (n - i) * sizeof(*a));
	a[i] = c;
}

static void remove_at(oc_container **a, size_t n, size_t i)
{
	memmove(a + i, a + i + 1, (n - i - 1) * sizeof(*a));
}

int oc_registry_new(oc_registry **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return oc_error_nomem();
	pthread_rwlock_init(&(*out)->lock, NULL);
	return 0;
}

void oc_registry_free(oc_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		oc_container_unref(r->by_ip[i]);
	free(r->by_ip);
	free(r->by_name);
	free(r->locks);
	pthread_rwlock_destroy(&r->lock);
	free(r);
}

static int reserve(oc_registry *r)
{
	/* two arrays, one capacity: it moves only once both have grown */
	size_t cap = r->cap;
	oc_container **a = oc_grow(r->by_ip, &cap, r->n + 1, sizeof(*a));
	if (!a)
		return OC_ENOMEM;
	r->by_ip = a;
	cap = r->cap;
	oc_container **b = oc_grow(r->by_name, &cap, r->n + 1, sizeof(*b));
	if (!b)
		return OC_ENOMEM;
	r->by_name = b;
	r->cap = cap;
	return 0;
}

/* Removes the record at by_name[i] from both arrays; returns it. */
static oc_container *take(oc_registry *r, size_t i)
{
	oc_container *c = r->by_name[i];
	remove_at(r->by_name, r->n, i);
	size_t j = find_ip(r, ip_of(c));
	while (r->by_ip[j] != c)
		j++;
	remove_at(r->by_ip, r->n, j);
	r->n--;
	return c;
}

int oc_registry_put(oc_registry *r, oc_container *c)
{
	char buf[INET_ADDRSTRLEN];
	uint32_t ip = ip_of(c);
	oc_container *old = NULL;
	pthread_rwlock_wrlock(&r->lock);
	int rc = 0;
	size_t i = find_ip(r, ip);
	if (has_ip(r, i, ip) && strcmp(oc_container_name(r->by_ip[i]), oc_container_name(c)) != 0) {
		struct in_addr a = oc_container_ip(c);
		rc = oc_error_set(OC_EEXIST, "container '%s' cannot have %s: container '%s' has it",
			oc_container_name(c), inet_ntop(AF_INET, &a, buf, sizeof(buf)),
			oc_container_name(r->by_ip[i]));
		goto out;
	}
	if ((rc = reserve(r)))
		goto out;
	size_t k = find_name(r, oc_container_name(c));
	old = has_name(r, k, oc_container_name(c)) ? take(r, k) : NULL;
	oc_container_ref(c);
	insert_at(r->by_ip, r->n, find_ip(r, ip_of(c)), c);
	insert_at(r->by_name, r->n, find_name(r, oc_container_name(c)), c);
	r->n++;
out:
	pthread_rwlock_unlock(&r->lock);
	oc_container_unref(old);
	return rc;
}

int oc_registry_remove(oc_registry *r, const char *name)
{
	pthread_rwlock_wrlock(&r->lock);
	size_t i = find_name(r, name);
	oc_container *c = has_name(r, i, name) ? take(r, i) : NULL;
	pthread_rwlock_unlock(&r->lock);
	if (!c)
		return oc_error_set(OC_ENOTFOUND, "no container named '%s' is registered", name);
	oc_container_unref(c);
	return 0;
}

oc_container *oc_registry_by_ip(oc_registry *r, struct in_addr ip)
{
	uint32_t h = ntohl(ip.s_addr);
	pthread_rwlock_rdlock(&r->lock);
	size_t i = find_ip(r, h);
	oc_container *c = has_ip(r, i, h) ? oc_container_ref(r->by_ip[i]) : NULL;
	pthread_rwlock_unlock(&r->lock);
	return c;
}

oc_container *oc_registry_by_name(oc_registry *r, const char *name)
{
	pthread_rwlock_rdlock(&r->lock);
	size_t i = find_name(r, name);
	oc_container *c = has_name(r, i, name) ? oc_container_ref(r->by_name[i]) : NULL;
	pthread_rwlock_unlock(&r->lock);
	return c;
}

size_t oc_registry_count(oc_registry *r)
{
	pthread_rwlock_rdlock(&r->lock);
	size_t n = r->n;
	pthread_rwlock_unlock(&r->lock);
	return n;
}

int oc_registry_snapshot(oc_registry *r, oc_container ***out, size_t *n)
{
	pthread_rwlock_rdlock(&r->lock);
	*n = r->n;
	*out = malloc((r->n ? r->n : 1) * sizeof(**out));
	if (*out)
		for (size_t i = 0; i < r->n; i++)
			(*out)[i] = oc_container_ref(r->by_ip[i]);
	pthread_rwlock_unlock(&r->lock);
	return *out ? 0 : oc_error_nomem();
}

void oc_containers_release(oc_container **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		oc_container_unref(list[i]);
	free(list);
}

struct oc_container_list {
	oc_container **items;
	size_t n;
};

int oc_registry_list(oc_registry *r, oc_container_list **out)
{
	oc_container_list *l = calloc(1, sizeof(*l));
	if (!l)
		return oc_error_nomem();
	int rc = oc_registry_snapshot(r, &l->items, &l->n);
	if (rc) {
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

size_t oc_container_list_count(const oc_container_list *l)
{
	return l->n;
}

oc_container *oc_container_list_get(const oc_container_list *l, size_t i)
{
	return i < l->n ? l->items[i] : NULL;
}

void oc_container_list_free(oc_container_list *l)
{
	if (!l)
		return;
	oc_containers_release(l->items, l->n);
	free(l);
}

static bool covers(const struct oc_lock *l, const char *agent, const char *network)
{
	switch (l->scope) {
	case OC_LOCK_AGENT:
		return strcmp(l->name, agent) == 0;
	case OC_LOCK_NETWORK:
		return strcmp(l->name, network) == 0;
	case OC_LOCK_ALL:
		return true;
	}
	return true; /* an unknown scope locks rather than lets through */
}

int oc_registry_set_locks(oc_registry *r, const struct oc_lock *locks, size_t n)
{
	struct oc_lock *copy = NULL;
	if (n && !(copy = malloc(n * sizeof(*copy))))
		return oc_error_nomem();
	if (n)
		memcpy(copy, locks, n * sizeof(*copy));
	pthread_rwlock_wrlock(&r->lock);
	struct oc_lock *old = r->locks;
	r->locks = copy;
	r->nlocks = n;
	pthread_rwlock_unlock(&r->lock);
	free(old);
	return 0;
}

static bool first_lock(oc_registry *r, const char *agent, const char *network,
	struct oc_lock *out)
{
	bool locked = false;
	pthread_rwlock_rdlock(&r->lock);
	for (size_t i = 0; !locked && i < r->nlocks; i++) {
		if (!covers(&r->locks[i], agent, network))
			continue;
		locked = true;
		if (out)
			*out = r->locks[i];
	}
	pthread_rwlock_unlock(&r->lock);
	return locked;
}

bool oc_registry_locked(oc_registry *r, const oc_container *c, struct oc_lock *out)
{
	return first_lock(r, oc_container_agent_name(c), oc_container_network(c), out);
}

bool oc_registry_would_lock(oc_registry *r, const char *agent, const char *network)
{
	return first_lock(r, agent, network, NULL);
}
