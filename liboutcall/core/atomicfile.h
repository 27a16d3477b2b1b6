/* Writing a file so that readers and crashes only ever see the old or the
 * new content: temp file in the same directory, fsync, rename, fsync of
 * the directory. Used for state, access requests and approved rules. */
#ifndef OC_CORE_ATOMICFILE_H
#define OC_CORE_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Replaces `path` with `len` bytes of `data`, created with `mode`.
 * Returns 0 or OC_EOS with a message naming the path. */
int oc_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Creates `path` and missing parents with `mode` (like mkdir -p); an
 * existing directory is fine, anything else at that path is an error. */
int oc_mkdir_p(const char *path, mode_t mode);

#endif
