/* Names of networks and containers: they appear in nftables comments,
 * interface bookkeeping and socket paths, so they are kept to characters
 * that need no quoting anywhere. */
#ifndef OC_IDENTITY_NAMES_H
#define OC_IDENTITY_NAMES_H

#include <stdbool.h>

#define OC_NAME_MAX 65  /* 64 characters and the NUL */

/* [A-Za-z0-9._-], 1 to 64 characters, and neither "." nor "..". */
bool oc_name_valid(const char *name);

#endif
