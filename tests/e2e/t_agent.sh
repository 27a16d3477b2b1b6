#!/bin/bash
# Agent sockets and access requests end to end: agents check URLs and ask
# for access with the shim (as uid 1000, as agents run); the operator
# approves with the CLI and the waiting agent's next request passes while
# another agent stays blocked; a rejection's reason reaches the agent; an
# approval --for 2s expires; the 403 page's and the EDE's commands work;
# a restart keeps pending requests and the socket in a busybox chroot
# works without remounting (and the shim there exits 3 while the daemon
# is down); agents cannot see each other's requests; floods, malformed,
# huge and slow clients hit their limits without touching other agents.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

oc_shim

oc_rule 10-lab.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow'

lab_agent a1
lab_agent a2
lab_agent a3
oc_start --agent-request-rate 60 --agent-request-burst 10 --agent-max-pending 3
oc_attach a1 "" coder-1
oc_attach a2 "" tester-1
oc_attach a3 "" flood-1
# The lab's directory is private; agents (uid 1000) need to pass through
# it to their sockets, as they would through /run/outcall.
chmod o+x "$LAB_DIR" "$LAB_DIR/run"

sock() { echo "$LAB_DIR/run/agents/$1/agent.sock"; }
# shim NS CONTAINER ARGS...: the shim as uid 1000 inside the agent's namespace.
shim() {
	local ns=$1 ctr=$2
	shift 2
	lab_in "$ns" setpriv --reuid=1000 --regid=1000 --clear-groups \
		env OUTCALL_AGENT_SOCKET="$(sock "$ctr")" "$SHIM" "$@"
}
# api CONTAINER METHOD PATH [BODY]: raw HTTP on an agent socket, from the
# container's namespace (a socket serves only its container); the status
# code is the last line.
ns_of() { case $1 in coder-1) echo a1 ;; tester-1) echo a2 ;; flood-1) echo a3 ;; esac; }
api() {
	lab_in "$(ns_of "$1")" curl -sS --max-time 10 --unix-socket "$(sock "$1")" -X "$2" \
		${4:+--data-binary "$4"} -w '\n%{http_code}\n' "http://agent$3"
}
has() { [[ $1 == *"$2"* ]]; }
# id_in TEXT: the request id in the shim's "request r-xxxxxx: ..." line.
id_in() { grep -o -m1 'request r-[0-9a-z]*' <<<"$1" | cut -d' ' -f2; }

# -- sockets ----------------------------------------------------------------
expect_eq "socket mode" 666 "$(stat -c %a "$(sock coder-1)")"
expect_eq "socket directory mode" 755 "$(stat -c %a "$LAB_DIR/run/agents/coder-1")"
expect_ok "whoami as uid 1000" shim a1 coder-1 whoami
expect_match "whoami names agent, container and proxy" \
	'agent coder \(container coder-1\) on network default' "$LAB_OUT"
expect_match "whoami names the proxy" 'proxy http://10.200.0.1:8080' "$LAB_OUT"
expect_ok "env" shim a1 coder-1 env
expect_match "env exports the proxy" "^export HTTPS_PROXY='http://10.200.0.1:8080'" "$LAB_OUT"
expect_match "env exports lower case too" "^export no_proxy=" "$LAB_OUT"
expect_ok "the exports work in a shell" lab_in a1 sh -c "$LAB_OUT
curl -sS --fail --max-time 5 --cacert $LAB_DIR/ca.pem https://web.lab.test/via-proxy"
expect_eq "through the explicit proxy" "web-tls:web.lab.test:GET:/via-proxy" "$LAB_OUT"

# -- checks -----------------------------------------------------------------
expect_status "check an allowed URL" 0 shim a1 coder-1 check https://web.lab.test/
expect_match "it names the rule" 'allowed: allowed by rule "web"' "$LAB_OUT"
expect_status "check a blocked URL" 1 shim a1 coder-1 check https://api.lab.test/
expect_ok "the answer says how to ask" has "$LAB_OUT" \
	'ask for access: outcall-shim request --host api.lab.test --port 443 --why'
expect_status "check HOST:PORT" 1 shim a1 coder-1 check web.lab.test:8443
expect_match "a tunnel to another port needs the port named" "does not name the port" "$LAB_OUT"
expect_status "check --json" 0 shim a1 coder-1 --json check https://web.lab.test/
expect_ok "--json parses" python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["allowed"] and len(j["decision_id"]) == 16' "$LAB_OUT"
lab_poll 3 grep -q '"layer":"agent"' "$LAB_DIR/decisions.log"
expect_match "the decision log has the check with the peer's credentials" \
	'"layer":"agent".*"peer":"pid=[0-9]+ uid=1000 gid=1000"' "$(cat "$LAB_DIR/decisions.log")"

# -- the block messages name the shim's command, which works ----------------
expect_ok "DNS: a blocked name" lab_in a1 dig +time=2 +tries=1 api.lab.test
expect_ok "the EDE names the command" has "$LAB_OUT" \
	'ask for access: outcall-shim request --host api.lab.test --why "..."'
expect_status "HTTP: blocked by the proxy" 22 lab_curl a1 \
	--resolve "api.lab.test:80:$LAB_IP_WEB" http://api.lab.test/v1/items
page=$(lab_in a1 curl -s --max-time 5 --resolve "api.lab.test:80:$LAB_IP_WEB" \
	http://api.lab.test/v1/items)
cmdline=$(grep -m1 'outcall-shim request' <<<"$page")
expect_ok "the 403 page names the command" has "$cmdline" \
	'outcall-shim request --host api.lab.test --port 80 --method GET --path /v1/items --why "..."'
cmdline=${cmdline#*outcall-shim }
cmdline=${cmdline/'"..."'/'"the 403 page said so"'}
eval "expect_ok 'the 403 page command runs as it is' shim a1 coder-1 $cmdline"
expect_match "it is queued, plain-HTTP only" 'note: method and path_prefix' "$LAB_OUT"
expect_ok "the operator rejects it" oc_cli requests reject "$(id_in "$LAB_OUT")" --reason "not now"

# -- request, approval with the CLI, the waiting agent ----------------------
lab_bg a1 waiter setpriv --reuid=1000 --regid=1000 --clear-groups \
	env OUTCALL_AGENT_SOCKET="$(sock coder-1)" "$SHIM" request --host api.lab.test --port 443 \
	--why "e2e: read the API docs" --wait 60
pending_id() { # CONTAINER HOST: the id of its pending request for HOST
	oc_cli --json requests list --status pending | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    if r["container"] == sys.argv[1] and r.get("host") == sys.argv[2]:
        print(r["id"]); break
else:
    sys.exit(1)' "$1" "$2"
}
lab_wait 10 "the request is pending" pending_id coder-1 api.lab.test
rid=$(pending_id coder-1 api.lab.test)
expect_ok "show" oc_cli requests show "$rid"
shown=$LAB_OUT
expect_ok "show has the justification" has "$shown" "justification: e2e: read the API docs"
expect_ok "show has the exact rule" has "$shown" \
	'condition: "agent.name == \"coder\" && network.hostname == \"api.lab.test\" && (network.protocol == \"dns\" || (network.port == 443))"'
expect_fail "not yet: api is blocked" lab_curl a1 https://api.lab.test/
expect_ok "approve" oc_cli requests approve "$rid"
expect_match "approve says where the rule went" "approved $rid: rule req-$rid for agent coder" "$LAB_OUT"
lab_wait 10 "the waiting shim returns" lab__dead "${LAB_BG_PID[waiter]}"
lab_stop waiter
expect_eq "the wait ends approved (exit 0)" 0 "$LAB_STOP_STATUS"
expect_match "it says approved" ": approved" "$(cat "$LAB_DIR/waiter.log")"
expect_ok "the rule file has its header" grep -q "^# approved: .* for agent \"coder\"" \
	"$OC_RULES/requests/$rid.yaml"
expect_ok "the agent's next request passes" lab_curl a1 https://api.lab.test/next
expect_eq "answer" "web-tls:api.lab.test:GET:/next" "$LAB_OUT"
expect_fail "the second agent is still blocked" lab_curl a2 https://api.lab.test/
expect_status "and its check says so" 1 shim a2 tester-1 check https://api.lab.test/

# -- rejection -----------------------------------------------------------------
expect_ok "request pkg" shim a1 coder-1 request --host pkg.lab.test --why "e2e: packages"
pid1=$(id_in "$LAB_OUT")
expect_ok "reject with a reason" oc_cli requests reject "$pid1" --reason "use the internal mirror"
expect_status "the agent's wait ends rejected (exit 1)" 1 shim a1 coder-1 wait "$pid1"
expect_match "with the reason" "reason: use the internal mirror" "$LAB_OUT"

# -- one agent cannot read or act on another's request ----------------------
expect_status "another container's request is unknown to a2" 4 shim a2 tester-1 status "$pid1"
expect_ok "raw GET from a2" api tester-1 GET "/v1/requests/$pid1"
expect_eq "is 404" 404 "$(tail -n1 <<<"$LAB_OUT")"
expect_ok "approving from the agent socket" api coder-1 POST "/v1/requests/$pid1/approve" '{}'
expect_eq "does not exist (405)" 405 "$(tail -n1 <<<"$LAB_OUT")"
expect_ok "the host API is not on the agent socket" api coder-1 GET /v1/rules
expect_eq "404" 404 "$(tail -n1 <<<"$LAB_OUT")"

# -- an approval for 2 s expires ---------------------------------------------
expect_ok "request pkg again" shim a1 coder-1 request --host pkg.lab.test --why "e2e: briefly"
pid2=$(id_in "$LAB_OUT")
expect_ok "approve --for 2s" oc_cli requests approve "$pid2" --for 2s
expect_match "with its expiry" "expires 20" "$LAB_OUT"
expect_ok "pkg passes now" lab_curl a1 http://pkg.lab.test/brief
expect_ok "blocked again after 2 s" lab_poll 8 sh -c "! ip netns exec $LAB_P-a1 curl -sf --max-time 2 http://pkg.lab.test/again"
expect_status "the request reads expired" 1 shim a1 coder-1 status "$pid2"
expect_match "expired" ": expired" "$LAB_OUT"
expect_fail "its rule file is gone" test -e "$OC_RULES/requests/$pid2.yaml"

# -- --edit and --all-agents -----------------------------------------------
expect_ok "a2 asks for alias" shim a2 tester-1 request --host alias.lab.test --why "e2e: edit me"
pid4=$(id_in "$LAB_OUT")
expect_ok "show --all-agents drops the scope" oc_cli requests show "$pid4" --all-agents
expect_ok "no agent.name in it" sh -c "! grep -q 'agent.name' <<'EOF'
$LAB_OUT
EOF"
cat >"$LAB_DIR/editor.sh" <<'SH'
#!/bin/sh
# An operator's edit: a description of their own.
sed -i 's/^\(    description: \).*/\1"edited by the operator"/' "$1"
SH
chmod +x "$LAB_DIR/editor.sh"
expect_ok "approve --all-agents --edit" lab_host env EDITOR="$LAB_DIR/editor.sh" \
	"$OC_OUTCALL" --socket "$OC_SOCK" requests approve "$pid4" --all-agents --edit
expect_match "for every agent" "approved $pid4: rule req-$pid4 for every agent" "$LAB_OUT"
expect_ok "the file has the edit" grep -q 'description: "edited by the operator"' \
	"$OC_RULES/requests/$pid4.yaml"
expect_ok "another agent may use it" lab_curl a1 http://alias.lab.test/edited
cat >"$LAB_DIR/bad-editor.sh" <<'SH'
#!/bin/sh
echo 'rules: [' >"$1"
SH
chmod +x "$LAB_DIR/bad-editor.sh"
expect_ok "a1 asks for pkg once more" shim a1 coder-1 request --host pkg.lab.test --why "e2e: bad edit"
pid5=$(id_in "$LAB_OUT")
expect_status "a broken edit approves nothing" 1 lab_host env EDITOR="$LAB_DIR/bad-editor.sh" \
	"$OC_OUTCALL" --socket "$OC_SOCK" requests approve "$pid5" --edit
expect_match "and says why" "the edited rule file does not load" "$LAB_ERR"
expect_status "still pending" 5 shim a1 coder-1 status "$pid5"
expect_ok "reject it" oc_cli requests reject "$pid5" --reason "e2e"

# The counters start again with the daemon: read them before the restart.
expect_ok "metrics" oc_api GET /metrics
for v in approved rejected expired; do
	expect_match "$v counted" "^outcall_access_requests_total\\{event=\"$v\"\\} [1-9]" "$LAB_OUT"
done

# -- a busybox root with the socket directory mounted, across a restart -----
root=$LAB_DIR/rootfs
mkdir -p "$root/bin" "$root/run/outcall"
cp /usr/bin/busybox "$SHIM" "$root/bin/"
chmod 755 "$root" "$root/bin" "$root/run" "$root/run/outcall"
# A mount namespace of its own holds the bind mount, as a container
# runtime's does; the daemon's restart must not need it remounted.
# shellcheck disable=SC2016 # expanded by the inner shell
lab_bg a1 mountns unshare --mount --propagation private sh -c \
	'mount --bind "$1" "$2" && exec sleep 300' sh "$LAB_DIR/run/agents/coder-1" "$root/run/outcall"
mns=$LAB_LAST_PID
lab_wait 5 "the bind mount" nsenter -t "$mns" -m test -S "$root/run/outcall/agent.sock"
inbox() { # the shim as uid 1000 in the busybox root: nothing there but busybox and the
	# shim, in a1's mount and network namespaces, as a container's process would be
	nsenter -t "$mns" -m -n -- chroot --userspec=1000:1000 "$root" /bin/busybox env -i PATH=/bin \
		/bin/busybox sh -c 'outcall-shim "$@"' sh "$@"
}
expect_ok "the static shim runs in busybox" inbox whoami
expect_match "at the default socket path" "agent coder" "$LAB_OUT"
expect_ok "a pending request" shim a1 coder-1 request --host restart.lab.test --why "e2e: across a restart"
pid3=$(id_in "$LAB_OUT")
lab_stop outcalld TERM
expect_status "daemon down: the shim exits 3" 3 inbox check https://web.lab.test/
expect_match "and says why" "cannot reach outcalld" "$LAB_ERR"
oc_start --agent-request-rate 60 --agent-request-burst 10 --agent-max-pending 3
expect_status "after the restart the mounted socket works: the request is still pending" 5 \
	inbox status "$pid3"
expect_match "pending" "request $pid3: pending" "$LAB_OUT"
expect_ok "the operator sees it" oc_cli requests list --status pending
expect_match "listed" "$pid3" "$LAB_OUT"
expect_ok "the approved rule survived the restart" lab_curl a1 https://api.lab.test/after

# -- floods, malformed, huge and slow clients --------------------------------
# One client, one kept-alive connection, sixty checks as fast as it can.
flood_args=()
for _ in $(seq 60); do flood_args+=(-o /dev/null http://agent/v1/check); done
codes=$(lab_in a3 curl -s -w '%{http_code}\n' --max-time 10 --unix-socket "$(sock flood-1)" \
	-D "$LAB_DIR/flood.headers" \
	-X POST --data '{"dns": "web.lab.test"}' "${flood_args[@]}" | sort | uniq -c)
expect_match "a check flood is rate limited" ' 429$' "$codes"
expect_ok "with Retry-After" grep -qi '^retry-after: 1' "$LAB_DIR/flood.headers"
expect_status "a1's checks are not affected" 0 shim a1 coder-1 check https://web.lab.test/
for h in q1 q2 q3; do shim a3 flood-1 request --host $h.lab.test --why flood >/dev/null; done
expect_status "the queue is capped per container" 4 shim a3 flood-1 request --host q4.lab.test --why flood
expect_match "it says so" "already has 3 pending" "$LAB_ERR"
# Submissions are counted before they are read: a flood of bad ones runs
# out of tokens too.
flood=$(for _ in $(seq 14); do api flood-1 POST /v1/requests '{"host": "x.lab.test"}'; done)
expect_match "a request flood is rate limited" '"code":"rate_limited".*too many access requests' "$flood"
expect_ok "another agent can still ask" shim a2 tester-1 request --host tester.lab.test --why "e2e"
expect_ok "malformed JSON" api coder-1 POST /v1/check '{"url": '
expect_eq "is 400" 400 "$(tail -n1 <<<"$LAB_OUT")"
expect_match "with a message" '"message":"the body is not JSON' "$LAB_OUT"
expect_ok "unknown fields" api coder-1 POST /v1/requests '{"host": "x.lab.test", "justification": "x", "agent": "tester"}'
expect_eq "are 400" 400 "$(tail -n1 <<<"$LAB_OUT")"
expect_match "named" "unknown field 'agent'" "$LAB_OUT"
head -c 1048576 /dev/zero | tr '\0' 'a' >"$LAB_DIR/huge.json"
expect_ok "a huge body" lab_in a1 curl -sS --max-time 10 --unix-socket "$(sock coder-1)" \
	-X POST --data-binary "@$LAB_DIR/huge.json" -w '\n%{http_code}\n' http://agent/v1/requests
expect_eq "is 413" 413 "$(tail -n1 <<<"$LAB_OUT")"
# Slow clients: eight half-sent heads fill a1's socket; a ninth is turned
# away at once (503), a2 is not affected, and the slow ones get 408.
cat >"$LAB_DIR/slow.py" <<'PY'
import socket, sys
conns = []
for i in range(8):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"GET /v1/whoami HTTP/1.1\r\n")
    conns.append(s)
print("holding", flush=True)
# A ninth connection is answered at once, before it says anything.
extra = socket.socket(socket.AF_UNIX)
extra.connect(sys.argv[1])
extra.settimeout(5)
print("ninth:", extra.recv(200).split(b"\r\n")[0].decode(), flush=True)
for s in conns:
    s.settimeout(15)
    print(s.recv(200).split(b"\r\n")[0].decode(), flush=True)
PY
lab_bg a1 slow python3 "$LAB_DIR/slow.py" "$(sock coder-1)"
lab_wait 20 "slow clients connected (python starts slowly)" grep -q holding "$LAB_DIR/slow.log"
lab_wait 5 "the ninth connection's answer" grep -q '^ninth:' "$LAB_DIR/slow.log"
expect_match "a ninth connection is refused at once" '^ninth: HTTP/1.1 503' "$(cat "$LAB_DIR/slow.log")"
expect_status "a2 is not affected" 0 shim a2 tester-1 whoami
lab_wait 15 "the slow clients are cut off" sh -c "[ \$(grep -c '408' $LAB_DIR/slow.log) = 8 ]"

# -- the record of it all -------------------------------------------------------
expect_ok "metrics" oc_api GET /metrics
expect_match "submissions counted" '^outcall_access_requests_total\{event="submitted"\} [1-9]' "$LAB_OUT"
expect_match "pending counted" '^outcall_access_requests_pending [1-9]' "$LAB_OUT"
for v in submitted approved rejected expired; do
	expect_ok "the decision log records '$v'" grep -q "\"kind\":\"request\".*\"verdict\":\"$v\"" \
		"$LAB_DIR/decisions.log"
done

lab_done
