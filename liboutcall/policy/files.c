#include "policy/files.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"

static bool is_rule_file_name(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.')
		return false; /* editors' swap and backup files */
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int add_path(oc_file_list *l, const char *path, size_t max_files)
{
	if (l->count >= max_files)
		return oc_error_set(OC_ELIMIT, "%s: more than %zu rule files; merge files or raise "
			"the file limit", path, max_files);
	char **grown = realloc(l->paths, (l->count + 1) * sizeof(*grown));
	if (!grown)
		return oc_error_nomem();
	l->paths = grown;
	if (!(l->paths[l->count] = strdup(path)))
		return oc_error_nomem();
	l->count++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int refuse_symlink(const char *path)
{
	return oc_error_set(OC_EPERM, "%s: is a symbolic link; rule files and directories "
		"must be real files (copy the file instead of linking it)", path);
}

/* Adds the rule files of one directory, sorted by byte order, then those of
 * its "requests/" subdirectory (approved access requests). */
static int expand_dir(oc_file_list *l, const char *dir, size_t max_files, bool top)
{
	DIR *d = opendir(dir);
	if (!d)
		return oc_error_os("cannot read rules directory %s", dir);
	char **names = NULL;
	size_t n = 0;
	bool has_requests = false;
	int rc = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue; /* removed while we looked */
			rc = oc_error_os("cannot stat %s/%s", dir, de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (top && strcmp(de->d_name, "requests") == 0)
				has_requests = true;
			continue;
		}
		if (!is_rule_file_name(de->d_name))
			continue;
		if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
			oc_buf p = OC_BUF_INIT;
			oc_buf_printf(&p, "%s/%s", dir, de->d_name);
			rc = S_ISLNK(st.st_mode) ? refuse_symlink(p.data)
				: oc_error_set(OC_EPERM, "%s: not a regular file", p.data);
			oc_buf_free(&p);
			break;
		}
		char **grown = realloc(names, (n + 1) * sizeof(*grown));
		if (!grown || !(grown[n] = strdup(de->d_name))) {
			if (grown)
				names = grown;
			rc = oc_error_nomem();
			break;
		}
		names = grown;
		n++;
	}
	closedir(d);
	if (!rc && n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && !rc; i++) {
		oc_buf p = OC_BUF_INIT;
		rc = oc_buf_printf(&p, "%s/%s", dir, names[i]);
		if (!rc)
			rc = add_path(l, p.data, max_files);
		oc_buf_free(&p);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!rc && has_requests) {
		oc_buf p = OC_BUF_INIT;
		rc = oc_buf_printf(&p, "%s/requests", dir);
		if (!rc)
			rc = expand_dir(l, p.data, max_files, false);
		oc_buf_free(&p);
	}
	return rc;
}

int oc_files_expand(const char *const *paths, size_t npaths, size_t max_files, oc_file_list *out)
{
	out->paths = NULL;
	out->count = 0;
	int rc = 0;
	for (size_t i = 0; i < npaths && !rc; i++) {
		/* lstat("dir/") would follow a symlink: drop trailing slashes. */
		char *p = strdup(paths[i]);
		if (!p) {
			rc = oc_error_nomem();
			break;
		}
		for (size_t n = strlen(p); n > 1 && p[n - 1] == '/'; n--)
			p[n - 1] = '\0';
		struct stat st;
		if (lstat(p, &st) != 0) {
			/* A missing directory is the usual first-run mistake: say
			 * how to get going. */
			if (errno == ENOENT)
				rc = oc_error_set(OC_ENOTFOUND, "rules %s: no such file or directory; "
					"create it (mkdir -p %s) and put *.yaml rule files there "
					"(an empty directory is valid: it blocks everything)", p, p);
			else
				rc = oc_error_os("cannot open rules %s", p);
		} else if (S_ISLNK(st.st_mode))
			rc = refuse_symlink(p);
		else if (S_ISDIR(st.st_mode))
			rc = expand_dir(out, p, max_files, true);
		else if (S_ISREG(st.st_mode))
			rc = add_path(out, p, max_files);
		else
			rc = oc_error_set(OC_EPERM, "%s: not a regular file or directory", p);
		free(p);
	}
	if (rc)
		oc_files_free(out);
	return rc;
}

void oc_files_free(oc_file_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->paths[i]);
	free(l->paths);
	l->paths = NULL;
	l->count = 0;
}

int oc_file_read(const char *path, size_t max_size, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? refuse_symlink(path) : oc_error_os("cannot open %s", path);
	struct stat st;
	int rc = 0;
	char *buf = NULL;
	size_t got = 0;
	if (fstat(fd, &st) != 0) {
		rc = oc_error_os("cannot stat %s", path);
	} else if (!S_ISREG(st.st_mode)) {
		rc = oc_error_set(OC_EPERM, "%s: not a regular file", path);
	} else if ((size_t)st.st_size > max_size) {
		rc = oc_error_set(OC_ELIMIT, "%s: %lld bytes is over the %zu-byte limit for a rule "
			"file; split it into several files", path, (long long)st.st_size, max_size);
	} else if (!(buf = malloc((size_t)st.st_size + 1))) {
		rc = oc_error_nomem();
	} else {
		/* The file may grow while we read; never read past the size we
		 * checked. */
		while (got < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				rc = oc_error_os("cannot read %s", path);
				break;
			}
			if (r == 0)
				break;
			got += (size_t)r;
		}
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}
