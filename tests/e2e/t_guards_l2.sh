#!/bin/bash
# The layer-2 and guard defences of issue 11 that other layers back up,
# each shown stopping its vector alone (scripts/mutate.sh names this test
# for them): the rules that back it are deleted from the lab's tables
# (outcalld stopped, so its watch leaves them deleted) and rp_filter is
# turned off in the lab's host namespace. Each vector goes to a UDP
# listener on the host; a control frame sent after it, which must arrive,
# shows the path is open and that the vector had its chance first.
#   - frames to group MACs from a container port, in bridge prerouting and
#     (for 01:80:c2:00:00:02, which bypasses prerouting) in bridge input;
#   - only attached containers' own MAC and address enter from a bridge
#     (inet guard), here from a port Outcall did not make;
#   - such a port may not use an address of the pool (bridge table);
#   - ICMP errors from containers are dropped (inet guard): their inner
#     header may name another container's flow.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/l2.sh"

l2_start
ROGUEMAC=02:00:00:77:00:05   # the rogue's own: no container's, Outcall never gave it
l2_rogue "$ROGUEMAC"
l2_listen
expect_eq "the gateway has its pinned MAC" "$GWMAC" "$(lab_host cat "/sys/class/net/$BR/address")"

N=0
# blocked WHAT NS SMAC DMAC SIP DIP CNS CSMAC CDMAC CSIP CDIP: the vector
# (a frame from NS to UDP 9999), then a control frame from CNS that must
# arrive; once it has, the vector must not have.
blocked() {
	N=$((N + 1))
	raw "$2" udp eth0 "$3" "$4" "$5" "$6" 40000 9999 --payload "vector-$N"
	raw "$7" udp eth0 "$8" "$9" "${10}" "${11}" 40000 9999 --payload "control-$N"
	expect_ok "$1: the control frame arrives" lab_poll 5 arrived "control-$N"
	expect_fail "$1: the vector did not" arrived "vector-$N"
}
TO_GW=("$A1MAC" "$GWMAC" "$A1IP" "$GW")   # a1's own frame to the gateway

# -- bridge input alone: 01:80:c2:00:00:02 ------------------------------------
# The bridge never forwards 00-02 (group_fwd_mask cannot name them): it
# passes 02 up the port's own stack through bridge input only, where the
# inet chains see the port, not a bridge, and let it in. Only rp_filter
# on the port (no route back through it) backs the input chain's drop.
lab_host sysctl -qw net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$A1PORT.rp_filter=0"
raw a1 udp eth0 "$A1MAC" 01:80:c2:00:00:02 "$A1IP" "$GW" 40000 9999 --payload "ll-02"
# no control can take this path (only group frames do): bounded wait
settle
expect_fail "bridge input alone: a1's frame to 01:80:c2:00:00:02 did not reach the host" \
	arrived ll-02

# -- with the host's catch-all and bridge input's group drop deleted ----------
lab_stop outcalld
lab_host sysctl -qw "net.ipv4.conf.$BR.rp_filter=0"
oc_del_rule inet host-in "anything else from containers to the host"
oc_del_rule bridge input "containers need no multicast"
blocked "bridge prerouting alone, 01:80:c2:00:00:0e" \
	a1 "$A1MAC" 01:80:c2:00:00:0e "$A1IP" "$GW" a1 "${TO_GW[@]}"
blocked "bridge prerouting alone, IPv4 multicast" \
	a1 "$A1MAC" 01:00:5e:00:00:01 "$A1IP" 224.0.0.1 a1 "${TO_GW[@]}"
# the foreign port, with its own MAC and an address outside the pool: no
# rule of the bridge table knows it, rp_filter is off
blocked "inet guard alone: a port Outcall did not make, its own MAC and address" \
	rogue "$ROGUEMAC" "$GWMAC" 192.168.77.5 "$GW" a1 "${TO_GW[@]}"

# -- ICMP errors, with forward's container-to-container drop deleted --------
oc_del_rule inet forward "containers never reach each other"
sport=41000
l2_flow a2 a2flow "$sport"
lab_capture_start related eth0 a2 icmp and src host "$A1IP"
raw a1 icmp-error eth0 "$A1MAC" "$GWMAC" "$A1IP" "$A2IP" "$A2IP" "$GW" "$sport" 53 "secret-for-a2"
settle
expect_eq "inet guard alone: a1's ICMP error about a2's flow never reached a2" 0 \
	"$(lab_capture_count related)"
lab_stop a2flow

# -- and with the guard's own-MAC-and-address check deleted ------------------
oc_del_rule inet guard "only an attached container's own MAC and IPv4 address"
blocked "bridge table alone: the foreign port with a1's address" \
	rogue "$ROGUEMAC" "$GWMAC" "$A1IP" "$GW" rogue "$ROGUEMAC" "$GWMAC" 192.168.77.5 "$GW"
lab_done
