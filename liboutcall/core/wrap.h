/* Help text wrapped to a terminal's 80 columns, for the programs' --help
 * (and so for the man pages made from it). A header of its own, used by
 * outcall and outcalld, which links only the public library. */
#ifndef OC_CORE_WRAP_H
#define OC_CORE_WRAP_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define OC_WRAP_WIDTH 80

/* Prints text and a newline to f in lines of at most OC_WRAP_WIDTH
 * columns, breaking at spaces: the first line goes on from column `col`
 * (what the caller printed before it), every further one starts with
 * `indent` spaces. A '\n' in text starts a line too; a word longer than
 * a line stands alone on one. */
static inline void oc_wrap_print(FILE *f, const char *text, size_t indent, size_t col)
{
	const char *p = text;
	while (*p) {
		size_t spaces = strspn(p, " ");
		const char *word = p + spaces;
		size_t len = strcspn(word, " \n");
		bool newline = *p == '\n' || (col > indent && len &&
			col + spaces + len > OC_WRAP_WIDTH);
		if (newline) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			p = *p == '\n' ? p + 1 : word;
			continue;
		}
		fwrite(p, 1, spaces + len, f);
		col += spaces + len;
		p = word + len;
	}
	fputc('\n', f);
}

#endif
