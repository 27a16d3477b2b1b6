#!/bin/bash
# outcalld as an operator runs it: start, attach, every layer deciding with
# one rule generation, reload (good, broken, under load), the host API's
# peer check, every CLI command's --json, log -f, dns flush, attach by pid
# and detach, SIGKILL and restart without a leak or a re-attach, JSON logs,
# SIGTERM leaving the tables, and a corrupt state file refused.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

oc_rule 10-lab.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow
  - id: api-get
    description: api.lab.test, GET only over plain HTTP
    condition: network.hostname == "api.lab.test" && (network.protocol != "http" || http.method == "GET")
    action: allow'

lab_agent a1
oc_start
oc_attach a1

# -- every layer, one generation ----------------------------------------
expect_ok "DNS: allowed name resolves" lab_in a1 dig +time=2 +tries=1 +short web.lab.test
expect_eq "DNS answer" "$LAB_IP_WEB" "$LAB_OUT"
expect_ok "DNS: blocked name is NXDOMAIN" lab_in a1 dig +time=2 +tries=1 evil.lab.test
expect_match "NXDOMAIN" "status: NXDOMAIN" "$LAB_OUT"
expect_ok "HTTP through the transparent proxy" lab_curl a1 http://web.lab.test/x
expect_eq "HTTP answer" "web:web.lab.test:GET:/x" "$LAB_OUT"
expect_ok "HTTPS through the transparent proxy" lab_curl a1 https://web.lab.test/y
expect_eq "HTTPS answer" "web-tls:web.lab.test:GET:/y" "$LAB_OUT"
expect_status "POST to api is blocked by the proxy" 22 lab_curl a1 -X POST http://api.lab.test/
expect_status "evil is blocked even by address" 22 lab_curl a1 \
	--resolve "evil.lab.test:80:$LAB_IP_EVIL" http://evil.lab.test/
lab_poll 3 grep -q '"layer":"http"' "$LAB_DIR/decisions.log"
gens=$(python3 - "$LAB_DIR/decisions.log" <<'PY'
import json, sys
gens = {json.loads(l).get("generation") for l in open(sys.argv[1]) if '"kind":"decision"' in l}
print(",".join(str(g) for g in sorted(gens, key=str)))
PY
)
expect_eq "DNS, HTTP and TLS decided with generation 1" "1" "$gens"

# -- the CLI, human and --json ------------------------------------------
for cmd in "status" "rules list" "rules show web" "dns status" "dns cache" "proxy status" \
	"network list" "containers" "log" "grants"; do
	# shellcheck disable=SC2086
	expect_ok "outcall $cmd" oc_cli $cmd
	# shellcheck disable=SC2086
	expect_ok "outcall --json $cmd" oc_cli --json $cmd
	expect_ok "outcall --json $cmd parses" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$LAB_OUT"
done
expect_ok "nft show" oc_cli nft show
expect_match "nft show lists the inet table" "table inet outcall" "$LAB_OUT"
expect_ok "status --json" oc_cli --json status
expect_ok "status names the generation and the container" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert j["ready"] and j["generation"] == 1 and j["containers"] == 1, j
assert j["tables"]["installed"], j' "$LAB_OUT"
expect_ok "log --blocked --json" oc_cli --json log --blocked --agent a1
expect_ok "blocked decisions of a1 are listed" python3 -c '
import json, sys
d = json.loads(sys.argv[1])["decisions"]
assert d and all(e["verdict"] == "block" and e["agent"] == "a1" for e in d), d' "$LAB_OUT"
expect_ok "decisions filtered by layer" oc_api GET '/v1/decisions?layer=http'
expect_ok "only http decisions come back" python3 -c '
import json, sys
d = json.loads(sys.argv[1])["decisions"]
assert d and all(e["layer"] == "http" for e in d), d' "$LAB_OUT"
expect_ok "audit records can be asked for by kind" oc_api GET '/v1/decisions?kind=audit'
expect_match "kind=audit is a filter, not an error" '"decisions"' "$LAB_OUT"
expect_ok "an unknown layer is answered" oc_api GET '/v1/decisions?layer=bogus'
expect_match "an unknown layer is refused, naming the layers" \
	"unknown layer 'bogus': use one of dns, http, tls, agent, kernel, requests, rules, incident" "$LAB_OUT"
expect_ok "metrics" oc_api GET /metrics
expect_match "metrics count decisions" '^outcall_decisions_total\{layer="dns",verdict="allow"\} [1-9]' "$LAB_OUT"
expect_match "metrics count rule hits" '^outcall_rule_hits_total\{rule="web"\} [1-9]' "$LAB_OUT"
expect_ok "evaluate" oc_api POST /v1/rules/evaluate '{"http":"http://api.lab.test/","method":"DELETE","explain":true}'
expect_match "evaluate explains" '"verdict":"block"' "$LAB_OUT"

# -- reload: good, broken -------------------------------------------------
oc_rule 20-more.yaml 'version: "1"
rules:
  - id: pkg
    condition: network.hostname == "pkg.lab.test"
    action: allow'
lab_wait 5 "the rules watch reloads" sh -c "[ \"\$($OC_OUTCALL --socket $OC_SOCK --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"generation\"])')\" = 2 ]"
expect_ok "a new rule applies" lab_curl a1 http://pkg.lab.test/
printf 'version: "1"\nrules:\n  - id: broken\n    condition: http.hots == "x"\n    action: allow\n' >"$OC_RULES/30-broken.yaml"
expect_status "a broken file fails the reload" 1 oc_cli rules reload
expect_match "the error names file and line" "30-broken.yaml:4:" "$LAB_ERR"
expect_eq "the generation did not move" 2 "$(oc_generation)"
expect_ok "the old rules still work" lab_curl a1 http://pkg.lab.test/
rm -f "$OC_RULES/30-broken.yaml"
expect_ok "reload after the fix" oc_cli rules reload

# -- the host socket checks its peer ----------------------------------------
# Open the file permissions so only the daemon's own check stands.
chmod o+x "$LAB_DIR" "$LAB_DIR/run"
chmod 0666 "$OC_SOCK"
expect_ok "a non-root peer gets 403" lab_host setpriv --reuid=65534 --regid=65534 --clear-groups \
	curl -s --max-time 3 --unix-socket "$OC_SOCK" http://o/v1/status
expect_match "403 names the rule" '"code":"forbidden"' "$LAB_OUT"
chmod 0600 "$OC_SOCK"
chmod o-x "$LAB_DIR" "$LAB_DIR/run"

# -- health, following the log, flushing the DNS cache ----------------------
expect_ok "health" oc_api GET /v1/health
expect_eq "health answers ok" '{"status":"ok"}' "$LAB_OUT"
lab_host timeout 10 "$OC_OUTCALL" --socket "$OC_SOCK" log -f --agent a1 >"$LAB_DIR/follow.out" 2>&1 &
follow=$!
# each try makes the request again: the follower may not be connected yet
followed() {
	lab_curl a1 http://web.lab.test/followed >/dev/null
	grep -q /followed "$LAB_DIR/follow.out"
}
lab_poll 5 followed
expect_match "log -f prints a decision as it happens" 'allow .*web\.lab\.test:80/followed' "$(cat "$LAB_DIR/follow.out")"
kill "$follow" 2>/dev/null; wait "$follow" 2>/dev/null
expect_ok "dns cache" oc_cli --json dns cache
expect_ok "the cache holds web.lab.test" python3 -c '
import json, sys
assert "web.lab.test" in sys.argv[1], sys.argv[1]' "$LAB_OUT"
expect_ok "dns flush" oc_cli dns flush
expect_ok "dns cache after the flush" oc_cli --json dns cache
expect_nomatch "the cache is empty" 'web\.lab\.test' "$LAB_OUT"

# -- attach by pid, detach ----------------------------------------------------
lab_agent a2
lab_bg a2 a2-proc sleep 60
expect_ok "attach --pid" oc_cli attach --pid "$LAB_LAST_PID" --name a2
expect_ok "a2 reaches web" lab_curl a2 http://web.lab.test/a2
expect_ok "detach" oc_cli detach a2
expect_fail "detached, a2 has no way out" lab_curl a2 --max-time 2 http://web.lab.test/a2
expect_eq "a2 has no eth0 left" "" "$(lab_in a2 ip -o link show eth0 2>/dev/null)"
expect_ok "containers after detach" oc_cli --json containers
expect_nomatch "a2 is gone" '"name":"a2"' "$LAB_OUT"
lab_stop a2-proc

# -- SIGKILL under load, then restart ---------------------------------------
lab_capture_start gap up0 wan "src host $LAB_IP_HOST and (tcp port 80 or tcp port 443 or port 53)"
kill -KILL "$OC_PID"
lab_poll 5 sh -c "! kill -0 $OC_PID 2>/dev/null"
expect_fail "while down, web is unreachable (no bypass)" lab_curl a1 --max-time 2 http://web.lab.test/
expect_fail "while down, evil by address is unreachable" lab_curl a1 --max-time 2 "http://$LAB_IP_EVIL/"
expect_fail "while down, wan's resolver is unreachable" lab_in a1 dig +time=1 +tries=1 "@$LAB_IP_DNS" web.lab.test
expect_eq "no packet reached wan while outcalld was down" 0 "$(lab_capture_count gap)"
expect_ok "the tables stayed" lab_host nft list table inet outcall
oc_start --log-format json
expect_ok "after restart, a1 works without re-attaching" lab_curl a1 http://web.lab.test/again
expect_ok "--log-format json writes JSON lines" python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for l in lines:
    json.loads(l)' "$LAB_DIR/outcalld.log"
expect_ok "a1 is known again" oc_cli --json containers
expect_match "a1 listed" '"name":"a1"' "$LAB_OUT"

# -- SIGTERM: a clean exit that leaves the host closed -------------------------
lab_stop outcalld TERM
expect_eq "SIGTERM: outcalld exits 0" 0 "$LAB_STOP_STATUS"
expect_ok "the tables stay after SIGTERM" lab_host nft list table inet outcall
expect_fail "and a1 still has no way around them" lab_curl a1 --max-time 2 "http://$LAB_IP_EVIL/"

# -- a corrupt state file is refused ----------------------------------------
mkdir -p "$LAB_DIR/bad-state"
echo '{"version": 1, "networks": [' >"$LAB_DIR/bad-state/state.json"
expect_status "a corrupt state file stops the start" 1 lab_host "$OC_OUTCALLD" \
	--state-dir "$LAB_DIR/bad-state" --rules-dir "$OC_RULES" --run-dir "$LAB_DIR/run2" \
	--nft-table octest --bridge-prefix ocb
expect_match "the message gives the recovery command" "outcalld --reset-state" "$LAB_ERR"
expect_ok "--reset-state moves it aside" lab_host "$OC_OUTCALLD" --state-dir "$LAB_DIR/bad-state" --reset-state
expect_ok "--check-state is happy now" lab_host "$OC_OUTCALLD" --state-dir "$LAB_DIR/bad-state" --check-state

lab_done
