/*
 * Which host paths an agent container may be given. A bind of a path that
 * is, contains, or lies inside a protected path (the container engine's
 * sockets, Outcall's host and agent sockets, rules and state) would hand
 * the agent the host or another agent's identity, so it is refused before
 * Docker is asked.
 *
 * Paths are compared twice: as resolved paths (symlinks and ".." gone),
 * and by device and inode, which also sees through another name for the
 * same object: a bind mount of a protected directory or of one of its
 * parents, a hard link to a protected socket or to a socket under a
 * protected directory. Not seen: a directory elsewhere that holds a hard
 * link to such a socket (only root can make one: the kernel's
 * protected_hardlinks stops others), and a path that
 * changes between this check and Docker's mount; the resolved path is what
 * Docker is given, so only a directory swapped for a symlink in that
 * window (by someone who can write to the host path) would get through.
 *
 * Whatever is not protected must still lie in a directory the operator
 * opened to agents (bind_dirs, outcalld's --run-bind-dirs): without that
 * list any unprotected file of the host (/etc/shadow, another user's home)
 * could be bound, and read with a matching --user.
 */
#include "docker/client.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"

/* Engine sockets and the directories that hold them (dockerd's exec root
 * holds its containerd's socket). */
static const char *const engine_paths[] = {
	"/var/run/docker.sock", "/run/docker.sock", "/run/docker", "/var/run/docker",
	"/run/containerd", "/var/run/containerd", "/run/podman", "/run/buildkit", "/run/crio",
	NULL,
};

/* Targets a bind may not shadow. */
static const char *const guarded_targets[] = {
	OC_DOCKER_AGENT_DIR, OC_DOCKER_RESOLV_CONF, NULL,
};

/* a and b are absolute and normalised: a == b, or b lies below a. */
static bool at_or_below(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Does path p, or one of its parents, have the inode of `st`? */
static bool path_or_parent_is(const char *p, const struct stat *st)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", p);
	for (;;) {
		struct stat s;
		if (stat(buf, &s) == 0 && same_inode(&s, st))
			return true;
		char *slash = strrchr(buf, '/');
		if (!slash || buf[1] == '\0')
			return false;
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/* Does directory `dir` hold (down to `depth` levels) a socket with the
 * inode of `st`? Finds hard links to the sockets under a protected
 * directory; those directories are small (a run directory's sockets). */
static bool holds_socket(const char *dir, const struct stat *st, int depth)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(dp))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		char p[PATH_MAX];
		struct stat s;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= sizeof(p) ||
		    lstat(p, &s) != 0)
			continue;
		if (S_ISSOCK(s.st_mode))
			found = same_inode(&s, st);
		else if (S_ISDIR(s.st_mode) && depth > 0)
			found = holds_socket(p, st, depth - 1);
	}
	closedir(dp);
	return found;
}

/* Refuses source `src` (resolved, stat'ed) when it exposes `prot`. */
static int check_protected(const oc_docker_bind *b, const char *src, const struct stat *sst,
	const char *prot)
{
	char rp[PATH_MAX];
	struct stat pst;
	/* a protected path that does not exist has nothing to expose */
	if (!realpath(prot, rp) || stat(rp, &pst) != 0)
		return 0;
	const char *how = NULL;
	if (at_or_below(src, rp) || path_or_parent_is(rp, sst))
		how = strcmp(src, rp) == 0 || same_inode(sst, &pst) ? "is" : "contains";
	else if (at_or_below(rp, src) || path_or_parent_is(src, &pst) ||
		 (S_ISSOCK(sst->st_mode) && S_ISDIR(pst.st_mode) && holds_socket(rp, sst, 3)))
		how = "lies inside";
	if (!how)
		return 0;
	return oc_error_set(OC_EPERM, "bind %s:%s refused: %s %s %s%s%s, which no agent container "
		"may see (it would reach the container engine or Outcall's own sockets, rules or "
		"state); bind a directory that does not hold it", b->source, b->target, src, how,
		prot, strcmp(prot, rp) ? " = " : "", strcmp(prot, rp) ? rp : "");
}

/* A container path: absolute, no "." or ".." segments, not "/"; written
 * to out without repeated or trailing slashes. */
static int normal_target(const oc_docker_bind *b, char *out, size_t size)
{
	const char *t = b->target;
	if (!t || t[0] != '/')
		return oc_error_set(OC_EINVAL, "bind %s:%s: the target must be an absolute path",
			b->source ? b->source : "", t ? t : "");
	size_t o = 0;
	for (const char *p = t; *p;) {
		while (*p == '/')
			p++;
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!n)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return oc_error_set(OC_EINVAL, "bind %s:%s: the target may not have '.' or '..' "
				"segments", b->source, t);
		if (o + 1 + n >= size)
			return oc_error_set(OC_EINVAL, "bind %s:%s: the target is too long", b->source, t);
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	if (!o)
		return oc_error_set(OC_EINVAL, "bind %s:%s: the target may not be /", b->source, t);
	return 0;
}

static int check_target(const oc_docker_bind *b)
{
	char t[PATH_MAX];
	int rc = normal_target(b, t, sizeof(t));
	for (size_t i = 0; !rc && guarded_targets[i]; i++) {
		const char *g = guarded_targets[i];
		if (at_or_below(t, g) || at_or_below(g, t))
			rc = oc_error_set(OC_EPERM, "bind %s:%s refused: the target %s %s, where Outcall "
				"puts the container's %s", b->source, b->target,
				at_or_below(t, g) ? "would shadow" : "lies inside", g,
				strcmp(g, OC_DOCKER_AGENT_DIR) == 0 ? "agent socket" : "resolver");
	}
	return rc;
}

/* The operator's allow-list (bind_dirs): the resolved source must be one
 * of them or lie below one, compared as resolved paths, so "..", symlinks,
 * trailing slashes and a sibling sharing a prefix (/srv/work2 against
 * /srv/work) decide nothing. */
static int check_allowed(oc_docker *d, const oc_docker_bind *b, const char *src)
{
	oc_buf list = OC_BUF_INIT;
	for (size_t i = 0; d->bind_dirs[i]; i++) {
		char rd[PATH_MAX];
		if (realpath(d->bind_dirs[i], rd) && at_or_below(rd, src)) {
			oc_buf_free(&list);
			return 0;
		}
		oc_buf_printf(&list, "%s%s", i ? ":" : "", d->bind_dirs[i]);
	}
	int rc = oc_error_set(OC_EPERM, "bind %s:%s refused: %s is not in a directory that "
		"agent containers may be given (%s); put what the agent needs there, or have root "
		"add its directory to outcalld's --run-bind-dirs", b->source, b->target, src,
		list.len ? list.data : "none: outcalld's --run-bind-dirs is empty");
	oc_buf_free(&list);
	return rc;
}

static int check_bind(oc_docker *d, const oc_docker_bind *b, char **resolved)
{
	if (!b->source || b->source[0] != '/')
		return oc_error_set(OC_EINVAL, "bind %s:%s: the source must be an absolute host path",
			b->source ? b->source : "", b->target ? b->target : "");
	int rc = check_target(b);
	if (rc)
		return rc;
	char src[PATH_MAX];
	struct stat st;
	if (!realpath(b->source, src) || stat(src, &st) != 0)
		return oc_error_set(errno == ENOENT ? OC_ENOTFOUND : OC_EOS, "bind %s:%s: the source "
			"cannot be resolved: %s", b->source, b->target, strerror(errno));
	rc = check_protected(b, src, &st, d->socket);
	for (size_t i = 0; !rc && engine_paths[i]; i++)
		rc = check_protected(b, src, &st, engine_paths[i]);
	for (size_t i = 0; !rc && d->protected_paths[i]; i++)
		rc = check_protected(b, src, &st, d->protected_paths[i]);
	if (!rc)
		rc = check_allowed(d, b, src);
	if (!rc && !(*resolved = strdup(src)))
		rc = oc_error_nomem();
	return rc;
}

int oc_docker_binds_check(oc_docker *d, const oc_docker_bind *binds, size_t nbinds,
	char ***resolved)
{
	char **r = calloc(nbinds ? nbinds : 1, sizeof(char *));
	if (!r)
		return oc_error_nomem();
	int rc = 0;
	for (size_t i = 0; !rc && i < nbinds; i++)
		rc = check_bind(d, &binds[i], &r[i]);
	if (rc) {
		oc_docker_binds_free(r, nbinds);
		return rc;
	}
	*resolved = r;
	return 0;
}

void oc_docker_binds_free(char **resolved, size_t n)
{
	for (size_t i = 0; resolved && i < n; i++)
		free(resolved[i]);
	free(resolved);
}
