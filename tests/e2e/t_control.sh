#!/bin/bash
# The control plane's lanes (issue 21): an agent socket serves only its
# own container (a local user, root of the host or another container is
# closed and logged); the operator group is judged by the groups the peer
# had when it connected (SO_PEERGROUPS), not by /proc at request time; a
# state file with more labels than a record keeps, or a broken record,
# costs only that much, not the daemon's start. Its log is JSON lines
# with fields (issue 19).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

oc_shim
# An existing group of the machine (nothing is added to /etc/group).
OPGROUP=staff
OPGID=$(getent group "$OPGROUP" | cut -d: -f3)
[ -n "$OPGID" ] || lab_fatal "no group $OPGROUP on this machine"

lab_agent a1
lab_agent a2
oc_start --operator-group "$OPGROUP" --log-format json
oc_attach a1 "" coder-1
oc_attach a2 "" tester-1
# (issue 19) structured logs: the attach is a JSON line whose fields name
# the container and its network.
expect_ok "the attach log line carries container and network" python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
sys.exit(0 if any(r.get("container") == "coder-1" and r.get("network") == "default"
                  and r["msg"].startswith("attached container") for r in recs) else 1)
' "$LAB_DIR/outcalld.log"
# uid 1000 and 65534 pass through the lab's private directories, as any
# user passes through /run.
chmod o+x "$LAB_DIR" "$LAB_DIR/run"
sock() { echo "$LAB_DIR/run/agents/$1/agent.sock"; }
ask() { # NS UID CONTAINER: the shim files a request as CONTAINER from NS as UID
	lab_in "$1" setpriv --reuid="$2" --regid="$2" --clear-groups \
		env OUTCALL_AGENT_SOCKET="$(sock "$3")" "$SHIM" request --host "$1-$2.lab.test" \
		--why "e2e: lanes"
}
filed() { oc_cli --json requests list | grep -c "\"host\":\"$1\""; }

# -- item 3: a socket serves only its container ----------------------------
expect_ok "the container's own process (uid 1000) is served" ask a1 1000 coder-1
expect_eq "its request is filed" 1 "$(filed a1-1000.lab.test)"
expect_status "uid 65534 on the host cannot act as coder-1" 3 ask host 65534 coder-1
expect_status "nor can root of the host" 3 ask host 0 coder-1
expect_status "nor another container (a2) on coder-1's socket" 3 ask a2 1000 coder-1
expect_eq "nothing was filed for them" 0 \
	"$(( $(filed host-65534.lab.test) + $(filed host-0.lab.test) + $(filed a2-1000.lab.test) ))"
expect_ok "the refusals are logged" lab_poll 5 grep -q \
	'"verdict":"refused".*not a process of this container' "$LAB_DIR/decisions.log"
expect_eq "one per stranger" 3 \
	"$(grep -c '"verdict":"refused".*not a process of this container' "$LAB_DIR/decisions.log")"
expect_ok "a2 is served on its own socket" ask a2 1000 tester-1

# -- item 7: operator groups as of connect ----------------------------------
# operator.py MODE: as uid 65534 (saved uid 0, to change groups later)
# asks GET /v1/status; MODE member: in the group from the start; later:
# connects without it and joins before sending; prints the HTTP status.
cat >"$LAB_DIR/operator.py" <<'PY'
import os, socket, sys
path, gid, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.setgroups([gid] if mode == "member" else [])
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 0)
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(path)
if mode == "later":
    os.seteuid(0)
    os.setgroups([gid])
    os.seteuid(65534)
s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n")
print(s.recv(64).split()[1].decode())
PY
expect_eq "the host socket is 0660 for the group" "660 $OPGROUP" "$(stat -c '%a %G' "$OC_SOCK")"
expect_eq "a member of the operator group is served" 200 \
	"$(lab_host python3 "$LAB_DIR/operator.py" "$OC_SOCK" "$OPGID" member)"
# Joining after the connect must not count: open the file's mode so the
# connect itself succeeds, as a leaked or inherited descriptor would.
chmod 0666 "$OC_SOCK"
expect_eq "a peer that joins the group after connecting is refused" 403 \
	"$(lab_host python3 "$LAB_DIR/operator.py" "$OC_SOCK" "$OPGID" later)"
chmod 0660 "$OC_SOCK"

# -- item 6: attach takes only a container's namespace ----------------------
mkfifo "$LAB_DIR/fifo"
expect_fail "attaching a FIFO is refused" timeout 10 "$OC_OUTCALL" --socket "$OC_SOCK" \
	attach --netns "$LAB_DIR/fifo" --name fifo-1
expect_match "as no namespace" "is not a namespace" "$LAB_ERR"
expect_ok "and the daemon still answers" timeout 5 "$OC_OUTCALL" --socket "$OC_SOCK" status
route_before=$(lab_host ip route show default)
expect_fail "attaching the host's own namespace is refused" \
	oc_cli attach --netns "$(lab_netns host)" --name host-1
expect_match "as the host's" "the host's own network namespace" "$LAB_ERR"
expect_eq "the host's default route is untouched" "$route_before" "$(lab_host ip route show default)"
expect_fail "a namespace attached already is refused" oc_cli attach --netns "$(lab_netns a1)" --name again-1
expect_match "naming its container" "attached already, as container 'coder-1'" "$LAB_ERR"

# -- item 4: a state file outcalld cannot wholly use does not stop it -------
lab_stop outcalld TERM
python3 - "$LAB_DIR/state/state.json" <<'PY'
import json, sys
path = sys.argv[1]
st = json.load(open(path))
for c in st["containers"]:
    if c["name"] == "coder-1":
        c["labels"] = {"l%d" % i: "v" for i in range(70)}
st["containers"].append({"name": "broken"})
json.dump(st, open(path, "w"))
PY
oc_start --operator-group "$OPGROUP"
expect_ok "outcalld starts from a state file with 70 labels and a broken record" \
	oc_cli status
expect_match "it says what it left out" "coder-1: 6 labels left out" "$(cat "$LAB_DIR/outcalld.log")"
expect_match "and which record" "container record .* \(broken\) lacks" "$(cat "$LAB_DIR/outcalld.log")"
expect_ok "coder-1 is still attached" lab_poll 5 sh -c "$OC_OUTCALL --socket $OC_SOCK --json containers | grep -q coder-1"
expect_eq "with the labels a record keeps" 64 "$(oc_cli --json containers | python3 -c \
	'import json,sys; print(len([c for c in json.load(sys.stdin)["containers"] if c["name"] == "coder-1"][0]["labels"]))')"
expect_ok "its agent socket still serves it" ask a1 1000 coder-1
expect_ok "and tester-1's serves tester-1" ask a2 1000 tester-1
expect_fail "the container is still fenced: evil is blocked" \
	lab_in a1 curl -sf --max-time 5 -o /dev/null "http://$LAB_IP_EVIL/"
expect_ok "the state saved next loads whole" oc_cli network create spare
# (issue 19) creating it again says it exists, not what failed inside
expect_status "a network that exists is not created again" 1 oc_cli network create spare
expect_match "and the answer says so" "the network 'spare' exists already" "$LAB_ERR"
lab_stop outcalld TERM
oc_start --operator-group "$OPGROUP"
expect_nomatch "and says nothing of labels" "labels left out" "$(cat "$LAB_DIR/outcalld.log")"

lab_done
