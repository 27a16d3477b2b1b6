/* Temporary rule directories for unit tests. */
#ifndef OC_TEST_TMPFILES_H
#define OC_TEST_TMPFILES_H

/* A new empty directory under $TMPDIR; removed by tmp_cleanup(). */
const char *tmp_dir(void);
/* Writes dir/name (creating subdirectories) and returns its path (static
 * storage reused per call: copy it if needed). */
const char *tmp_write(const char *dir, const char *name, const char *content);
void tmp_cleanup(void);

#endif
