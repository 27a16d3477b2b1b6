#include "fwtest.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <outcall/error.h>

#include "nstest.h"

oc_firewall *fwtest_open(const oc_kernel_config *cfg)
{
	oc_firewall *fw = NULL;
	int rc = oc_firewall_open(cfg, &fw);
	cr_assert_eq(rc, 0, "%s", oc_error_last()->message);
	struct oc_nft_net net = { "default", "outcall0", NET_GW };
	struct oc_nft_member a1 = { "agent-1", "oc0-2", { 2, 0, 10, 200, 0, 2 }, AGENT1 };
	struct oc_nft_member a2 = { "agent-2", "oc0-3", { 2, 0, 10, 200, 0, 3 }, AGENT2 };
	cr_assert_eq(oc_firewall_add_net(fw, &net), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_add_member(fw, &a1), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_add_member(fw, &a2), 0, "%s", oc_error_last()->message);
	return fw;
}

oc_grant fwtest_grant(const char *rule, uint32_t container, uint32_t dest, uint16_t port,
	uint32_t timeout_ms)
{
	oc_grant g = { rule, { htonl(container) }, { htonl(dest) }, port, timeout_ms, NULL };
	return g;
}

/* jq: drop metainfo, handles and expiry; sort set elements. */
#define NORMALIZE "jq -S -c '[.nftables[] | select(has(\"metainfo\") | not)] " \
	"| walk(if type == \"object\" then del(.handle, .expires) else . end) " \
	"| walk(if type == \"object\" and (.elem | type) == \"array\" then .elem |= sort_by(tostring) else . end)'"

char *fwtest_ruleset_json(const char *nft_file)
{
	char *out = malloc(1 << 20);
	cr_assert_not_null(out);
	int rc;
	if (nft_file)
		/* a namespace of its own, so the file is loaded on an empty ruleset */
		rc = nstest_sh(out, 1 << 20, "unshare -n sh -c \"nft -f %s && nft -j -s list ruleset\" "
			"| " NORMALIZE, nft_file);
	else
		rc = nstest_sh(out, 1 << 20, "nft -j -s list ruleset | " NORMALIZE);
	cr_assert_eq(rc, 0, "listing the ruleset failed: %s", out);
	return out;
}
