#include "table.h"

#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cli_table {
	size_t ncols, nrows;
	char **cells; /* row-major, header row first */
};

cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
	cli_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	cli_table_add(t, headers);
	return t;
}

void cli_table_add(cli_table *t, const char *const *cells)
{
	if (!t)
		return;
	char **g = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*g));
	if (!g)
		return;
	t->cells = g;
	for (size_t i = 0; i < t->ncols; i++)
		g[t->nrows * t->ncols + i] = strdup(cells[i] ? cells[i] : "-");
	t->nrows++;
}

void cli_table_print(cli_table *t, const char *empty)
{
	if (!t)
		return;
	if (t->nrows <= 1) {
		printf("%s\n", empty);
	} else {
		size_t w[16] = { 0 };
		for (size_t r = 0; r < t->nrows; r++)
			for (size_t c = 0; c < t->ncols && c < 16; c++) {
				size_t n = strlen(t->cells[r * t->ncols + c]);
				if (n > w[c])
					w[c] = n;
			}
		for (size_t r = 0; r < t->nrows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				const char *s = t->cells[r * t->ncols + c];
				if (c + 1 == t->ncols)
					printf("%s\n", s);
				else
					printf("%-*s  ", (int)w[c < 16 ? c : 15], s);
			}
		}
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void cli_print_flat(json_t *j, const char *prefix)
{
	char key[256];
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) {
			snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
			cli_print_flat(v, key);
		}
		return;
	}
	if (json_is_array(j)) {
		size_t i;
		json_t *v;
		if (json_array_size(j) == 0)
			printf("%s: (none)\n", prefix);
		json_array_foreach(j, i, v) {
			snprintf(key, sizeof(key), "%s[%zu]", prefix, i);
			cli_print_flat(v, key);
		}
		return;
	}
	/* Keys are escaped too: Docker labels are keys. */
	cli_put(prefix, false);
	fputs(": ", stdout);
	char *s = json_dumps(j, JSON_ENCODE_ANY);
	cli_put(json_is_string(j) ? json_string_value(j) : s ? s : "?", false);
	putchar('\n');
	free(s);
}

void cli_human_flat(json_t *j)
{
	cli_print_flat(j, "");
}

