#include "state/state.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <outcall/identity.h>

#include "core/atomicfile.h"
#include "core/error.h"

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int oc_state_add_network(oc_state *st, const char *name, int index)
{
	oc_state_network *g = realloc(st->networks, (st->nnetworks + 1) * sizeof(*g));
	if (!g)
		return oc_error_nomem();
	st->networks = g;
	if (!(g[st->nnetworks].name = strdup(name)))
		return oc_error_nomem();
	g[st->nnetworks++].index = index;
	return 0;
}

int oc_state_add_container(oc_state *st, const oc_state_container *c)
{
	oc_state_container *g = realloc(st->containers, (st->ncontainers + 1) * sizeof(*g));
	if (!g)
		return oc_error_nomem();
	st->containers = g;
	oc_state_container *d = &g[st->ncontainers];
	memset(d, 0, sizeof(*d));
	st->ncontainers++;
	d->name = dup_or_empty(c->name);
	d->network = dup_or_empty(c->network);
	d->ip = dup_or_empty(c->ip);
	d->mac = dup_or_empty(c->mac);
	d->veth = dup_or_empty(c->veth);
	d->netns = dup_or_empty(c->netns);
	d->container_id = dup_or_empty(c->container_id);
	d->image = dup_or_empty(c->image);
	d->attached_at = c->attached_at;
	d->netns_dev = c->netns_dev;
	d->netns_ino = c->netns_ino;
	if (!d->name || !d->network || !d->ip || !d->mac || !d->veth || !d->netns ||
	    !d->container_id || !d->image)
		return oc_error_nomem();
	if (c->nlabels) {
		if (!(d->labels = calloc(c->nlabels, sizeof(*d->labels))))
			return oc_error_nomem();
		for (size_t i = 0; i < c->nlabels; i++, d->nlabels++) {
			d->labels[i].key = strdup(c->labels[i].key);
			d->labels[i].value = strdup(c->labels[i].value);
			if (!d->labels[i].key || !d->labels[i].value) {
				d->nlabels++;
				return oc_error_nomem();
			}
		}
	}
	return 0;
}

void oc_state_free(oc_state *st)
{
	for (size_t i = 0; i < st->nnetworks; i++)
		free(st->networks[i].name);
	free(st->networks);
	for (size_t i = 0; i < st->ncontainers; i++) {
		oc_state_container *c = &st->containers[i];
		free(c->name);
		free(c->network);
		free(c->ip);
		free(c->mac);
		free(c->veth);
		free(c->netns);
		free(c->container_id);
		free(c->image);
		for (size_t j = 0; j < c->nlabels; j++) {
			free(c->labels[j].key);
			free(c->labels[j].value);
		}
		free(c->labels);
	}
	free(st->containers);
	for (size_t i = 0; i < st->nwarnings; i++)
		free(st->warnings[i]);
	free(st->warnings);
	memset(st, 0, sizeof(*st));
}

int oc_state_save(const char *path, const oc_state *st)
{
	json_t *nets = json_array(), *cons = json_array();
	for (size_t i = 0; i < st->nnetworks; i++)
		json_array_append_new(nets, json_pack("{s:s, s:i}", "name", st->networks[i].name,
			"index", st->networks[i].index));
	for (size_t i = 0; i < st->ncontainers; i++) {
		const oc_state_container *c = &st->containers[i];
		json_t *labels = json_object();
		for (size_t j = 0; j < c->nlabels; j++)
			json_object_set_new(labels, c->labels[j].key, json_string(c->labels[j].value));
		json_array_append_new(cons, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, "
			"s:I, s:I}", "name", c->name, "network", c->network, "ip", c->ip, "mac", c->mac,
			"veth", c->veth, "netns", c->netns, "container_id", c->container_id,
			"image", c->image, "labels", labels, "attached_at", (json_int_t)c->attached_at,
			"netns_dev", (json_int_t)c->netns_dev, "netns_ino", (json_int_t)c->netns_ino));
	}
	json_t *root = json_pack("{s:i, s:o, s:o}", "version", OC_STATE_VERSION, "networks", nets,
		"containers", cons);
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	if (!text)
		return oc_error_nomem();
	int rc = oc_file_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

static int corrupt(const char *path, const char *what)
{
	return oc_error_set(OC_ECORRUPT, "state file %s is corrupt (%s); outcalld will not guess "
		"which containers exist. Inspect it, or move it aside with `outcalld --reset-state` "
		"and re-attach the containers", path, what);
}

static int warn(oc_state *st, const char *fmt, ...) OC_PRINTF(2, 3);
static int warn(oc_state *st, const char *fmt, ...)
{
	char **g = realloc(st->warnings, (st->nwarnings + 1) * sizeof(*g));
	if (!g)
		return oc_error_nomem();
	st->warnings = g;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&g[st->nwarnings], fmt, ap);
	va_end(ap);
	if (n < 0)
		return oc_error_nomem();
	st->nwarnings++;
	return 0;
}

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int oc_state_load(const char *path, oc_state *out)
{
	memset(out, 0, sizeof(*out));
	json_error_t err;
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return oc_error_os("cannot read state file %s", path);
	}
	json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	if (!root) {
		char what[300];
		snprintf(what, sizeof(what), "line %d: %s", err.line, err.text);
		return corrupt(path, what);
	}
	int rc = 0;
	json_t *ver = json_object_get(root, "version");
	json_t *nets = json_object_get(root, "networks");
	json_t *cons = json_object_get(root, "containers");
	if (!json_is_integer(ver)) {
		rc = corrupt(path, "no version number");
	} else if (json_integer_value(ver) != OC_STATE_VERSION) {
		char what[128];
		snprintf(what, sizeof(what), "version %lld, this outcalld reads version %d",
			(long long)json_integer_value(ver), OC_STATE_VERSION);
		rc = corrupt(path, what);
	} else if (!json_is_array(nets) || !json_is_array(cons)) {
		rc = corrupt(path, "'networks' and 'containers' must be lists");
	}
	size_t i;
	json_t *v;
	json_array_foreach(rc ? NULL : nets, i, v) {
		json_t *idx = json_object_get(v, "index");
		const char *name = str_field(v, "name");
		if (!name || !json_is_integer(idx)) {
			rc = corrupt(path, "a network without name or index");
			break;
		}
		if ((rc = oc_state_add_network(out, name, (int)json_integer_value(idx))))
			break;
	}
	json_array_foreach(rc ? NULL : cons, i, v) {
		oc_state_container c = {
			.name = (char *)str_field(v, "name"), .network = (char *)str_field(v, "network"),
			.ip = (char *)str_field(v, "ip"), .mac = (char *)str_field(v, "mac"),
			.veth = (char *)str_field(v, "veth"), .netns = (char *)str_field(v, "netns"),
			.container_id = (char *)str_field(v, "container_id"),
			.image = (char *)str_field(v, "image"),
		};
		json_t *at = json_object_get(v, "attached_at");
		json_t *labels = json_object_get(v, "labels");
		if (!c.name || !c.network || !c.ip || !c.mac || !c.veth || !json_is_integer(at) ||
		    (labels && !json_is_object(labels))) {
			rc = warn(out, "state file %s: container record %zu (%.64s) lacks name, "
				"network, ip, mac, veth or attached_at, or its labels are no object: "
				"left out (the container keeps what the kernel tables know; attach it "
				"again for the rest)", path, i, c.name ? c.name : "no name");
			if (rc)
				break;
			continue;
		}
		c.attached_at = json_integer_value(at);
		/* absent in files of earlier versions: unknown, so the agent
		 * socket admits nobody until the container is attached again */
		c.netns_dev = (uint64_t)json_integer_value(json_object_get(v, "netns_dev"));
		c.netns_ino = (uint64_t)json_integer_value(json_object_get(v, "netns_ino"));
		oc_state_label lab[OC_CONTAINER_MAX_LABELS];
		size_t dropped = 0;
		const char *k;
		json_t *lv;
		json_object_foreach(labels, k, lv) {
			if (!json_is_string(lv) || c.nlabels == OC_CONTAINER_MAX_LABELS)
				dropped++;
			else
				lab[c.nlabels++] = (oc_state_label){ (char *)k,
					(char *)json_string_value(lv) };
		}
		c.labels = lab;
		if (dropped)
			rc = warn(out, "state file %s: container %.64s: %zu labels left out (a record "
				"keeps at most %d, all strings)", path, c.name, dropped,
				OC_CONTAINER_MAX_LABELS);
		if (rc || (rc = oc_state_add_container(out, &c)))
			break;
	}
	json_decref(root);
	if (rc)
		oc_state_free(out);
	return rc;
}
