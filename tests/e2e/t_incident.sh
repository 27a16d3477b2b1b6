#!/bin/bash
# Incident response (issue 20): revoking an approval, flushing grants,
# locking an agent down and granting by hand. After each command returns,
# the affected agent's established TCP and UDP flows die and nothing new
# of it passes the layer it lost; a lockdown holds through SIGKILL and
# restart of outcalld and through a rules reload; the other agent's flows
# keep running through all of it. Every command leaves an audit record.
# The time from command to dead flow is printed ("measured: ...").
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

oc_rule 10-base.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow
  - id: api-direct
    condition: network.hostname == "api.lab.test"
    action: allow
    egress: { mode: direct_ip, ports: [7070, 7081] }'
lab_agent a1
lab_agent a2
oc_start
oc_attach a1 "" coder-1     # agent "coder": the one that misbehaves
oc_attach a2 "" tester-1    # agent "tester": must not be disturbed

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
for p in 7070 7072; do
	lab_bg wan "tcp$p" socat TCP-LISTEN:$p,fork,reuseaddr EXEC:cat
done
for p in 7081 7082; do
	lab_bg wan "udp$p" "$PY" "$here/lib/flowprobe.py" udp-echo "$LAB_IP_WEB" $p
done
lab_wait 5 "the echo servers" lab_wan sh -c "ss -Hltn | grep -q ':7072 ' && ss -Hlun | grep -q ':7082 '"
# one more address on wan: a TCP echo server on 443 (section 3) and
# slow.lab.test, whose answers are long downloads (section 1)
K_IP=198.18.1.81
lab_wan ip addr add "$K_IP/32" dev lo || lab_fatal "cannot add $K_IP to wan"
lab_bg wan tcp443 socat "TCP-LISTEN:443,bind=$K_IP,fork,reuseaddr" EXEC:cat
lab_bg wan slow80 "$PY" "$here/lib/flowprobe.py" slow-http "$K_IP" 80
lab_wait 5 "the servers on $K_IP" lab_wan sh -c "ss -Hltn | grep -q '$K_IP:443 ' && ss -Hltn | grep -q '$K_IP:80 '"
lab_dns_set slow.lab.test "$K_IP"

sock() { echo "$LAB_DIR/run/agents/$1/agent.sock"; }
ns_of() { case $1 in coder-1) echo a1 ;; tester-1) echo a2 ;; esac; }
# api CONTAINER METHOD PATH [BODY]: the agent socket, from the container.
api() {
	lab_in "$(ns_of "$1")" curl -sS --max-time 10 --unix-socket "$(sock "$1")" -X "$2" \
		${4:+--data-binary "$4"} "http://agent$3"
}
json() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
audited() { grep '"kind":"audit"' "$LAB_DIR/decisions.log" | grep -q "$1"; }
locked_set() { lab_host nft list set inet outcall locked; }
locked_drops() {
	lab_host nft list counter inet outcall locked-dropped | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# probe NS NAME tcp|udp PORT HOST: a flow of NS to HOST's address, through a
# direct_ip grant the name's resolution makes; waits until it carries data.
probe() {
	local ns=$1 name=$2 proto=$3 port=$4 host=$5
	lab_bg "$ns" "$name" "$PY" "$here/lib/flowprobe.py" "$proto" "$LAB_IP_WEB" "$port" \
		"$LAB_DIR/$name.out" --max 400
	lab_wait 20 "$name carries data" sh -c "ip netns exec $LAB_P-$ns dig +time=1 +tries=1 \
		+short $host >/dev/null; grep -q '^ok ' $LAB_DIR/$name.out"
}
oks() { grep -c '^ok ' "$LAB_DIR/$1.out"; }
dead() { grep -q '^dead ' "$LAB_DIR/$1.out"; }
# moving NAME: the flow carried data since the last call (bounded wait).
declare -A MARK
moving() {
	local m=${MARK[$1]:-0}
	lab_poll 5 sh -c "[ \$(grep -c '^ok ' $LAB_DIR/$1.out) -gt $((m + 5)) ]" && ! dead "$1"
	local rc=$?
	MARK[$1]=$(oks "$1")
	return $rc
}
now() { date +%s.%N; }
# cut_ms T0 NAME: ms from T0 to the flow's first failed round.
cut_ms() {
	"$PY" -c 'import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' \
		"$1" "$(awk '/^dead /{print $2}' "$LAB_DIR/$2.out")"
}
# flows_die WHAT T0 NAME...: each flow dies (bounded wait), its time printed.
flows_die() {
	local what=$1 t0=$2
	shift 2
	for f in "$@"; do
		expect_ok "$what: flow $f is cut" lab_poll 10 dead "$f"
		echo "measured: $what -> $f cut after $(cut_ms "$t0" "$f") ms"
	done
}

# The bystander's flows run from here to the end.
probe a2 b-tcp tcp 7070 api.lab.test
probe a2 b-udp udp 7081 api.lab.test
bystander_runs() {
	expect_ok "$1: tester's TCP flow keeps running" moving b-tcp
	expect_ok "$1: tester's UDP flow keeps running" moving b-udp
	[ "${2:-}" = nodaemon ] ||
		expect_ok "$1: tester still reaches web through the proxy" lab_curl a2 https://web.lab.test/
}

# -- 1. revoke ---------------------------------------------------------------
# A direct_ip rule file the operator approves, then revokes.
rule_file='version: \"1\"\nrules:\n  - id: pkg\n    condition: network.hostname == \"pkg.lab.test\"\n    action: allow\n    egress: { mode: direct_ip, ports: [7072, 7082] }\n'
rid=$(api coder-1 POST /v1/requests "{\"rule_file\": \"$rule_file\", \"justification\": \"e2e: incident\"}" | json 'd["id"]')
expect_match "coder filed a rule file request" '^r-' "$rid"
expect_ok "approve it" oc_cli requests approve "$rid"
probe a1 r-tcp tcp 7072 pkg.lab.test
probe a1 r-udp udp 7082 pkg.lab.test
# and a host request (proxy), whose check tells the reason afterwards
# (another host: approving it re-judges the grants of pkg's direct_ip rule)
hid=$(api coder-1 POST /v1/requests '{"host": "evil.lab.test", "port": 443, "justification": "e2e"}' | json 'd["id"]')
expect_ok "approve the host request" oc_cli requests approve "$hid"
expect_ok "coder reaches evil.lab.test:443 through the proxy" lab_curl a1 https://evil.lab.test/

# coder's tunnel through the proxy, open under the host approval
lab_bg a1 rtunnel curl -s --max-time 60 -x http://10.200.0.1:8080 --cacert "$LAB_CA" \
	--limit-rate 100k -o /dev/null "https://evil.lab.test/big"
lab_wait 10 "coder's tunnel is open" sh -c "$OC_OUTCALL --socket $OC_SOCK --json proxy status | grep -q '\"tunnels\":{\"open\":[1-9]'"
t0=$(now)
expect_ok "revoke the rule file approval" oc_cli requests revoke "$rid" --reason "leaked a token"
expect_match "revoke says what it did" "revoked $rid: rule req-$rid removed" "$LAB_OUT"
flows_die revoke "$t0" r-tcp r-udp
expect_fail "the rule file is gone" test -e "$OC_RULES/requests/$rid.yaml"
expect_fail "no new flow of coder to pkg passes the kernel" lab_in a1 "$PY" \
	"$here/lib/flowprobe.py" tcp "$LAB_IP_WEB" 7072 "$LAB_DIR/r-new.out" --tries 5
expect_ok "the rule file's revoke leaves the other approval's tunnel open" sh -c \
	"$OC_OUTCALL --socket $OC_SOCK --json proxy status | grep -q '\"tunnels\":{\"open\":1'"
expect_ok "revoke the host approval" oc_cli --json requests revoke "$hid" --reason "not needed any more"
expect_match "--json answers the record" "\"status\":\"revoked\"" "$LAB_OUT"
expect_ok "the tunnel it opened is closed" lab_poll 10 sh -c "$OC_OUTCALL --socket $OC_SOCK --json proxy status | grep -q '\"tunnels\":{\"open\":0'"
expect_match "by the revoke" '"layer":"tls","agent":"coder".*"host":"evil.lab.test".*"reason":"the rules no longer allow this tunnel' \
	"$(cat "$LAB_DIR/decisions.log")"
expect_fail "coder is blocked at the proxy at once" lab_curl a1 \
	--resolve "evil.lab.test:443:$LAB_IP_EVIL" https://evil.lab.test/
st=$(api coder-1 GET "/v1/requests/$hid")
expect_match "the agent's request status says revoked and why" \
	'"status":"revoked".*' "$st"
expect_match "with the reason" 'not needed any more' "$st"
chk=$(api coder-1 POST /v1/check '{"url": "https://evil.lab.test/"}')
expect_match "the next check gives the reason" \
	"access request $hid for evil.lab.test was revoked by the operator: not needed any more" "$chk"
expect_status "only an approved request can be revoked" 1 oc_cli requests revoke "$hid"

# Plain HTTP downloads running under an approval, through the explicit and
# the transparent proxy, from a slow server, are cut when it is revoked,
# not left to finish; the next request's block page names the revocation.
h80=$(api coder-1 POST /v1/requests '{"host": "slow.lab.test", "port": 80, "justification": "e2e: a download"}' | json 'd["id"]')
expect_ok "approve coder's plain HTTP request" oc_cli requests approve "$h80"
lab_bg a1 dl-explicit curl -s --max-time 60 -x http://10.200.0.1:8080 \
	-o "$LAB_DIR/dl-explicit.bin" http://slow.lab.test/big
lab_bg a1 dl-transparent curl -s --max-time 60 --resolve "slow.lab.test:80:$K_IP" \
	-o "$LAB_DIR/dl-transparent.bin" http://slow.lab.test/big
lab_wait 10 "both downloads carry data" test -s "$LAB_DIR/dl-explicit.bin" -a -s "$LAB_DIR/dl-transparent.bin"
ended() { ! lab__alive "${LAB_BG_PID[$1]}"; }
t0=$(now)
expect_ok "revoke it" oc_cli requests revoke "$h80" --reason "download no longer needed"
for dl in dl-explicit dl-transparent; do
	expect_ok "revoke: the running download ($dl) is cut" lab_poll 10 ended "$dl"
	echo "measured: revoke -> $dl cut after $("$PY" -c 'import sys,time; print(round((time.time() - float(sys.argv[1])) * 1000))' "$t0") ms (or less)"
	expect_ok "revoke: $dl got part of it only" test "$(stat -c %s "$LAB_DIR/$dl.bin")" -lt $((64 << 20))
done
expect_match "the decision records say why" '"layer":"http","agent":"coder".*"host":"slow.lab.test".*"reason":"the rules no longer allow this request' \
	"$(cat "$LAB_DIR/decisions.log")"
revoked_line="Revoked: access request $h80 for slow.lab.test was revoked by the operator: download no longer needed."
expect_match "the explicit proxy's block page names the revocation" "$revoked_line" \
	"$(lab_in a1 curl -s --max-time 5 -x http://10.200.0.1:8080 http://slow.lab.test/)"
expect_match "so does the transparent proxy's" "$revoked_line" \
	"$(lab_in a1 curl -s --max-time 5 --resolve "slow.lab.test:80:$K_IP" http://slow.lab.test/)"
expect_ok "the audit record says who, what and why" audited \
	"\"peer\":\"uid=0 user=root\".*\"path\":\"request $hid\".*\"verdict\":\"revoke\".*\"reason\":\"not needed any more"
bystander_runs "after the revokes"

# -- 2. flush ----------------------------------------------------------------
probe a1 f-tcp tcp 7070 api.lab.test
probe a1 f-udp udp 7081 api.lab.test
t0=$(now)
expect_ok "flush coder's grants" oc_cli grants flush --agent coder --reason "suspicious"
expect_match "flush counts" "flushed the direct_ip grants of agent coder: 2 grants removed" "$LAB_OUT"
flows_die flush "$t0" f-tcp f-udp
expect_nomatch "coder has no grant left" "10.200.0.2 " "$(oc_cli grants)"
expect_match "tester keeps its grants" "10.200.0.3 " "$(oc_cli grants)"
expect_status "a flush needs exactly one target" 2 oc_cli grants flush --agent coder --all
expect_ok "the flush is audited" audited '"path":"agent coder","verdict":"flush".*"reason":"suspicious'
bystander_runs "after the flush"

# -- 3. the kernel's set of locked-down containers ----------------------------
# With outcalld stopped, so that nothing but the tables acts: an element of
# set `locked` alone stops an established flow a grant let through, on a
# port (443) the guard lets through towards the services (so the forward
# chain's drop is what stops it), in both directions.
lab_host nft add element inet outcall dip-api-direct "{ 10.200.0.2 . $K_IP . 443 timeout 120s }" ||
	lab_fatal "cannot add a grant by hand"
lab_bg a1 k-tcp "$PY" "$here/lib/flowprobe.py" tcp "$K_IP" 443 "$LAB_DIR/k-tcp.out" --max 400
lab_wait 20 "coder's flow to $K_IP:443 carries data" grep -q '^ok ' "$LAB_DIR/k-tcp.out"
kill -STOP "$OC_PID"
lab_host nft add element inet outcall locked "{ 10.200.0.2 }" || lab_fatal "cannot lock by hand"
expect_ok "the locked set alone cuts coder's established flow" lab_poll 10 dead k-tcp
expect_match "while its grant still exists" "10.200.0.2 . $K_IP . 443" \
	"$(lab_host nft list set inet outcall dip-api-direct)"
expect_ok "tester's flows run on" moving b-tcp
lab_host nft delete element inet outcall locked "{ 10.200.0.2 }"
lab_host nft delete element inet outcall dip-api-direct "{ 10.200.0.2 . $K_IP . 443 }"
kill -CONT "$OC_PID"

# -- 4. lockdown -------------------------------------------------------------
probe a1 l-tcp tcp 7070 api.lab.test
probe a1 l-udp udp 7081 api.lab.test
# a proxy tunnel of coder's, open across the lockdown
lab_bg a1 tunnel curl -s --max-time 60 -x http://10.200.0.1:8080 --cacert "$LAB_CA" \
	--limit-rate 100k -o /dev/null "https://web.lab.test/big"
lab_wait 10 "coder's tunnel is open" sh -c "$OC_OUTCALL --socket $OC_SOCK --json proxy status | grep -q '\"tunnels\":{\"open\":[1-9]'"
t0=$(now)
expect_ok "lock coder down" oc_cli lockdown on --agent coder --reason "exfiltration suspected"
t1=$(now)
# no wait: the kernel drops coder's packets before the command returns
expect_match "the kernel holds coder as locked when the command returns" \
	'10.200.0.2 comment "coder-1"' "$(locked_set)"
echo "measured: lockdown on returned after $("$PY" -c 'import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' "$t0" "$t1") ms, coder in the kernel's locked set"
# revoked by the command itself, not later by the watch
expect_match "lockdown counts" "locked down agent coder: 1 containers now, 2 grants revoked" "$LAB_OUT"
flows_die lockdown "$t0" l-tcp l-udp
expect_ok "coder's proxy tunnel is closed" lab_poll 10 sh -c "$OC_OUTCALL --socket $OC_SOCK --json proxy status | grep -q '\"tunnels\":{\"open\":0'"
expect_match "by the lockdown" '"layer":"tls","agent":"coder".*"reason":"locked down by the operator"' \
	"$(cat "$LAB_DIR/decisions.log")"

locked_everywhere() {
	local when=$1
	expect_match "$when: the kernel holds coder as locked" '10.200.0.2 comment "coder-1"' \
		"$(locked_set)"
	expect_eq "$when: DNS refuses coder" "NXDOMAIN" \
		"$(lab_in a1 dig +time=2 +tries=1 web.lab.test | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
	local dns page
	dns=$(lab_in a1 dig +time=2 +tries=1 web.lab.test)
	expect_match "$when: the DNS answer names the lockdown" 'rule "lockdown"' "$dns"
	expect_match "$when: and says coder is locked down, and why" \
		'locked down by the operator: exfiltration suspected; nothing is allowed' "$dns"
	expect_nomatch "$when: and does not send coder to ask for access" 'ask for access' "$dns"
	expect_fail "$when: the proxy refuses coder" lab_curl a1 \
		--resolve "web.lab.test:443:$LAB_IP_WEB" https://web.lab.test/
	page=$(lab_in a1 curl -s --max-time 5 -x http://10.200.0.1:8080 http://web.lab.test/)
	expect_match "$when: the block page names the lockdown" 'Rule: lockdown' "$page"
	expect_nomatch "$when: nor does it send coder to ask for access" 'outcall-shim request' "$page"
	expect_match "$when: the agent socket answers locked down" \
		'locked down: exfiltration suspected' \
		"$(api coder-1 POST /v1/check '{"url": "https://web.lab.test/"}')"
	expect_match "$when: requests are refused" '"locked_down"' \
		"$(api coder-1 POST /v1/requests '{"host": "x.lab.test", "justification": "let me out"}')"
	lab_capture_start "leak-$2" up0 wan "(tcp dst port 7070 and src port 40070) or (udp dst port 7081 and src port 40081)"
	expect_fail "$when: coder's new TCP flow does not pass the kernel" lab_in a1 "$PY" \
		"$here/lib/flowprobe.py" tcp "$LAB_IP_WEB" 7070 "$LAB_DIR/leak-$2-tcp.out" \
		--sport 40070 --tries 5
	expect_fail "$when: nor its UDP" lab_in a1 "$PY" "$here/lib/flowprobe.py" udp \
		"$LAB_IP_WEB" 7081 "$LAB_DIR/leak-$2-udp.out" --sport 40081 --tries 5
	expect_eq "$when: no packet of coder reached the internet" 0 \
		"$(lab_capture_count "leak-$2")"
	expect_match "$when: status is loud about it" \
		'LOCKDOWN agent coder since .* by uid=0 user=root: exfiltration suspected' "$(oc_cli status)"
	expect_match "$when: metrics show it" '^outcall_lockdowns 1$' \
		"$(lab_host curl -s --max-time 5 --unix-socket "$OC_SOCK" http://o/metrics)"
}
locked_everywhere "locked" 1
expect_ok "the lockdown is audited" audited \
	'"path":"agent coder","verdict":"lockdown on".*"reason":"exfiltration suspected'
bystander_runs "during the lockdown"
# A DNS answer judged just before the lockdown may add its grant just
# after. The kernel drops coder's packets while such a grant lives: here
# grants are added by hand with outcalld stopped, so nothing revokes them
# while coder tries them.
# race_round N WHAT: coder's TCP, UDP and HTTPS (which a grant would
# exempt from the redirect) through live grants pass no packet.
race_round() {
	local r=$1 what=$2 drops0
	lab_host nft add element inet outcall dip-api-direct "{ 10.200.0.2 . $LAB_IP_WEB . 7070 timeout 60s, \
10.200.0.2 . $LAB_IP_WEB . 7081 timeout 60s, 10.200.0.2 . $LAB_IP_WEB . 443 timeout 60s }" ||
		lab_fatal "cannot add grants by hand"
	drops0=$(locked_drops)
	lab_capture_start "race$r" up0 wan "src host $LAB_IP_HOST and ((tcp dst port 7070 and src port 4017$r) or (udp dst port 7081 and src port 4018$r) or (tcp dst port 443 and src port 4044$r))"
	expect_fail "$what: coder's new TCP flow through a live grant does not pass the kernel" \
		lab_in a1 "$PY" "$here/lib/flowprobe.py" tcp "$LAB_IP_WEB" 7070 \
		"$LAB_DIR/race$r-tcp.out" --sport "4017$r" --tries 5
	expect_fail "$what: nor its UDP" lab_in a1 "$PY" "$here/lib/flowprobe.py" udp "$LAB_IP_WEB" \
		7081 "$LAB_DIR/race$r-udp.out" --sport "4018$r" --tries 5
	expect_fail "$what: nor its HTTPS to a granted address" lab_in a1 curl -sk --max-time 3 \
		--local-port "4044$r" "https://$LAB_IP_WEB/"
	expect_eq "$what: no packet of coder reached the internet through the grants" 0 \
		"$(lab_capture_count "race$r")"
	expect_match "$what: while the grants still exist" "10.200.0.2 . $LAB_IP_WEB . 7081" \
		"$(lab_host nft list set inet outcall dip-api-direct)"
	expect_ok "$what: the kernel counted its drops" test "$(locked_drops)" -gt "$drops0"
}
kill -STOP "$OC_PID"
race_round 1 "outcalld stopped"
kill -CONT "$OC_PID"
expect_ok "once outcalld runs again, its watch revokes them" lab_poll 5 \
	grep -q "revoked 3 direct_ip grants of locked-down containers" "$LAB_DIR/outcalld.log"
expect_nomatch "and they are gone" "10.200.0.2 " "$(oc_cli grants)"
lab_stop outcalld KILL
expect_status "while outcalld is dead, coder's flows do not pass either" 1 lab_in a1 "$PY" \
	"$here/lib/flowprobe.py" tcp "$LAB_IP_WEB" 7070 "$LAB_DIR/dead-tcp.out" --tries 5
bystander_runs "while outcalld is dead" nodaemon
expect_match "while outcalld is dead, the kernel holds coder as locked" \
	'10.200.0.2 comment "coder-1"' "$(locked_set)"
# The guard's drops and the redirect without exemption hold on their own:
# with the forward chain's lockdown rules removed, nothing passes either
# (the start replaces the tables whole).
oc_del_rule inet forward "nothing of a locked-down container"
oc_del_rule inet forward "nor is anything forwarded to a locked-down"
race_round 2 "forward chain's lockdown rules removed"
# someone takes coder out of the set meanwhile: the start puts it back
# from lockdown.json before any layer serves
lab_host nft delete element inet outcall locked "{ 10.200.0.2 }" || lab_fatal "cannot unlock by hand"
oc_start
expect_match "the start put the forward chain's lockdown rules back" 'nothing of a locked-down' \
	"$(lab_host nft list chain inet outcall forward)"
locked_everywhere "after SIGKILL and restart" 2
bystander_runs "after the restart"
expect_ok "reload the rules" oc_cli rules reload
locked_everywhere "after a rules reload" 3
bystander_runs "after the reload"

expect_ok "lift the lockdown" oc_cli lockdown off --agent coder --reason "cleared"
expect_match "lifted" "lifted 1 lockdowns" "$LAB_OUT"
expect_ok "coder resolves again" lab_poll 5 sh -c "ip netns exec $LAB_P-a1 dig +time=1 +tries=1 +short web.lab.test | grep -q ."
expect_ok "coder reaches web again" lab_curl a1 https://web.lab.test/
expect_ok "lifting is audited" audited '"path":"agent coder","verdict":"lockdown off".*"reason":"cleared'
expect_status "lifting what is not on is an error" 1 oc_cli lockdown off --agent coder
expect_match "status is quiet again" '"lockdowns":\[\]' "$(oc_cli --json status)"
expect_nomatch "the kernel's locked set is empty again" 'elements' "$(locked_set)"

# lockdown of a network covers a container attached afterwards
expect_ok "a second network" oc_cli network create quarantine
expect_ok "lock it down" oc_cli lockdown on --network quarantine --reason "all of it"
lab_agent a3
oc_attach a3 quarantine late-1
expect_match "a container attached later is in the kernel's locked set at once" \
	'comment "late-1"' "$(locked_set)"
expect_eq "a container attached later is covered at once" "NXDOMAIN" \
	"$(lab_in a3 dig +time=2 +tries=1 web.lab.test | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
expect_ok "lift every lockdown" oc_cli lockdown off --all
expect_ok "late reaches web once lifted" lab_poll 5 lab_curl a3 https://web.lab.test/

# -- 5. grant by hand --------------------------------------------------------
expect_fail "pkg is blocked for coder" lab_curl a1 https://pkg.lab.test/
expect_status "--for is required" 2 oc_cli grant --agent coder --host pkg.lab.test
expect_status "--for has a maximum" 1 oc_cli grant --agent coder --host pkg.lab.test --for 25h
expect_match "which it names" "24 hours" "$LAB_ERR"
expect_ok "grant coder pkg for 4s" oc_cli grant --agent coder --host pkg.lab.test --port 443 \
	--for 4s --reason "hotfix download"
gid=$(grep -o 'request r-[0-9a-z]*' <<<"$LAB_OUT" | head -1 | cut -d' ' -f2)
expect_ok "coder reaches pkg" lab_curl a1 https://pkg.lab.test/
expect_fail "tester does not" lab_curl a2 https://pkg.lab.test/
expect_match "recorded like an approval" "\"id\":\"$gid\",\"status\":\"approved\",\"container\":\"outcall.operator\",\"agent\":\"coder\"" \
	"$(oc_cli --json requests list)"
expect_ok "the grant is audited" audited '"host":"pkg.lab.test".*"path":"agent coder","verdict":"grant".*"reason":"hotfix download'
expect_ok "the daemon expires it" lab_poll 15 sh -c "$OC_OUTCALL --socket $OC_SOCK --json requests list --status expired | grep -q $gid"
expect_fail "pkg is blocked again" lab_curl a1 \
	--resolve "pkg.lab.test:443:$LAB_IP_WEB" https://pkg.lab.test/
bystander_runs "at the end"

touch "$LAB_DIR/b-tcp.out.stop" "$LAB_DIR/b-udp.out.stop"
lab_done
