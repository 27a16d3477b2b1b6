# shellcheck shell=bash
# What root inside a container uses below the IP layer, for the tests of
# layer 2 (t_bypass_l2, t_guards_l2): hand-built frames (rawframe.py), a
# UDP listener on every address of the host, and a port on the bridge
# that Outcall did not make. Source after lib/outcall.sh; the names below
# are those of the first two containers attached to network "default".

# shellcheck disable=SC2034 # used by the tests that source this
BR=outcall0
GW=10.200.0.1
GWMAC=02:00:0a:c8:00:01   # 02:00 and the gateway's address, pinned by Outcall
A1IP=10.200.0.2 A1MAC=02:00:0a:c8:00:02 A1PORT=oc0-2
A2IP=10.200.0.3 A2MAC=02:00:0a:c8:00:03
HOSTIP=198.18.0.1         # the host's own address on wan0
ROGUEPORT=${LAB_P}rg

# not a version manager's shim: its start-up can outlast a 2 s grant
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
raw() { # NS rawframe.py-ARGS...
	local ns=$1
	shift
	lab_in "$ns" "$PY" "$here/lib/rawframe.py" "$@"
}

# l2_start: outcalld, with agents a1 and a2 attached (in that order, so
# they hold the addresses above).
l2_start() {
	lab_agent a1
	lab_agent a2
	oc_start
	oc_attach a1
	oc_attach a2
}

# l2_flow NS NAME SPORT: a UDP flow from NS's SPORT to the gateway's DNS
# port, held for a minute (lab_stop NAME ends it); returns once conntrack
# tracks it. The flow an ICMP error from another container would name.
l2_flow() {
	lab_bg "$1" "$2" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.sendto(b"\0" * 12, (sys.argv[2], 53))
time.sleep(60)' "$3" "$GW"
	lab_wait 10 "the flow of $1 to the gateway" lab_host grep -q "sport=$3 dport=53 " \
		/proc/net/nf_conntrack
}

# l2_listen: from now on, what reaches UDP port 9999 of the host (any of
# its addresses) is in received(), one payload a line.
l2_listen() {
	lab_bg host udp9999 socat -u UDP-RECV:9999,reuseaddr "OPEN:$LAB_DIR/udp9999.out,creat,append"
	lab_wait 5 "the host's UDP listener" lab_host sh -c "ss -Hlun | grep -q ':9999 '"
}
received() { cat "$LAB_DIR/udp9999.out" 2>/dev/null; }
arrived() { received | grep -qx -- "$1"; }
# Frames that would have arrived have arrived by then: the paths are
# in-kernel and the listener is local.
settle() { sleep 1; }

# l2_rogue MAC [ADDR/LEN...]: namespace "rogue" behind a veth that someone
# else put on the bridge ($ROGUEPORT), its end with MAC and ADDRs. The
# bridge's side has the lowest unicast MAC a port can have: a bridge whose
# own MAC is not pinned would take it.
l2_rogue() {
	local a
	lab_agent rogue
	lab_host ip link add "$ROGUEPORT" address 02:00:00:00:00:01 type veth \
		peer name eth0 netns "$LAB_P-rogue" || lab_fatal "cannot make the rogue veth"
	lab_host ip link set "$ROGUEPORT" master "$BR" up || lab_fatal "cannot put the rogue veth on $BR"
	lab_in rogue ip link set eth0 address "$1" || lab_fatal "cannot set the rogue's MAC"
	shift
	for a in "$@"; do
		lab_in rogue ip addr add "$a" dev eth0 || lab_fatal "cannot give the rogue $a"
	done
	lab_in rogue ip link set eth0 up
	[ $# = 0 ] || lab_in rogue ip route add default via "$GW"
}
