#!/bin/bash
# Host API and agent-socket clients that hang up (docs/ARCHITECTURE.md,
# "Faults"): in the middle of a large answer (with a reset), right after
# asking, half-way through their request, and while a reload or an approval
# they asked for is under way. outcalld answers everyone else all along,
# keeps no descriptor of theirs, and what they started is done or not done
# as a whole. (A `log -f` follower that never reads: tests/cli cli-hostile.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/faults.sh"

oc_rule 10-api.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow'
lab_agent a1
oc_start --decision-ring 8192
oc_attach a1
chmod o+x "$LAB_DIR" "$LAB_DIR/run"
# enough decisions for a large answer
for i in $(seq 1 40); do lab_in a1 dig +time=2 +tries=1 +short "n$i.lab.test" >/dev/null; done

# hangup SOCKET MODE PATH COUNT [METHOD [BODY]]
hangup() {
	python3 - "$@" <<'PY'
import socket, struct, sys
sock, mode, path, count = sys.argv[1:5]
method = sys.argv[5] if len(sys.argv) > 5 else "GET"
body = sys.argv[6].encode() if len(sys.argv) > 6 else b""
req = ("%s %s HTTP/1.1\r\nHost: o\r\nContent-Type: application/json\r\n"
       "Content-Length: %d\r\n\r\n" % (method, path, len(body))).encode() + body
for _ in range(int(count)):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)  # blocking: waits for room in the listen backlog
    s.settimeout(10)
    try:
        s.sendall(req[:len(req) // 2] if mode == "half" else req)
        if mode == "read-some":
            s.recv(64)
    except OSError:
        pass  # the daemon may close first (a cap, a rate limit): fine
    # a reset, not a polite close: the daemon's next write fails at once
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
PY
}
fds() { ls "/proc/$OC_PID/fd" | wc -l; }
serves() {
	oc_api GET /v1/health | grep -q '"ok"' && lab_curl a1 http://web.lab.test/ >/dev/null
}
fds_back() { [ "$(fds)" -le $((base + 2)) ]; }

base=$(fds)
expect_ok "a large answer exists" oc_api GET '/v1/decisions?limit=8192'
expect_ok "(over 8 KiB)" test "${#LAB_OUT}" -gt 8192
for path in '/v1/decisions?limit=8192' /v1/nft /metrics /v1/dns/cache /v1/status; do
	expect_ok "50 clients read 64 bytes of $path and reset" hangup "$OC_SOCK" read-some "$path" 50
	expect_ok "50 clients ask for $path and reset at once" hangup "$OC_SOCK" no-read "$path" 50
	expect_ok "outcalld serves after the hang-ups on $path" serves
done
expect_ok "100 clients send half a request and reset" hangup "$OC_SOCK" half /v1/status 100
expect_ok "outcalld serves" serves
expect_ok "its descriptors are back to $base" lab_poll 10 fds_back

# -- hanging up on work under way -----------------------------------------------
gen=$(oc_generation)
oc_rule 20-pkg.yaml 'version: "1"
rules:
  - id: pkg
    condition: network.hostname == "pkg.lab.test"
    action: allow'
expect_ok "a client asks for a reload and hangs up" hangup "$OC_SOCK" no-read /v1/rules/reload 1 POST '{}'
expect_ok "the reload happened" lab_poll 10 sh -c "[ \$($OC_OUTCALL --socket $OC_SOCK --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"generation\"])') -gt $gen ]"
expect_ok "and pkg.lab.test is open" lab_curl a1 http://pkg.lab.test/

sock=$LAB_DIR/run/agents/a1/agent.sock
rid=$(oc_ask a1 api.lab.test)
expect_ok "the operator approves and hangs up" hangup "$OC_SOCK" no-read "/v1/requests/$rid/approve" 1 POST '{}'
approved() { [ "$(oc_request_status "$rid")" = approved ]; }
expect_ok "the approval is whole: approved" lab_poll 10 approved
expect_ok "with its rule file" test -f "$OC_RULES/requests/$rid.yaml"
expect_ok "and in force" lab_curl a1 http://api.lab.test/

# -- the agent socket -----------------------------------------------------------------
abase=$(fds)
expect_ok "agents that hang up during a check" \
	lab_in a1 bash -c "$(declare -f hangup); hangup '$sock' read-some /v1/check 50 POST '{\"url\":\"https://web.lab.test/\"}'"
expect_ok "agents that hang up half-way" lab_in a1 bash -c "$(declare -f hangup); hangup '$sock' half /v1/whoami 50"
expect_ok "the agent socket still answers" lab_in a1 curl -sS --max-time 5 --unix-socket "$sock" http://agent/v1/whoami
base=$abase
expect_ok "the descriptors are back" lab_poll 10 fds_back
expect_ok "outcalld kept running" kill -0 "$OC_PID"

lab_done
