#!/bin/bash
# outcalld's command line without starting it: --help, --version, the man
# page generated from --help, --config files and their errors, usage
# errors, and --check-state.
set -u
outcalld=$1
manpage=$2
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$outcalld" --version | grep -q "^outcalld 0\." || fail "--version"
"$outcalld" --help >"$tmp/help" || fail "--help exits 0"
for opt in rules-dir state-dir run-dir host-socket operator-group bridge-prefix subnet-pool \
	dns-port proxy-port tproxy-http-port tproxy-https-port dns-upstream private-ranges \
	decision-log config log-format check-state reset-state; do
	grep -q -- "--$opt" "$tmp/help" || fail "--help does not list --$opt"
	grep -q -- "\\\\-\\\\-$opt\|--$opt" "$manpage" || fail "the man page does not list --$opt"
done
"$outcalld" --bogus x 2>"$tmp/err"
[ $? = 2 ] || fail "an unknown option is a usage error"
grep -q "unknown option --bogus" "$tmp/err" || fail "the unknown option is named"
"$outcalld" --dns-port 70000 2>"$tmp/err"
[ $? = 2 ] || fail "a bad value is a usage error"
grep -q -- "--dns-port: '70000' is not a number from 0 to 65535" "$tmp/err" || fail "bad value named: $(cat "$tmp/err")"
"$outcalld" --rules-dir 2>/dev/null
[ $? = 2 ] || fail "a missing value is a usage error"
printf 'rules-dir: /x\n# a comment\nproxy-port 8080\n' >"$tmp/bad.conf"
"$outcalld" --config "$tmp/bad.conf" 2>"$tmp/err"
[ $? = 2 ] || fail "a bad config file is a usage error"
grep -q "bad.conf:3:1: expected 'option: value'" "$tmp/err" || fail "config error names file and line: $(cat "$tmp/err")"
printf 'watch-rules: maybe\n' >"$tmp/bad2.conf"
"$outcalld" --config "$tmp/bad2.conf" 2>"$tmp/err"
grep -q "bad2.conf:1:1: --watch-rules: 'maybe' is not true or false" "$tmp/err" || fail "config value error: $(cat "$tmp/err")"
mkdir "$tmp/state"
"$outcalld" --state-dir "$tmp/state" --check-state >/dev/null || fail "no state file is a good state"
echo '{"version": 7}' >"$tmp/state/state.json"
"$outcalld" --state-dir "$tmp/state" --check-state 2>"$tmp/err"
[ $? = 1 ] || fail "--check-state reports a corrupt file"
grep -q "outcalld --reset-state" "$tmp/err" || fail "--check-state names the recovery"
"$outcalld" --state-dir "$tmp/state" --reset-state >/dev/null || fail "--reset-state"
ls "$tmp/state" | grep -q "state.json.corrupt-" || fail "--reset-state keeps the old file aside"
[ "$fails" = 0 ] && echo "all outcalld command-line checks passed"
exit $((fails > 0))
