#include "identity/names.h"

#include <string.h>

bool oc_name_valid(const char *name)
{
	if (!name)
		return false;
	size_t n = strlen(name);
	/* "." and ".." would name a directory other than the container's own
	 * in <run_dir>/agents/<name>. */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	return n > 0 && n < OC_NAME_MAX &&
		strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}
