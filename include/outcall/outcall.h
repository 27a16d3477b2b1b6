/*
 * liboutcall: the whole of Outcall as a library. outcalld, the outcall CLI
 * and custom orchestrators are thin programs over these calls.
 *
 * Conventions shared by every module:
 * - Names are oc_<noun>_<verb>; objects are opaque and come in _new/_free
 *   (or _ref/_unref for shared immutable objects) pairs.
 * - Errors: see error.h (int codes, oc_error_last() for the message).
 * - Ownership and thread-safety are stated at each type's declaration.
 * - No hidden global state: everything lives in objects the caller owns;
 *   the only per-thread state is the last error.
 */
#ifndef OUTCALL_H
#define OUTCALL_H

#include <outcall/version.h>
#include <outcall/error.h>
#include <outcall/context.h>
#include <outcall/policy.h>
#include <outcall/engine.h>
#include <outcall/events.h>
#include <outcall/addr.h>
#include <outcall/loop.h>
#include <outcall/kernel.h>
#include <outcall/identity.h>
#include <outcall/network.h>
#include <outcall/services.h>
#include <outcall/dns.h>
#include <outcall/proxy.h>
#include <outcall/daemon.h>
#include <outcall/agents.h>
#include <outcall/docker.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string ("MAJOR.MINOR.PATCH") as it was built; may
 * differ from OC_VERSION_STRING if the program was built against other
 * headers. */
OC_API const char *oc_version(void);

#ifdef __cplusplus
}
#endif
#endif
