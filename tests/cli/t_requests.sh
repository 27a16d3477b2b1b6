#!/bin/bash
# `outcall requests` without a daemon: usage errors (exit 2) are found
# before any call, and an absent daemon is exit 3.
set -u
outcall=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nosock=(--socket "$tmp/none.sock")

check() { # description, expected exit code, command...
	local desc=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $desc: exit $got, wanted $want"; cat "$tmp/out" "$tmp/err"
		fails=$((fails + 1))
	fi
}
contains() { # description, file, text
	if ! grep -qF -- "$3" "$2"; then
		echo "FAIL: $1: '$3' not in:"; cat "$2"
		fails=$((fails + 1))
	fi
}

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
check "completion knows requests" 0 "$outcall" completion bash
contains "completion lists approve's flags" "$tmp/out" "--all-agents"

[ "$fails" = 0 ] && echo "ok: outcall requests" && exit 0
exit 1
