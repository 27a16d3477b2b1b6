#include "core/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int oc_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4096], dir[4096];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return oc_error_set(OC_EINVAL, "path too long: %s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return oc_error_os("cannot create a temporary file next to %s", path);
	int rc = 0;
	if (fchmod(fd, mode) != 0)
		rc = oc_error_os("cannot set the mode of %s", tmp);
	else if (write_all(fd, data, len) != 0)
		rc = oc_error_os("cannot write %s", tmp);
	else if (fsync(fd) != 0)
		rc = oc_error_os("cannot flush %s to disk", tmp);
	if (close(fd) != 0 && !rc)
		rc = oc_error_os("cannot close %s", tmp);
	if (!rc && rename(tmp, path) != 0)
		rc = oc_error_os("cannot replace %s", path);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	/* The rename is durable only once the directory entry is. */
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int oc_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s", path);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return oc_error_set(OC_EINVAL, "bad directory path: %s", path);
	for (char *p = buf + 1;; p++) {
		bool end = *p == '\0';
		if (*p == '/' || end) {
			*p = '\0';
			if (mkdir(buf, mode) != 0 && errno != EEXIST)
				return oc_error_os("cannot create directory %s", buf);
			struct stat st;
			if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
				return oc_error_set(OC_EEXIST, "%s exists and is not a directory", buf);
			if (end)
				break;
			*p = '/';
		}
	}
	return 0;
}
