/*
 * "Did you mean": the known name nearest to a mistyped one, so a usage
 * error can name what the operator most likely meant.
 */
#ifndef OC_CORE_SIMILAR_H
#define OC_CORE_SIMILAR_H

#include <stddef.h>

/* Edits (insert, delete, substitute) from typed[0..len) to name; names
 * and words longer than 63 bytes count as far. */
size_t oc_edit_distance(const char *typed, size_t len, const char *name);

/* Tracks the nearest name seen so far: call oc_similar_offer for each
 * known name, then read `best` (NULL when none is near enough: one edit,
 * or two for a word of four letters or more, never the whole word; so "x"
 * suggests nothing). */
typedef struct oc_similar {
	const char *typed;
	size_t len;
	const char *best;
	size_t best_distance;
} oc_similar;

void oc_similar_init(oc_similar *s, const char *typed, size_t len);
void oc_similar_offer(oc_similar *s, const char *name);

#endif
