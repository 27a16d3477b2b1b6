#include "identity/names.h"

#include <string.h>

bool oc_name_valid(const char *name)
{
	if (!name)
		return false;
	size_t n = strlen(name);
	return n > 0 && n < OC_NAME_MAX &&
		strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}
