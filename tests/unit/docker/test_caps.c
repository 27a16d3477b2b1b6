/* Which capabilities a container's processes could hold: the bounding set
 * read from /proc/<pid>/status, the risky bits named for the operator. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "docker/caps.h"

/* Docker 20+'s default set: CAP_NET_RAW (13) among the rest, nothing risky else. */
static const char docker_default[] = "Name:\tsleep\nCapInh:\t0000000000000000\n"
	"CapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n"
	"CapAmb:\t0000000000000000\nNoNewPrivs:\t0\n";

Test(caps, bounding_set_of_docker_defaults)
{
	uint64_t bnd = 0;
	cr_assert_eq(oc_caps_parse_bounding(docker_default, &bnd), 0);
	cr_assert_eq(bnd, UINT64_C(0xa80425fb));
	cr_assert_eq(bnd & OC_CAPS_RISKY, UINT64_C(1) << 13, "only CAP_NET_RAW is risky there");
}

Test(caps, the_bounding_set_counts_not_the_effective_one)
{
	/* a non-root user's process: nothing effective, but a setuid binary
	 * could still rise to the bounding set */
	const char *text = "CapEff:\t0000000000000000\nCapBnd:\t0000000000003000\n";
	uint64_t bnd = 0;
	cr_assert_eq(oc_caps_parse_bounding(text, &bnd), 0);
	cr_assert_eq(bnd, UINT64_C(0x3000));
}

Test(caps, cap_drop_all_has_nothing)
{
	uint64_t bnd = 1;
	cr_assert_eq(oc_caps_parse_bounding("CapBnd:\t0000000000000000\n", &bnd), 0);
	cr_assert_eq(bnd, 0);
}

Test(caps, malformed_status_is_an_error_not_an_empty_set)
{
	static const char *const bad[] = {
		"", "Name:\tx\n", "CapBnd:\t\n", "CapBnd:\tzz\n", "CapBnd:\t00ff junk\n",
		"CapBnd:\t1ffffffffffffffffffff\n", "XCapBnd:\t0\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t bnd = 0;
		cr_assert_eq(oc_caps_parse_bounding(bad[i], &bnd), OC_EPARSE, "'%s'", bad[i]);
	}
}

Test(caps, names_of_the_risky_bits)
{
	char out[96];
	oc_caps_names(OC_CAPS_RISKY | 1, out, sizeof(out));
	cr_assert_str_eq(out, "CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN");
	oc_caps_names(UINT64_C(1) << 12, out, sizeof(out));
	cr_assert_str_eq(out, "CAP_NET_ADMIN");
	oc_caps_names(0, out, sizeof(out));
	cr_assert_str_eq(out, "");
	char tiny[16];
	oc_caps_names(OC_CAPS_RISKY, tiny, sizeof(tiny));
	cr_assert_str_eq(tiny, "CAP_NET_RAW", "a short buffer holds whole names only");
}

Test(caps, of_a_live_process_and_of_a_gone_one)
{
	uint64_t risky = ~UINT64_C(0);
	cr_assert_eq(oc_caps_risky_of(getpid(), &risky), 0);
	cr_assert_eq(risky & ~OC_CAPS_RISKY, 0, "only the risky bits are reported");
	cr_assert_eq(oc_caps_risky_of(0x7ffffff0, &risky), OC_EOS);
	cr_assert(strstr(oc_error_last()->message, "/proc/2147483632/status"),
		"%s", oc_error_last()->message);
}
