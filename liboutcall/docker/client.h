/* The inside of oc_docker, shared by the transport (client.c), the calls
 * (containers.c, networks.c), the event watch (events.c) and the checks
 * of agent containers (hardening.c, binds.c). */
#ifndef OC_DOCKER_CLIENT_H
#define OC_DOCKER_CLIENT_H

#include <jansson.h>

#include "core/dlist.h"
#include "core/error.h"
#include "docker/docker.h"

struct oc_docker_req;
struct oc_docker_watch;
/* The watch whose node (in oc_docker.watches) this is (events.c). */
struct oc_docker_watch *oc_docker_watch_of(oc_dlist *node);
struct oc_docker_kind;

struct oc_docker {
	oc_loop *loop;
	char socket[108];               /* sun_path */
	unsigned timeout_ms;
	size_t max_answer;
	unsigned backoff_min_ms, backoff_max_ms;
	char **protected_paths;         /* copies of the options' list, NULL-terminated */
	char **bind_dirs;               /* the same */
	/* API version negotiation: "" until /version answered. Requests made
	 * before wait in the list of pending requests. */
	char api[16];
	bool negotiating;
	oc_docker_version version;
	oc_dlist reqs;                  /* every request in flight or waiting */
	oc_dlist watches;
};

/*
 * A whole call's answer, or a stream's lines. For a plain call `done` runs
 * once with rc (0 when Docker answered 2xx/3xx), the HTTP status (0 if
 * there was none) and the answer parsed as JSON (NULL when the body is
 * empty; borrowed for the callback). On HTTP >= 400, rc is the code for
 * the status and the message is Docker's.
 */
typedef void (*oc_docker_done_fn)(oc_docker *d, int rc, int status, json_t *answer, void *arg);
/* A stream's head said 200: lines follow. */
typedef void (*oc_docker_open_fn)(oc_docker *d, void *arg);
/* One JSON value of a stream (one line). */
typedef void (*oc_docker_line_fn)(oc_docker *d, json_t *value, void *arg);

/* Sends `method` /v<api><path> with body (stolen; NULL for none) and calls
 * done with the answer. Returns 0, or an error without calling done. */
int oc_docker_call(oc_docker *d, const char *method, const char *path, json_t *body,
	oc_docker_done_fn done, void *arg);

/* A public callback carried through an internal call. */
struct oc_docker_box {
	oc_docker_cb cb;
	void *arg;
	const struct oc_docker_kind *kind;  /* oc_docker_get_objects only */
	bool inspected;
};

/* oc_docker_call for the public calls: `done` receives a box holding cb
 * and arg, and answers through oc_docker_reply. */
int oc_docker_call_cb(oc_docker *d, const char *method, const char *path, json_t *body,
	oc_docker_done_fn done, oc_docker_cb cb, void *arg);
int oc_docker_call_box(oc_docker *d, const char *method, const char *path, json_t *body,
	oc_docker_done_fn done, const struct oc_docker_box *box);
/* Calls the boxed public callback with rc and res (ignored when rc is an
 * error) and frees the box. */
void oc_docker_reply(void *box, int rc, const oc_docker_result *res);

/* GET <path> as a stream of JSON lines: open once the head says 200, line
 * for each value, then done once when the stream ends (rc 0: the engine
 * ended it) or fails. *out can cancel it. */
int oc_docker_stream(oc_docker *d, const char *path, oc_docker_open_fn open,
	oc_docker_line_fn line, oc_docker_done_fn done, void *arg, struct oc_docker_req **out);

/* Ends a request without calling back. */
void oc_docker_req_cancel(struct oc_docker_req *r);

/* Makes the next call negotiate the API version again. */
void oc_docker_forget_version(oc_docker *d);

/* Requests put ids and names into paths as they are; anything else is
 * refused here (OC_EINVAL naming `what`), so no escaping is needed. */
int oc_docker_check_ref(const char *ref, const char *what);

/* Appends ?filters=<url-encoded {"label": [label]}> (or nothing for NULL)
 * to path; 0 or OC_ELIMIT/OC_EINVAL. */
int oc_docker_label_query(char *path, size_t size, const char *label);

/* Percent-encodes text for a query string into out (size bytes);
 * OC_ELIMIT if it does not fit. */
int oc_docker_urlencode(const char *text, char *out, size_t size);

/* JSON helpers for the answers (json.c). */
/* Copies string member `key` of o into out (truncated to size-1); "" when
 * absent or not a string. */
void oc_docker_jcopy(json_t *o, const char *key, char *out, size_t size);
/* The string members of object o (NULL or not an object: empty) as an
 * oc_map pointing into o; *items is allocated (free it). */
int oc_docker_jmap(json_t *o, oc_map *map, oc_kv **items);

/* Objects of an answer, containers or networks: how to read one. Labels
 * point into the answer. */
typedef int (*oc_docker_read_fn)(json_t *o, bool inspected, void *out, oc_kv **items);
struct oc_docker_kind {
	const char *what;           /* "containers", "networks" */
	size_t size;                /* of one struct */
	oc_docker_read_fn read;
	bool containers;            /* the result's containers, else its networks */
};

/* GET path and answer cb with its objects: one inspected object, or
 * every element of a listed array (json.c). */
int oc_docker_get_objects(oc_docker *d, const char *path, const struct oc_docker_kind *kind,
	bool inspected, oc_docker_cb cb, void *arg);

/* A done function for creates: answers with res.id (json.c). */
void oc_docker_created(oc_docker *d, int rc, int status, json_t *answer, void *box);
/* A done function for calls without a result. */
void oc_docker_no_result(oc_docker *d, int rc, int status, json_t *answer, void *box);

/* POST/DELETE to fmt (one %s: ref, checked with oc_docker_check_ref as
 * `what`) with no result (containers.c). */
int oc_docker_ref_call(oc_docker *d, const char *method, const char *fmt, const char *ref,
	const char *what, oc_docker_cb cb, void *arg);

/* Run specs (hardening.c): the checked, hardened body of
 * POST /containers/create. */
int oc_docker_run_body(oc_docker *d, const oc_docker_run *spec, json_t **out);

/* Binds (binds.c): checks the operator's binds and returns their sources
 * resolved (what is handed to Docker), an array of nbinds strings. */
int oc_docker_binds_check(oc_docker *d, const oc_docker_bind *binds, size_t nbinds,
	char ***resolved);
void oc_docker_binds_free(char **resolved, size_t n);

#endif
