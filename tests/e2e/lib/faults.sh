# shellcheck shell=bash
# Faults on demand (faultinj.c, preloaded into outcalld), for the
# t_faults_* tests. Source after outcall.sh.
#
# oc_faults_preload VAR=VALUE...: the next oc_start runs outcalld with
#   faultinj.so preloaded and these OC_FAULT* variables set.
# oc_fault_arm: the OC_FAULT chosen fires once, at its next matching call
#   (fail-commits: at every one until oc_fault_disarm).
# oc_wait_stopped: returns once outcalld stopped itself at the fault
#   (SIGSTOP), for the test to kill it there.

OC_FAULTINJ=$OC_BUILD_ROOT/tests/e2e/faultinj.so
OC_FAULT_ARM=$LAB_DIR/fault-armed

oc_faults_preload() {
	[ -f "$OC_FAULTINJ" ] || lab_fatal "no $OC_FAULTINJ: build the tests first"
	local real=${OC_FAULTS_REAL:-$OC_OUTCALLD} asan=${ASAN_OPTIONS:-}
	OC_FAULTS_REAL=$real
	# ASan wants its runtime first among the libraries; the preloaded one
	# only wraps libc and libmnl calls, so the order does not matter here.
	[ "${OC_SANITIZED:-0}" = 1 ] && asan="${asan:+$asan:}verify_asan_link_order=0"
	{
		echo '#!/bin/sh'
		printf 'exec env LD_PRELOAD=%q OC_FAULT_ARM=%q ASAN_OPTIONS=%q' \
			"$OC_FAULTINJ" "$OC_FAULT_ARM" "$asan"
		printf ' %q' "$@"
		printf ' %q "$@"\n' "$real"
	} >"$LAB_DIR/outcalld-faults"
	chmod +x "$LAB_DIR/outcalld-faults"
	OC_OUTCALLD=$LAB_DIR/outcalld-faults
}

oc_fault_arm() { : >"$OC_FAULT_ARM"; }
oc_fault_disarm() { rm -f "$OC_FAULT_ARM"; }

oc__stopped() { [ "$(awk '{print $3}' "/proc/$OC_PID/stat" 2>/dev/null)" = T ]; }
oc_wait_stopped() {
	lab_wait 20 "outcalld stopped at the fault ($1)" oc__stopped
	expect_eq "the fault fired once ($1)" no "$([ -e "$OC_FAULT_ARM" ] && echo yes || echo no)"
}

# oc_px NS CURL_ARGS...: curl in NS through the explicit proxy of the
# default network: a name the rules block is a 403 there (the agent's own
# resolver would not even give its address).
oc_px() { lab_curl "$1" -x http://10.200.0.1:8080 "${@:2}"; }

# oc_ask NS HOST: the container NS (attached under its own name) asks for
# HOST:80 on its agent socket; prints the request id. The lab's and the run
# directory must be passable (chmod o+x), as for any agent.
oc_ask() {
	lab_in "$1" curl -sS --max-time 10 --unix-socket "$LAB_DIR/run/agents/$1/agent.sock" \
		-X POST --data-binary "{\"host\":\"$2\",\"port\":80,\"justification\":\"fault test\"}" \
		http://agent/v1/requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

# oc_request_status ID: pending, approved, rejected, expired or revoked.
oc_request_status() {
	oc_cli --json requests show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'
}
