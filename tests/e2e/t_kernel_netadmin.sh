#!/bin/bash
# An agent with CAP_NET_ADMIN in its own namespace (root in the lab's
# agent namespaces) rewrites its routes, its ARP entries, its addresses and
# its own nftables, and is still held by the host's tables.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
. "$here/kernel-lib.sh"
lab_init
expect_ok "tables installed" labctl apply
kernel_attach a1 a2
listen host proxy 8080 explicit-proxy 10.200.0.1
listen a2 a2-service 7777 a2-secret
gwmac=$(lab_host cat /sys/class/net/outcall0/address)
lab_capture_start out up0 wan 'ip and (src host 198.18.0.1 or src net 10.200.0.0/16)'
lab_capture_start a2rx eth0 a2 "ether src ${AGENT_MAC[a1]} and not arp"

expect_ok "the agent can change its own firewall" lab_in a1 nft flush ruleset
expect_ok "and add its own accept-all table" lab_in a1 nft -f - <<'NFT'
table inet mine {
	chain out {
		type filter hook output priority -500; policy accept;
	}
}
NFT
expect_ok "it routes wan on-link" lab_in a1 ip route replace 198.18.1.0/24 dev eth0
expect_ok "with a static ARP entry for wan on the gateway's MAC" \
	lab_in a1 ip neigh replace "$LAB_IP_WEB" lladdr "$gwmac" dev eth0
expect_fail "TCP to wan is still dropped" tcp a1 "$LAB_IP_WEB" 8080
expect_fail "another route: via a made-up gateway" \
	sh -c "lab_in a1 ip route replace default via 10.200.0.9 dev eth0 onlink &&
		lab_in a1 ip neigh replace 10.200.0.9 lladdr $gwmac dev eth0 &&
		lab_in a1 timeout 3 socat -T2 - TCP:$LAB_IP_EVIL:2222,connect-timeout=2 </dev/null"
expect_ok "a static ARP entry points a2's IP at a2's MAC" \
	lab_in a1 ip neigh replace "${AGENT_IP[a2]}" lladdr "${AGENT_MAC[a2]}" dev eth0
expect_fail "a2 is still unreachable" tcp a1 "${AGENT_IP[a2]}" 7777
expect_ok "or at the gateway's MAC, to be routed" \
	lab_in a1 ip neigh replace "${AGENT_IP[a2]}" lladdr "$gwmac" dev eth0
expect_fail "a2 is still unreachable through the host" tcp a1 "${AGENT_IP[a2]}" 7777

# ARP poisoning: a1 claims a2's address towards the host.
lab_in a1 busybox arping -U -c2 -w2 -I eth0 -s "${AGENT_IP[a2]}" "${AGENT_IP[a2]}" >/dev/null 2>&1
expect_nomatch "the host did not learn a1's MAC for a2's address" "${AGENT_MAC[a1]}" \
	"$(lab_host ip neigh show "${AGENT_IP[a2]}")"

# Identity theft: a1 takes a2's MAC and IP.
lab_in a1 ip addr flush dev eth0
lab_in a1 ip link set eth0 address "${AGENT_MAC[a2]}"
lab_in a1 ip addr add "${AGENT_IP[a2]}/24" dev eth0
lab_in a1 ip route replace default via 10.200.0.1 dev eth0
expect_fail "a1 wearing a2's MAC and IP is dropped" tcp a1 10.200.0.1 8080
expect_ok "while a2 itself is served" tcp a2 10.200.0.1 8080

expect_eq "nothing of a1 reached wan" 0 "$(lab_capture_count out)"
expect_eq "nothing of a1 (but ARP) reached a2" 0 "$(lab_capture_count a2rx)"
lab_done
