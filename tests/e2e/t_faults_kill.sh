#!/bin/bash
# SIGKILL in the middle of an operation (docs/ARCHITECTURE.md, "Faults"):
# outcalld stops itself at a chosen write (faultinj.so), the test kills it
# there and starts it again. A reload killed before its transaction, an
# approval killed between its rule file and its record, a network create
# and an attach killed before the state file was written: each restart
# finds one consistent state (what `outcall` lists is what the kernel
# enforces), and the isolation held while outcalld was down.
# (SIGKILL at rest, and restart rounds under traffic: t_daemon, t_bypass_l2,
# t_incident.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/faults.sh"

oc_rule 10-kill.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow'
lab_agent a1
lab_agent a2
chmod o+x "$LAB_DIR"

# kill_at FAULT CMD...: outcalld (re)started with FAULT armed, CMD run in
# the background until outcalld stops at the fault, then SIGKILL, and a
# plain restart. CMD's output is in $LAB_DIR/killed-cmd.out.
kill_at() {
	local fault=$1 cmd_pid
	shift
	[ -n "${OC_PID:-}" ] && kill -0 "$OC_PID" 2>/dev/null && lab_stop outcalld TERM
	oc_faults_preload OC_FAULT="$fault"
	oc_start
	oc_fault_arm
	"$@" >"$LAB_DIR/killed-cmd.out" 2>&1 &
	cmd_pid=$!
	oc_wait_stopped "$fault"
	expect_fail "while outcalld is stopped at the fault, evil is unreachable" \
		lab_curl a1 --max-time 2 "http://$LAB_IP_EVIL/"
	kill -KILL "$OC_PID"
	lab_poll 5 lab__dead "$OC_PID"
	lab_poll 15 sh -c "! kill -0 $cmd_pid 2>/dev/null"
	wait "$cmd_pid" 2>/dev/null
	OC_OUTCALLD=$OC_FAULTS_REAL
	oc_start
	expect_ok "after the restart, the state file loads ($fault)" \
		lab_host "$OC_OUTCALLD" --state-dir "$LAB_DIR/state" --check-state
}

oc_start
oc_attach a1

# -- a reload, killed before its transaction --------------------------------
oc_rule 20-pkg.yaml 'version: "1"
rules:
  - id: pkg
    condition: network.hostname == "pkg.lab.test"
    action: allow'
kill_at stop-before-commit: oc_cli rules reload
expect_ok "the restart loads the rules the files hold" lab_curl a1 http://pkg.lab.test/
expect_ok "and the old ones" lab_curl a1 http://web.lab.test/
expect_status "and nothing else" 22 oc_px a1 http://api.lab.test/

# -- an approval, killed between its rule file and its record -------------
chmod o+x "$LAB_DIR/run"
rid=$(oc_ask a1 api.lab.test)
kill_at stop-after-rename:rules.d/requests/ oc_cli requests approve "$rid"
status=$(oc_request_status "$rid")
rulefile=$(ls "$OC_RULES/requests/$rid.yaml" 2>/dev/null)
if [ "$status" = approved ]; then
	expect_ok "approved: its rule file is there" test -n "$rulefile"
	expect_ok "approved: api.lab.test is open" lab_curl a1 http://api.lab.test/
else
	expect_eq "not approved: it is pending" pending "$status"
	expect_eq "not approved: no rule file is live" "" "$rulefile"
	expect_status "not approved: api.lab.test stays blocked" 22 oc_px a1 http://api.lab.test/
	expect_match "not approved: outcalld says what it did" "request $rid: its approval did not finish" "$(cat "$LAB_DIR/outcalld.log")"
	expect_ok "not approved: approving it again works" oc_cli requests approve "$rid"
	expect_ok "and opens api.lab.test" lab_curl a1 http://api.lab.test/
fi

# -- a network create, killed before the state file took it ---------------------
kill_at stop-before-rename:state.json oc_cli network create n2
expect_ok "network list" oc_cli --json network list
listed=$(python3 -c 'import json,sys; print(" ".join(sorted(n["bridge"] for n in json.loads(sys.argv[1])["networks"])))' "$LAB_OUT")
bridges=$(lab_host ip -o link show type bridge | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
expect_eq "the bridges are exactly the listed networks'" "$listed" "${bridges% }"
if [[ " $listed " == *" outcall1 "* ]]; then
	# the tables knew the network: the restart adopted it and saved it
	expect_ok "n2 is listed: the state file holds it" grep -q '"n2"' "$LAB_DIR/state/state.json"
	expect_ok "n2 is listed: a container can join it" oc_cli attach --netns "$(lab_netns a2)" --name a2n2 --network n2
	expect_ok "and is served there" lab_curl a2 http://web.lab.test/n2
	expect_ok "detach it again" oc_cli detach a2n2
else
	expect_ok "n2 is not listed: creating it works" oc_cli network create n2
fi

# -- an attach, killed before the state file took it -------------------------------
kill_at stop-before-rename:state.json oc_cli attach --netns "$(lab_netns a2)" --name a2
expect_ok "containers" oc_cli --json containers
if grep -q '"name":"a2"' <<<"$LAB_OUT"; then
	expect_ok "a2 is listed: it works" lab_curl a2 http://web.lab.test/a2
	expect_status "a2 is listed: and is held to the rules" 22 oc_px a2 http://api.lab.test/
else
	expect_fail "a2 is not listed: it has no way out" lab_curl a2 --max-time 2 http://web.lab.test/
	expect_eq "a2 is not listed: no interface is left in it" "" "$(lab_in a2 ip -o link show eth0 2>/dev/null)"
fi
expect_ok "a1 kept working through all of it" lab_curl a1 http://web.lab.test/end

lab_done
