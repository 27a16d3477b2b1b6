#include <outcall/outcall.h>

const char *oc_version(void)
{
	return OC_VERSION_STRING;
}
