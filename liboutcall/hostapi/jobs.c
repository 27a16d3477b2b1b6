/* Host API requests that wait on Docker: each is answered from the Docker
 * client's callback, or never, when the client goes first. The daemon's
 * Docker sync knows nothing of them; it only reports through callbacks. */
#include "hostapi/hostapi.h"

#include <stdlib.h>

#include "daemon/docker.h"

static void unlink_free(struct oc_hostapi_job *j)
{
	oc_dlist_remove(&j->node);
	if (j->free_extra)
		j->free_extra(j);
	free(j);
}

static void job_closed(oc_api_conn *c, void *arg)
{
	(void)c;
	struct oc_hostapi_job *j = arg;
	j->conn = NULL;
}

void *oc_hostapi_job_new(oc_daemon *d, oc_api_request *r, size_t size)
{
	if (!oc_dk_client(d)) {
		oc_hostapi_fail(r);
		return NULL;
	}
	struct oc_hostapi_job *j = calloc(1, size);
	if (!j) {
		oc_api_respond_error(r->conn, 500, "internal", "out of memory");
		return NULL;
	}
	j->d = d;
	j->conn = r->conn;
	oc_dlist_push(&d->docker_jobs, &j->node);
	oc_api_defer(r->conn, job_closed, j);
	return j;
}

void oc_hostapi_job_end(void *job, int rc, int status, json_t *ok)
{
	struct oc_hostapi_job *j = job;
	if (j->conn && rc)
		oc_hostapi_fail_conn(j->conn);
	else if (j->conn)
		oc_api_respond_json(j->conn, status, ok);
	else
		json_decref(ok);
	unlink_free(j);
}

void oc_hostapi_free_jobs(oc_daemon *d)
{
	while (!oc_dlist_empty(&d->docker_jobs))
		unlink_free(oc_container_of(d->docker_jobs.next, struct oc_hostapi_job, node));
}
