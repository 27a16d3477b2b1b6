#!/bin/sh
# Outcall's DNS filter side by side with dnsmasq and unbound configured as
# caching forwarders to the same upstream, measured with dnsperf: cached
# allowed names, blocked names, and misses (every name unique). Reports
# queries per second and each server's CPU time per query (utime + stime
# from /proc/PID/stat around the run).
#
# Everything runs in a private network namespace (the script re-executes
# itself under `unshare -n`): the addresses live on that namespace's lo,
# nothing touches the machine's own network, and the servers are killed
# when the script exits.
#
# Usage: bench/dns/run.sh [BUILD_DIR]   (root; default $OC_BUILD, else build)
# Environment: BENCH_SECONDS (10) per measured run, BENCH_OUTSTANDING (100)
# queries dnsperf keeps in flight.
# Needs: dnsperf, dnsmasq, unbound, dig (scripts/deps.sh bench).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${OC_BUILD:-$root/build}}" && pwd)
secs=${BENCH_SECONDS:-10}
outstanding=${BENCH_OUTSTANDING:-100}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/dns/run.sh: needs root for a private network namespace" >&2
	exit 1
fi
for tool in dnsperf dnsmasq unbound dig taskset; do
	command -v "$tool" >/dev/null || {
		echo "bench/dns/run.sh: $tool is missing; run scripts/deps.sh bench" >&2
		exit 1
	}
done
server_bin=$build/bench/dns/bench-dns-server
[ -x "$server_bin" ] || { echo "bench/dns/run.sh: build $server_bin first (ninja -C $build)" >&2; exit 1; }

if [ -z "${OC_BENCH_IN_NETNS:-}" ]; then
	OC_BENCH_IN_NETNS=$(readlink /proc/self/ns/net) exec unshare -n -- "$0" "$build"
fi
# Never go on in the namespace we were started in.
[ "$(readlink /proc/self/ns/net)" != "$OC_BENCH_IN_NETNS" ] || { echo "not in a new namespace" >&2; exit 1; }

OUTCALL=10.99.0.1 DNSMASQ=10.99.0.2 UNBOUND=10.99.0.3 UPSTREAM=10.99.0.53 CLIENT=10.99.0.100
ip link set lo up
for a in $OUTCALL $DNSMASQ $UNBOUND $UPSTREAM $CLIENT; do
	ip addr add "$a/32" dev lo
done

work=$(mktemp -d /tmp/oc-bench-dns.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# One core for the server under test, the other for dnsperf, if there are two.
if [ "$(nproc)" -ge 2 ]; then srv_cpu="taskset -c 1" perf_cpu="taskset -c 0"; else srv_cpu="" perf_cpu=""; fi

# The upstream: dnsmasq answering every name under bench. itself, uncached,
# with a TTL the forwarders may cache.
dnsmasq -k -C /dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=$UPSTREAM \
	--port=53 --address=/bench/93.184.216.34 --local-ttl=300 --cache-size=0 --pid-file= \
	--dns-forward-max=10000 2>"$work/upstream.log" &
pids="$pids $!"

cat >"$work/bench.yaml" <<'EOF'
version: "1"
rules:
  - id: bench-blocked
    condition: 'dns.query.endsWith(".blocked.bench")'
    action: block
  - id: bench-allowed
    condition: 'dns.query.endsWith(".allowed.bench") || dns.query.endsWith(".miss.bench")'
    action: allow
EOF
# Outcall with the example rule set in front of the bench rules, so the
# policy is a realistic one.
$srv_cpu "$server_bin" --listen $OUTCALL:53 --upstream $UPSTREAM --client $CLIENT \
	"$root/examples/rules.d" "$work/bench.yaml" 2>"$work/outcall.log" &
outcall_pid=$!
pids="$pids $outcall_pid"

$srv_cpu dnsmasq -k -C /dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=$DNSMASQ \
	--port=53 --server=$UPSTREAM --cache-size=10000 --pid-file= --dns-forward-max=10000 \
	2>"$work/dnsmasq.log" &
dnsmasq_pid=$!
pids="$pids $dnsmasq_pid"

cat >"$work/unbound.conf" <<EOF
server:
	interface: $UNBOUND
	port: 53
	num-threads: 1
	do-ip6: no
	access-control: 0.0.0.0/0 allow
	username: ""
	chroot: ""
	directory: "$work"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 0
	do-not-query-localhost: no
	module-config: "iterator"
	qname-minimisation: no
	msg-cache-size: 64m
	rrset-cache-size: 128m
	outgoing-range: 4096
	num-queries-per-thread: 4096
remote-control:
	control-enable: no
forward-zone:
	name: "."
	forward-addr: $UPSTREAM
EOF
$srv_cpu unbound -d -c "$work/unbound.conf" 2>"$work/unbound.log" &
unbound_pid=$!
pids="$pids $unbound_pid"

# Ready when each answers (10 s at most).
for s in $UPSTREAM $OUTCALL $DNSMASQ $UNBOUND; do
	n=0
	until dig +short +tries=1 +time=1 -b $CLIENT "@$s" ready.allowed.bench A >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 10 ] || { echo "bench/dns/run.sh: $s does not answer" >&2; cat "$work"/*.log >&2; exit 1; }
	done
done

# Query files: 100 names cached after the warm-up, 100 blocked names, and a
# million unique names (every one a miss; dnsperf -n 1 never repeats one).
awk 'BEGIN { for (i = 0; i < 100; i++) printf "c%d.allowed.bench A\n", i }' >"$work/cached.txt"
awk 'BEGIN { for (i = 0; i < 100; i++) printf "b%d.blocked.bench A\n", i }' >"$work/blocked.txt"
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "m%d.miss.bench A\n", i }' >"$work/miss.txt"

cpu_ticks() { # utime + stime of a process, in clock ticks
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
hz=$(getconf CLK_TCK)

printf '%-8s %-8s %10s %10s %10s  %s\n' server case qps queries "cpu_us/q" "rcodes"
measure() { # server-name address pid case file [dnsperf options]
	name=$1 addr=$2 pid=$3 case=$4 file=$5
	shift 5
	c0=$(cpu_ticks "$pid")
	# shellcheck disable=SC2086
	$perf_cpu dnsperf -s "$addr" -a $CLIENT -d "$file" -l "$secs" -q "$outstanding" "$@" \
		>"$work/out.txt" 2>&1 || true
	c1=$(cpu_ticks "$pid")
	awk -v name="$name" -v case="$case" -v ticks=$((c1 - c0)) -v hz="$hz" '
		/Queries completed:/ { done = $3 }
		/Queries per second:/ { qps = $4 }
		/Response codes:/ { sub(/.*Response codes: */, ""); codes = $0 }
		END {
			us = done > 0 ? ticks / hz * 1e6 / done : 0
			printf "%-8s %-8s %10.0f %10d %10.2f  %s\n", name, case, qps, done, us, codes
		}' "$work/out.txt"
}

for srv in outcall:$OUTCALL:$outcall_pid dnsmasq:$DNSMASQ:$dnsmasq_pid unbound:$UNBOUND:$unbound_pid; do
	name=${srv%%:*} rest=${srv#*:}
	addr=${rest%%:*} pid=${rest#*:}
	# warm the cache, then measure
	$perf_cpu dnsperf -s "$addr" -a $CLIENT -d "$work/cached.txt" -n 1 >/dev/null 2>&1 || true
	measure "$name" "$addr" "$pid" cached "$work/cached.txt"
	measure "$name" "$addr" "$pid" blocked "$work/blocked.txt"
	measure "$name" "$addr" "$pid" miss "$work/miss.txt" -n 1
done
echo "(dnsmasq and unbound have no policy: their 'blocked' rows are plain forwarding/caching of those names)"
kill "$outcall_pid"
wait "$outcall_pid" 2>/dev/null || true
cat "$work/outcall.log"
