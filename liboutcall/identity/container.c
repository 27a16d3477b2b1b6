/* Immutable container records: one allocation holding the strings. */
#include <outcall/identity.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "identity/names.h"

struct oc_container {
	atomic_int refs;
	char *name, *agent, *network, *veth, *netns, *id, *image;
	struct in_addr ip;
	uint8_t mac[6];
	int ifindex;
	int64_t attached_at;
	uint64_t netns_dev, netns_ino;
	oc_kv *labels;
	size_t nlabels;
};

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

void oc_container_unref(oc_container *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	for (size_t i = 0; i < c->nlabels; i++) {
		free((char *)c->labels[i].key);
		free((char *)c->labels[i].value);
	}
	free(c->labels);
	free(c->name);
	free(c->agent);
	free(c->network);
	free(c->veth);
	free(c->netns);
	free(c->id);
	free(c->image);
	free(c);
}

oc_container *oc_container_ref(oc_container *c)
{
	if (c)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

static int copy_labels(oc_container *c, oc_map labels)
{
	if (!labels.count)
		return 0;
	c->labels = calloc(labels.count, sizeof(*c->labels));
	if (!c->labels)
		return oc_error_nomem();
	for (size_t i = 0; i < labels.count; i++) {
		c->labels[i].key = dup_or_empty(labels.items[i].key);
		c->labels[i].value = dup_or_empty(labels.items[i].value);
		c->nlabels++;
		if (!c->labels[i].key || !c->labels[i].value)
			return oc_error_nomem();
	}
	return 0;
}

int oc_container_new(const oc_container_spec *spec, oc_container **out)
{
	*out = NULL;
	if (!spec || !oc_name_valid(spec->name))
		return oc_error_set(OC_EINVAL, "container name '%s' must be 1 to 64 characters of "
			"[A-Za-z0-9._-]", spec && spec->name ? spec->name : "(null)");
	if (!spec->network || !spec->network[0])
		return oc_error_set(OC_EINVAL, "container '%s' has no network", spec->name);
	if (spec->labels.count > OC_CONTAINER_MAX_LABELS)
		return oc_error_set(OC_ELIMIT, "container '%s' has %zu labels, more than the %d a "
			"record keeps", spec->name, spec->labels.count, OC_CONTAINER_MAX_LABELS);
	oc_container *c = calloc(1, sizeof(*c));
	if (!c)
		return oc_error_nomem();
	atomic_init(&c->refs, 1);
	char agent[OC_NAME_MAX];
	oc_agent_name(spec->name, agent, sizeof(agent));
	c->name = strdup(spec->name);
	c->agent = strdup(agent);
	c->network = strdup(spec->network);
	c->veth = dup_or_empty(spec->veth);
	c->netns = dup_or_empty(spec->netns);
	c->id = dup_or_empty(spec->container_id);
	c->image = dup_or_empty(spec->image);
	c->ip = spec->ip;
	memcpy(c->mac, spec->mac, 6);
	c->ifindex = spec->ifindex;
	c->attached_at = spec->attached_at;
	c->netns_dev = spec->netns_dev;
	c->netns_ino = spec->netns_ino;
	int rc = copy_labels(c, spec->labels);
	if (!rc && !(c->name && c->agent && c->network && c->veth && c->netns && c->id && c->image))
		rc = oc_error_nomem();
	if (rc) {
		oc_container_unref(c);
		return rc;
	}
	*out = c;
	return 0;
}

int oc_agent_name(const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	size_t end = n;
	while (end > 0 && name[end - 1] >= '0' && name[end - 1] <= '9')
		end--;
	/* strip "-<digits>" only when there are digits and something before the dash */
	if (end < n && end >= 2 && name[end - 1] == '-')
		n = end - 1;
	if (n >= size)
		return oc_error_set(OC_ELIMIT, "agent name of '%s' does not fit %zu bytes", name, size);
	memcpy(out, name, n);
	out[n] = '\0';
	return (int)n;
}

const char *oc_container_name(const oc_container *c) { return c->name; }
const char *oc_container_agent_name(const oc_container *c) { return c->agent; }
const char *oc_container_network(const oc_container *c) { return c->network; }
struct in_addr oc_container_ip(const oc_container *c) { return c->ip; }
const uint8_t *oc_container_mac(const oc_container *c) { return c->mac; }
const char *oc_container_veth(const oc_container *c) { return c->veth; }
int oc_container_ifindex(const oc_container *c) { return c->ifindex; }
const char *oc_container_netns(const oc_container *c) { return c->netns; }
uint64_t oc_container_netns_dev(const oc_container *c) { return c->netns_dev; }
uint64_t oc_container_netns_ino(const oc_container *c) { return c->netns_ino; }
const char *oc_container_id(const oc_container *c) { return c->id; }
const char *oc_container_image(const oc_container *c) { return c->image; }
int64_t oc_container_attached_at(const oc_container *c) { return c->attached_at; }

oc_map oc_container_labels(const oc_container *c)
{
	oc_map m = { c->labels, c->nlabels };
	return m;
}
