# shellcheck shell=bash
# Outcall in the lab: start outcalld in the host namespace with every path
# inside $LAB_DIR, talk to it with the CLI, attach agents, write rules.
# Source after lab.sh:  . "$(dirname "$0")/lib/outcall.sh"

OC_OUTCALLD=${OC_OUTCALLD:-$OC_BUILD_ROOT/daemon/outcalld}
OC_OUTCALL=${OC_OUTCALL:-$OC_BUILD_ROOT/cli/outcall}
OC_RULES=$LAB_DIR/rules.d
OC_SOCK=$LAB_DIR/run/host.sock
# The lab's internet is 198.18.0.0/15, a range Outcall treats as private
# by default; leave it out so wan counts as public (PRODUCT §10).
OC_LAB_PRIVATE=10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,169.254.0.0/16,100.64.0.0/10,0.0.0.0/8,224.0.0.0/4,240.0.0.0/4,192.0.2.0/24,198.51.100.0/24,203.0.113.0/24,::1/128,fc00::/7,fe80::/10,ff00::/8,::ffff:0:0/96,2001:db8::/32,::/128
mkdir -p "$OC_RULES"

# oc_rule FILE YAML: writes a rule file (the daemon notices by itself).
oc_rule() {
	printf '%s\n' "$2" >"$OC_RULES/$1.tmp" && mv "$OC_RULES/$1.tmp" "$OC_RULES/$1"
}

# oc_start [FLAGS...]: outcalld in the host namespace, ready when its
# health endpoint answers. Logs in $LAB_DIR/outcalld.log. Docker is off
# unless FLAGS name the lab's own engine (lib/docker.sh): the machine's
# /var/run/docker.sock, if it had a dockerd, works outside the lab.
oc_start() {
	lab_bg host outcalld "$OC_OUTCALLD" --docker-socket "" \
		--rules-dir "$OC_RULES" --state-dir "$LAB_DIR/state" --run-dir "$LAB_DIR/run" \
		--dns-upstream "$LAB_IP_DNS" --private-ranges "$OC_LAB_PRIVATE" \
		--decision-log "$LAB_DIR/decisions.log" --drain-ms 200 --reload-debounce-ms 100 "$@"
	OC_PID=$LAB_LAST_PID
	lab_wait 20 "outcalld ready (see $LAB_DIR/outcalld.log)" \
		lab_host curl -sf --max-time 1 --unix-socket "$OC_SOCK" http://o/v1/ready
}

# oc_cli ARGS...: the outcall CLI against this lab's daemon.
oc_cli() {
	lab_host "$OC_OUTCALL" --socket "$OC_SOCK" "$@"
}

# oc_shim: sets SHIM to a copy of the static shim (OC_SHIM, else the
# build's) in the lab's directory, which agents (uid 1000) can run
# wherever the build sits: a clone under /root is mode 700, as on a fresh
# machine. A sanitizer build makes no static shim: OC_SHIM then names
# one from a plain build.
oc_shim() {
	local src=${OC_SHIM:-$OC_BUILD_ROOT/shim/outcall-shim}
	[ -x "$src" ] || lab_fatal "no $src (a sanitizer build has no static shim: set OC_SHIM to one from a plain build)"
	install -m 0755 "$src" "$LAB_DIR/outcall-shim" || lab_fatal "cannot copy $src into $LAB_DIR"
	SHIM=$LAB_DIR/outcall-shim
}

# oc_attach NAME [NETWORK [CONTAINER]]: attach the lab agent NAME (as the
# container CONTAINER, default NAME); fails the test if it does not work.
oc_attach() {
	local ns
	ns=$(lab_netns "$1")
	lab_host "$OC_OUTCALL" --socket "$OC_SOCK" attach --netns "$ns" --name "${3:-$1}" \
		${2:+--network "$2"} >/dev/null || lab_fatal "cannot attach $1"
}

# oc_api METHOD PATH [JSON]: raw host API call, body on stdout.
oc_api() {
	lab_host curl -s --max-time 5 --unix-socket "$OC_SOCK" -X "$1" \
		${3:+-H 'Content-Type: application/json' --data "$3"} "http://o$2"
}

# oc_generation: the live rules generation.
oc_generation() {
	oc_cli --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'
}

# oc_del_rule FAMILY CHAIN TEXT: deletes the rule of Outcall's table FAMILY
# whose comment starts with TEXT, to show a defence with the others that
# back it removed. Stop outcalld first: its watch would put the rule back
# (its tables stay when it stops).
oc_del_rule() {
	local h
	h=$(lab_host nft -a list chain "$1" outcall "$2" | grep -F "comment \"$3" |
		sed -n 's/.*# handle \([0-9]*\)$/\1/p')
	[ -n "$h" ] || lab_fatal "no rule '$3' in $1 $2"
	lab_host nft delete rule "$1" outcall "$2" handle "$h" || lab_fatal "cannot delete rule '$3' ($1 $2)"
}

# Under the sanitizers (OC_SANITIZED=1: scripts/test.sh runs the daemon's
# e2e tests on the ASan+UBSan build too), a test also fails when outcalld
# reported a memory error, a leak or undefined behaviour. It is stopped
# first, so leak checking runs at its exit.
oc__sanitizer_check() {
	if [ -n "${OC_PID:-}" ] && kill -0 "$OC_PID" 2>/dev/null; then
		lab_stop outcalld TERM
	fi
	expect_nomatch "outcalld ran clean under the sanitizers" \
		'ERROR: (Address|Leak)Sanitizer|runtime error:' "$(cat "$LAB_DIR"/outcalld*.log 2>/dev/null)"
}
if [ "${OC_SANITIZED:-0}" = 1 ]; then
	lab_at_done oc__sanitizer_check
fi
