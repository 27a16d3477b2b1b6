/* Docker in the daemon (docker.c; its API is hostapi/docker.c): the engine's
 * containers and networks kept in step with Outcall's. Everything here is
 * optional: with Docker off (no socket configured) the calls are no-ops or
 * refuse with a message saying so, and an unreachable engine is retried
 * in the background. Everything runs on the daemon's loop. */
#ifndef OC_DAEMON_DOCKER_H
#define OC_DAEMON_DOCKER_H

#include <jansson.h>

#include "daemon/internal.h"
#include "docker/docker.h"

/* Starts the client and the event watch; never fails for an engine that
 * is not there (that is retried). */
int oc_dk_start(oc_daemon *d);
/* Stops watching and drops calls in flight: their callbacks never run,
 * so whoever waits on one frees its own (oc_hostapi_free_jobs). Idempotent. */
void oc_dk_stop(oc_daemon *d);
/* The client, or NULL (last error set, naming why) when Docker is off. */
oc_docker *oc_dk_client(oc_daemon *d);
/* For GET /v1/status: enabled, socket, connected, version, last error. */
json_t *oc_dk_status(oc_daemon *d);

/* The Docker network of an Outcall network: "<bridge prefix>-<name>". */
void oc_dk_network_name(oc_daemon *d, const char *network, char *out, size_t size);
/* <run_dir>/agents/<name>, created (0755) when `create`. */
int oc_dk_agent_dir(oc_daemon *d, const char *name, bool create, char *out, size_t size);

/* Attaches a running Docker container, inspected, to `network` (NULL: its
 * Outcall label, else "default"). Idempotent: a container attached with
 * the same id and process is left as it is; one whose process changed (a
 * restart) is attached afresh. Refuses containers that do not run with
 * network mode none, and those whose processes could hold a risky
 * capability (docker/caps.h) unless `accept_caps`; `kept` (may be NULL)
 * gets the risky capabilities an attached container keeps. */
int oc_dk_adopt(oc_daemon *d, const oc_docker_container *c, const char *network,
	bool accept_caps, uint64_t *kept, oc_container **out);
/* Remembers a container attached by `outcall attach` (not labelled as
 * Outcall's), its network and whether its capabilities were accepted, so
 * its events are followed too. */
void oc_dk_follow(oc_daemon *d, const char *id, const char *network, bool accept_caps);

/* Creates the Docker network of an Outcall network when it is missing;
 * cb (may be NULL) gets the outcome. */
int oc_dk_network_ensure(oc_daemon *d, const oc_network_info *net, oc_docker_cb cb, void *arg);

/* Marks the Docker network `outcall network rm` is removing (NULL: none),
 * whose destroy event must not put its bridge's address back. */
void oc_dk_removing(oc_daemon *d, const char *docker_name);

#endif
