#!/bin/bash
# Reloads while agents work: a client loop of DNS and HTTP requests keeps
# running through ten reloads; hosts that stay allowed never fail, a
# removed rule blocks at once, a broken file changes nothing. Also SIGHUP
# reloads, SIGUSR1 reopens the decision log, and sd_notify READY is sent.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

oc_rule 10-stay.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow'
oc_rule 20-pkg.yaml 'version: "1"
rules:
  - id: pkg
    condition: network.hostname == "pkg.lab.test"
    action: allow'

# A notify socket like systemd's, to see READY=1.
lab_bg host notify python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
print(s.recv(256).decode(), flush=True)' "$LAB_DIR/notify.sock"
lab_wait 30 "notify socket" test -S "$LAB_DIR/notify.sock"
NOTIFY_SOCKET=$LAB_DIR/notify.sock oc_start
expect_ok "READY=1 reached the notify socket" lab_poll 5 grep -qx "READY=1" "$LAB_DIR/notify.log"
lab_agent a1
oc_attach a1

# The client: rounds of a DNS query and an HTTP request for the host that
# stays allowed, until the test has done its reloads (at most 600 rounds);
# every failure is written down.
lab_bg a1 client bash -c '
for i in $(seq 1 600); do
	[ -e "$1" ] && break
	dig +time=2 +tries=1 +short web.lab.test | grep -q . || echo "FAIL dns $i"
	curl -sf --max-time 3 -o /dev/null http://web.lab.test/ || echo "FAIL http $i"
	echo "round $i"
done
echo done' client "$LAB_DIR/client.stop"
lab_wait 20 "the client loop runs" grep -q "^round 1$" "$LAB_DIR/client.log"
for i in $(seq 1 10); do
	oc_rule "30-churn.yaml" "version: \"1\"
rules:
  - id: churn
    condition: network.hostname == \"churn$i.lab.test\"
    action: allow"
	expect_ok "reload $i" oc_cli rules reload
done
gen=$(oc_generation)
expect_ok "the generation moved with the reloads" test "$gen" -ge 11

# A removed rule blocks at once.
expect_ok "pkg is allowed" lab_curl a1 http://pkg.lab.test/
rm "$OC_RULES/20-pkg.yaml"
expect_ok "reload without pkg" oc_cli rules reload
expect_status "pkg is blocked right after the reload" 22 lab_curl a1 \
	--resolve "pkg.lab.test:80:$LAB_IP_WEB" http://pkg.lab.test/

# SIGHUP reloads; a broken file changes nothing.
printf 'version: "1"\nrules: [{id: bad, condition: "nope(", action: allow}]\n' >"$OC_RULES/40-bad.yaml"
g0=$(oc_generation)
kill -HUP "$OC_PID"
lab_wait 5 "the failed reload is reported" sh -c "$OC_OUTCALL --socket $OC_SOCK --json status | grep -q 40-bad.yaml"
expect_eq "a broken file leaves the generation" "$g0" "$(oc_generation)"
rm "$OC_RULES/40-bad.yaml"
kill -HUP "$OC_PID"
lab_wait 5 "SIGHUP reloads" sh -c "[ \$($OC_OUTCALL --socket $OC_SOCK --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"generation\"])') -gt $g0 ]"

touch "$LAB_DIR/client.stop"
lab_wait 30 "the client loop ends" grep -q "^done$" "$LAB_DIR/client.log"
expect_ok "the client made requests through the reloads" test "$(grep -c '^round' "$LAB_DIR/client.log")" -ge 5
expect_eq "no request failed through the reloads" "" "$(grep FAIL "$LAB_DIR/client.log")"

# SIGUSR1 reopens the decision log (logrotate).
mv "$LAB_DIR/decisions.log" "$LAB_DIR/decisions.log.1"
kill -USR1 "$OC_PID"
lab_wait 5 "a new decision log" test -f "$LAB_DIR/decisions.log"
lab_curl a1 http://web.lab.test/ >/dev/null
expect_ok "decisions go to the new file" lab_poll 5 grep -q '"rule":"web"' "$LAB_DIR/decisions.log"
lab_done
