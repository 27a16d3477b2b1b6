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
check "completion" 0 "$outcall" __complete rules test --co
contains "completion knows rules test flags" "$tmp/out" "--connect"

check "validate examples" 0 "$outcall" rules validate "$rules"
contains "validate count" "$tmp/out" "ok: 8 rules in 4 files"
check "validate --json" 0 "$outcall" rules validate --json "$rules"
json "validate json" 'j["valid"] and j["rules"] == 8 and len(j["files"]) == 4 and j["warnings"] == []'

printf 'version: "1"\nrules:\n  - id: x\n    condition: "http.hots == 1"\n    action: allow\n' >"$tmp/bad.yaml"
check "validate bad" 1 "$outcall" rules validate "$tmp/bad.yaml"
contains "error names file, line and rule" "$tmp/err" "bad.yaml:4:"
contains "error names rule" "$tmp/err" "rule 'x'"
contains "and the program, like every error of outcall" "$tmp/err" "outcall: $tmp/bad.yaml:4:"
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
check "context, in words" 0 "$outcall" rules test --rules "$rules" --context '{"network.hostname":"pypi.org"}'
contains "context wording" "$tmp/out" "allow by rule 'allow-pypi' (${rules}/30-packages.yaml:13) for the --context given"
if grep -q "the all layer" "$tmp/out"; then echo "FAIL: 'the all layer'"; fails=$((fails + 1)); fi
check "context, blocked" 1 "$outcall" rules test --rules "$rules" --context '{"network.hostname":"x.test"}'
contains "default wording" "$tmp/out" "block by default: no rule matched for the --context given"

# An allow rule only the proxy can match (the seed example): a warning
# that says what agents resolving names will see and what to write.
check "seed: valid, with a warning" 0 "$outcall" rules validate "$src/examples/seed"
contains "seed: the warning" "$tmp/err" "agent.yaml:7: rule 'allow-openai' names its hosts only by http.host, which only the proxy sees: agents that resolve names themselves will get NXDOMAIN; also test dns.query or use network.hostname"
if grep -q "allow-github-clone" "$tmp/err"; then echo "FAIL: a rule that tests dns.query is warned about"; fails=$((fails + 1)); fi
check "seed --json" 0 "$outcall" rules validate --json "$src/examples/seed"
json "seed: the warning in JSON" '[w["rule"] for w in j["warnings"]] == ["allow-openai"] and j["warnings"][0]["line"] == 7'
printf 'version: "1"\nrules:\n  - id: sni\n    condition: tls.sni == "a.test"\n    action: allow\n  - id: blk\n    condition: http.host == "b.test"\n    action: block\n' >"$tmp/sni.yaml"
check "tls.sni only" 0 "$outcall" rules validate "$tmp/sni.yaml"
contains "tls.sni named" "$tmp/err" "rule 'sni' names its hosts only by tls.sni"
if grep -q "'blk'" "$tmp/err"; then echo "FAIL: a block rule is warned about"; fails=$((fails + 1)); fi
check "two kinds is a usage error" 2 "$outcall" rules test --rules "$rules" --dns a --http http://b
check "bad url is a usage error" 2 "$outcall" rules test --rules "$rules" --http ftp://x
check "missing rules dir is an error" 1 "$outcall" rules test --rules "$tmp/none" --dns a

[ "$fails" = 0 ] && echo "all CLI rule checks passed"
exit $((fails > 0))
