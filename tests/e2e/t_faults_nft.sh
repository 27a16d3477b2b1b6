#!/bin/bash
# nftables refusing Outcall's transactions (docs/ARCHITECTURE.md, "Faults"):
# a direct_ip set that is full (the kernel's ENFILE: every dip set made with
# room for 2 elements by faultinj.so), and a transaction the kernel never
# takes (netlink out of buffers) during a reload and an approval. Grants
# fail closed with their reason in the decision log, the old rules stay,
# the approval is not given, the daemon keeps serving, and all of it
# recovers by itself once the kernel takes transactions again.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/faults.sh"

oc_rule 10-nft.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow
  - id: granted
    condition: network.hostname.endsWith(".grant.lab.test")
    action: allow
    egress: { mode: direct_ip, ports: [8080] }'
lab_dns_set g1.grant.lab.test "$LAB_IP_WEB"
lab_dns_set g2.grant.lab.test "$LAB_IP_EVIL"
lab_dns_set g3.grant.lab.test "$LAB_IP_DNS"
lab_agent a1
oc_faults_preload OC_FAULT_SETSIZE=2 OC_FAULT=fail-commits:
# grants live 3 s: the full set empties by itself
oc_start --dns-max-ttl 3
oc_attach a1
dig_a1() { lab_in a1 dig +time=8 +tries=1 "$@"; }
grant_count() { oc_cli --json grants | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["grants"]))'; }

# -- a full set --------------------------------------------------------------
expect_ok "first grant" dig_a1 +short g1.grant.lab.test
expect_eq "first grant: the address" "$LAB_IP_WEB" "$LAB_OUT"
expect_ok "the first grant opens its port" lab_curl a1 --max-time 2 "http://$LAB_IP_WEB:8080/g1"
expect_eq "reaching the server" "web-8080:$LAB_IP_WEB:8080:GET:/g1" "$LAB_OUT"
expect_ok "second grant" dig_a1 +short g2.grant.lab.test
expect_eq "second grant: the address" "$LAB_IP_EVIL" "$LAB_OUT"
expect_ok "third grant, into a full set" dig_a1 g3.grant.lab.test
expect_match "is SERVFAIL" "status: SERVFAIL" "$LAB_OUT"
expect_match "without the address" "ANSWER: 0," "$LAB_OUT"
expect_match "whose EDE names the refused grant" "EDE: .*direct_ip grant refused" "$LAB_OUT"
expect_eq "the set holds the two grants only" 2 "$(grant_count)"
expect_ok "the decision log says what the kernel refused" python3 - "$LAB_DIR/decisions.log" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = [r for r in recs if r.get("host") == "g3.grant.lab.test"]
assert r and r[-1].get("dns_rcode") == 2, r
assert "direct_ip grant refused" in r[-1].get("reason", ""), r[-1]
PY
expect_ok "names without grants still resolve" dig_a1 +short web.lab.test
expect_eq "web's address" "$LAB_IP_WEB" "$LAB_OUT"
expect_ok "the proxy still serves" lab_curl a1 http://web.lab.test/full
# the grants expire after 3 s; a set with room takes the third
expect_ok "once the grants expired, the third is granted" \
	lab_poll 15 sh -c "ip netns exec $LAB_P-a1 dig +time=2 +tries=1 +short g3.grant.lab.test | grep -qx $LAB_IP_DNS"

# -- transactions the kernel never takes: reloads -------------------------------------
gen=$(oc_generation)
oc_fault_arm
oc_rule 20-more.yaml 'version: "1"
rules:
  - id: pkg
    condition: network.hostname == "pkg.lab.test"
    action: allow'
lab_wait 10 "the watch's reload is refused" grep -q "reload failed, the previous rules stay live: .*nftables transaction" "$LAB_DIR/outcalld.log"
lab_wait 10 "the reload is tried again" grep -q "reloading again" "$LAB_DIR/outcalld.log"
expect_eq "the generation did not move" "$gen" "$(oc_generation)"
expect_status "the new rule is not in force" 22 oc_px a1 http://pkg.lab.test/
expect_ok "the old rules are" lab_curl a1 http://web.lab.test/old
expect_status "an operator's reload" 1 oc_cli rules reload
expect_match "fails, saying the kernel part failed" "nftables transaction" "$LAB_ERR"
oc_fault_disarm
expect_ok "once the kernel takes transactions again, the reload goes through by itself" lab_poll 10 sh -c \
	"[ \$($OC_OUTCALL --socket $OC_SOCK --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"generation\"])') -gt $gen ]"
expect_ok "the new rule is in force" oc_px a1 http://pkg.lab.test/

# -- ... and an approval ------------------------------------------------------------------
chmod o+x "$LAB_DIR" "$LAB_DIR/run"
expect_ok "the agent asks for api.lab.test" oc_ask a1 api.lab.test
rid=$LAB_OUT
oc_fault_arm
expect_status "an approval whose reload fails" 1 oc_cli requests approve "$rid"
expect_match "is refused, saying why" "not approved" "$LAB_ERR"
expect_eq "the request is still pending" pending "$(oc_request_status "$rid")"
expect_eq "no rule file stays behind" "" "$(ls "$OC_RULES/requests/" 2>/dev/null | grep "$rid")"
expect_status "api.lab.test stays blocked" 22 oc_px a1 http://api.lab.test/
oc_fault_disarm
expect_ok "approving again works" oc_cli requests approve "$rid"
expect_ok "and opens api.lab.test" oc_px a1 http://api.lab.test/ok
expect_ok "outcalld kept running" kill -0 "$OC_PID"

lab_done
