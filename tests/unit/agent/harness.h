/* A whole agent-socket world for tests: live rules from a temporary rules
 * directory, a registry with two containers (coder-1 and other-1), an
 * events hub and oc_agents on a real loop. Clients run in threads and
 * speak raw HTTP; the test's thread runs the loop while they do. */
#ifndef OC_TEST_AGENT_HARNESS_H
#define OC_TEST_AGENT_HARNESS_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <outcall/agents.h>
#include <outcall/events.h>
#include <outcall/identity.h>
#include <outcall/loop.h>
#include <outcall/policy.h>

extern const char *h_run, *h_state, *h_rules;
extern oc_loop *h_loop;
extern oc_live *h_live;
extern oc_registry *h_registry;
extern oc_events *h_events;
extern oc_agents *h_agents;
extern int h_reloads;

/* Builds the world with cfg adjusted by `tune` (may be NULL). */
void h_setup_with(void (*tune)(oc_agents_config *cfg));
void h_setup(void);
void h_teardown(void);
/* Frees and re-creates oc_agents over the same directories (a restart). */
void h_restart(void);
/* coder-1 gets a Docker identity: id "c0ffee", image "img:1", label team=blue. */
void h_put_container(const char *name, const char *ip);
/* A container with Docker's id, and the label of a name `outcall run`
 * chose when `generated`. */
void h_put_docker(const char *name, const char *ip, const char *id, bool generated);

/* One HTTP exchange in a client thread. */
typedef struct h_call {
	char sock[108];
	char *request;
	char reply[65536];
	size_t len;
	bool close_early;       /* hang up after sending, without reading */
	atomic_int done;
	pthread_t thread;
	int status;
	char retry_after[16];
	json_t *json;           /* parsed body, NULL if not JSON */
} h_call;

void h_sock_path(const char *container, char *buf, size_t size);
/* Starts METHOD target on container's socket; body may be NULL. */
void h_call_start(h_call *c, const char *container, const char *method, const char *target,
	const char *body);
/* Starts raw bytes on the socket. */
void h_call_start_raw(h_call *c, const char *container, const char *raw, size_t len);
/* Runs the loop until the client is done (10 s at most); fills status and json. */
void h_call_finish(h_call *c);
void h_call_free(h_call *c);
/* Start and finish; returns the status, *out the JSON (caller json_decref). */
int h_req(const char *container, const char *method, const char *target, const char *body,
	json_t **out);
/* Runs the loop until cond(arg) holds or ms pass. */
bool h_run_until(bool (*cond)(void *arg), void *arg, int ms);

const char *h_str(json_t *o, const char *key);

#endif
