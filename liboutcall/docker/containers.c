/* Container calls: create (hardened, see hardening.c), start, inspect,
 * remove, list. */
#include "docker/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Docker names carry a leading '/'; Outcall's never do. */
static void copy_name(const char *name, char *out, size_t size)
{
	if (name && name[0] == '/')
		name++;
	snprintf(out, size, "%s", name ? name : "");
}

/* One container from GET /containers/{id}/json (inspected) or from an
 * element of GET /containers/json. Its labels point into c. */
static int read_container(json_t *c, bool inspected, void *obj, oc_kv **items)
{
	oc_docker_container *out = obj;
	memset(out, 0, sizeof(*out));
	oc_docker_jcopy(c, "Id", out->id, sizeof(out->id));
	json_t *labels;
	if (inspected) {
		copy_name(json_string_value(json_object_get(c, "Name")), out->name, sizeof(out->name));
		json_t *cfg = json_object_get(c, "Config");
		oc_docker_jcopy(cfg, "Image", out->image, sizeof(out->image));
		labels = json_object_get(cfg, "Labels");
		json_t *st = json_object_get(c, "State");
		oc_docker_jcopy(st, "Status", out->state, sizeof(out->state));
		out->running = json_is_true(json_object_get(st, "Running"));
		out->pid = out->running ? (pid_t)json_integer_value(json_object_get(st, "Pid")) : 0;
	} else {
		copy_name(json_string_value(json_array_get(json_object_get(c, "Names"), 0)), out->name,
			sizeof(out->name));
		oc_docker_jcopy(c, "Image", out->image, sizeof(out->image));
		labels = json_object_get(c, "Labels");
		oc_docker_jcopy(c, "State", out->state, sizeof(out->state));
		out->running = strcmp(out->state, "running") == 0;
	}
	oc_docker_jcopy(json_object_get(c, "HostConfig"), "NetworkMode", out->network_mode,
		sizeof(out->network_mode));
	if (!out->id[0])
		return oc_error_set(OC_EPARSE, "Docker described a container without an Id");
	return oc_docker_jmap(labels, &out->labels, items);
}

static const struct oc_docker_kind kind = {
	"containers", sizeof(oc_docker_container), read_container, true,
};

int oc_docker_container_create(oc_docker *d, const oc_docker_run *spec, oc_docker_cb cb,
	void *arg)
{
	json_t *body;
	int rc = oc_docker_run_body(d, spec, &body);
	if (rc)
		return rc;
	char path[256];
	snprintf(path, sizeof(path), "/containers/create?name=%s", spec->name);
	return oc_docker_call_cb(d, "POST", path, body, oc_docker_created, cb, arg);
}

/* POST/DELETE on one container (or network: networks.c) with no result. */
int oc_docker_ref_call(oc_docker *d, const char *method, const char *fmt, const char *ref,
	const char *what, oc_docker_cb cb, void *arg)
{
	int rc = oc_docker_check_ref(ref, what);
	if (rc)
		return rc;
	char path[256];
	snprintf(path, sizeof(path), fmt, ref);
	return oc_docker_call_cb(d, method, path, NULL, oc_docker_no_result, cb, arg);
}

int oc_docker_container_start(oc_docker *d, const char *id, oc_docker_cb cb, void *arg)
{
	return oc_docker_ref_call(d, "POST", "/containers/%s/start", id, "container", cb, arg);
}

int oc_docker_container_remove(oc_docker *d, const char *id, oc_docker_cb cb, void *arg)
{
	return oc_docker_ref_call(d, "DELETE", "/containers/%s?force=1&v=1", id, "container", cb,
		arg);
}

int oc_docker_container_inspect(oc_docker *d, const char *id_or_name, oc_docker_cb cb,
	void *arg)
{
	int rc = oc_docker_check_ref(id_or_name, "container");
	if (rc)
		return rc;
	char path[256];
	snprintf(path, sizeof(path), "/containers/%s/json", id_or_name);
	return oc_docker_get_objects(d, path, &kind, true, cb, arg);
}

int oc_docker_containers_list(oc_docker *d, const char *label, oc_docker_cb cb, void *arg)
{
	char path[1200] = "/containers/json?all=1";
	int rc = oc_docker_label_query(path, sizeof(path), label);
	return rc ? rc : oc_docker_get_objects(d, path, &kind, false, cb, arg);
}
