#!/bin/bash
# Faults of the upstream resolver (docs/ARCHITECTURE.md, "Faults"): down,
# silent, slow (2 s), answering garbage, a message cut short, truncated
# (TC) with and without TCP. The filter never hands out an address it did
# not get from a whole answer, keeps answering policy (blocked names) while
# the upstream is sick, caches no failure, and the proxy, which resolves
# with the same code, fails with 502 and recovers the same way.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

# A resolver of the test's own beside wan's dnsmasq, which fails on demand.
SICK=198.18.1.54
MODE=$LAB_DIR/dns-mode
lab_wan ip addr add "$SICK/32" dev lo || lab_fatal "cannot add $SICK to wan"
sick_up() {
	: >"$LAB_DIR/sick.out"
	lab_bg wan sick python3 "$here/lib/dnsfault.py" "$SICK" "$LAB_IP_WEB" "$MODE" "$LAB_DIR/sick.out"
	lab_wait 10 "the failing resolver is up" grep -q ready "$LAB_DIR/sick.out"
}
sick() { echo "$1" >"$MODE"; }
sick ok
sick_up

oc_rule 10-faults.yaml 'version: "1"
rules:
  - id: fault-names
    condition: network.hostname.endsWith(".fault.test")
    action: allow'
lab_agent a1
oc_start --dns-upstream "$SICK"
oc_attach a1

# dig waits longer than the filter's whole trip (4 s), so what it prints is
# the filter's answer, never its own timeout.
dig_a1() { lab_in a1 dig +time=8 +tries=1 "$@"; }
# an answer with the upstream's address and nothing else
answered() {
	expect_ok "$1: $2 resolves" dig_a1 "$2"
	expect_match "$1: NOERROR" "status: NOERROR" "$LAB_OUT"
	expect_match "$1: with the upstream's address" "^$2\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+$LAB_IP_WEB$" "$LAB_OUT"
}
# SERVFAIL that says why (EDE 22, the upstream's fault), and no address
failed() {
	expect_ok "$1: $2 is answered" dig_a1 "$2"
	expect_match "$1: SERVFAIL" "status: SERVFAIL" "$LAB_OUT"
	expect_match "$1: EDE says why" "EDE: 22 .*$3" "$LAB_OUT"
	expect_match "$1: no address is given" "ANSWER: 0," "$LAB_OUT"
}
policy_holds() {
	expect_ok "$1: a blocked name" dig_a1 evil.lab.test
	expect_match "$1: is still NXDOMAIN, from the policy" "status: NXDOMAIN" "$LAB_OUT"
}

answered "healthy" ok1.fault.test

# -- silent: a dead link ---------------------------------------------------
sick drop
failed "silent upstream" drop1.fault.test "no upstream answered in time"
policy_holds "silent upstream"
# the explicit proxy resolves the name itself
px() { lab_curl a1 --max-time 10 -x http://10.200.0.1:8080 "$@"; }
expect_status "silent upstream: the proxy answers 502" 22 px http://px1.fault.test/
expect_match "and says it could not resolve" "502" "$LAB_ERR"

# -- slow: every answer 2 s late -------------------------------------------
# Slower than one attempt (1.5 s) but well inside a query's 4 s: the
# filter waits for it rather than giving up on a working resolver.
sick slow:2
answered "2 s upstream" slow1.fault.test
expect_ok "2 s upstream: the proxy gets through" px http://slowpx.fault.test/p
expect_eq "2 s upstream: the page" "web:slowpx.fault.test:GET:/p" "$LAB_OUT"

# -- garbage from the right address ------------------------------------------
sick garbage
failed "garbage" junk1.fault.test "no upstream answered in time"
policy_holds "garbage"

# -- an answer cut short (no TC bit) -------------------------------------------
sick cut
expect_ok "cut answer: answered" dig_a1 cut1.fault.test
expect_match "cut answer: SERVFAIL" "status: SERVFAIL" "$LAB_OUT"
expect_match "cut answer: no address is given" "ANSWER: 0," "$LAB_OUT"

# -- truncated: TC over UDP, the whole answer over TCP --------------------------
sick tc
answered "TC answer" tc1.fault.test
expect_match "TC answer: the filter asked again over TCP" "^tcp tc1.fault.test tc$" "$(cat "$LAB_DIR/sick.out")"
sick tc-notcp
failed "TC and no TCP" tc2.fault.test "every upstream answered with an error|no upstream could be reached"

# -- down: nothing listens ------------------------------------------------------
lab_stop sick KILL
failed "upstream down" down1.fault.test "no upstream could be reached"
policy_holds "upstream down"
expect_status "upstream down: the proxy answers 502" 22 px http://px2.fault.test/
expect_ok "outcalld kept running through all of it" kill -0 "$OC_PID"

# -- the fault goes away: everything comes back, no failure was cached -----------
sick ok
sick_up
answered "recovered" drop1.fault.test
answered "recovered" junk1.fault.test
answered "recovered" down1.fault.test
expect_ok "recovered: the proxy resolves again" px http://px1.fault.test/r
expect_eq "recovered: the page" "web:px1.fault.test:GET:/r" "$LAB_OUT"
expect_ok "the decision log holds the SERVFAILs with their reason" python3 - "$LAB_DIR/decisions.log" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
fails = [r for r in recs if r.get("host") == "down1.fault.test" and r.get("dns_rcode") == 2]
assert fails, "no SERVFAIL record for down1.fault.test"
assert "upstream" in fails[0].get("reason", ""), fails[0]
PY

lab_done
