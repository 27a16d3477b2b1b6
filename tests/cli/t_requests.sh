#!/bin/bash
# `outcall requests` without a daemon: usage errors (exit 2) are found
# before any call, and an absent daemon is exit 3.
set -u
outcall=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
nosock=(--socket "$tmp/none.sock")

check "help" 0 "$outcall" requests --help
contains "help lists approve" "$tmp/out" "approve"
check "approve help" 0 "$outcall" requests approve --help
contains "approve names --for" "$tmp/out" "--for DURATION"
contains "approve names --edit" "$tmp/out" "--edit"
check "approve without an id" 2 "$outcall" "${nosock[@]}" requests approve
check "approve with a bad id" 2 "$outcall" "${nosock[@]}" requests approve '../x'
check "approve with a bad duration" 2 "$outcall" "${nosock[@]}" requests approve r-abcdef --for 5x
contains "the duration error says how" "$tmp/err" "e.g. 30s, 10m, 2h or 1d"
check "reject without --reason" 2 "$outcall" "${nosock[@]}" requests reject r-abcdef
contains "reject says the reason is needed" "$tmp/err" "--reason is required"
check "show without an id" 2 "$outcall" "${nosock[@]}" requests show
check "list with a bad status" 2 "$outcall" "${nosock[@]}" requests list --status 'a b'
check "no daemon" 3 "$outcall" "${nosock[@]}" requests list
contains "no daemon says how to start it" "$tmp/err" "cannot reach outcalld"
check "completion knows requests" 0 "$outcall" __complete requests approve --
contains "completion lists approve's flags" "$tmp/out" "--all-agents"

[ "$fails" = 0 ] && echo "ok: outcall requests" && exit 0
exit 1
