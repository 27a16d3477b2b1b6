#!/bin/bash
# The kernel layer alone (PRODUCT.md §5.1): from an attached agent, nothing
# reaches wan or another agent except through the Outcall services on the
# gateway; DNS and web traffic are redirected to them; spoofed frames, IPv6
# and the metadata address go nowhere. The DNS filter and the proxies do not
# exist yet: listeners on their ports stand in for them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
. "$here/kernel-lib.sh"
lab_init
expect_ok "tables installed" labctl --network ci apply
kernel_attach a1 a2
kernel_attach --network ci a3
expect_eq "a3 is on the second /24" 10.200.1.2 "${AGENT_IP[a3]}"
expect_eq "a1 got the first address" 10.200.0.2 "${AGENT_IP[a1]}"
expect_eq "a1's MAC is derived from it" 02:00:0a:c8:00:02 "${AGENT_MAC[a1]}"

# Positive control: the explicit proxy port on the gateway answers.
listen host proxy 8080 explicit-proxy
expect_ok "the explicit proxy port is reachable" tcp a1 10.200.0.1 8080 &&
	expect_eq "and answers" explicit-proxy "$LAB_OUT"

# --- nothing goes straight out -------------------------------------------
lab_capture_start out up0 wan 'ip and (src host 198.18.0.1 or src net 10.200.0.0/16)'
expect_fail "TCP to wan:8080 is dropped" tcp a1 "$LAB_IP_WEB" 8080
expect_fail "TCP to wan:2222 is dropped" tcp a1 "$LAB_IP_WEB" 2222
udp_send a1 "$LAB_IP_EVIL" 9999
expect_fail "ICMP to wan is dropped" lab_in a1 busybox ping -c1 -W1 "$LAB_IP_WEB"
expect_eq "no packet of the agent reached wan" 0 "$(lab_capture_count out)"
expect_match "the forward chain counted them" '^[1-9]' "$(counter inet forward-dropped)"

# --- DNS: redirected to the filter, never answered by wan ------------------
lab_capture_start dns up0 wan 'port 53'
expect_fail "UDP DNS to wan's resolver is not answered while no filter runs" \
	lab_in a1 dig +time=1 +tries=1 @"$LAB_IP_DNS" web.lab.test
lab_bg host filter dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--bind-interfaces --listen-address=10.200.0.1 --port=53 --address=/#/203.0.113.7
lab_wait 5 "stand-in DNS filter" lab_host sh -c "ss -Hlun | grep -q '10.200.0.1:53 '"
expect_ok "UDP DNS to wan's resolver" lab_in a1 dig +time=1 +tries=1 +short @"$LAB_IP_DNS" web.lab.test &&
	expect_eq "is answered by the filter" 203.0.113.7 "$LAB_OUT"
expect_ok "TCP DNS to wan's resolver" lab_in a1 dig +tcp +time=1 +tries=1 +short @"$LAB_IP_DNS" web.lab.test &&
	expect_eq "is answered by the filter too" 203.0.113.7 "$LAB_OUT"
expect_ok "DNS to any address" lab_in a1 dig +time=1 +tries=1 +short @192.0.2.1 web.lab.test &&
	expect_eq "lands on the filter" 203.0.113.7 "$LAB_OUT"
expect_eq "no DNS reached wan" 0 "$(lab_capture_count dns)"

# --- web: redirected to the transparent proxy ----------------------------
web_seen=$(wc -l <"$LAB_WEB_LOG")
listen host tproxy-http 15080 transparent-http
listen host tproxy-https 15443 transparent-https
lab_capture_start web up0 wan 'tcp port 80 or tcp port 443'
expect_ok "tcp/80 to wan" tcp a1 "$LAB_IP_WEB" 80 &&
	expect_eq "lands on the transparent proxy" transparent-http "$LAB_OUT"
expect_ok "tcp/443 to evil" tcp a1 "$LAB_IP_EVIL" 443 &&
	expect_eq "lands on the transparent proxy" transparent-https "$LAB_OUT"
expect_eq "no web traffic reached wan" 0 "$(lab_capture_count web)"
expect_eq "wan's web servers saw nothing" "$web_seen" "$(wc -l <"$LAB_WEB_LOG")"

# --- the host: only the services, only on the gateway --------------------
listen host other 2222 host-service
expect_ok "control: the host's own service answers the host" tcp host 127.0.0.1 2222
expect_fail "other ports on the gateway are closed" tcp a1 10.200.0.1 2222
expect_fail "the host's uplink address is closed" tcp a1 "$LAB_IP_HOST" 2222
expect_fail "ICMP to the gateway is dropped" lab_in a1 busybox ping -c1 -W1 10.200.0.1
expect_match "the host counted them" '^[1-9]' "$(counter inet gateway-dropped)"

# --- the metadata address ------------------------------------------------
expect_fail "169.254.169.254:80 is unreachable" lab_curl a1 "http://$LAB_IP_META/latest/"
expect_fail "169.254.169.254:8080 is unreachable" tcp a1 "$LAB_IP_META" 8080
expect_match "dropped before any redirect" '^[1-9]' "$(counter inet blocked-prefix)"

# --- other agents: not by IP, not by L2 broadcast ------------------------
listen a2 a2-service 7777 a2-secret
lab_capture_start a2rx eth0 a2 "ether src ${AGENT_MAC[a1]}"
expect_fail "a2 is unreachable by IP" tcp a1 "${AGENT_IP[a2]}" 7777
lab_in a1 busybox ping -b -c2 -W1 10.200.0.255 >/dev/null 2>&1
lab_in a1 sh -c 'echo hi | timeout 2 socat - UDP-DATAGRAM:10.200.0.255:7777,broadcast' >/dev/null 2>&1
lab_in a1 sh -c 'echo hi | timeout 2 socat - UDP-DATAGRAM:255.255.255.255:7777,broadcast' >/dev/null 2>&1
expect_eq "no frame of a1 reached a2, broadcasts included" 0 "$(lab_capture_count a2rx)"
expect_match "the bridge counted them" '^[1-9]' "$(counter bridge container-to-container)"

# --- a second network: its own gateway only, no way to the first ------
listen a3 a3-service 7777 a3-secret
expect_ok "a3 reaches the services on its own gateway" tcp a3 10.200.1.1 8080
expect_fail "but not on the other network's gateway" tcp a3 10.200.0.1 8080
expect_fail "nor agents of the other network" tcp a3 "${AGENT_IP[a2]}" 7777
expect_fail "nor they a3" tcp a1 "${AGENT_IP[a3]}" 7777
expect_match "the forward chain counted them" '^[1-9]' "$(counter inet container-to-container)"

# --- IPv6 does not leave -------------------------------------------------
lab_in a1 ip -6 addr add 2001:db8:1::2/64 dev eth0 nodad
lab_in a1 ip -6 route add default via 2001:db8:1::1 dev eth0 onlink
# on the bridge device: what the host receives once the bridge has let it in
lab_capture_start v6 outcall0 host 'ip6'
# a2's own link-local chatter (MLD, router solicitations) is not what we look for
lab_capture_start v6a2 eth0 a2 "ip6 and not ether src ${AGENT_MAC[a2]}"
lab_in a1 ping -6 -c1 -W1 ff02::1%eth0 >/dev/null 2>&1 || lab_in a1 busybox ping -6 -c1 -W1 -I eth0 ff02::1 >/dev/null 2>&1
lab_in a1 busybox ping -6 -c1 -W1 2001:db8::80 >/dev/null 2>&1
expect_eq "no IPv6 reached the host past the bridge" 0 "$(lab_capture_count v6)"
expect_eq "no IPv6 reached a2" 0 "$(lab_capture_count v6a2)"
expect_match "the bridge counted a1's IPv6" '^[1-9]' "$(counter bridge ipv6-dropped)"

# --- anti-spoofing -------------------------------------------------------
spoofed0=$(counter bridge spoofed)
lab_in a1 ip addr add 10.200.0.50/24 dev eth0
expect_fail "a forged source IP is dropped" \
	lab_in a1 timeout 3 socat -T2 - TCP:10.200.0.1:8080,bind=10.200.0.50,connect-timeout=2
lab_in a1 ip addr del 10.200.0.50/24 dev eth0
lab_in a1 ip link set eth0 address 02:00:0a:c8:00:63
expect_fail "a forged source MAC is dropped" tcp a1 10.200.0.1 8080
lab_in a1 ip link set eth0 address "${AGENT_MAC[a1]}"
expect_match "the bridge counted forged frames" '^[1-9]' \
	"$(( $(counter bridge spoofed) - spoofed0 ))"
expect_ok "with its own addresses a1 is served again" lab_poll 5 tcp a1 10.200.0.1 8080
lab_done
