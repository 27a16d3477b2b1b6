#!/bin/bash
# A full and a read-only disk (docs/ARCHITECTURE.md, "Faults"): outcalld's
# state directory and decision log each on a 1 MiB tmpfs of their own,
# mounted in a mount namespace of the test's (nothing is mounted on the
# machine). Nothing is acknowledged that was not saved: an approval, a
# network and an attach that cannot be written are refused and undone,
# saying which file and why; decisions go on being made (the lines the log
# could not take are counted and reported, and no line is left half
# written); a restart on a full disk serves; and it all recovers by itself
# once there is room again.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/faults.sh"

# the agents first: their namespace files are mounts, which outcalld's
# mount namespace must have
lab_agent a1
lab_agent a2
SMALL=$LAB_DIR/small
mkdir -p "$SMALL/state" "$SMALL/log"
lab_bg host mounts unshare --mount --propagation slave sh -c "
	mount -t tmpfs -o size=1m,mode=0700 oc-state '$SMALL/state' &&
	mount -t tmpfs -o size=1m,mode=0700 oc-log '$SMALL/log' && echo mounted && exec sleep 900"
MOUNTS=$LAB_LAST_PID
lab_wait 10 "the small filesystems are mounted" grep -q mounted "$LAB_DIR/mounts.log"
# what outcalld sees, from outside its mount namespace
STATE=/proc/$MOUNTS/root$SMALL/state
LOGDIR=/proc/$MOUNTS/root$SMALL/log
cat >"$LAB_DIR/outcalld-small" <<EOF
#!/bin/sh
exec nsenter -t $MOUNTS -m -- $(printf %q "$OC_OUTCALLD") "\$@"
EOF
chmod +x "$LAB_DIR/outcalld-small"
OC_OUTCALLD=$LAB_DIR/outcalld-small
small_start() { oc_start --state-dir "$SMALL/state" --decision-log "$SMALL/log/decisions.log"; }
fill() { dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; sync; }
unfill() { rm -f "$1/filler"; }
remount() { nsenter -t "$MOUNTS" -m mount -o "remount,$2" "$SMALL/$1"; }

oc_rule 10-disk.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow'
small_start
oc_attach a1
chmod o+x "$LAB_DIR" "$LAB_DIR/run"
ask() {
	lab_in a1 curl -sS --max-time 10 --unix-socket "$LAB_DIR/run/agents/a1/agent.sock" -X POST -w '\n%{http_code}\n' \
		--data-binary "{\"host\":\"$1\",\"port\":80,\"justification\":\"disk test\"}" http://agent/v1/requests
}
expect_ok "the agent asks for api.lab.test" ask api.lab.test
rid=$(head -n1 <<<"$LAB_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
log_lines_parse() {
	python3 - "$LOGDIR/decisions.log" <<'PY'
import json, sys
for n, l in enumerate(open(sys.argv[1], "rb"), 1):
    json.loads(l)
PY
}

# -- the state directory is full ------------------------------------------------
fill "$STATE"
expect_status "approving on a full disk" 1 oc_cli requests approve "$rid"
expect_match "is refused, naming the record and the cause" "$rid.*No space left on device" "$LAB_ERR"
expect_eq "the request is still pending" pending "$(oc_request_status "$rid")"
expect_eq "no rule file is live" "" "$(ls "$OC_RULES/requests/" 2>/dev/null | grep "$rid")"
expect_status "api.lab.test stays blocked" 22 oc_px a1 http://api.lab.test/
expect_ok "a new request on a full disk" ask pkg.lab.test
expect_nomatch "is not taken" '^20[0-9]$' "$(tail -n1 <<<"$LAB_OUT")"
expect_status "a network create on a full disk" 1 oc_cli network create n2
expect_match "is refused, naming the state file" "state.json.*No space left on device" "$LAB_ERR"
expect_nomatch "n2 is not listed" '"n2"' "$(oc_cli --json network list)"
expect_eq "and has no bridge" 1 "$(lab_host ip -o link show type bridge | wc -l)"
expect_status "an attach on a full disk" 1 oc_cli attach --netns "$(lab_netns a2)" --name a2
expect_match "is refused, naming the state file" "state.json.*No space left on device" "$LAB_ERR"
expect_nomatch "a2 is not listed" '"name":"a2"' "$(oc_cli --json containers)"
expect_eq "a2 has no interface left" "" "$(lab_in a2 ip -o link show eth0 2>/dev/null)"
expect_ok "traffic is judged as before" lab_curl a1 http://web.lab.test/full
expect_status "both ways" 22 oc_px a1 http://api.lab.test/

# -- a restart on the full disk -------------------------------------------------------
lab_stop outcalld TERM
small_start
expect_ok "outcalld restarted on a full disk serves" lab_curl a1 http://web.lab.test/restarted
expect_eq "the request survived" pending "$(oc_request_status "$rid")"
expect_match "and says it cannot save its state" "cannot save state.*No space left on device" "$(cat "$LAB_DIR/outcalld.log")"

# -- room again: everything works, nothing stayed behind ---------------------------------
unfill "$STATE"
expect_ok "approving with room again" oc_cli requests approve "$rid"
expect_ok "opens api.lab.test" lab_curl a1 http://api.lab.test/
expect_ok "network create" oc_cli network create n2
expect_ok "attach" oc_cli attach --netns "$(lab_netns a2)" --name a2
expect_ok "a2 works" lab_curl a2 http://web.lab.test/a2
expect_ok "the state file holds n2 and a2" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert "n2" in [n["name"] for n in s["networks"]], s
assert "a2" in [c["name"] for c in s["containers"]], s' "$STATE/state.json"

# -- read-only state directory ------------------------------------------------------------
expect_ok "the agent asks for pkg.lab.test" ask pkg.lab.test
rid2=$(head -n1 <<<"$LAB_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
expect_ok "the state directory goes read-only" remount state ro
expect_status "approving on a read-only disk" 1 oc_cli requests approve "$rid2"
expect_match "is refused, saying so" "Read-only file system" "$LAB_ERR"
expect_status "pkg.lab.test stays blocked" 22 oc_px a1 http://pkg.lab.test/
expect_status "a network create on a read-only disk" 1 oc_cli network create n3
expect_ok "read-write again" remount state rw
expect_ok "approving works again" oc_cli requests approve "$rid2"
expect_ok "and opens pkg.lab.test" lab_curl a1 http://pkg.lab.test/

# -- the decision log's disk is full ---------------------------------------------------------
fill "$LOGDIR"
# the log's last page may still take a few lines: more than fit
for i in $(seq 1 30); do
	lab_curl a1 "http://web.lab.test/lost-$i" >/dev/null || echo "FAIL: request $i while the log is full"
done
expect_ok "decisions are still made" lab_curl a1 http://web.lab.test/still
expect_ok "the lines lost are counted" oc_api GET /metrics
expect_match "in the metrics" '^outcall_decision_log_write_errors_total [1-9]' "$LAB_OUT"
expect_ok "and outcalld's log says which file and why" lab_poll 5 grep -q \
	"decision log $SMALL/log/decisions.log.*its filesystem is full" "$LAB_DIR/outcalld.log"
unfill "$LOGDIR"
expect_ok "with room again, decisions are logged again" lab_curl a1 http://web.lab.test/back
lab_wait 5 "the decision reaches the log" grep -q '/back' "$LOGDIR/decisions.log"
expect_ok "every line of the log is whole JSON" log_lines_parse

lab_done
