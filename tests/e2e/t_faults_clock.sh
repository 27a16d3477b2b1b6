#!/bin/bash
# The wall clock jumping (docs/ARCHITECTURE.md, "Faults"): outcalld runs
# under Debian's libfaketime, whose offset the test changes while it runs
# (the monotonic clock is left alone, as a real clock change leaves it; a
# time namespace cannot move the wall clock). An approval `--for` ends at
# the first of its two ends: set forward past its expiry, it ends at once;
# set back, it still ends after its duration. direct_ip grants live in the
# kernel on its own clock: a jump changes nothing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/faults.sh"

FAKE=$(dpkg -L libfaketime 2>/dev/null | grep -m1 '/libfaketime\.so\.1$')
[ -n "$FAKE" ] || lab_fatal "no libfaketime.so.1: install the faketime package (scripts/deps.sh test)"
CLOCK=$LAB_DIR/clock-offset
jump() { echo "$1" >"$CLOCK"; }
jump +0
asan=${ASAN_OPTIONS:-}
[ "${OC_SANITIZED:-0}" = 1 ] && asan="${asan:+$asan:}verify_asan_link_order=0"
cat >"$LAB_DIR/outcalld-clock" <<EOF
#!/bin/sh
exec env LD_PRELOAD=$FAKE FAKETIME_TIMESTAMP_FILE=$CLOCK FAKETIME_CACHE_DURATION=1 \
	FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS=$asan $(printf %q "$OC_OUTCALLD") "\$@"
EOF
chmod +x "$LAB_DIR/outcalld-clock"
OC_OUTCALLD=$LAB_DIR/outcalld-clock

oc_rule 10-clock.yaml 'version: "1"
rules:
  - id: short-direct
    condition: network.hostname == "short-ttl.lab.test"
    action: allow
    egress: { mode: direct_ip, ports: [2222] }'
lab_agent a1
oc_start
oc_attach a1
chmod o+x "$LAB_DIR" "$LAB_DIR/run"
status_is() { [ "$(oc_request_status "$1")" = "$2" ]; }
expect_ok "outcalld runs on the faked clock" sh -c "grep -q . '$CLOCK'"

# -- set forward past an approval's expiry ------------------------------------------
rid=$(oc_ask a1 api.lab.test)
expect_ok "approve --for 1h" oc_cli requests approve "$rid" --for 1h
expect_ok "api.lab.test is open" lab_curl a1 http://api.lab.test/
jump +7200
expect_ok "the wall clock set 2 h forward ends the approval" lab_poll 10 status_is "$rid" expired
expect_status "api.lab.test is closed" 22 oc_px a1 http://api.lab.test/
expect_eq "its rule file is gone" "" "$(ls "$OC_RULES/requests/" | grep "$rid")"

# -- set back during an approval ------------------------------------------------------
rid=$(oc_ask a1 pkg.lab.test)
expect_ok "approve --for 4s" oc_cli requests approve "$rid" --for 4s
expect_ok "pkg.lab.test is open" lab_curl a1 http://pkg.lab.test/
jump -3600
expect_ok "the wall clock set 3 h back, the approval still ends after its 4 s" lab_poll 15 status_is "$rid" expired
expect_status "pkg.lab.test is closed" 22 oc_px a1 http://pkg.lab.test/

# -- direct_ip grants: the kernel's clock ---------------------------------------------
port_2222() { lab_curl a1 --max-time 1 "http://$LAB_IP_WEB:2222/" >/dev/null; }
expect_ok "a 2 s grant" lab_in a1 dig +time=3 +tries=1 +short short-ttl.lab.test
jump +86400
expect_ok "opens port 2222 after a day's jump forward" port_2222
expect_ok "and ends after its TTL all the same" lab_poll 10 sh -c "! ip netns exec $LAB_P-a1 curl -s --max-time 1 http://$LAB_IP_WEB:2222/ >/dev/null"
jump -86400
expect_ok "a 2 s grant, after a jump back" lab_in a1 dig +time=3 +tries=1 +short short-ttl.lab.test
expect_ok "opens port 2222" port_2222
expect_ok "and ends after its TTL" lab_poll 10 sh -c "! ip netns exec $LAB_P-a1 curl -s --max-time 1 http://$LAB_IP_WEB:2222/ >/dev/null"
expect_ok "outcalld kept running" kill -0 "$OC_PID"

lab_done
