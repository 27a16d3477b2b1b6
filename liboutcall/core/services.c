#include "core/services.h"

#include "core/error.h"

int oc_services_check(const char *layer, const oc_loop *loop, const oc_services *svc,
	bool ranges)
{
	if (loop && svc && svc->rules && svc->registry && svc->events &&
	    (!ranges || svc->private_ranges))
		return 0;
	return oc_error_set(OC_EINVAL, "%s: needs a loop, and oc_services naming the live rules, "
		"the registry, the events hub%s (only the firewall is optional)", layer,
		ranges ? " and the private ranges" : "");
}
