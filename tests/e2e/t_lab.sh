#!/bin/bash
# The lab itself: the DNS table, the web, evil and metadata servers, the
# routing and isolation of its namespaces, captures; that it leaves the
# machine's own namespace untouched, removes itself on a normal exit, on
# SIGINT and SIGTERM (its trap), on SIGKILL (its watchdog, else
# lab-clean), and that two labs run side by side.
#
# The same script plays a second lab ("peer") when OC_LAB_PEER is set:
#   check  build a lab, run the basic checks, exit
#   hold   build a lab, write its prefix to OC_LAB_PEER_FILE, wait to be
#          killed (ends by itself when the main test is gone, or in 60 s)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"

# What the lab must never change in the machine's own namespace (names
# only for links: their flags and counters move on their own).
root_state() {
	ip -o link show | awk -F': ' '{ print $1 ": " $2 }'
	ip -4 route show table all
	ip -6 route show table all | sed 's/ expires [0-9]*sec//'
	ip -4 rule
	ip -6 rule
	nft list tables
}

# Enough to tell a working lab from a broken one; the peers run it too.
basic_checks() {
	expect_ok "host resolves web.lab.test through wan DNS" \
		lab_host dig +time=1 +tries=1 +short web.lab.test &&
		expect_eq "web.lab.test is the web server" "$LAB_IP_WEB" "$LAB_OUT"
	expect_ok "plain HTTP from host" lab_curl host http://web.lab.test/hello &&
		expect_eq "plain HTTP answer" "web:web.lab.test:GET:/hello" "$LAB_OUT"
	expect_ok "HTTPS from host, verified against the lab CA" \
		lab_curl host https://web.lab.test/tls &&
		expect_eq "HTTPS answer" "web-tls:web.lab.test:GET:/tls" "$LAB_OUT"
	expect_ok "metadata from host" lab_curl host "http://$LAB_IP_META/latest/meta-data/" &&
		expect_match "metadata answer carries the fake secret" \
			'^meta:169\.254\.169\.254:GET:/latest/meta-data/:secret=OC-LAB-METADATA-SECRET$' "$LAB_OUT"
}

# dig +short, one line: "a|b|c".
dig_short() {
	lab_host dig +time=1 +tries=1 +short "$@" | paste -sd'|'
}

check_dns() {
	local c name type want
	for c in \
		"web.lab.test A 198.18.1.80" "api.lab.test A 198.18.1.80" \
		"pkg.lab.test A 198.18.1.80" "evil.lab.test A 198.18.1.66" \
		"private.lab.test A 10.1.2.3" "loopback.lab.test A 127.0.0.1" \
		"meta.lab.test A 169.254.169.254" "cgnat.lab.test A 100.64.1.1" \
		"v6.lab.test A 198.18.1.80" "v6.lab.test AAAA 2001:db8::1" \
		"web.lab.test AAAA " \
		"alias.lab.test A web.lab.test.|198.18.1.80" \
		"badalias.lab.test A evil.lab.test.|198.18.1.66" \
		"short-ttl.lab.test A 198.18.1.80" "long-ttl.lab.test A 198.18.1.80" \
		'txt.lab.test TXT "outcall lab"'; do
		read -r name type want <<<"$c"
		expect_eq "DNS $name $type" "$want" "$(dig_short "$name" "$type")"
	done
	expect_eq "TTL of short-ttl.lab.test" 2 \
		"$(lab_host dig +noall +answer short-ttl.lab.test | awk '{ print $2 }')"
	expect_eq "TTL of long-ttl.lab.test" 86400 \
		"$(lab_host dig +noall +answer long-ttl.lab.test | awk '{ print $2 }')"
	expect_eq "TTL of the other names" "$LAB_DNS_TTL" \
		"$(lab_host dig +noall +answer web.lab.test | awk '{ print $2 }')"
	expect_match "unknown lab name is NXDOMAIN" 'status: NXDOMAIN' \
		"$(lab_host dig +time=1 +tries=1 nope.lab.test)"
	expect_match "names outside the lab are NXDOMAIN, not forwarded" 'status: NXDOMAIN' \
		"$(lab_host dig +time=1 +tries=1 example.com)"
	expect_match "the query reached wan's query log" 'query\[A\] example\.com from 198\.18\.0\.1' \
		"$(cat "$LAB_DNS_LOG")"

	lab_dns_set rebind.lab.test 198.18.1.66
	expect_eq "lab_dns_set adds a name" 198.18.1.66 "$(dig_short rebind.lab.test)"
	lab_dns_set rebind.lab.test 10.9.9.9
	expect_eq "lab_dns_set changes a name" 10.9.9.9 "$(dig_short rebind.lab.test)"
	lab_dns_del rebind.lab.test
	expect_eq "lab_dns_del removes a name" "" "$(dig_short rebind.lab.test)"
}

check_web() {
	local u
	for u in "http://api.lab.test/a web:api.lab.test:GET:/a" \
		"https://pkg.lab.test/p?q=1 web-tls:pkg.lab.test:GET:/p?q=1" \
		"https://alias.lab.test/ web-tls:alias.lab.test:GET:/" \
		"http://web.lab.test:8080/o web-8080:web.lab.test:8080:GET:/o" \
		"http://web.lab.test:2222/o web-2222:web.lab.test:2222:GET:/o" \
		"http://evil.lab.test/x evil:evil.lab.test:GET:/x" \
		"https://evil.lab.test/x evil-tls:evil.lab.test:GET:/x"; do
		expect_ok "GET ${u% *}" lab_curl host "${u% *}" &&
			expect_eq "answer of ${u% *}" "${u#* }" "$LAB_OUT"
	done
	expect_ok "HTTP/1.1 over TLS" lab_curl host --http1.1 -o /dev/null \
		-w '%{http_version}' https://web.lab.test/ &&
		expect_eq "protocol of --http1.1" 1.1 "$LAB_OUT"
	expect_ok "POST is accepted" lab_curl host --data-binary @/etc/services \
		http://web.lab.test/upload &&
		expect_eq "answer of POST" "web:web.lab.test:POST:/upload" "$LAB_OUT"
	expect_ok "/big downloads" lab_curl host -o /dev/null -w '%{size_download}' \
		http://web.lab.test/big &&
		expect_eq "size of /big" "$LAB_BIG_SIZE" "$LAB_OUT"
	expect_ok "/random.bin downloads over TLS" lab_host sh -c \
		"curl -sS --fail --max-time 5 --cacert '$LAB_CA' https://web.lab.test/random.bin | sha256sum" &&
		expect_eq "/random.bin arrives intact" "$LAB_RANDOM_SHA256  -" "$LAB_OUT"
	# The CA check is real: evil's certificate does not cover web.lab.test.
	expect_status "evil cannot pass for web.lab.test" 60 lab_curl host \
		--resolve "web.lab.test:443:$LAB_IP_EVIL" https://web.lab.test/
	expect_status "a server without the lab CA is not trusted" 60 \
		lab_host curl -sS --max-time 5 https://web.lab.test/
	expect_ok "every request is in wan's access log" lab_poll 2 \
		grep -q '^198\.18\.1\.80:80 198\.18\.0\.1 "web\.lab\.test" sni="-" "POST /upload ' "$LAB_WEB_LOG"
}

check_network() {
	expect_eq "host has lo and its uplink only" "lo|wan0" \
		"$(lab_host ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | paste -sd'|')"
	expect_match "host forwards" '= 1$' "$(lab_host sysctl net.ipv4.ip_forward)"
	expect_match "host reaches metadata through wan, like a cloud VM" \
		"^$LAB_IP_META via $LAB_IP_WAN dev wan0" "$(lab_host ip route show $LAB_IP_META)"
	expect_fail "wan has no route back to agent networks" lab_wan ip route get 10.200.0.5
	expect_ok "wan reaches the host" lab_wan ip route get "$LAB_IP_HOST"

	lab_agent a1
	expect_eq "lab_agent exports the namespace path" "/var/run/netns/$LAB_P-a1" "${LAB_NETNS_A1:-}"
	expect_eq "lab_netns names the same path" "$LAB_NETNS_A1" "$(lab_netns a1)"
	expect_ok "the agent namespace exists" test -e "$LAB_NETNS_A1"
	expect_eq "an agent starts with lo only" "lo" \
		"$(lab_in a1 ip -o link show | awk -F': ' '{ print $2 }' | paste -sd'|')"
	expect_eq "an agent resolves through Outcall's gateway" "nameserver $LAB_AGENT_DNS_DEFAULT" \
		"$(lab_in a1 cat /etc/resolv.conf)"
	expect_status "an agent reaches nothing until Outcall attaches it" 7 \
		lab_curl a1 "http://$LAB_IP_WEB/"
}

check_capture() {
	lab_capture_start udp9 up0 wan udp port 9
	lab_capture_start quiet up0 wan host 198.18.1.99
	lab_host bash -c "for i in 1 2 3; do echo x >/dev/udp/$LAB_IP_WEB/9; done"
	expect_eq "a capture counts every matching packet" 3 "$(lab_capture_count udp9)"
	expect_eq "a capture counts only matching packets" 0 "$(lab_capture_count quiet)"
	expect_eq "lab_capture_show lists them" 3 "$(lab_capture_show udp9 | grep -c "> $LAB_IP_WEB.9: UDP")"
}

# Starts this script as a peer lab in the background; sets peer_pid.
# env restores SIGINT, which bash ignores in background jobs, and keeps
# peers that are killed on purpose from saving their logs as failures.
start_peer() {
	local mode=$1 out=$2
	OC_LAB_PEER=$mode OC_LAB_PEER_FILE=$LAB_DIR/peer-$mode.prefix OC_LAB_PEER_PARENT=$BASHPID \
		env --default-signal=INT -u OC_BUILD_ROOT -u OC_LAB_ARTIFACTS \
		bash "$here/t_lab.sh" >"$out" 2>&1 &
	peer_pid=$!
}

# Waits (bounded) for the peer to exit; its exit status is in peer_st.
peer_wait() {
	lab_poll 30 lab__dead "$peer_pid" || kill -KILL "$peer_pid"
	wait "$peer_pid"
	peer_st=$?
	peer_pid=""
}

# A peer outlives this test unless stopped: it is no process of our lab.
stop_peer() {
	[ -n "${peer_pid:-}" ] || return 0
	kill -TERM "$peer_pid" 2>/dev/null
	lab_poll 5 lab__dead "$peer_pid" || kill -KILL "$peer_pid"
}

expect_lab_gone() {
	local p=$1 what=$2
	expect_eq "$what: namespaces of $p are gone" "" "$(lab__namespaces "$p")"
	expect_fail "$what: /etc/netns entries of $p are gone" \
		compgen -G "$LAB_NETNS_ETC/$p-*"
	expect_fail "$what: scratch directory of $p is gone" test -e "$LAB_ROOT/oclab.$p"
}

# Starts a peer that holds its lab; sets p (its prefix) and pids (of its
# servers).
hold_peer() {
	local nss
	start_peer hold "$LAB_DIR/peer-$1.out"
	lab_wait 20 "peer lab for $1" test -s "$LAB_DIR/peer-hold.prefix"
	p=$(<"$LAB_DIR/peer-hold.prefix")
	rm -f "$LAB_DIR/peer-hold.prefix"
	mapfile -t nss < <(lab__namespaces "$p")
	pids=$(lab__ns_pids "${nss[@]}")
	expect_match "peer $p runs its servers" '[0-9]' "$pids"
}

# SIGINT and SIGTERM: the test's own trap tears its lab down.
check_signal() {
	local sig=$1 want=$2 p pids
	hold_peer "SIG$sig"
	kill "-$sig" "$peer_pid"
	peer_wait
	expect_eq "SIG$sig ends the peer with $want" "$want" "$peer_st"
	expect_lab_gone "$p" "after SIG$sig"
}

expect_pids_dead() {
	local pid
	for pid in $2; do
		expect_ok "$1: pid $pid of $p is gone" lab_poll 5 lab__dead "$pid"
	done
}

# SIGKILL (what meson's timeout ends with): the lab's watchdog removes it;
# without a watchdog, lab-clean does, and leaves running labs alone.
check_kill() {
	local p pids
	hold_peer "SIGKILL"
	kill -KILL "$peer_pid"
	peer_wait 2>/dev/null # no "Killed" job notice: that is the point
	expect_ok "the watchdog removes a SIGKILLed lab" lab_poll 5 \
		test ! -e "$LAB_ROOT/oclab.$p"
	expect_pids_dead "after SIGKILL" "$pids"
	expect_lab_gone "$p" "after SIGKILL"

	hold_peer "SIGKILL without watchdog"
	kill -KILL "$(<"$LAB_ROOT/oclab.$p/watchdog.pid")" "$peer_pid"
	peer_wait 2>/dev/null
	# The lab of a dead run is fair game for any lab_init on the machine, so
	# another test run may remove it first; that is no failure.
	if [ -e "$LAB_ROOT/oclab.$p" ]; then
		expect_eq "SIGKILL without watchdog leaves the lab behind" "$p-host" \
			"$(lab__namespaces "$p" | grep -x "$p-host")"
	else
		echo "note: another run removed the stale lab $p before lab-clean could"
	fi
	expect_ok "lab-clean runs" "$here/lab-clean"
	expect_match "lab-clean spares the running lab $LAB_P" "$LAB_P belongs to a running test" "$LAB_OUT"
	expect_pids_dead "after lab-clean" "$pids"
	expect_lab_gone "$p" "after lab-clean"
}

if [ -n "${OC_LAB_PEER:-}" ]; then
	lab_init
	case $OC_LAB_PEER in
	check) basic_checks ;;
	hold)
		echo "$LAB_P" >"$OC_LAB_PEER_FILE"
		lab_poll 60 lab__dead "$OC_LAB_PEER_PARENT"
		;;
	esac
	lab_done
fi

before=$(root_state 2>&1)
lab_init
lab_at_teardown stop_peer
# The target is 3 s (README.md); 10 s leaves room for a loaded machine
# and still catches a set-up step that runs into a timeout.
expect_ok "set-up takes under 10 s (took $LAB_UP_MS ms)" test "$LAB_UP_MS" -lt 10000
start_peer check "$LAB_DIR/peer-check.out"
basic_checks
check_dns
check_web
check_network
check_capture
peer_wait
expect_eq "a second lab runs beside this one" 0 "$peer_st" ||
	lab__excerpt "$(cat "$LAB_DIR/peer-check.out")"
peer=$(sed -n 's/^lab: \(oc[a-z0-9]*\) up in .*/\1/p' "$LAB_DIR/peer-check.out")
expect_match "the second lab had its own prefix" "^oc[a-z0-9]{4}$" "$peer" &&
	expect_fail "the second lab's prefix differs" test "$peer" = "$LAB_P"
expect_lab_gone "$peer" "after the second lab ended"
check_signal INT 130
check_signal TERM 143
check_kill
basic_checks
expect_eq "the machine's namespace is unchanged while the lab is up" "$before" "$(root_state 2>&1)"

p=$LAB_P
lab_teardown
expect_lab_gone "$p" "after lab_teardown"
expect_eq "the machine's namespace is unchanged after teardown" "$before" "$(root_state 2>&1)"
lab_done
