/* The host index of a rule set (see engine.h): rules whose whole condition
 * is an or of `host == "x"` / `host.endsWith("y")` tests are found by hash
 * lookups; the other rules form the ordered scan list. */
#ifndef OC_ENGINE_INDEX_H
#define OC_ENGINE_INDEX_H

#include <stddef.h>
#include <outcall/context.h>
#include "policy/ruleset.h"

/* The smallest evaluation index of an indexed rule that is true for ctx,
 * or SIZE_MAX. */
size_t oc_engine_index_best(const struct oc_engine_index *ix, const oc_context *ctx);

/* Rules not in the index, in evaluation order. */
const size_t *oc_engine_index_scan_list(const struct oc_engine_index *ix, size_t *n);

#endif
