#!/bin/bash
# Defences checked by their own behaviour through the real daemon, one
# vector each (scripts/mutate.sh names this test for them): a direct_ip
# grant does not open the metadata address; a failed reload during an
# approval keeps the live rules; the host socket answers a non-root peer
# 403; the host opens no connection to a container; the proxy refuses
# CL+TE framing, a Host that is not the target and an upstream on the
# host's own address; a CONNECT whose SNI is another name gets
# access_denied before any ServerHello; and each of the three IPv6 drops
# stops IPv6 on its own, with the other layers removed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

PROXY=10.200.0.1:8080
GC=$here/lib/guardclient.py
oc_shim

oc_rule 10-guards.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow
  - id: self
    condition: network.hostname == "self.lab.test"
    action: allow
  - id: meta-direct
    condition: network.hostname == "meta.lab.test"
    action: allow
    egress: { mode: direct_ip, allow_private_ips: true, ports: [80] }'
# The host's own uplink address under a public name.
lab_dns_set self.lab.test "$LAB_IP_HOST"

lab_agent a1
oc_start
oc_attach a1 "" coder-1
chmod o+x "$LAB_DIR" "$LAB_DIR/run"

# -- a direct_ip grant never opens the metadata address ----------------------
expect_ok "meta.lab.test resolves for its direct_ip rule" lab_in a1 dig +time=3 +tries=1 +short meta.lab.test
expect_eq "to the metadata address" "$LAB_IP_META" "$LAB_OUT"
expect_ok "grants" oc_cli grants
expect_match "the grant is listed" "meta-direct.*169\.254\.169\.254.*80" "$LAB_OUT"
expect_fail "a connection to the granted metadata address fails" \
	lab_curl a1 --max-time 3 "http://$LAB_IP_META/latest/"
expect_nomatch "the metadata server saw nothing" '^169\.254\.169\.254' "$(cat "$LAB_WEB_LOG")"

# -- a failed reload during an approval keeps the live rules -----------------
shim() { # ARGS...: the shim as uid 1000 in a1, on coder-1's socket
	lab_in a1 setpriv --reuid=1000 --regid=1000 --clear-groups \
		env OUTCALL_AGENT_SOCKET="$LAB_DIR/run/agents/coder-1/agent.sock" "$SHIM" "$@"
}
expect_ok "web works before" lab_curl a1 http://web.lab.test/before
expect_ok "the agent asks for pkg" shim request --host pkg.lab.test --why "e2e: guards"
rid=$(grep -o -m1 'request r-[0-9a-z]*' <<<"$LAB_OUT" | cut -d' ' -f2)
printf 'version: "1"\nrules:\n  - id: broken\n    condition: http.hots == "x"\n    action: allow\n' \
	>"$OC_RULES/30-broken.yaml"
# the rules watch tries (and fails) first: wait for it, so only the
# approval's own reload is left
lab_wait 10 "the watch's reload failed" sh -c "$OC_OUTCALL --socket $OC_SOCK --json status | grep -q 30-broken.yaml"
g0=$(oc_generation)
expect_status "approving fails" 1 oc_cli requests approve "$rid"
expect_match "the error says it was not approved" "request $rid was not approved" "$LAB_ERR"
expect_match "and names the broken file and line" "30-broken.yaml:4:" "$LAB_ERR"
expect_eq "the generation has not moved" "$g0" "$(oc_generation)"
expect_ok "a host allowed before still works" lab_curl a1 http://web.lab.test/after
expect_eq "answer" "web:web.lab.test:GET:/after" "$LAB_OUT"
expect_fail "the request's rule file is gone" test -e "$OC_RULES/requests/$rid.yaml"
expect_status "pkg stays blocked" 22 lab_curl a1 --resolve "pkg.lab.test:80:$LAB_IP_WEB" http://pkg.lab.test/
expect_ok "requests show" oc_cli --json requests show "$rid"
expect_match "the request is still pending" '"status": *"pending"' "$LAB_OUT"
rm -f "$OC_RULES/30-broken.yaml"

# -- the host socket refuses a non-root peer ---------------------------------
chmod 0666 "$OC_SOCK"
expect_ok "a non-root peer on the host socket" lab_host setpriv --reuid=65534 --regid=65534 \
	--clear-groups curl -s --max-time 3 --unix-socket "$OC_SOCK" -w '\n%{http_code}' http://o/v1/status
expect_eq "is answered 403 only" "403" "$(tail -n 1 <<<"$LAB_OUT")"
expect_match "forbidden" '"code":"forbidden"' "$LAB_OUT"
chmod 0600 "$OC_SOCK"

# -- the proxy: framing, Host, the host's own address -------------------------
expect_ok "CL+TE" lab_in a1 python3 "$GC" raw "$PROXY" \
	'POST http://web.lab.test/smuggle HTTP/1.1\r\nHost: web.lab.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
expect_match "is refused with 400" "^HTTP/1.1 400" "$LAB_OUT"
expect_ok "Host is not the target" lab_in a1 python3 "$GC" raw "$PROXY" \
	'GET http://web.lab.test/hostmix HTTP/1.1\r\nHost: evil.lab.test\r\n\r\n'
expect_match "is refused with 400" "^HTTP/1.1 400" "$LAB_OUT"
: >"$LAB_DIR/self.in"
lab_bg host self-80 socat "TCP-LISTEN:80,bind=$LAB_IP_HOST,reuseaddr,fork" \
	"SYSTEM:cat >>$LAB_DIR/self.in"
lab_wait 5 "a service on the host's own address" lab_host sh -c "ss -Hltn | grep -q '$LAB_IP_HOST:80 '"
expect_ok "a name resolving to the host's own address" lab_in a1 curl -s --max-time 5 \
	-x "http://$PROXY" -w '\n%{http_code}' http://self.lab.test/own
expect_eq "is refused (403)" "403" "$(tail -n 1 <<<"$LAB_OUT")"
expect_eq "the host's service got not a byte" "" "$(cat "$LAB_DIR/self.in")"
lab_stop self-80
expect_nomatch "no smuggled or mixed request reached wan" '/smuggle|/hostmix' "$(cat "$LAB_WEB_LOG")"

# -- CONNECT with another name in the SNI ------------------------------------
expect_ok "CONNECT web, ClientHello for evil" lab_in a1 python3 "$GC" sni "$PROXY" \
	web.lab.test:443 evil.lab.test
expect_eq "200, then access_denied and nothing else" "HTTP/1.1 200 Connection established
alert 2 49" "$LAB_OUT"

# -- the host opens nothing towards a container ------------------------------
lab_bg a1 a1-listen socat TCP-LISTEN:7777,reuseaddr,fork "SYSTEM:echo a1-secret"
lab_wait 5 "a service in a1" lab_in a1 sh -c "ss -Hltn | grep -q ':7777 '"
a1_ip=$(oc_cli --json containers | python3 -c 'import json, sys
print(json.load(sys.stdin)["containers"][0]["ip"])')
expect_fail "the host cannot connect to a container" \
	lab_host timeout 3 socat -T2 - "TCP:$a1_ip:7777,connect-timeout=2" </dev/null
lab_stop a1-listen

# -- IPv6: each of the three drops on its own ---------------------------------
# Every IPv6 drop is backed by others (and by the catch-all drops), so each
# is shown with only itself left: the others and the catch-alls are
# deleted from fresh tables (a restart of outcalld writes them whole).
# Static neighbours on both sides: no multicast neighbour discovery.
bridge=$(lab_host ip -br link show type bridge | awk 'NR == 1 { print $1 }')
[ -n "$bridge" ] || lab_fatal "no Outcall bridge in the host namespace"
a1_mac=$(lab_in a1 cat /sys/class/net/eth0/address)
br_mac=$(lab_host cat "/sys/class/net/$bridge/address")
lab_in a1 ip -6 addr add 2001:db8:1::2/64 dev eth0 nodad
lab_in a1 ip -6 neigh replace 2001:db8:1::1 lladdr "$br_mac" dev eth0 nud permanent
V6_IN="IPv6 from containers is dropped\""
V6_GUARD="IPv6 from containers is dropped: Outcall networks are IPv4 only"
V6_OUT="IPv6 from the host to containers is dropped"
# only_drop WHICH: restart outcalld (whole tables) and stop it again (its
# watch would put deleted rules back; the tables stay), IPv6 on for the
# host's bridge, then delete the catch-alls and the IPv6 drops other than WHICH
only_drop() {
	[ -z "${LAB_BG_PID[outcalld]:-}" ] || lab_stop outcalld
	oc_start
	lab_stop outcalld
	lab_host sysctl -qw "net.ipv6.conf.$bridge.disable_ipv6=0"
	lab_host ip -6 addr replace 2001:db8:1::1/64 dev "$bridge" nodad
	lab_host ip -6 neigh replace 2001:db8:1::2 lladdr "$a1_mac" dev "$bridge" nud permanent
	oc_del_rule bridge prerouting "anything else from a container port"
	oc_del_rule inet host-in "anything else from containers to the host"
	oc_del_rule inet host-out "the host opens nothing towards containers"
	[ "$1" = in ] || oc_del_rule bridge prerouting "$V6_IN"
	[ "$1" = guard ] || oc_del_rule inet guard "$V6_GUARD"
	[ "$1" = out ] || oc_del_rule bridge output "$V6_OUT"
}

only_drop out
# the bridge device's capture sees what the host sends, before the bridge
# output hook: the control that the pings left at all
lab_capture_start v6sent "$bridge" host "ip6 and icmp6"
lab_capture_start v6out eth0 a1 "ip6 and ether src $br_mac"
lab_host busybox ping -6 -c2 -W1 2001:db8:1::2 >/dev/null 2>&1
expect_ok "control: the host sent IPv6 pings to the container" \
	test "$(lab_capture_count v6sent)" -gt 0
expect_eq "bridge output alone: host IPv6 does not reach the container" 0 \
	"$(lab_capture_count v6out)"

only_drop in
expect_ok "control: a1 may ping the gateway over IPv4 now" lab_poll 5 \
	lab_in a1 busybox ping -c1 -W1 10.200.0.1
expect_fail "bridge prerouting alone: IPv6 ping from a1 to the host fails" \
	lab_in a1 busybox ping -6 -c2 -W1 2001:db8:1::1

only_drop guard
expect_ok "control: a1 may ping the gateway over IPv4 now" lab_poll 5 \
	lab_in a1 busybox ping -c1 -W1 10.200.0.1
expect_fail "inet guard alone: IPv6 ping from a1 to the host fails" \
	lab_in a1 busybox ping -6 -c2 -W1 2001:db8:1::1
lab_done
