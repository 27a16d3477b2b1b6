/*
 * Identity: who a container is. A container is known by
 * the veth it was attached with and the IP and MAC it was given there (the
 * kernel layer pins both, so a packet from that IP came from that veth);
 * `agent.name` is its name with a trailing -<digits> removed.
 *
 * oc_container is an immutable record with a reference count: getters
 * return pointers into it that stay valid while the caller holds a
 * reference. Changing a container (Docker filling in its id and image)
 * means putting a new record into the registry.
 *
 * oc_registry maps IP -> container and name -> container. Thread-safety: a
 * read-write lock guards the maps; lookups (any number of threads at once)
 * return a new reference, taken under the lock, so the record outlives a
 * concurrent removal; writers (the daemon attaching and detaching) take the
 * lock exclusively for the short time a map changes.
 */
#ifndef OUTCALL_IDENTITY_H
#define OUTCALL_IDENTITY_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/common.h>
#include <outcall/context.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oc_container oc_container;

/* A container record holds at most this many labels (its state must load
 * back: a daemon adopting a container with more keeps this many and says
 * so). */
#define OC_CONTAINER_MAX_LABELS 64

/* What a record is made from; every pointer is copied. */
typedef struct oc_container_spec {
	const char *name;          /* required: [A-Za-z0-9._-], 1 to 64 characters */
	const char *network;       /* required: the network's name */
	struct in_addr ip;
	uint8_t mac[6];
	const char *veth;          /* host-side interface, a port of the network's bridge */
	int ifindex;               /* of the veth, 0 if unknown */
	const char *netns;         /* how attach found its namespace ("pid 42"), or NULL */
	const char *container_id;  /* optional, from Docker */
	const char *image;         /* optional, from Docker */
	oc_map labels;             /* optional, from Docker; OC_CONTAINER_MAX_LABELS at most */
	int64_t attached_at;       /* Unix time in seconds, 0 if unknown */
	/* The container's network namespace (st_dev, st_ino of its nsfs
	 * inode, as oc_network_attach found it): its agent socket admits only
	 * processes in that namespace. 0, 0: unknown, and it admits nobody. */
	uint64_t netns_dev, netns_ino;
} oc_container_spec;

/* A new record with one reference. */
OC_API int oc_container_new(const oc_container_spec *spec, oc_container **out);
OC_API oc_container *oc_container_ref(oc_container *c);
OC_API void oc_container_unref(oc_container *c);

OC_API const char *oc_container_name(const oc_container *c);
OC_API const char *oc_container_agent_name(const oc_container *c);
OC_API const char *oc_container_network(const oc_container *c);
OC_API struct in_addr oc_container_ip(const oc_container *c);
OC_API const uint8_t *oc_container_mac(const oc_container *c);  /* 6 bytes */
OC_API const char *oc_container_veth(const oc_container *c);
OC_API int oc_container_ifindex(const oc_container *c);
OC_API const char *oc_container_netns(const oc_container *c);   /* "" if unknown */
OC_API uint64_t oc_container_netns_dev(const oc_container *c);  /* 0 if unknown */
OC_API uint64_t oc_container_netns_ino(const oc_container *c);  /* 0 if unknown */
OC_API const char *oc_container_id(const oc_container *c);      /* "" if unknown */
OC_API const char *oc_container_image(const oc_container *c);   /* "" if unknown */
OC_API oc_map oc_container_labels(const oc_container *c);
OC_API int64_t oc_container_attached_at(const oc_container *c);

/* agent.name for a container name: "coder-12" -> "coder", "coder" ->
 * "coder", "coder-" -> "coder-", "-3" -> "-3" (a name is never emptied).
 * Writes at most size bytes; returns the length or OC_ELIMIT. */
OC_API int oc_agent_name(const char *container_name, char *out, size_t size);

typedef struct oc_registry oc_registry;

OC_API int oc_registry_new(oc_registry **out);
/* Drops the registry's references. */
OC_API void oc_registry_free(oc_registry *r);

/* Adds c (taking a reference of its own), replacing a record of the same
 * name. OC_EEXIST if another container has c's IP. */
OC_API int oc_registry_put(oc_registry *r, oc_container *c);
/* OC_ENOTFOUND if there is no such container. */
OC_API int oc_registry_remove(oc_registry *r, const char *name);
/* A new reference (release with oc_container_unref), or NULL. */
OC_API oc_container *oc_registry_by_ip(oc_registry *r, struct in_addr ip);
OC_API oc_container *oc_registry_by_name(oc_registry *r, const char *name);
OC_API size_t oc_registry_count(oc_registry *r);
/* Every container, ordered by IP, as one snapshot the caller owns. */
typedef struct oc_container_list oc_container_list;
OC_API int oc_registry_list(oc_registry *r, oc_container_list **out);
OC_API size_t oc_container_list_count(const oc_container_list *l);
/* Borrowed until oc_container_list_free (which drops the snapshot's
 * references); NULL past the end. */
OC_API oc_container *oc_container_list_get(const oc_container_list *l, size_t i);
OC_API void oc_container_list_free(oc_container_list *l);

#ifdef __cplusplus
}
#endif
#endif
