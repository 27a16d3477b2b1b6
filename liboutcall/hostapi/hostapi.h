/* The host API's pieces: routing and authorisation in hostapi.c, the
 * resources in hostapi_*.c. Every handler answers with exactly one
 * oc_api_respond*(). */
#ifndef OC_DAEMON_HOSTAPI_H
#define OC_DAEMON_HOSTAPI_H

#include <jansson.h>
#include "daemon/internal.h"

typedef void (*oc_route_fn)(oc_daemon *d, oc_api_request *r, const char *name);

/* Parses the body as a JSON object; on failure answers 400 and returns
 * NULL. */
json_t *oc_hostapi_body(oc_api_request *r);
/* 0, or OC_EINVAL naming the first key of body not in the NULL-terminated
 * list: a typo must not act on more, or other, than meant. */
int oc_hostapi_known_keys(json_t *body, const char *const *keys);
/* The value of ?key= in the query, URL-decoded into buf; NULL if absent. */
const char *oc_hostapi_query(const oc_api_request *r, const char *key, char *buf, size_t cap);
/* Answers with the JSON text an oc_agents_* call produced (rc 0; text is
 * freed), or with its error. Call it after that call, not around it:
 * arguments have no evaluation order. */
void oc_hostapi_answer_text(oc_api_request *r, int rc, char *text);
/* Answers with the last error: status from its code, message as given. */
void oc_hostapi_fail(oc_api_request *r);
/* The same on a connection whose answer was deferred. */
void oc_hostapi_fail_conn(oc_api_conn *conn);

void oc_hostapi_status(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_rules_list(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_rules_get(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_rules_reload(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_rules_evaluate(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_networks_list(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_networks_create(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_networks_delete(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_containers_list(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_containers_attach(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_containers_detach(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_decisions(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_decisions_follow(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_nft(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_grants(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_dns_status(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_dns_cache(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_dns_flush(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_proxy_status(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_metrics(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_requests_list(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_requests_get(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_requests_approve(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_requests_reject(oc_daemon *d, oc_api_request *r, const char *name);

/* Incident response (incident.c). */
void oc_hostapi_requests_revoke(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_grants_flush(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_lockdown(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_lockdown_on(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_lockdown_off(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_grant(oc_daemon *d, oc_api_request *r, const char *name);

/* A host API request answered when Docker has (jobs.c): kept on the
 * daemon's list so that stopping Docker frees it, and told when the client
 * hangs up. */
struct oc_hostapi_job {
	oc_daemon *d;
	oc_api_conn *conn;         /* NULL once the client went away */
	oc_dlist node;             /* in the daemon's docker_jobs */
	void (*free_extra)(struct oc_hostapi_job *job);
};
/* A job of `size` bytes (at least sizeof(struct oc_hostapi_job)),
 * deferring r's answer; NULL when Docker is off or out of memory (r is
 * answered then). */
void *oc_hostapi_job_new(oc_daemon *d, oc_api_request *r, size_t size);
/* Answers the job's request (if the client is still there) with the last
 * error, or with `ok` (stolen) when rc is 0, and frees the job. */
void oc_hostapi_job_end(void *job, int rc, int status, json_t *ok);

/* Docker (docker.c): answered once the engine has. */
void oc_hostapi_docker_run(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_docker_attach(oc_daemon *d, oc_api_request *r, json_t *body);
void oc_hostapi_docker_network_create(oc_daemon *d, oc_api_request *r, const char *name);
void oc_hostapi_docker_network_delete(oc_daemon *d, oc_api_request *r, const char *name);

json_t *oc_hostapi_container_json(oc_container *c);
json_t *oc_hostapi_network_json(const oc_network_info *n);

#endif
