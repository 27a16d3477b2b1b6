# shellcheck shell=bash
# What the CLI tests share: a scratch directory, and checks that count
# failures in $fails. Source after setting `set -u`.
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
json() { # description, python expression over j
	if ! python3 -c "import json,sys; j=json.load(open('$tmp/out')); sys.exit(0 if ($2) else 1)"; then
		echo "FAIL: $1: $2 on:"; cat "$tmp/out"
		fails=$((fails + 1))
	fi
}
