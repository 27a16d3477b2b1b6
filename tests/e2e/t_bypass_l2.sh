#!/bin/bash
# What root inside a container tries below the IP layer (issue 11), with
# hand-built frames: link-local group MACs, forged source IP and MAC, FDB
# flooding, VLAN tags, lying ARP, ICMP errors that name another agent's
# flow, a port on the bridge that Outcall did not make; and tables that
# someone else flushes or changes. The vectors run in four rounds: while
# outcalld runs, after someone else flushed its tables (reinstalled),
# after SIGKILL of outcalld (the tables stay) and after its restart.
# Flows that outlive their permission are t_bypass_flows.sh; each defence
# that others back up is shown alone in t_guards_l2.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/l2.sh"

l2_start
# a1 knows the gateway's MAC before the port below joins with a lower one
expect_ok "a1 is answered before" lab_in a1 dig +time=3 +tries=3 first.lab.test
# A port Outcall did not make, with the address and MAC of a1 (to be
# served as a1) and a second address outside the pool.
l2_rogue "$A1MAC" "$A1IP/24" 192.168.77.5/24
l2_listen
learned() { lab_host bridge fdb show br "$BR" brport "$1" | grep -vc permanent; }

decided() { grep -q "\"host\":\"$1\"" "$LAB_DIR/decisions.log"; }
# served_holds WHEN: while outcalld runs, nobody is served as someone else.
served_holds() {
	local when=$1 v
	# 1b. a2's address on a frame to a group MAC: once, decisions were
	# logged as a2 (and a2's rate limit spent)
	raw a1 batch <<-EOF
		udp eth0 $A1MAC 01:80:c2:00:00:0e $A2IP $GW 40000 53 --dns forged-$ROUND.lab.test
		udp eth0 $A1MAC $GWMAC $A2IP $GW 40000 53 --dns forged2-$ROUND.lab.test
	EOF
	# 7. the port Outcall did not make, with a1's address and with its own
	expect_fail "$when: the foreign port is not served as a1" \
		lab_in rogue dig +time=1 +tries=1 -b "$A1IP" "@$GW" "rogue-$ROUND.lab.test"
	expect_fail "$when: nor with an address of its own" \
		lab_in rogue dig +time=1 +tries=1 -b 192.168.77.5 "@$GW" "rogue2-$ROUND.lab.test"
	# a1's own query afterwards: once it is decided, the others would be
	expect_ok "$when: a1's own query is answered" \
		lab_in a1 dig +time=3 +tries=3 "ctl-$ROUND.lab.test"
	expect_ok "$when: and decided" lab_poll 10 decided "ctl-$ROUND.lab.test"
	for v in forged forged2 rogue rogue2; do
		expect_fail "$when: no decision for the $v query" decided "$v-$ROUND.lab.test"
	done
}

# l2_holds WHEN: the frame-level vectors, whoever is (or is not) running.
l2_holds() {
	local when=$1 g v got
	ROUND=$((${ROUND:-0} + 1))
	[ "$when" = "after SIGKILL" ] || served_holds "$when"
	# a port joining with a lower MAC (the rogue's) did not move the
	# gateway's: a1's ARP cache would point at nobody
	expect_eq "$when: the gateway keeps its MAC" "$GWMAC" \
		"$(lab_host cat "/sys/class/net/$BR/address")"
	# the bridge shows its table every link-local frame and learns none
	# from them; a frame passed up a port's own stack finds no route back
	expect_match "$when: $BR forwards link-local groups through prerouting" \
		'group_fwd_mask 0xfff8 .*no_linklocal_learn 1 ' "$(lab_host ip -d link show "$BR")"
	expect_eq "$when: rp_filter on $BR and a1's port" "1 1" \
		"$(lab_host cat "/proc/sys/net/ipv4/conf/$BR/rp_filter" "/proc/sys/net/ipv4/conf/$A1PORT/rp_filter" | xargs)"

	# 2. (below) an ICMP error from a1 that names a flow of a2 (a2 -> gateway:53)
	local sport=$((41000 + ROUND))
	l2_flow a2 "a2flow$ROUND" "$sport"
	lab_capture_start "related$ROUND" eth0 a2 icmp and src host "$A1IP"

	# Every frame of a1 in one go, in this order.
	{
		# 1. Link-local group MACs: the bridge passes such frames up the
		# port's own stack, past prerouting, unless Outcall stops them.
		for g in 00 02 03 0e; do
			echo "udp eth0 $A1MAC 01:80:c2:00:00:$g $A1IP $GW 40000 9999 --payload ll-$g-gw-$ROUND"
			echo "udp eth0 $A1MAC 01:80:c2:00:00:$g $A1IP $HOSTIP 40000 9999 --payload ll-$g-host-$ROUND"
		done
		# 1b. A forged source address, to the gateway's MAC and to a group MAC.
		echo "udp eth0 $A1MAC $GWMAC $A2IP $GW 40000 9999 --payload forged-ip-$ROUND"
		echo "udp eth0 $A1MAC 01:80:c2:00:00:0e $A2IP $GW 40000 9999 --payload forged-ip-ll-$ROUND"
		# beyond the list: a VLAN tag, IPv4 broadcast and multicast
		echo "udp eth0 $A1MAC $GWMAC $A1IP $GW 40000 9999 --vlan 5 --payload vlan-$ROUND"
		echo "udp eth0 $A1MAC ff:ff:ff:ff:ff:ff $A1IP 10.200.0.255 40000 9999 --payload bcast-$ROUND"
		echo "udp eth0 $A1MAC 01:00:5e:00:00:01 $A1IP 224.0.0.1 40000 9999 --payload mcast-$ROUND"
		# 1c. A forged source MAC must not move a2's MAC onto a1's port.
		echo "udp eth0 $A2MAC 01:80:c2:00:00:0e $A1IP $GW 40000 9999 --payload mac-$ROUND"
		echo "udp eth0 $A2MAC $GWMAC $A1IP $GW 40000 9999 --payload mac2-$ROUND"
		# beyond the list: ARP that lies (the gateway's address, a2's
		# address), and the bridge's own MAC as a source
		echo "arp eth0 $A1MAC ff:ff:ff:ff:ff:ff 2 $A1MAC $GW $A2IP"
		echo "arp eth0 $A1MAC $GWMAC 2 $A1MAC $A2IP $GW"
		echo "udp eth0 $GWMAC $GWMAC $A1IP $GW 40000 9999 --payload brmac-$ROUND"
		# 1d. Random source MACs must not fill the FDB.
		echo "udp eth0 $A1MAC 01:80:c2:00:00:0e $A1IP $GW 40000 9999 --count 300 --random-smac yes --payload flood-$ROUND"
		echo "icmp-error eth0 $A1MAC $GWMAC $A1IP $A2IP $A2IP $GW $sport 53 secret-for-a2"
	} | raw a1 batch || lab_fatal "a1's frames of round $ROUND were not sent"
	# 7. The port Outcall did not make, as a1 and with its own address.
	raw rogue udp eth0 "$A1MAC" 01:80:c2:00:00:0e "$A1IP" "$HOSTIP" 40000 9999 \
		--payload "rogue-ll-$ROUND"
	settle

	got=$(received)
	for v in "ll-00-gw" "ll-02-gw" "ll-03-gw" "ll-0e-gw" "ll-00-host" "ll-02-host" "ll-03-host" \
		"ll-0e-host" forged-ip forged-ip-ll vlan bcast mcast mac mac2 brmac flood rogue-ll; do
		expect_nomatch "$when: $v frames did not reach the host" "^$v-$ROUND\$" "$got"
	done
	expect_nomatch "$when: a2's MAC stays off a1's port" "$A2MAC" \
		"$(lab_host bridge fdb show br "$BR" brport "$A1PORT")"
	expect_ok "$when: 300 random source MACs taught the bridge at most a1's own" \
		test "$(learned "$A1PORT")" -le 1
	expect_nomatch "$when: the foreign port did not take a1's MAC" "$A1MAC" \
		"$(lab_host bridge fdb show br "$BR" brport "$ROGUEPORT")"
	expect_nomatch "$when: the host did not learn a1's MAC for a2's address" "$A1MAC" \
		"$(lab_host ip neigh show "$A2IP" dev "$BR")"
	expect_eq "$when: a1's ICMP error about a2's flow never reached a2" 0 \
		"$(lab_capture_count "related$ROUND")"
	lab_stop "a2flow$ROUND"
}

l2_holds "running"

# -- 5. tables someone else flushes or changes ---------------------------------
tables_back() { lab_host nft list table inet outcall >/dev/null && lab_host nft list table bridge outcall >/dev/null; }
lab_host nft flush ruleset
expect_ok "after nft flush ruleset, outcalld reinstalls its tables" lab_poll 5 tables_back
expect_ok "and says so at error level" lab_poll 5 grep -q 'removed or changed by someone else' \
	"$LAB_DIR/outcalld.log"
expect_match "the metric counts it" '^outcall_tables_reinstalled_total [1-9]' \
	"$(oc_api GET /metrics)"
expect_ok "status says installed again" oc_cli status
expect_match "in its words" "installed" "$LAB_OUT"
l2_holds "after nft flush ruleset"
rules_of() { lab_host nft -a list table "$1" outcall | grep -v '{' | grep -c '# handle'; }
before=$(rules_of bridge)
lab_host nft flush table bridge outcall
refilled() { [ "$(rules_of bridge)" = "$before" ]; }
expect_ok "after nft flush table bridge outcall, its rules are back" lab_poll 5 refilled
expect_match "counted twice now" '^outcall_tables_reinstalled_total [2-9]' "$(oc_api GET /metrics)"
# A script that replaces one rule with another: as many rules as before.
catch_all() { lab_host nft list chain inet outcall forward | grep -q 'forward-dropped" drop'; }
h=$(lab_host nft -a list chain inet outcall forward | sed -n 's/.*forward-dropped.*# handle //p')
expect_ok "someone replaces forward's catch-all drop with an accept" lab_host nft replace rule \
	inet outcall forward handle "$h" counter name forward-dropped accept
expect_ok "outcalld puts the drop back" lab_poll 5 catch_all
expect_match "counted a third time" '^outcall_tables_reinstalled_total [3-9]' "$(oc_api GET /metrics)"

# -- fail closed ----------------------------------------------------------------
lab_stop outcalld KILL
l2_holds "after SIGKILL"
oc_start
l2_holds "after restart"
lab_done
