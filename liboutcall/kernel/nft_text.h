/* The text back-end of the ruleset generator (see nft_ir.h). */
#ifndef OC_KERNEL_NFT_TEXT_H
#define OC_KERNEL_NFT_TEXT_H

#include "core/buf.h"
#include "kernel/nft_desc.h"

/* Appends both tables, in nft syntax, to out. */
int oc_nft_render(const struct oc_nft_desc *d, oc_buf *out);

#endif
