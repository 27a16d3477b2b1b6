#!/bin/bash
# `outcall rules validate|test`, `--help`, `--version` and completion as an
# operator uses them: exit codes, text and --json output.
set -u
outcall=$1
src=$2
rules=$src/examples/rules.d
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

check "version" 0 "$outcall" --version
contains "version text" "$tmp/out" "outcall 0."
check "help" 0 "$outcall" --help
contains "help lists rules" "$tmp/out" "rules"
check "rules help" 0 "$outcall" rules test --help
contains "test help lists --explain" "$tmp/out" "--explain"
check "no command is a usage error" 2 "$outcall"
check "unknown command" 2 "$outcall" frobnicate
contains "unknown command named" "$tmp/err" "unknown command 'frobnicate'"
check "unknown option" 2 "$outcall" rules test --bogus
check "completion" 0 "$outcall" completion bash
contains "completion knows rules test flags" "$tmp/out" "--connect"
bash -n "$tmp/out" || { echo "FAIL: completion is not valid bash"; fails=$((fails + 1)); }

check "validate examples" 0 "$outcall" rules validate "$rules"
contains "validate count" "$tmp/out" "ok: 8 rules in 4 files"
check "validate --json" 0 "$outcall" rules validate --json "$rules"
json "validate json" 'j["valid"] and j["rules"] == 8 and len(j["files"]) == 4 and j["warnings"] == []'

printf 'version: "1"\nrules:\n  - id: x\n    condition: "http.hots == 1"\n    action: allow\n' >"$tmp/bad.yaml"
check "validate bad" 1 "$outcall" rules validate "$tmp/bad.yaml"
contains "error names file, line and rule" "$tmp/err" "bad.yaml:4:"
contains "error names rule" "$tmp/err" "rule 'x'"
check "validate bad --json" 1 "$outcall" rules validate --json "$tmp/bad.yaml"
json "error json" 'not j["valid"] and j["error"]["line"] == 4 and j["error"]["rule"] == "x"'
printf 'version: "1"\ndefinitions:\n  spare: "true"\nrules: []\n' >"$tmp/warn.yaml"
check "warnings do not fail" 0 "$outcall" rules validate "$tmp/warn.yaml"
contains "warning printed" "$tmp/err" "definition 'spare' is never used"
check "a missing rules directory" 1 "$outcall" rules validate "$tmp/no-rules.d"
contains "says how to create it" "$tmp/err" "create it (mkdir -p $tmp/no-rules.d)"

check "https allowed" 0 "$outcall" rules test --rules "$rules" --http https://api.openai.com/v1/chat
contains "deciding rule and place" "$tmp/out" "allow by rule 'allow-llm-api' (${rules}/10-llm.yaml:8) at the tls layer"
check "plain http to the llm is blocked" 1 "$outcall" rules test --rules "$rules" --http http://api.openai.com/
contains "default block" "$tmp/out" "block by default"
check "dns allowed" 0 "$outcall" rules test --rules "$rules" --dns API.Anthropic.com.
check "mirror read" 0 "$outcall" rules test --rules "$rules" --http http://deb.debian.org/debian/
check "mirror post blocked" 1 "$outcall" rules test --rules "$rules" --http http://deb.debian.org/x --method POST --explain
contains "explain shows the mirror rule" "$tmp/out" "allow-debian-mirror-reads"
contains "explain shows why" "$tmp/out" 'http.method is "POST"'
check "agent scoped rule" 0 "$outcall" rules test --rules "$rules" --connect api.github.com:443 --agent coder
check "other agent blocked" 1 "$outcall" rules test --rules "$rules" --connect api.github.com:443 --agent reviewer
check "metadata blocked by rule" 1 "$outcall" rules test --rules "$rules" --http http://169.254.169.254/ --json
json "metadata rule" 'j["verdict"] == "block" and j["rule"] == "block-cloud-metadata" and j["line"] == 5'
check "context" 0 "$outcall" rules test --rules "$rules" --context '{"network.hostname":"pypi.org"}' --json
json "context layer" 'j["layer"] == "all" and j["rule"] == "allow-pypi"'
check "two kinds is a usage error" 2 "$outcall" rules test --rules "$rules" --dns a --http http://b
check "bad url is a usage error" 2 "$outcall" rules test --rules "$rules" --http ftp://x
check "missing rules dir is an error" 1 "$outcall" rules test --rules "$tmp/none" --dns a

[ "$fails" = 0 ] && echo "all CLI rule checks passed"
exit $((fails > 0))
