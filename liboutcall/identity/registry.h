/* The registry's snapshots for the library's own loops: a plain array of
 * references, without the oc_container_list the public API wraps them in. */
#ifndef OC_IDENTITY_REGISTRY_H
#define OC_IDENTITY_REGISTRY_H

#include <outcall/identity.h>

/* References to every container, ordered by IP; release them with
 * oc_containers_release. */
int oc_registry_snapshot(oc_registry *r, oc_container ***out, size_t *n);
void oc_containers_release(oc_container **list, size_t n);

#endif
