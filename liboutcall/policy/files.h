/* Finding and reading rule files safely: the directory walk, the symlink
 * refusal and the size and count limits. */
#ifndef OC_POLICY_FILES_H
#define OC_POLICY_FILES_H

#include <stddef.h>

typedef struct oc_file_list {
	char **paths;
	size_t count;
} oc_file_list;

/* Expands files and directories (see oc_ruleset_load) into `out`, in load
 * order. Fails with OC_ELIMIT past max_files, OC_EPERM on a symlink. */
int oc_files_expand(const char *const *paths, size_t npaths, size_t max_files, oc_file_list *out);
void oc_files_free(oc_file_list *l);

/* Reads a regular file, refusing symlinks and files over max_size. The data
 * is NUL-terminated; free() it. */
int oc_file_read(const char *path, size_t max_size, char **data, size_t *len);

#endif
