/*
 * liboutcall: the whole of Outcall as a library. outcalld, the outcall CLI
 * and custom orchestrators are thin programs over these calls.
 *
 * Conventions shared by every module:
 * - Names are oc_<noun>_<verb>. Each header is named after the types it
 *   declares (firewall.h: oc_firewall_* and grants;
 *   kernel.h: oc_kernel_config, and it still includes firewall.h for
 *   programs written before the split).
 * - Errors: see error.h (int codes, oc_error_last() for the message).
 * - Ownership and thread-safety are stated at each type's declaration.
 * - No hidden global state: everything lives in objects the caller owns;
 *   the only per-thread state is the last error.
 * - Docs: the rule language is docs/rules.md, Docker docs/docker.md, where
 *   each part lives docs/ARCHITECTURE.md, outcalld's options outcalld(8);
 *   each header is the reference of its module.
 *
 * One pattern each, so a new call looks like the old ones:
 * - Constructors: int oc_<obj>_new(<what it borrows>..., const
 *   oc_<obj>_config *cfg, oc_<obj> **out) returns 0 or an oc_err and sets
 *   *out only on success; oc_<obj>_free(NULL) is allowed. Shared immutable
 *   objects have _ref/_unref instead of _free.
 * - Versioned structs: every config and stats struct (the caller
 *   allocates it, the library reads or fills it) starts with `unsigned int
 *   version`. Initialise it with OC_<TYPE>_INIT or oc_<type>_init(ptr,
 *   OC_<TYPE>_VERSION), which fill the defaults; a struct with a version
 *   the library does not know (0: not initialised) is refused with
 *   OC_EINVAL. A field is only ever added at the end, with the version
 *   bumped, so a program built against older headers keeps working.
 *   Strings and arrays in a config are copied by the call that takes it.
 * - Stats: int oc_<obj>_get_stats(oc_<obj> *o, oc_<obj>_stats *out); the
 *   caller sets out->version (OC_<OBJ>_STATS_INIT), the library fills the
 *   fields of that version. Per-item counters are a collection.
 * - Collections: an opaque oc_<item>_list the caller owns, read with
 *   oc_<item>_list_count and oc_<item>_list_get (items borrowed until
 *   oc_<item>_list_free; NULL past the end), e.g. oc_grant_list,
 *   oc_dns_upstream_list, oc_container_list, oc_network_list,
 *   oc_request_list. Items the library allocates may grow at their
 *   end without a version. Large or live sequences (decisions, cache
 *   entries) are walked with a callback instead, which copies nothing.
 * - ABI: the exported ABI is checked against abi/liboutcall.abi by the
 *   abi test; docs/CONTRIBUTING.md says when and how the baseline moves.
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
#include <outcall/firewall.h>
#include <outcall/identity.h>
#include <outcall/network.h>
#include <outcall/services.h>
#include <outcall/dns.h>
#include <outcall/proxy.h>
#include <outcall/daemon.h>
#include <outcall/agents.h>

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
