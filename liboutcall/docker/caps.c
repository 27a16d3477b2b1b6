/*
 * A container made by other tools keeps Docker's default capabilities
 * unless told otherwise, and those include CAP_NET_RAW; `--cap-add` or
 * `--privileged` give CAP_NET_ADMIN and CAP_SYS_ADMIN too. With them, root
 * in the container forges frames, rewrites its interface, or (SYS_ADMIN)
 * mounts and enters namespaces. Outcall's layer-2 and kernel rules hold
 * against the first two, but an operator should choose that exposure, not
 * inherit it: attach refuses such a container unless it was accepted.
 *
 * The bounding set of the container's first process is read, not
 * Docker's CapAdd/CapDrop: it is what the kernel enforces, whatever the
 * engine's defaults or a runtime's, and no process of the container can
 * ever rise above it.
 */
#include "docker/caps.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int oc_caps_parse_bounding(const char *status, uint64_t *out)
{
	for (const char *line = status; line && *line; ) {
		if (strncmp(line, "CapBnd:", 7) == 0) {
			const char *p = line + 7;
			while (*p == ' ' || *p == '\t')
				p++;
			char *end;
			errno = 0;
			unsigned long long v = strtoull(p, &end, 16);
			if (end == p || errno || (*end != '\n' && *end != '\0'))
				break;
			*out = (uint64_t)v;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return oc_error_set(OC_EPARSE, "no readable CapBnd line in the process status");
}

int oc_caps_risky_of(pid_t pid, uint64_t *out)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return oc_error_set(OC_EOS, "%s: %s (is the container still running?)", path,
			strerror(errno));
	char text[8192];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	uint64_t bnd;
	if (oc_caps_parse_bounding(text, &bnd) != 0)
		return oc_error_set(OC_EPARSE, "%s: no readable CapBnd line", path);
	*out = bnd & OC_CAPS_RISKY;
	return 0;
}

void oc_caps_names(uint64_t caps, char *out, size_t size)
{
	static const struct { int bit; const char *name; } names[] = {
		{ 13, "CAP_NET_RAW" }, { 12, "CAP_NET_ADMIN" }, { 21, "CAP_SYS_ADMIN" },
	};
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(caps & (UINT64_C(1) << names[i].bit)))
			continue;
		int w = snprintf(out + len, size - len, "%s%s", len ? ", " : "", names[i].name);
		if (w < 0 || (size_t)w >= size - len) {
			out[len] = '\0'; /* whole names only */
			return;
		}
		len += (size_t)w;
	}
}
