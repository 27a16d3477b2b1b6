/*
 * What the proxy asks its host beyond oc_services: the text of an approval
 * the operator revoked, for the block page of the agent that had it
 * ("access request ID for HOST was revoked by the operator: REASON").
 * Internal: outcalld wires it to its access requests (requests/store.h),
 * which live on the proxy's loop, so the callback runs on that thread.
 */
#ifndef OC_PROXY_REVOKED_H
#define OC_PROXY_REVOKED_H

#include <stddef.h>
#include <outcall/proxy.h>

/* Room for the text: a reason of up to 1000 bytes, a request id, a host. */
#define OC_PROXY_REVOKED_MAX 1536

/* Writes the text for agent and host (normal form) into buf and returns
 * its length; 0 when no revoked approval covered them. */
typedef size_t (*oc_proxy_revoked_fn)(void *arg, const char *agent, const char *host, char *buf,
	size_t size);

/* fn NULL: block pages name no revocation (the default). */
void oc_proxy_set_revoked(oc_proxy *p, oc_proxy_revoked_fn fn, void *arg);

#endif
