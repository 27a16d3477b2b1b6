/* Shared set-up of the firewall tests: a firewall with one network and two
 * containers in the test's private namespace. */
#ifndef OC_TEST_FWTEST_H
#define OC_TEST_FWTEST_H

#include <outcall/kernel.h>

#include "kernel/firewall.h"

#define NET_GW 0x0ac80001u      /* 10.200.0.1 */
#define AGENT1 0x0ac80002u      /* 10.200.0.2 */
#define AGENT2 0x0ac80003u      /* 10.200.0.3 */
#define WEB 0xc6120150u         /* 198.18.1.80 */

/* Opens a firewall (cfg may be NULL) and adds network "default" on outcall0
 * with agent-1 and agent-2; does not apply. */
oc_firewall *fwtest_open(const oc_kernel_config *cfg);
oc_grant fwtest_grant(const char *rule, uint32_t container, uint32_t dest, uint16_t port,
	uint32_t timeout_ms);
/* `nft -j -s list ruleset`, normalised (no handles, no expiry times,
 * elements sorted) so that two equal rulesets compare equal as text. */
char *fwtest_ruleset_json(const char *nft_file);

#endif
