#!/bin/bash
# Fail closed: the process that installed the policy is SIGKILLed and the
# policy stays. On restart the tables are replaced in one transaction (one
# ruleset generation) and the direct_ip grants of unchanged rules survive.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
. "$here/kernel-lib.sh"
lab_init
lab_bg host hold "$LABCTL" --direct web:r1 hold
lab_wait 5 "the policy installed by labctl hold" grep -q '^ready$' "$LAB_DIR/hold.log"
kernel_attach a1 a2
listen host tproxy-http 15080 transparent-http
listen a2 a2-service 7777 a2-secret
expect_ok "grant a1 web:8080" labctl grant --rule web --container "${AGENT_IP[a1]}" \
	--dest "$LAB_IP_WEB" --port 8080 --timeout-ms 600000 --note web.lab.test
expect_ok "grant a1 web:80" labctl grant --rule web --container "${AGENT_IP[a1]}" \
	--dest "$LAB_IP_WEB" --port 80 --timeout-ms 600000

# What must hold whoever is (or is not) running.
policy_holds() {
	local when=$1
	expect_fail "$when: TCP to an ungranted port of wan is dropped" tcp a1 "$LAB_IP_WEB" 2222
	expect_fail "$when: a2 has no grant at all" tcp a2 "$LAB_IP_WEB" 8080
	expect_ok "$when: tcp/80 of a host without a grant is redirected" tcp a2 "$LAB_IP_EVIL" 80 &&
		expect_eq "$when: to the transparent proxy" transparent-http "$LAB_OUT"
	expect_fail "$when: the gateway's other ports are closed" tcp a1 10.200.0.1 2222
	expect_fail "$when: a2 is unreachable from a1" tcp a1 "${AGENT_IP[a2]}" 7777
	expect_fail "$when: metadata is unreachable" tcp a1 "$LAB_IP_META" 80
	HOLDS=$((${HOLDS:-0} + 1))
	lab_capture_start "holds$HOLDS" up0 wan '(udp and dst port 9999) or icmp[icmptype] == icmp-echo'
	udp_send a1 "$LAB_IP_EVIL" 9999
	expect_fail "$when: ICMP to wan is dropped" lab_in a1 busybox ping -c1 -W1 "$LAB_IP_WEB"
	expect_eq "$when: no UDP or ICMP of a1 reached wan" 0 "$(lab_capture_count "holds$HOLDS")"
}
granted_works() {
	local when=$1
	expect_ok "$when: the granted flow goes out directly" lab_curl a1 "http://$LAB_IP_WEB:8080/g" &&
		expect_eq "$when: answered by wan (masqueraded)" "web-8080:$LAB_IP_WEB:8080:GET:/g" "$LAB_OUT"
	expect_ok "$when: a grant for port 80 is exempt from the redirect" \
		lab_curl a1 "http://$LAB_IP_WEB/direct" &&
		expect_eq "$when: answered by wan's nginx, not the proxy" "web:$LAB_IP_WEB:GET:/direct" "$LAB_OUT"
}

policy_holds "running"
granted_works "running"
lab_stop hold KILL
expect_eq "labctl hold died of SIGKILL" 137 "$LAB_STOP_STATUS"
policy_holds "after SIGKILL"
granted_works "after SIGKILL"

# Restart: one transaction; grants of the unchanged rule survive.
lab_bg host monitor nft monitor tables
lab_wait 5 "nft monitor" lab_host sh -c "pgrep -x nft >/dev/null"
dropped0=$(counter inet forward-dropped)
g0=$(labctl generation)
expect_ok "restart replaces the tables" labctl --direct web:r1 apply
g1=$(labctl generation)
expect_eq "in exactly one transaction" "$((g0 + 1))" "$g1"
expect_ok "the counters kept their values" test "$(counter inet forward-dropped)" -ge "$dropped0" -a "$dropped0" -gt 0
expect_ok "the monitor saw the replace" lab_poll 3 grep -q 'add table bridge outcall' "$LAB_DIR/monitor.log"
expect_match "grants survived, with their time" "^web 10\.200\.0\.2 198\.18\.1\.80 8080 [1-9]" "$(labctl grants)"
policy_holds "after restart"
granted_works "after restart"

# A changed rule loses its grants, atomically with the replace.
expect_ok "apply a changed rule" labctl --direct web:r2 apply
expect_eq "its grants are gone" "" "$(labctl grants)"
expect_fail "the flow is no longer granted" tcp a1 "$LAB_IP_WEB" 8080
policy_holds "after the change"
lab_done
