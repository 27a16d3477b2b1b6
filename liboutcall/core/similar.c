#include "core/similar.h"

#include <stdbool.h>
#include <string.h>

#define WORD_MAX 64

size_t oc_edit_distance(const char *typed, size_t len, const char *name)
{
	size_t n = strlen(name);
	if (len >= WORD_MAX || n >= WORD_MAX)
		return (size_t)-1;
	/* one row of the Levenshtein table at a time */
	size_t row[WORD_MAX];
	for (size_t j = 0; j <= n; j++)
		row[j] = j;
	for (size_t i = 1; i <= len; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= n; j++) {
			size_t up = row[j];
			size_t best = diag + (typed[i - 1] != name[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[n];
}

void oc_similar_init(oc_similar *s, const char *typed, size_t len)
{
	*s = (oc_similar){ .typed = typed, .len = len, .best_distance = (size_t)-1 };
}

void oc_similar_offer(oc_similar *s, const char *name)
{
	size_t d = oc_edit_distance(s->typed, s->len, name);
	bool near = d < s->len && (d <= 1 || (d == 2 && s->len >= 4));
	if (near && d < s->best_distance) {
		s->best = name;
		s->best_distance = d;
	}
}
