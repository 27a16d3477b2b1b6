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

# The config keys are the options: every option --help lists is a key of
# --config files, and the command-line-only ones are not.
mkdir "$tmp/state"
sed -n '/^Options/,/^$/p' "$tmp/help" | grep -oE '^  --[a-z0-9-]+' | sed 's/^  --//' >"$tmp/options"
[ "$(wc -l <"$tmp/options")" -gt 40 ] || fail "--help's option list is short: $(cat "$tmp/options")"
grep -qx log-format "$tmp/options" || fail "--log-format is listed with the options"
while read -r opt; do
	printf '%s: @probe@\n' "$opt" >"$tmp/one.conf"
	"$outcalld" --config "$tmp/one.conf" --state-dir "$tmp/state" --check-state >/dev/null 2>"$tmp/err"
	! grep -q "unknown option" "$tmp/err" || fail "option --$opt is not a config key: $(cat "$tmp/err")"
done <"$tmp/options"
for only in config check-state reset-state help version; do
	grep -qx -- "$only" "$tmp/options" && fail "--$only is listed as an option (a config key)"
	printf '%s: x\n' "$only" >"$tmp/one.conf"
	"$outcalld" --config "$tmp/one.conf" --check-state 2>"$tmp/err" >/dev/null
	grep -q "one.conf:1:1: unknown option --$only" "$tmp/err" || fail "'$only' as a config key: $(cat "$tmp/err")"
done
printf 'log-format: json\n' >"$tmp/json.conf"
"$outcalld" --config "$tmp/json.conf" --state-dir "$tmp/state" --check-state >/dev/null 2>"$tmp/err" ||
	fail "log-format: json in a config file: $(cat "$tmp/err")"
printf 'log-format: xml\n' >"$tmp/xml.conf"
"$outcalld" --config "$tmp/xml.conf" --check-state 2>"$tmp/err"
[ $? = 2 ] || fail "a bad log-format is a usage error"
grep -q "xml.conf:1:1: --log-format: 'xml' is not human or json" "$tmp/err" || fail "bad log-format: $(cat "$tmp/err")"


# Structured logs: a start that fails on a rule file says so in a JSON
# line with the file, line and rule; when stderr is the journal
# ($JOURNAL_STREAM names it) every line starts with its syslog priority.
mkdir "$tmp/rules" "$tmp/run" "$tmp/st"
printf 'version: "1"\nrules:\n  - id: broken\n    condition: "http.hots == 1"\n    action: allow\n' >"$tmp/rules/r.yaml"
: >"$tmp/log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/log") "$outcalld" --rules-dir "$tmp/rules" --state-dir "$tmp/st" \
	--run-dir "$tmp/run" --docker-socket '' --watch-rules false --log-format json 2>>"$tmp/log"
[ $? = 1 ] || fail "a start with a broken rule file exits 1"
python3 - "$tmp/log" "$tmp/rules/r.yaml" <<'PY' || fail "structured log lines: $(cat "$tmp/log")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines and all(l[:3] in ("<3>", "<4>", "<6>", "<7>") for l in lines), lines
err = [json.loads(l[3:]) for l in lines if l.startswith("<3>")]
assert len(err) == 1, lines
e = err[0]
assert e["level"] == "error" and e["rule"] == "broken" and e["file"] == sys.argv[2], e
assert e["line"] == 4 and e["msg"].startswith("rules: "), e
assert all(json.loads(l[3:])["level"] == "info" for l in lines if l.startswith("<6>")), lines
PY
# Not the journal (a terminal, a file): no prefix.
"$outcalld" --rules-dir "$tmp/rules" --state-dir "$tmp/st" --run-dir "$tmp/run" --docker-socket '' \
	--watch-rules false 2>"$tmp/log"
grep -q '^<' "$tmp/log" && fail "a priority prefix outside the journal: $(cat "$tmp/log")"
grep -q "outcalld error: rules: $tmp/rules/r.yaml:4" "$tmp/log" || fail "human log line: $(cat "$tmp/log")"

# Not root: says what it needs before touching anything (not a bare EPERM
# from the kernel step).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod -R a+rwX "$tmp"
	setpriv --reuid 65534 --regid 65534 --clear-groups "$outcalld" --rules-dir "$tmp/rules" \
		--state-dir "$tmp/st" --run-dir "$tmp/run" --docker-socket '' 2>"$tmp/err"
	[ $? = 1 ] || fail "outcalld without CAP_NET_ADMIN exits 1"
	grep -q "outcalld needs CAP_NET_ADMIN .*: run it as root" "$tmp/err" || fail "not root: $(cat "$tmp/err")"
else
	fail "needs root and setpriv for the not-root case"
fi

"$outcalld" --state-dir "$tmp/state" --check-state >/dev/null || fail "no state file is a good state"
echo '{"version": 7}' >"$tmp/state/state.json"
"$outcalld" --state-dir "$tmp/state" --check-state 2>"$tmp/err"
[ $? = 1 ] || fail "--check-state reports a corrupt file"
grep -q "outcalld --reset-state" "$tmp/err" || fail "--check-state names the recovery"
"$outcalld" --state-dir "$tmp/state" --reset-state >/dev/null || fail "--reset-state"
ls "$tmp/state" | grep -q "state.json.corrupt-" || fail "--reset-state keeps the old file aside"
[ "$fails" = 0 ] && echo "all outcalld command-line checks passed"
exit $((fails > 0))
