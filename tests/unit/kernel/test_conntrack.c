/* Conntrack cuts (kernel/conntrack.c, kernel/fw_flows.c) and the repair of
 * tables someone else removed or changed (kernel/fw_watch.c), in a private
 * namespace.
 * Flows are real: datagrams over lo between addresses of the pool. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <outcall/error.h>
#include <outcall/kernel.h>

#include "fwtest.h"
#include "kernel/conntrack.h"
#include "kernel/firewall.h"
#include "nstest.h"

static const oc_direct_rule gh = { "github-api", "r1" };

/* One datagram from src to dst:port, which conntrack then tracks. */
static void flow(const char *src, const char *dst, uint16_t port)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(s, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, src, &a.sin_addr);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0, "bind %s", src);
	inet_pton(AF_INET, dst, &a.sin_addr);
	a.sin_port = htons(port);
	cr_assert_eq(sendto(s, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	close(s);
}

static bool tracked(const char *src, const char *dst, uint16_t port)
{
	char pattern[128];
	snprintf(pattern, sizeof(pattern), "src=%s dst=%s sport=[0-9]* dport=%u ", src, dst, port);
	return nstest_sh(NULL, 0, "grep -q '%s' /proc/net/nf_conntrack", pattern) == 0;
}

/* The pool's addresses on lo, the tables applied (they make conntrack
 * track this namespace) and a grant for agent-1 to WEB:443. */
static oc_firewall *world(void)
{
	cr_assert_eq(nstest_sh(NULL, 0, "for a in 10.200.0.1 10.200.0.2 10.200.0.9 198.18.1.80; "
		"do ip addr add $a/32 dev lo || exit 1; done"), 0);
	oc_firewall *fw = fwtest_open(NULL);
	cr_assert_eq(oc_firewall_apply(fw, &gh, 1), 0, "%s", oc_error_last()->message);
	oc_grant g = fwtest_grant("github-api", AGENT1, WEB, 443, 600000);
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), 0, "%s", oc_error_last()->message);
	return fw;
}

Test(conntrack, cuts_what_nothing_permits, .init = nstest_enter)
{
	oc_firewall *fw = world();
	flow("10.200.0.2", "198.18.1.80", 7070);   /* agent-1, no grant */
	flow("10.200.0.2", "198.18.1.80", 443);    /* agent-1, granted */
	flow("10.200.0.2", "10.200.0.1", 53);      /* agent-1 to its gateway */
	flow("10.200.0.9", "10.200.0.1", 53);      /* nobody holds .9 */
	flow("127.0.0.1", "127.0.0.5", 9);         /* not the pool's business */
	cr_assert(tracked("10.200.0.2", "198.18.1.80", 7070));
	size_t cut = 0;
	cr_assert_eq(oc_firewall_cut_flows(fw, &cut), 0, "%s", oc_error_last()->message);
	cr_assert_eq(cut, 2);
	cr_assert_not(tracked("10.200.0.2", "198.18.1.80", 7070));
	cr_assert_not(tracked("10.200.0.9", "10.200.0.1", 53));
	cr_assert(tracked("10.200.0.2", "198.18.1.80", 443));
	cr_assert(tracked("10.200.0.2", "10.200.0.1", 53));
	cr_assert(tracked("127.0.0.1", "127.0.0.5", 9));
	oc_firewall_free(fw);
}

Test(conntrack, a_changed_rule_cuts_its_flows, .init = nstest_enter)
{
	oc_firewall *fw = world();
	flow("10.200.0.2", "198.18.1.80", 443);
	oc_direct_rule changed = { "github-api", "r2" };
	cr_assert_eq(oc_firewall_apply(fw, &changed, 1), 0, "%s", oc_error_last()->message);
	cr_assert_not(tracked("10.200.0.2", "198.18.1.80", 443));
	oc_firewall_free(fw);
}

Test(conntrack, a_detached_address_keeps_no_flow, .init = nstest_enter)
{
	oc_firewall *fw = world();
	flow("10.200.0.2", "198.18.1.80", 443);
	flow("10.200.0.2", "10.200.0.1", 53);
	cr_assert_eq(oc_firewall_del_member(fw, AGENT1), 0, "%s", oc_error_last()->message);
	cr_assert_not(tracked("10.200.0.2", "198.18.1.80", 443));
	cr_assert_not(tracked("10.200.0.2", "10.200.0.1", 53));
	oc_firewall_free(fw);
}

Test(conntrack, cut_addr_takes_both_directions, .init = nstest_enter)
{
	oc_firewall *fw = world();
	flow("10.200.0.9", "10.200.0.2", 80);
	flow("10.200.0.2", "10.200.0.9", 80);
	flow("10.200.0.1", "198.18.1.80", 80);
	struct oc_nl nl;
	cr_assert_eq(oc_nl_open(&nl, NETLINK_NETFILTER, -1), 0);
	size_t cut = 0;
	cr_assert_eq(oc_ct_cut_addr(&nl, AGENT1, &cut), 0, "%s", oc_error_last()->message);
	cr_assert_eq(cut, 2);
	cr_assert(tracked("10.200.0.1", "198.18.1.80", 80));
	oc_nl_close(&nl);
	oc_firewall_free(fw);
}

Test(conntrack, tables_someone_else_removed_are_reinstalled, .init = nstest_enter)
{
	oc_firewall *fw = world();
	cr_assert_eq(oc_firewall_repair(fw), 0, "intact tables are left alone");
	cr_assert_eq(nstest_sh(NULL, 0, "nft flush ruleset"), 0);
	cr_assert_eq(oc_firewall_repair(fw), 1, "%s", oc_error_last()->message);
	cr_assert_eq(oc_firewall_installed(fw), 1);
	cr_assert_eq(nstest_sh(NULL, 0, "nft list table bridge outcall >/dev/null"), 0);
	cr_assert_eq(nstest_sh(NULL, 0, "nft flush chain inet outcall forward"), 0);
	cr_assert_eq(oc_firewall_repair(fw), 1, "an emptied chain is noticed too");
	cr_assert_eq(oc_firewall_repair(fw), 0);
	uint64_t cut, repairs;
	oc_firewall_watch_stats(fw, &cut, &repairs);
	cr_assert_eq(repairs, 2);
	oc_firewall_free(fw);
}

/* Same number of rules, another verdict: counting rules would miss it. */
Test(conntrack, a_rule_someone_else_replaced_is_put_back, .init = nstest_enter)
{
	oc_firewall *fw = world();
	oc_grant g = fwtest_grant("github-api", AGENT1, WEB, 8443, 600000);
	cr_assert_eq(oc_firewall_grant(fw, &g, 1), 0, "%s", oc_error_last()->message);
	cr_assert_eq(nstest_sh(NULL, 0, "nft add table ip someone-else"), 0);
	cr_assert_eq(oc_firewall_repair(fw), 0, "elements and other tables change no policy");
	const char *drop = "nft list chain inet outcall forward | grep -q 'forward-dropped\" drop'";
	cr_assert_eq(nstest_sh(NULL, 0, "%s", drop), 0);
	cr_assert_eq(nstest_sh(NULL, 0, "h=$(nft -a list chain inet outcall forward | "
		"sed -n 's/.*forward-dropped.*# handle //p') && nft replace rule inet outcall forward "
		"handle $h counter name forward-dropped accept"), 0);
	cr_assert_neq(nstest_sh(NULL, 0, "%s", drop), 0);
	cr_assert_eq(oc_firewall_repair(fw), 1, "%s", oc_error_last()->message);
	cr_assert_eq(nstest_sh(NULL, 0, "%s", drop), 0, "the drop is back");
	cr_assert_eq(nstest_sh(NULL, 0, "nft 'chain inet outcall forward { policy accept; }'"), 0);
	cr_assert_eq(oc_firewall_repair(fw), 1, "a chain's policy is part of it");
	cr_assert_eq(nstest_sh(NULL, 0, "nft list chain inet outcall forward | grep -q 'policy drop'"), 0);
	cr_assert_eq(oc_firewall_repair(fw), 0);
	uint64_t cut, repairs;
	oc_firewall_watch_stats(fw, &cut, &repairs);
	cr_assert_eq(repairs, 2);
	oc_firewall_free(fw);
}

Test(conntrack, a_revoked_grant_is_gone_with_its_flows, .init = nstest_enter)
{
	oc_firewall *fw = world();
	flow("10.200.0.2", "198.18.1.80", 443);
	oc_grant g = fwtest_grant("github-api", AGENT1, WEB, 443, 1);
	size_t cut = 0;
	cr_assert_eq(oc_firewall_revoke(fw, &g, 1, &cut), 0, "%s", oc_error_last()->message);
	cr_assert_eq(cut, 1);
	cr_assert_not(tracked("10.200.0.2", "198.18.1.80", 443));
	oc_grant_list *l;
	cr_assert_eq(oc_firewall_grants(fw, &l), 0);
	cr_assert_eq(oc_grant_list_count(l), 0);
	oc_grant_list_free(l);
	/* revoking what is not there is no error */
	cr_assert_eq(oc_firewall_revoke(fw, &g, 1, NULL), 0, "%s", oc_error_last()->message);
	oc_firewall_free(fw);
}
