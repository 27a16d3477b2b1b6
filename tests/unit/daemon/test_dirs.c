/* The daemon's paths from names it is given (Docker's events among them):
 * a name that is not a container's never becomes a path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "daemon/docker.h"
#include "daemon/internal.h"

Test(daemon_dirs, agent_dirs_only_for_container_names)
{
	oc_daemon d;
	memset(&d, 0, sizeof(d));
	d.cfg.run_dir = "/run/outcall-test";
	char dir[256];
	cr_assert_eq(oc_dk_agent_dir(&d, "coder-1", false, dir, sizeof(dir)), 0);
	cr_assert_str_eq(dir, "/run/outcall-test/agents/coder-1");
	const char *bad[] = { "..", ".", "../../etc", "a/b", "", "x\ny" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(oc_dk_agent_dir(&d, bad[i], false, dir, sizeof(dir)), OC_EINVAL,
			"'%s' must not become a directory", bad[i]);
}
