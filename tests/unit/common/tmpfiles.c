#include "tmpfiles.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ftw.h>
#include <unistd.h>

static char dirs[64][256];
static int ndirs;

const char *tmp_dir(void)
{
	cr_assert_lt(ndirs, 64);
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dirs[ndirs], sizeof(dirs[0]), "%s/oc-test-XXXXXX", base);
	cr_assert_not_null(mkdtemp(dirs[ndirs]));
	return dirs[ndirs++];
}

const char *tmp_write(const char *dir, const char *name, const char *content)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(content, f);
	fclose(f);
	return path;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void tmp_cleanup(void)
{
	for (int i = 0; i < ndirs; i++)
		nftw(dirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ndirs = 0;
}
