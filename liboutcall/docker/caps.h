/*
 * The capabilities a container's processes could hold that let root
 * inside it step around its network: checked before `outcall attach`
 * takes a container made by other tools (docs/docker.md, "Capabilities").
 */
#ifndef OC_DOCKER_CAPS_H
#define OC_DOCKER_CAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN as bits of a capability set. */
#define OC_CAPS_RISKY ((UINT64_C(1) << 12) | (UINT64_C(1) << 13) | (UINT64_C(1) << 21))

/* The bounding set ("CapBnd:") of the text of a /proc/<pid>/status file. */
int oc_caps_parse_bounding(const char *status, uint64_t *out);

/* The risky capabilities (OC_CAPS_RISKY) in process `pid`'s bounding set:
 * what any process of its container could ever hold, whatever its user. */
int oc_caps_risky_of(pid_t pid, uint64_t *out);

/* "CAP_NET_RAW, CAP_NET_ADMIN": the names of the risky bits of `caps`. */
void oc_caps_names(uint64_t caps, char *out, size_t size);

#endif
