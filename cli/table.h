/* Human output: aligned tables and "key: value" listings of JSON. */
#ifndef OC_CLI_TABLE_H
#define OC_CLI_TABLE_H

#include <jansson.h>
#include <stddef.h>

typedef struct cli_table cli_table;
cli_table *cli_table_new(size_t ncols, const char *const *headers);
/* Adds a row of ncols strings (copied; NULL prints as "-"). */
void cli_table_add(cli_table *t, const char *const *cells);
/* Prints and frees. With no rows prints `empty` instead. */
void cli_table_print(cli_table *t, const char *empty);

/* Prints every scalar of j as "path.to.key: value", one per line. */
void cli_print_flat(json_t *j, const char *prefix);
/* The same from the top: the `human` printer for status-like answers. */
void cli_human_flat(json_t *j);

#endif
