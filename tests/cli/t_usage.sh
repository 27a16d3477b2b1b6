#!/bin/bash
# Usage errors that help: a mistyped command or option names the nearest
# one; global options work before the command in both forms (--opt value,
# --opt=value); a host socket that refuses the caller says how to get
# access instead of how to start a daemon that is running.
set -u
outcall=$1
outcalld=$2
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

check "a mistyped subcommand" 2 "$outcall" rules tset
contains "did you mean" "$tmp/err" "unknown command 'tset'; did you mean 'test'?"
check "a mistyped command" 2 "$outcall" stauts
contains "did you mean" "$tmp/err" "did you mean 'status'?"
check "nothing near" 2 "$outcall" frobnicate
if grep -q "did you mean" "$tmp/err"; then echo "FAIL: a guess for frobnicate"; fails=$((fails + 1)); fi
check "a mistyped option" 2 "$outcall" status --jsno
contains "did you mean" "$tmp/err" "unknown option '--jsno'; did you mean '--json'?"
check "a mistyped option of the command" 2 "$outcall" log --limt 3
contains "did you mean" "$tmp/err" "did you mean '--limit'?"
check "outcalld: a mistyped option" 2 "$outcalld" --rules-dri /nowhere
contains "did you mean" "$tmp/err" "unknown option --rules-dri; did you mean --rules-dir?"

# Every --help fits 80 columns (and so does the man page made from it).
wide() { # description, command...
	"${@:2}" --help >"$tmp/help" 2>&1
	if awk 'length > 80 { bad = 1 } END { exit !bad }' "$tmp/help"; then
		echo "FAIL: $1 --help is wider than 80 columns:"; awk 'length > 80' "$tmp/help"
		fails=$((fails + 1))
	fi
}
wide outcalld "$outcalld"
wide outcall "$outcall"
for c in $("$outcall" __complete ""); do
	wide "outcall $c" "$outcall" "$c"
	for s in $("$outcall" __complete "$c" ""); do
		wide "outcall $c $s" "$outcall" "$c" "$s"
	done
done

# Global options before the command, in both forms: without a daemon both
# reach the socket they name (exit 3 naming it), never the help (exit 2).
check "--socket=PATH before the command" 3 "$outcall" "--socket=$tmp/none.sock" status
contains "the socket named" "$tmp/err" "$tmp/none.sock"
check "--socket PATH before the command" 3 "$outcall" --socket "$tmp/none.sock" status
contains "the socket named" "$tmp/err" "$tmp/none.sock"
check "--socket=PATH after it" 3 "$outcall" status "--socket=$tmp/none.sock"
contains "how to start it" "$tmp/err" "Start it with"

# A socket that refuses the caller (not root, not in the group).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o600)
s.listen(1)
time.sleep(30)' "$tmp/host.sock" &
server=$!
for _ in $(seq 100); do [ -S "$tmp/host.sock" ] && break; sleep 0.1; done
chmod 755 "$tmp"
check "a socket that refuses the caller" 3 setpriv --reuid 65534 --regid 65534 --clear-groups \
	"$outcall" --socket "$tmp/host.sock" status
contains "says so" "$tmp/err" "Permission denied"
contains "and how to get access" "$tmp/err" "operator group"
if grep -q "Start it with" "$tmp/err"; then
	echo "FAIL: it tells a refused caller to start the daemon"; fails=$((fails + 1))
fi
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
else
	echo "FAIL: needs root and setpriv for the refused-socket case"; fails=$((fails + 1))
fi

# A command without arguments refuses one (`rules list ID` meant `rules
# show ID`) instead of ignoring it; a missing id says where ids are listed.
check "rules list with an argument" 2 "$outcall" --socket "$tmp/none.sock" rules list allow-x
contains "says it takes none" "$tmp/err" "'outcall rules list' takes no arguments, not 'allow-x'"
check "status with an argument" 2 "$outcall" --socket "$tmp/none.sock" status now
check "rules show without an id" 2 "$outcall" rules show
contains "names the list" "$tmp/err" 'give one rule id (see `outcall rules list`)'
check "network rm without a name" 2 "$outcall" network rm
contains "names the list" "$tmp/err" 'give one network name (see `outcall network list`)'
check "detach without a name" 2 "$outcall" detach
contains "names the list" "$tmp/err" 'give one container name (see `outcall containers`)'

# Values checked before anything is sent (an agent name or a limit went
# into the query as typed), naming what is allowed.
check "log: an agent name with a query in it" 2 "$outcall" --socket "$tmp/none.sock" log --agent 'a&limit=1'
contains "names what a name holds" "$tmp/err" "--agent 'a&limit=1' is no agent name"
check "log: a bad limit" 2 "$outcall" --socket "$tmp/none.sock" log --limit abc
contains "says what a limit is" "$tmp/err" "--limit 'abc' is not a whole number of 1 or more"
check "log: a zero limit" 2 "$outcall" --socket "$tmp/none.sock" log --limit 0
check "log: --limit with --follow (it was ignored)" 2 "$outcall" --socket "$tmp/none.sock" log -f --limit 5
contains "says why" "$tmp/err" "--limit counts recent decisions; --follow prints new ones as they come"
check "rules show: an id with a path in it" 2 "$outcall" --socket "$tmp/none.sock" rules show 'x/../../networks'
contains "says what an id holds" "$tmp/err" "'x/../../networks' is no rule id: 1 to 128 letters, digits"
check "detach: a name with a query in it" 2 "$outcall" --socket "$tmp/none.sock" detach 'a?b=1'
contains "says what a name holds" "$tmp/err" "'a?b=1' is no container name"
check "network rm: a name with a space" 2 "$outcall" --socket "$tmp/none.sock" network rm 'a b'
contains "says what a name holds" "$tmp/err" "'a b' is no network name"
check "a good name goes to the daemon" 3 "$outcall" --socket "$tmp/none.sock" detach coder-1
check "requests list: an unknown status" 2 "$outcall" --socket "$tmp/none.sock" requests list --status bogus
contains "names the statuses" "$tmp/err" "--status 'bogus' is none of pending, approved, rejected, expired or revoked"
check "rules test without a sample" 2 "$outcall" rules test
contains "names the options" "$tmp/err" "give one sample request: --dns NAME, --http URL, --connect HOST:PORT or --context JSON"
check "rules test with two" 2 "$outcall" rules test --dns a.test --http http://a.test/
contains "says not several" "$tmp/err" "give one sample request, not several"

# Filters and other commands' own values.
check "log: an unknown layer" 2 "$outcall" --socket "$tmp/none.sock" log --layer bogus
contains "names the layers" "$tmp/err" "use dns, http, tls or agent"
check "log: a layer" 3 "$outcall" --socket "$tmp/none.sock" log --layer dns
check "completion for another shell" 2 "$outcall" completion tcsh
contains "says which exist" "$tmp/err" "there are bash, zsh and fish"
check "nft show's help" 0 "$outcall" nft show --help
contains "says what it prints" "$tmp/out" "the tables outcalld installs"

# An empty answer to a filtered log says the filter is why.
echo '{"GET /v1/decisions": {"status": 200, "json": {"decisions": []}}}' >"$tmp/empty.json"
python3 "$(dirname "$0")/fakehost.py" "$tmp/fake.sock" "$tmp/empty.json" "$tmp/fake.ready" &
fake=$!
for _ in $(seq 100); do [ -e "$tmp/fake.ready" ] && break; sleep 0.1; done
check "log with a filter, nothing matches" 0 "$outcall" --socket "$tmp/fake.sock" log --agent nobody
contains "says the filter is why" "$tmp/out" "no decisions match these filters"
check "log without a filter, nothing yet" 0 "$outcall" --socket "$tmp/fake.sock" log
contains "says none yet" "$tmp/out" "no decisions recorded yet"
kill "$fake" 2>/dev/null
wait "$fake" 2>/dev/null

echo "t_usage: $fails failed"
[ "$fails" = 0 ]
