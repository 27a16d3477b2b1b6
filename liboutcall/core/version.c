#include <outcall/outcall.h>

#include <ctype.h>

#include "core/error.h"
#include "core/version.h"

const char *oc_version(void)
{
	return OC_VERSION_STRING;
}

int oc_struct_version_check(unsigned int version, unsigned int newest, const char *type)
{
	if (version >= 1 && version <= newest)
		return 0;
	char macro[64];
	size_t i = 0;
	for (; type[i] && i + 1 < sizeof(macro); i++)
		macro[i] = (char)toupper((unsigned char)type[i]);
	macro[i] = '\0';
	/* 0 is the usual case: a struct that was zeroed or filled field by
	 * field instead of initialised. */
	return oc_error_set(OC_EINVAL, "%s has version %u, this library knows 1 to %u: "
		"initialise it with %s_init() or %s_INIT", type, version, newest, type, macro);
}
