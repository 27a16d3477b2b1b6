/* The netlink back-end of the ruleset generator (see nft_ir.h): the IR
 * becomes libnftnl objects appended to one nftables batch. */
#ifndef OC_KERNEL_NFT_BATCH_H
#define OC_KERNEL_NFT_BATCH_H

#include <stdbool.h>

#include "kernel/nft_desc.h"
#include "kernel/nl.h"

/* Appends, for every table the description has, "add table; delete table"
 * (which empties it whether or not it existed) and then the complete
 * table: committed together, the old policy is replaced with no moment
 * without one. */
int oc_nft_batch_replace(struct oc_nft_batch *b, const struct oc_nft_desc *d);

/* Appends "add table; delete table" for both tables: deleted whether or
 * not they exist. */
int oc_nft_batch_delete_tables(struct oc_nft_batch *b, const char *table);

/* A sink that turns element calls into NEWSETELEM (or DELSETELEM) messages
 * for the table `table`; for incremental updates through oc_nft_gen_*().
 * Call oc_nft_elems_flush before committing. */
struct oc_nft_elems {
	struct oc_nft_sink sink;
	struct oc_nft_batch *b;
	const char *table;
	bool del;
	void *pending;                 /* struct nftnl_set * being filled */
	uint32_t pending_family;       /* and which set it is (copied: the */
	char pending_name[256];        /* generator's set may be on its stack) */
	size_t npending;
	uint32_t set_id;
};
void oc_nft_elems_init(struct oc_nft_elems *e, struct oc_nft_batch *b, const char *table, bool del);
int oc_nft_elems_flush(struct oc_nft_elems *e);
/* Frees what was not flushed, after a failure. */
void oc_nft_elems_discard(struct oc_nft_elems *e);

#endif
