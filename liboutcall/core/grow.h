/* Growing arrays: the one way library code makes room in an array it
 * appends to without bound (oc_buf is the same for bytes). Hash tables that
 * rehash as they grow (engine/index.c, kernel/grantidx.c, the rule counts
 * in events/hub.c) allocate a new table instead: their entries move. Short
 * lists filled once from a file or a config (rule files, warnings, trace
 * steps, state entries) grow by one element with realloc and keep no
 * capacity: their length is what an operator wrote. */
#ifndef OC_CORE_GROW_H
#define OC_CORE_GROW_H

#include <stddef.h>

/* Grows an array of `size`-byte elements to hold at least `need` (capacity
 * doubling from 16). Returns the possibly moved array and updates *cap, or
 * returns NULL with the last error set (OC_ENOMEM) and leaves array and
 * *cap alone. */
void *oc_grow(void *array, size_t *cap, size_t need, size_t size);

#endif
