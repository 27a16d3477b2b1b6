#!/bin/bash
# Machine-readable errors: with --json, every failure of outcall and
# outcall-shim is also one JSON line on stdout whose code is a stable
# identifier of the one table (liboutcall/core/errcode.c), and every code
# the sources answer with is in that table and in outcall(1).
set -u
outcall=$1
shim=$2
src=$3
manpage=$4
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

"$outcall" __error-codes >"$tmp/table" || { echo "FAIL: __error-codes"; fails=$((fails + 1)); }
cut -f1 "$tmp/table" >"$tmp/codes"
if grep -vqx '[a-z_]*' "$tmp/codes"; then
	echo "FAIL: codes that are not identifiers:"; grep -vx '[a-z_]*' "$tmp/codes"
	fails=$((fails + 1))
fi
# Every code the library, the CLI and the shim write is in the table.
grep -rhoE '(oc_api_respond_error|oc_agent_reply_error)\([^,]+, [0-9]+, "[^"]*"|"code", "[^"]*"|cli_fail\("[^"]*"|json_error\("[^"]*"' \
	"$src/liboutcall" "$src/cli" "$src/shim" --include='*.c' |
	grep -oE '"[^"]*"$' | tr -d '"' | sort -u >"$tmp/used"
while read -r code; do
	[ "$code" = code ] && continue
	grep -qx -- "$code" "$tmp/codes" || { echo "FAIL: '$code' is used but not in the table"; fails=$((fails + 1)); }
done <"$tmp/used"
[ -s "$tmp/used" ] || { echo "FAIL: found no codes in the sources"; fails=$((fails + 1)); }
# ... and every code of the table is in the man page.
while read -r code; do
	grep -qx -- ".B ${code}" "$manpage" || { echo "FAIL: outcall.1 does not list $code"; fails=$((fails + 1)); }
done <"$tmp/codes"

code_is() { # description, code
	json "$1" "j['error']['code'] == '$2' and j['error']['message']"
}
# A rule file that does not parse.
printf 'version: "1"\nrules:\n  - id: x\n    condition: "http.hots == 1"\n    action: allow\n' >"$tmp/bad.yaml"
check "validate --json, bad file" 1 "$outcall" rules validate --json "$tmp/bad.yaml"
json "validate: parse_error" 'j["error"]["code"] == "parse_error" and j["error"]["line"] == 4'
check "test --json, bad rules" 1 "$outcall" rules test --json --rules "$tmp/bad.yaml" --dns a.test
code_is "test: parse_error" parse_error
json "test: names the line" 'j["error"]["line"] == 4 and j["error"]["rule"] == "x"'
# Usage errors, before or after the command.
check "usage --json" 2 "$outcall" --json rules tset
code_is "usage error" usage
check "usage --json after" 2 "$outcall" log --layer bogus --json
code_is "usage error after the command" usage
# No daemon.
check "unreachable --json" 3 "$outcall" --json --socket "$tmp/none.sock" status
code_is "unreachable" unreachable
# The daemon's own error keeps its code and fields, and adds the status.
cat >"$tmp/spec.json" <<'JSON'
{"POST /v1/rules/reload": {"status": 422, "json": {"error": {"code": "reload_failed",
  "message": "r.yaml:3:5: bad", "file": "r.yaml", "line": 3}, "generation": 1}}}
JSON
python3 "$(dirname "$0")/fakehost.py" "$tmp/fake.sock" "$tmp/spec.json" "$tmp/fake.ready" &
fake=$!
for _ in $(seq 100); do [ -e "$tmp/fake.ready" ] && break; sleep 0.1; done
check "API error --json" 1 "$outcall" --json --socket "$tmp/fake.sock" rules reload
json "daemon's code, file and status" 'j["error"]["code"] == "reload_failed" and j["error"]["file"] == "r.yaml" and j["error"]["status"] == 422'
contains "and the message for people" "$tmp/err" "r.yaml:3:5: bad (HTTP 422)"
check "no route --json" 1 "$outcall" --json --socket "$tmp/fake.sock" rules list
code_is "not found" not_found
kill "$fake" 2>/dev/null
wait "$fake" 2>/dev/null
# Without --json, stdout stays empty.
check "no --json: nothing on stdout" 3 "$outcall" --socket "$tmp/none.sock" status
[ -s "$tmp/out" ] && { echo "FAIL: an error printed on stdout without --json"; fails=$((fails + 1)); }

# The shim.
check "shim unreachable --json" 3 env OUTCALL_AGENT_SOCKET="$tmp/none.sock" "$shim" --json whoami
code_is "shim: unreachable" unreachable
check "shim usage --json" 2 "$shim" --json chekc x
code_is "shim: usage" usage
contains "shim: did you mean" "$tmp/err" "did you mean 'check'?"

echo "t_errcodes: $fails failed"
[ "$fails" = 0 ]
