/*
 * The one check every layer makes of the services it borrows
 * (outcall/services.h), so that a missing piece is refused the same way,
 * with the same words, by the DNS filter, the proxy and the agent sockets.
 */
#ifndef OC_CORE_SERVICES_H
#define OC_CORE_SERVICES_H

#include <stdbool.h>
#include <outcall/loop.h>
#include <outcall/services.h>

/* 0 when there is a loop and svc names the live rules, the registry and
 * the events hub (and the private ranges when `ranges`); otherwise
 * OC_EINVAL with a message naming `layer` and what it needs. */
int oc_services_check(const char *layer, const oc_loop *loop, const oc_services *svc,
	bool ranges);

#endif
