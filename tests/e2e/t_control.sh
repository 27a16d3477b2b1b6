#!/bin/bash
# The control plane's lanes (issue 21): an agent socket serves only its
# own container (a local user, root of the host or another container is
# closed and logged); the operator group is judged by the groups the peer
# had when it connected (SO_PEERGROUPS), not by /proc at request time.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

SHIM=${OC_SHIM:-$OC_BUILD_ROOT/shim/outcall-shim}
[ -x "$SHIM" ] || lab_fatal "no $SHIM (a sanitizer build has no static shim: set OC_SHIM to one from a plain build)"
# An existing group of the machine (nothing is added to /etc/group).
OPGROUP=staff
OPGID=$(getent group "$OPGROUP" | cut -d: -f3)
[ -n "$OPGID" ] || lab_fatal "no group $OPGROUP on this machine"

lab_agent a1
lab_agent a2
oc_start --operator-group "$OPGROUP"
oc_attach a1 "" coder-1
oc_attach a2 "" tester-1
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
expect_status "uid 65534 on the host cannot act as coder-1" 5 ask host 65534 coder-1
expect_status "nor can root of the host" 5 ask host 0 coder-1
expect_status "nor another container (a2) on coder-1's socket" 5 ask a2 1000 coder-1
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

lab_done
