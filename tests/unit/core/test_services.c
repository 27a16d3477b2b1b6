/* Every layer refuses incomplete services the same way: the loop, the
 * rules, the registry and the events hub are required, the private ranges
 * where the layer asks for them, the firewall never. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/error.h"
#include "core/services.h"

Test(core_services, what_a_layer_needs)
{
	/* Stand-ins: the check looks only at which pointers are set. */
	static char any;
	oc_loop *loop = (oc_loop *)&any;
	oc_services full = {
		.rules = (oc_live *)&any, .registry = (oc_registry *)&any,
		.events = (oc_events *)&any, .private_ranges = (const oc_addr_policy *)&any,
	};
	cr_assert_eq(oc_services_check("proxy", loop, &full, true), 0, "the firewall is optional");

	oc_services no_ranges = full;
	no_ranges.private_ranges = NULL;
	cr_assert_eq(oc_services_check("agent sockets", loop, &no_ranges, false), 0);
	cr_assert_eq(oc_services_check("DNS server", loop, &no_ranges, true), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "DNS server: "), "%s", oc_error_last()->message);
	cr_assert(strstr(oc_error_last()->message, "private ranges"));

	oc_services no_events = full;
	no_events.events = NULL;
	cr_assert_eq(oc_services_check("proxy", loop, &no_events, true), OC_EINVAL);
	cr_assert_eq(oc_services_check("proxy", NULL, &full, true), OC_EINVAL, "no loop");
	cr_assert_eq(oc_services_check("proxy", loop, NULL, true), OC_EINVAL, "no services");
}
