/* Reading Docker's JSON answers into the public structs. */
#include "docker/client.h"

#include <stdio.h>
#include <stdlib.h>

void oc_docker_jcopy(json_t *o, const char *key, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(out, size, "%s", s ? s : "");
}

int oc_docker_jmap(json_t *o, oc_map *map, oc_kv **items)
{
	*map = (oc_map){ NULL, 0 };
	*items = NULL;
	size_t n = json_is_object(o) ? json_object_size(o) : 0;
	if (!n)
		return 0;
	oc_kv *kv = calloc(n, sizeof(*kv));
	if (!kv)
		return oc_error_nomem();
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		if (json_is_string(v))
			kv[i++] = (oc_kv){ k, json_string_value(v) };
	}
	*map = (oc_map){ kv, i };
	*items = kv;
	return 0;
}

static void objects_done(oc_docker *d, int rc, int status, json_t *answer, void *box)
{
	(void)d;
	(void)status;
	const struct oc_docker_box *b = box;
	const struct oc_docker_kind *k = b->kind;
	size_t n = b->inspected ? 1 : json_array_size(answer);
	char *array = NULL;
	oc_kv **items = NULL;
	if (!rc && !b->inspected && !json_is_array(answer))
		rc = oc_error_set(OC_EPARSE, "Docker listed %s as something else than an array",
			k->what);
	if (!rc && n && (!(array = calloc(n, k->size)) || !(items = calloc(n, sizeof(*items)))))
		rc = oc_error_nomem();
	for (size_t i = 0; !rc && i < n; i++)
		rc = k->read(b->inspected ? answer : json_array_get(answer, i), b->inspected,
			array + i * k->size, &items[i]);
	oc_docker_result res = { 0 };
	if (k->containers) {
		res.containers = (const oc_docker_container *)array;
		res.ncontainers = n;
	} else {
		res.networks = (const oc_docker_network *)array;
		res.nnetworks = n;
	}
	oc_docker_reply(box, rc, &res);
	for (size_t i = 0; items && i < n; i++)
		free(items[i]);
	free(items);
	free(array);
}

int oc_docker_get_objects(oc_docker *d, const char *path, const struct oc_docker_kind *kind,
	bool inspected, oc_docker_cb cb, void *arg)
{
	return oc_docker_call_box(d, "GET", path, NULL, objects_done,
		&(struct oc_docker_box){ cb, arg, kind, inspected });
}

void oc_docker_created(oc_docker *d, int rc, int status, json_t *answer, void *box)
{
	(void)d;
	(void)status;
	const char *id = json_string_value(json_object_get(answer, "Id"));
	if (!rc && !id)
		rc = oc_error_set(OC_EPARSE, "Docker answered a create without the new object's Id");
	oc_docker_reply(box, rc, &(oc_docker_result){ .id = id });
}

void oc_docker_no_result(oc_docker *d, int rc, int status, json_t *answer, void *box)
{
	(void)d;
	(void)status;
	(void)answer;
	oc_docker_reply(box, rc, NULL);
}
