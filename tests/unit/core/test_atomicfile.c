#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <outcall/error.h>
#include "core/atomicfile.h"
#include "tmpfiles.h"

static void teardown(void)
{
	tmp_cleanup();
}

TestSuite(atomicfile, .fini = teardown);

static void read_back(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	size_t n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

Test(atomicfile, replaces_content_with_mode_and_leaves_no_temp)
{
	const char *d = tmp_dir();
	char path[512], buf[64];
	snprintf(path, sizeof(path), "%s/state.json", d);
	cr_assert_eq(oc_file_write_atomic(path, "old", 3, 0600), 0);
	cr_assert_eq(oc_file_write_atomic(path, "new!", 4, 0640), 0);
	read_back(path, buf, sizeof(buf));
	cr_assert_str_eq(buf, "new!");
	struct stat st;
	stat(path, &st);
	cr_assert_eq(st.st_mode & 0777, 0640);
	DIR *dir = opendir(d);
	struct dirent *de;
	int files = 0;
	while ((de = readdir(dir)))
		files += de->d_name[0] != '.';
	closedir(dir);
	cr_assert_eq(files, 1, "no temporary file is left behind");
}

Test(atomicfile, errors_name_the_path)
{
	cr_assert_eq(oc_file_write_atomic("/nonexistent-dir/x.json", "a", 1, 0600), OC_EOS);
	cr_assert(strstr(oc_error_last()->message, "/nonexistent-dir/x.json"));
}

Test(atomicfile, mkdir_p)
{
	const char *d = tmp_dir();
	char path[512];
	snprintf(path, sizeof(path), "%s/a/b/c", d);
	cr_assert_eq(oc_mkdir_p(path, 0700), 0);
	cr_assert_eq(oc_mkdir_p(path, 0700), 0, "existing directories are fine");
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/file", d);
	oc_file_write_atomic(path, "x", 1, 0600);
	snprintf(path, sizeof(path), "%s/file/sub", d);
	cr_assert_neq(oc_mkdir_p(path, 0700), 0);
}
