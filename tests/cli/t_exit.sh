#!/bin/bash
# One exit-code scheme for outcall, outcalld and outcall-shim
# (liboutcall/core/exitcode.h): each program's codes for the same cases,
# and each man page's EXIT STATUS, generated from that header.
set -u
outcall=$1
outcalld=$2
shim=$3
mandir=$4
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# 0: --version and --help, in all three.
for p in "$outcall" "$outcalld" "$shim"; do
	check "$(basename "$p") --version" 0 "$p" --version
	contains "$(basename "$p") --version prints it" "$tmp/out" "$(basename "$p") 0."
	check "$(basename "$p") --help" 0 "$p" --help
done
"$shim" --help | awk 'length > 80 { bad = 1 } END { exit !bad }' &&
	{ echo "FAIL: outcall-shim --help is wider than 80 columns"; fails=$((fails + 1)); }
# 2: usage errors.
check "outcall: an unknown command" 2 "$outcall" bogus
check "outcalld: an unknown option" 2 "$outcalld" --bogus x
check "outcall-shim: an unknown command" 2 "$shim" bogus
check "outcall-shim: an unknown option" 2 "$shim" check --bogus x http://a/
check "outcall-shim: a mistyped option" 2 "$shim" request --hots a.test --why x
contains "outcall-shim: did you mean" "$tmp/err" "did you mean '--host'?"
check "outcall-shim: no command" 2 "$shim"
contains "outcall-shim: names the commands" "$tmp/err" "check, request, status, wait, whoami or env"
# 3: the daemon cannot be reached, in the CLI and in the shim alike.
check "outcall: no daemon" 3 "$outcall" --socket "$tmp/none.sock" status
check "outcall-shim: no daemon" 3 env OUTCALL_AGENT_SOCKET="$tmp/none.sock" "$shim" check http://a/
contains "outcall-shim: says what to look at" "$tmp/err" "Is this container attached to Outcall"
# 1: failed, or blocked.
mkdir "$tmp/state"
echo '{"version": 7}' >"$tmp/state/state.json"
check "outcalld: a corrupt state" 1 "$outcalld" --state-dir "$tmp/state" --check-state

# The shim against a stand-in agent socket: blocked 1, refused 4, pending 5.
cat >"$tmp/agent.json" <<'JSON'
{"POST /v1/check": {"status": 200, "json": {"allowed": false, "reason": "no rule allows it",
  "layer": "http", "rule": "default", "decision_id": "d-1"}},
 "GET /v1/requests/r-pending": {"status": 200, "json": {"id": "r-pending", "status": "pending",
  "host": "a.test", "rule_id": "req-r-pending"}},
 "GET /v1/requests/r-limited": {"status": 429, "json": {"error": {"code": "rate_limited",
  "message": "too many checks"}}}}
JSON
python3 "$(dirname "$0")/fakehost.py" "$tmp/agent.sock" "$tmp/agent.json" "$tmp/agent.ready" &
fake=$!
for _ in $(seq 100); do [ -e "$tmp/agent.ready" ] && break; sleep 0.1; done
export OUTCALL_AGENT_SOCKET=$tmp/agent.sock
check "outcall-shim: blocked" 1 "$shim" check http://a.test/
check "outcall-shim: refused by the daemon" 4 "$shim" status r-limited
check "outcall-shim: still pending" 5 "$shim" status r-pending --wait 0
unset OUTCALL_AGENT_SOCKET
kill "$fake" 2>/dev/null
wait "$fake" 2>/dev/null

# Each man page lists the codes its program uses, from the one header.
want() { # page, code, text
	if ! grep -A1 -x ".B $2" "$mandir/$1" | grep -qF -- "$3"; then
		echo "FAIL: $1 does not say $2 is '$3'"; fails=$((fails + 1))
	fi
}
for page in outcall.1 outcalld.8 outcall-shim.1; do
	want "$page" 0 "done; allowed"
	want "$page" 1 "failed; blocked"
	want "$page" 2 "bad arguments"
done
want outcall.1 3 "daemon's socket cannot be reached"
want outcall-shim.1 3 "daemon's socket cannot be reached"
want outcall-shim.1 4 "the daemon refused"
want outcall-shim.1 5 "still pending"

echo "t_exit: $fails failed"
[ "$fails" = 0 ]
