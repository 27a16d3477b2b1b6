/* Reading Outcall's tables back from the kernel: sets with their comments,
 * elements with their timeouts and comments, and the ruleset generation. */
#ifndef OC_KERNEL_NFT_READ_H
#define OC_KERNEL_NFT_READ_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/nft_desc.h"
#include "kernel/nl.h"

struct oc_nft_set_info {
	char name[256];
	char comment[128];
};

struct oc_nft_elem_info {
	struct oc_nft_val key[OC_NFT_MAX_CONCAT];
	uint64_t timeout_ms;
	uint64_t expires_ms;
	char comment[128];
};

/* Sets of a table; OC_ENOTFOUND (no error message set) when the table does
 * not exist. Free *out with free(). */
int oc_nft_read_sets(struct oc_nl *nl, uint32_t family, const char *table,
	struct oc_nft_set_info **out, size_t *n);
/* Elements of a set, keys decoded as `key`; OC_ENOTFOUND when absent. */
int oc_nft_read_elems(struct oc_nl *nl, uint32_t family, const char *table, const char *set,
	const enum oc_nft_field *key, size_t nkey, struct oc_nft_elem_info **out, size_t *n);
/* Named counters of a table with their values; OC_ENOTFOUND without the
 * table. Free *out with free(). */
int oc_nft_read_counters(struct oc_nl *nl, uint32_t family, const char *table,
	struct oc_nft_counter_val **out, size_t *n);
/* A digest of what in `table` decides packets: its chains (name, type,
 * hook, priority, policy) and their rules (expressions, comment), in the
 * kernel's order. It changes when any of them changes, not when packets
 * or elements do. OC_ENOTFOUND (no message) when the table is gone. */
int oc_nft_digest(struct oc_nl *nl, uint32_t family, const char *table, uint64_t *digest);
int oc_nft_read_genid(struct oc_nl *nl, uint32_t *genid);

#endif
