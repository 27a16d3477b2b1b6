/*
 * The daemon's persistent state: which networks exist and which containers
 * are attached where, so a restarted outcalld re-adopts them without
 * touching the containers. One JSON file, versioned, written atomically.
 * A file that cannot be read back is an error (OC_ECORRUPT) naming the
 * file and the fault: the daemon refuses to start rather than guess.
 */
#ifndef OC_STATE_STATE_H
#define OC_STATE_STATE_H

#include <stddef.h>
#include <stdint.h>

#define OC_STATE_VERSION 1

typedef struct oc_state_network {
	char *name;
	int index;              /* the /24's place in the pool */
} oc_state_network;

typedef struct oc_state_label {
	char *key, *value;
} oc_state_label;

typedef struct oc_state_container {
	char *name;
	char *network;
	char *ip;               /* dotted quad */
	char *mac;              /* aa:bb:cc:dd:ee:ff */
	char *veth;             /* host side */
	char *netns;            /* how it was found at attach time, informational */
	char *container_id;     /* "" if none */
	char *image;            /* "" if none */
	oc_state_label *labels;
	size_t nlabels;
	int64_t attached_at;
	uint64_t netns_dev, netns_ino;  /* its namespace's nsfs inode; 0 if unknown */
} oc_state_container;

typedef struct oc_state {
	oc_state_network *networks;
	size_t nnetworks;
	oc_state_container *containers;
	size_t ncontainers;
	/* What a load left out and why (a container record it could not use,
	 * labels beyond OC_CONTAINER_MAX_LABELS): one bad record must not
	 * keep the daemon, its firewall and the other containers down. */
	char **warnings;
	size_t nwarnings;
} oc_state;

/* Reads `path`; a missing file is an empty state. A file that is not a
 * state file at all (not JSON, another version) is OC_ECORRUPT; a record
 * in it that cannot be used is left out with a warning. */
int oc_state_load(const char *path, oc_state *out);
/* Writes atomically with mode 0600. */
int oc_state_save(const char *path, const oc_state *st);
void oc_state_free(oc_state *st);

/* Building a state: each copies its strings. */
int oc_state_add_network(oc_state *st, const char *name, int index);
int oc_state_add_container(oc_state *st, const oc_state_container *c);

#endif
