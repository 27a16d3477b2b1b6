#!/bin/bash
# The incident commands without a daemon (revoke, grants flush, lockdown,
# grant): a target named twice or not at all, a missing or bad duration
# and a bad id are usage errors (exit 2) found before any call; a well
# formed command without a daemon is exit 3.
set -u
outcall=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
nosock=(--socket "$tmp/none.sock")

check "revoke help" 0 "$outcall" requests revoke --help
contains "revoke names --reason" "$tmp/out" "--reason TEXT"
check "revoke without an id" 2 "$outcall" "${nosock[@]}" requests revoke
check "revoke with a bad id" 2 "$outcall" "${nosock[@]}" requests revoke '../x'
check "revoke without a daemon" 3 "$outcall" "${nosock[@]}" requests revoke r-abcdef --reason x

check "flush without a target" 2 "$outcall" "${nosock[@]}" grants flush
contains "flush says what to name" "$tmp/err" "name exactly one target"
check "flush with two targets" 2 "$outcall" "${nosock[@]}" grants flush --agent a --all
check "flush with an argument" 2 "$outcall" "${nosock[@]}" grants flush a
check "flush without a daemon" 3 "$outcall" "${nosock[@]}" grants flush --rule r1
check "grants still lists" 3 "$outcall" "${nosock[@]}" grants

check "lockdown help" 0 "$outcall" lockdown --help
contains "lockdown lists on" "$tmp/out" "on "
check "lockdown on help" 0 "$outcall" lockdown on --help
contains "on says it survives restarts" "$tmp/out" "survives restarts"
check "lockdown on without a target" 2 "$outcall" "${nosock[@]}" lockdown on --reason x
check "lockdown on with two targets" 2 "$outcall" "${nosock[@]}" lockdown on --agent a --network n
check "lockdown off with two targets" 2 "$outcall" "${nosock[@]}" lockdown off --all --agent a
check "lockdown has no --rule" 2 "$outcall" "${nosock[@]}" lockdown on --rule r
check "lockdown on without a daemon" 3 "$outcall" "${nosock[@]}" lockdown on --all
check "lockdown status without a daemon" 3 "$outcall" "${nosock[@]}" lockdown

check "grant help" 0 "$outcall" grant --help
contains "grant names the maximum" "$tmp/out" "at most 24h"
check "grant without --for" 2 "$outcall" "${nosock[@]}" grant --agent a --host h.example
contains "grant says --for is required" "$tmp/err" "--for is required"
check "grant with a bad --for" 2 "$outcall" "${nosock[@]}" grant --agent a --host h --for 5x
check "grant without --host" 2 "$outcall" "${nosock[@]}" grant --agent a --for 5m
check "grant with a bad port" 2 "$outcall" "${nosock[@]}" grant --agent a --host h --for 5m --port 70000
check "grant without a daemon" 3 "$outcall" "${nosock[@]}" grant --agent a --host h --for 5m
check "completion knows lockdown" 0 "$outcall" __complete lockdown on --
contains "completion lists lockdown's flags" "$tmp/out" "--network"

[ "$fails" = 0 ] && echo "ok: outcall incident commands" && exit 0
exit 1
