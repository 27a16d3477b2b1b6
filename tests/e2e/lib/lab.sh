# shellcheck shell=bash
# The e2e lab: a fake host, a fake internet and agent "containers", each a
# network namespace, so e2e tests exercise real kernels, sockets and
# servers without touching the machine's own network. Tests source this
# file, call lab_init, make assertions and end with lab_done; see
# tests/e2e/README.md for the world it builds and the helpers it offers.
#
# Every lab resource carries the run's prefix ($LAB_P, "oc" + 4 characters)
# so that runs coexist, and the run's watchdog, the next run or
# tests/e2e/lab-clean can remove what a killed run left (cleanup.sh).

[ -n "${LAB_SH_LOADED:-}" ] && return 0
LAB_SH_LOADED=1

LAB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Scratch directories live under one root so lab-clean can find them.
LAB_ROOT=${OC_LAB_ROOT:-/tmp}
# ip(8) keeps named namespaces here and bind-mounts /etc/netns/<ns>/* over
# /etc for commands it runs inside <ns>.
LAB_NETNS_RUN=/var/run/netns
LAB_NETNS_ETC=/etc/netns
LAB_PREFIX_RE='^oc[a-z0-9]{4}$'

# The fake internet (198.18.0.0/15 is reserved for benchmarking, so no real
# host answers there even if a packet escaped).
LAB_IP_HOST=198.18.0.1
LAB_IP_WAN=198.18.0.254
LAB_IP_DNS=198.18.1.53
LAB_IP_WEB=198.18.1.80
LAB_IP_EVIL=198.18.1.66
LAB_IP_META=169.254.169.254
LAB_AGENT_DNS_DEFAULT=10.200.0.1

LAB_FAILS=0
LAB_PASSES=0
LAB_P=""
LAB_DIR=""
declare -gA LAB_BG_PID=()
LAB_TEARDOWN_HOOKS=()

# shellcheck source=tests/e2e/lib/expect.sh
. "$LAB_LIB/expect.sh"
# shellcheck source=tests/e2e/lib/pki.sh
. "$LAB_LIB/pki.sh"
# shellcheck source=tests/e2e/lib/wan.sh
. "$LAB_LIB/wan.sh"
# shellcheck source=tests/e2e/lib/capture.sh
. "$LAB_LIB/capture.sh"
# shellcheck source=tests/e2e/lib/cleanup.sh
. "$LAB_LIB/cleanup.sh"

# Proxy variables from the caller's environment would make curl and wget
# inside the lab send requests to a proxy address outside it.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
	ftp_proxy FTP_PROXY no_proxy NO_PROXY

lab__now_us() { echo "${EPOCHREALTIME/./}"; }

# "1.5" -> 1500000; bash arithmetic has no fractions.
lab__secs_to_us() {
	local s=${1%%.*} f=""
	[[ $1 == *.* ]] && f=${1#*.}
	f=${f}000000
	echo $((10#${s:-0} * 1000000 + 10#${f:0:6}))
}

# lab_poll TIMEOUT CMD...: runs CMD until it succeeds or TIMEOUT seconds
# pass; returns CMD's last status. Each try of CMD must itself be bounded.
# CMD runs in a subshell (it cannot change the test's variables); the
# last lines of its last output are in LAB_POLL_OUT.
lab_poll() {
	local deadline pause=0.01 rc
	deadline=$(($(lab__now_us) + $(lab__secs_to_us "$1")))
	shift
	while :; do
		LAB_POLL_OUT=$("$@" 2>&1)
		rc=$?
		[ "$rc" = 0 ] && break
		[ "$(lab__now_us)" -ge "$deadline" ] && break
		sleep "$pause" # the poll interval, not synchronisation
		[ "$pause" = 0.01 ] && pause=0.02 || pause=0.05
	done
	LAB_POLL_OUT=$(tail -n 5 <<<"$LAB_POLL_OUT")
	return "$rc"
}

# lab_wait TIMEOUT DESCRIPTION CMD...: like lab_poll, but a timeout fails
# the test and ends it: what follows depends on the thing being ready.
lab_wait() {
	local timeout=$1 desc=$2
	shift 2
	lab_poll "$timeout" "$@" && return 0
	lab_fatal "$desc: not ready after ${timeout}s (last try of '$*': ${LAB_POLL_OUT:-no output})"
}

# Runs CMD in lab namespace NAME ("host", "wan" or an agent name).
lab_in() {
	local ns=$1
	shift
	ip netns exec "$LAB_P-$ns" "$@"
}
lab_host() { lab_in host "$@"; }
lab_wan() { lab_in wan "$@"; }

# lab_curl NAME ARGS...: curl inside namespace NAME that trusts the lab CA,
# fails on HTTP errors and gives up after LAB_CURL_TIMEOUT seconds.
lab_curl() {
	local ns=$1
	shift
	lab_in "$ns" curl -sS --fail --max-time "${LAB_CURL_TIMEOUT:-5}" \
		--cacert "$LAB_DIR/ca.pem" "$@"
}

# lab_bg NS LOGNAME CMD...: starts CMD in the background inside namespace
# NS, logging stdout and stderr to $LAB_DIR/LOGNAME.log. The pid is in
# LAB_BG_PID[LOGNAME] (and LAB_LAST_PID); teardown stops it.
lab_bg() {
	local ns=$1 name=$2
	shift 2
	if [ -n "${LAB_BG_PID[$name]:-}" ]; then
		lab__alive "${LAB_BG_PID[$name]}" &&
			lab_fatal "lab_bg: a process named '$name' already runs (pid ${LAB_BG_PID[$name]}); pick another log name"
		# Stopped from a subshell (e.g. inside $(...)): reap it here.
		wait "${LAB_BG_PID[$name]}" 2>/dev/null
	fi
	ip netns exec "$LAB_P-$ns" "$@" </dev/null >"$LAB_DIR/$name.log" 2>&1 &
	# shellcheck disable=SC2034 # for tests
	LAB_LAST_PID=$!
	LAB_BG_PID[$name]=$!
}

# True while pid $1 exists and is not a zombie (kill -0 succeeds on those).
lab__alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(<"/proc/$1/stat") || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# lab_stop LOGNAME [SIGNAL]: stops a process started by lab_bg, waiting up
# to 5 s (then SIGKILL). Its exit status is in LAB_STOP_STATUS.
lab_stop() {
	local name=$1 sig=${2:-TERM} pid
	pid=${LAB_BG_PID[$name]:-}
	[ -n "$pid" ] || lab_fatal "lab_stop: no background process named '$name'"
	kill "-$sig" "$pid" 2>/dev/null
	if ! lab_poll 5 lab__dead "$pid"; then
		echo "lab: $name (pid $pid) ignored SIG$sig for 5 s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		lab_poll 2 lab__dead "$pid"
	fi
	wait "$pid" 2>/dev/null
	# shellcheck disable=SC2034 # for tests
	LAB_STOP_STATUS=$?
	unset "LAB_BG_PID[$name]"
}
lab__dead() { ! lab__alive "$1"; }

# lab_agent NAME [NAMESERVER]: an empty namespace "$LAB_P-NAME" with only
# lo up, as a container before Outcall attaches it. Its resolv.conf (seen
# by commands run with lab_in) names NAMESERVER, by default the gateway of
# Outcall's default network. Exports LAB_NETNS_<NAME> = its path.
lab_agent() {
	local name=$1 dns=${2:-$LAB_AGENT_DNS_DEFAULT} var
	[[ $name =~ ^[a-z0-9][a-z0-9_]{0,8}$ ]] ||
		lab_fatal "lab_agent: bad name '$name' (1-9 of [a-z0-9_], starting with a letter or digit)"
	case $name in host | wan) lab_fatal "lab_agent: '$name' is a lab namespace, not an agent" ;; esac
	ip netns add "$LAB_P-$name" || lab_fatal "lab_agent: cannot create namespace $LAB_P-$name"
	ip -n "$LAB_P-$name" link set lo up || lab_fatal "lab_agent: cannot bring up lo in $LAB_P-$name"
	lab__resolv_conf "$name" "$dns"
	var=LAB_NETNS_${name^^}
	printf -v "$var" '%s' "$LAB_NETNS_RUN/$LAB_P-$name"
	export "${var?}"
}

# Path of the namespace of NAME, for Outcall's --netns.
lab_netns() { echo "$LAB_NETNS_RUN/$LAB_P-$1"; }

lab__resolv_conf() {
	mkdir -p "$LAB_NETNS_ETC/$LAB_P-$1" &&
		echo "nameserver $2" >"$LAB_NETNS_ETC/$LAB_P-$1/resolv.conf" ||
		lab_fatal "cannot write $LAB_NETNS_ETC/$LAB_P-$1/resolv.conf"
}

lab__need_tools() {
	local t missing=""
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] ||
		lab_fatal "the lab needs:$missing; install them with scripts/deps.sh test"
}

# Picks a prefix nobody uses and claims it by creating its scratch
# directory (mkdir is atomic, so two runs cannot claim the same one).
lab__claim_prefix() {
	local p chars=abcdefghijklmnopqrstuvwxyz0123456789 _
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		p=oc
		for _ in 1 2 3 4; do p=$p${chars:$((SRANDOM % 36)):1}; done
		ip netns list | grep -q "^$p-" && continue
		mkdir -m 0700 "$LAB_ROOT/oclab.$p" 2>/dev/null || continue
		LAB_P=$p
		LAB_DIR=$LAB_ROOT/oclab.$p
		LAB_OWNER=$BASHPID
		echo "$LAB_OWNER $(lab__starttime "$LAB_OWNER")" >"$LAB_DIR/owner"
		return 0
	done
	lab_fatal "no free lab prefix after 10 tries; run tests/e2e/lab-clean"
}

# lab_init: removes labs of dead runs, builds this run's lab (host, wan
# and its servers) and arranges for it to go however the test ends: a
# trap runs lab_teardown, and a detached watchdog removes the lab if the
# test is killed before its trap could.
lab_init() {
	local t0
	t0=$(lab__now_us)
	[ "$(id -u)" = 0 ] || lab_skip "the e2e lab needs root (it makes network namespaces)"
	lab__need_tools ip dnsmasq nginx openssl curl dig tcpdump setsid
	LAB_TEST=$(basename "$0" .sh)
	LAB_BG_PID=()
	# A signal between claiming the prefix and recording it would leave the
	# claim behind: hold signals until the claim is recorded.
	LAB__PENDING=""
	trap 'LAB__PENDING="INT 130"' INT
	trap 'LAB__PENDING="TERM 143"' TERM
	trap 'LAB__PENDING="HUP 129"' HUP
	trap lab__on_exit EXIT
	lab__clean_stale >&2
	lab__claim_prefix
	setsid -f bash -c '. "$1/lab.sh" && lab__watch "$2"' lab-watch "$LAB_LIB" "$LAB_P" \
		</dev/null >/dev/null 2>&1 || lab_fatal "cannot start the lab's watchdog (setsid)"
	trap 'lab__on_signal INT 130' INT
	trap 'lab__on_signal TERM 143' TERM
	trap 'lab__on_signal HUP 129' HUP
	# shellcheck disable=SC2086
	[ -z "$LAB__PENDING" ] || lab__on_signal $LAB__PENDING
	# shellcheck disable=SC2034 # for tests
	LAB_CA=$LAB_DIR/ca.pem
	LAB_WEB_LOG=$LAB_DIR/web-access.log
	LAB_DNS_LOG=$LAB_DIR/dns.log
	lab__net_up
	lab__dns_up
	lab__pki_up
	lab__web_up
	lab_wait 5 "wan DNS server (dnsmasq on $LAB_IP_DNS)" \
		lab_host dig +time=1 +tries=1 +short "@$LAB_IP_DNS" web.lab.test
	lab_wait 5 "wan web server (nginx on $LAB_IP_WEB)" \
		lab_host curl -s -o /dev/null --max-time 1 "http://$LAB_IP_WEB/"
	LAB_UP_MS=$((($(lab__now_us) - t0) / 1000))
	echo "lab: $LAB_P up in ${LAB_UP_MS} ms (scratch $LAB_DIR)"
}

# host <-> wan: one veth, made directly inside the namespaces so it never
# exists in the machine's own namespace.
lab__net_up() {
	local h=$LAB_P-host w=$LAB_P-wan
	ip netns add "$h" || lab_fatal "cannot create namespace $h"
	ip netns add "$w" || lab_fatal "cannot create namespace $w"
	ip -n "$h" -batch - <<-EOF || lab_fatal "cannot set up the network of $h"
		link set lo up
		link add wan0 type veth peer name up0 netns $w
		addr add $LAB_IP_HOST/24 dev wan0
		link set wan0 up
		route add default via $LAB_IP_WAN dev wan0
		route add $LAB_IP_META/32 via $LAB_IP_WAN dev wan0
	EOF
	# The servers' addresses sit on wan's lo (not a dummy interface: some
	# kernels lack it), so wan is one router with many hosts behind it.
	# wan gets no route to the agents' 10.200.0.0/16: agents must reach it
	# through the host's masquerade, as on the internet, so a missing NAT
	# fails a test instead of working by accident.
	ip -n "$w" -batch - <<-EOF || lab_fatal "cannot set up the network of $w"
		link set lo up
		addr add $LAB_IP_DNS/32 dev lo
		addr add $LAB_IP_WEB/32 dev lo
		addr add $LAB_IP_EVIL/32 dev lo
		addr add $LAB_IP_META/32 dev lo
		addr add $LAB_IP_WAN/24 dev up0
		link set up0 up
	EOF
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1 ||
		lab_fatal "cannot enable forwarding in $h"
	lab__resolv_conf host "$LAB_IP_DNS"
	lab__resolv_conf wan "$LAB_IP_DNS"
}

# Copies the logs of a failed run where meson keeps its own, because the
# scratch directory goes away with the lab.
lab__keep_logs() {
	local dest=${OC_LAB_ARTIFACTS:-${OC_BUILD_ROOT:+$OC_BUILD_ROOT/meson-logs/e2e}}
	[ -n "$dest" ] && [ -d "$LAB_DIR" ] || return 0
	dest=$dest/$LAB_TEST-$LAB_P
	mkdir -p "$dest" && cp "$LAB_DIR"/*.log "$LAB_DIR"/*.conf "$LAB_DIR"/*.pcap "$dest"/ 2>/dev/null
	echo "lab: logs of the failed run kept in $dest"
}

# lab_at_teardown FUNC: teardown calls FUNC (no arguments) first, for what
# a test started outside the lab namespaces.
lab_at_teardown() { LAB_TEARDOWN_HOOKS+=("$1"); }

# lab_teardown: removes this run's lab; idempotent. Runs on every exit.
lab_teardown() {
	local t0 name hook
	[ -n "$LAB_P" ] || return 0
	t0=$(lab__now_us)
	for hook in "${LAB_TEARDOWN_HOOKS[@]}"; do "$hook"; done
	LAB_TEARDOWN_HOOKS=()
	lab__remove "$LAB_P"
	for name in "${!LAB_BG_PID[@]}"; do wait "${LAB_BG_PID[$name]}" 2>/dev/null; done
	LAB_BG_PID=()
	echo "lab: $LAB_P torn down in $((($(lab__now_us) - t0) / 1000)) ms"
	LAB_P=""
	LAB_DIR=""
}

lab__on_exit() {
	local rc=$?
	# A second signal must not cut the teardown short; it is bounded.
	trap - EXIT
	trap '' INT TERM HUP
	[ "$rc" != 0 ] && [ "$rc" != 77 ] || [ "$LAB_FAILS" -gt 0 ] && lab__keep_logs
	lab_teardown
	[ "$rc" = 77 ] && exit 77
	[ "$LAB_FAILS" -gt 0 ] && [ "$rc" = 0 ] && rc=1
	echo "${LAB_TEST:-e2e}: $LAB_PASSES passed, $LAB_FAILS failed"
	exit "$rc"
}

lab__on_signal() {
	echo "lab: caught SIG$1; tearing down" >&2
	LAB_FAILS=$((LAB_FAILS + 1))
	exit "$2"
}

# lab_done: ends the test; exit status 1 if any expectation failed.
lab_done() {
	local hook
	for hook in "${LAB_DONE_HOOKS[@]}"; do "$hook"; done
	[ "$LAB_FAILS" -gt 0 ] && exit 1
	exit 0
}

# lab_at_done FUNC: run FUNC at lab_done, before the verdict; FUNC may
# use the expect functions (final checks a library adds to every test).
LAB_DONE_HOOKS=()
lab_at_done() { LAB_DONE_HOOKS+=("$1"); }
