#!/bin/sh
# Outcall's proxy side by side with squid and tinyproxy (and no proxy at
# all), same upstream (nginx), same clients, in one run:
#   - plain HTTP: wrk with absolute-form requests (wrk-proxy.lua) through
#     each explicit proxy, keep-alive; requests per second and the proxy's
#     CPU time per request (utime + stime from /proc/PID/stat, the process
#     and its children, around the run: the client shares the cores);
#   - CONNECT bulk: curl downloading a 1 GiB file over TLS through each
#     proxy's CONNECT tunnel, and the proxy's CPU time for it;
#   - idle tunnels: bench-proxy-idle holds N established CONNECT tunnels
#     through each proxy; the proxy's resident memory before and after.
#
# Everything runs in private network and mount namespaces (the script
# re-executes itself under `unshare -n -m`): the clients, the proxies and
# their DNS server on that namespace's lo, the upstream (nginx and the
# idle-tunnel sink) in a second namespace behind a veth pair (Outcall never
# connects to an address of its own host, and every proxy and the direct
# client then cross the same link). /etc/resolv.conf and /etc/hosts are
# replaced by private copies in the mount namespace (so tinyproxy, which
# uses the C library's resolver, asks the namespace's dnsmasq), every peer
# runs on a configuration file written here, and everything is stopped
# when the script exits.
#
# Usage: bench/proxy/run.sh [BUILD_DIR]   (root; default BUILD_DIR: build)
# Environment: BENCH_SECONDS (10) per wrk run, BENCH_CONNECTIONS (50) wrk
# connections, BENCH_TUNNELS (9000) idle tunnels per proxy (two descriptors
# each in the proxy: 10,000 needs a hard RLIMIT_NOFILE above 20,000),
# BENCH_BULK_ROUNDS (3) downloads per target, interleaved, median reported.
# Needs: wrk, squid, tinyproxy, nginx, curl, dnsmasq, openssl
# (scripts/deps.sh bench).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-50}
tunnels=${BENCH_TUNNELS:-9000}
rounds=${BENCH_BULK_ROUNDS:-3}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/proxy/run.sh: needs root for private namespaces" >&2
	exit 1
fi
for tool in wrk squid tinyproxy nginx curl dnsmasq openssl unshare; do
	command -v "$tool" >/dev/null || {
		echo "bench/proxy/run.sh: $tool is missing; run scripts/deps.sh bench" >&2
		exit 1
	}
done
driver=$build/bench/proxy/bench-proxy
idle=$build/bench/proxy/bench-proxy-idle
for b in "$driver" "$idle"; do
	[ -x "$b" ] || { echo "bench/proxy/run.sh: build $b first (ninja -C $build)" >&2; exit 1; }
done

if [ -z "${OC_BENCH_IN_NETNS:-}" ]; then
	OC_BENCH_IN_NETNS=$(readlink /proc/self/ns/net) exec unshare -n -m --propagation private \
		-- "$0" "$build"
fi
# Never go on in the namespace we were started in.
[ "$(readlink /proc/self/ns/net)" != "$OC_BENCH_IN_NETNS" ] || { echo "not in a new namespace" >&2; exit 1; }

OUTCALL=10.98.0.1 SQUID=10.98.0.2 TINY=10.98.0.3 CLIENT=10.98.0.100 DNS=10.98.0.53
WEB=198.18.7.80 SINK=198.18.7.81
ip link set lo up
for a in $OUTCALL $SQUID $TINY $CLIENT $DNS; do
	ip addr add "$a/32" dev lo
done
# Each proxy holds two descriptors per tunnel: the hard limit bounds the
# idle-tunnel count (BENCH_TUNNELS). dash and bash both have ulimit -n/-H.
# shellcheck disable=SC3045
nofile=$(ulimit -Hn)
# shellcheck disable=SC3045
ulimit -n "$nofile"

work=$(mktemp -d /tmp/oc-bench-proxy.XXXXXX)
chmod 755 "$work"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The upstream's namespace, held by a parked process.
unshare -n sleep 100000 &
up_pid=$!
pids="$pids $up_pid"
n=0
until [ "$(readlink /proc/$up_pid/ns/net)" != "$(readlink /proc/self/ns/net)" ]; do
	n=$((n + 1))
	[ $n -lt 50 ] || { echo "bench/proxy/run.sh: no upstream namespace" >&2; exit 1; }
	sleep 0.1
done
upns=/proc/$up_pid/ns/net
ip link add up0 type veth peer name wan0
ip link set wan0 netns "$up_pid"
ip addr add 198.18.0.1/24 dev up0
ip link set up0 up
ip route add 198.18.7.0/24 via 198.18.0.254
nsenter --net="$upns" sh -c "ip link set lo up && ip addr add 198.18.0.254/24 dev wan0 &&
	ip link set wan0 up && ip addr add $WEB/32 dev lo && ip addr add $SINK/32 dev lo &&
	ip route add 10.98.0.0/24 via 198.18.0.1"

# Name resolution inside the namespace only.
echo "nameserver $DNS" >"$work/resolv.conf"
printf '127.0.0.1 localhost\n' >"$work/hosts"
mount --bind "$work/resolv.conf" /etc/resolv.conf
mount --bind "$work/hosts" /etc/hosts
dnsmasq -k -C /dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=$DNS \
	--address=/web.bench/$WEB --address=/idle.bench/$SINK --local-ttl=300 --pid-file= \
	2>"$work/dnsmasq.log" &
pids="$pids $!"

# The upstream: nginx with a small page over HTTP and a 1 GiB sparse file
# over HTTPS.
mkdir -p "$work/www" "$work/nginx"
head -c 612 /dev/zero | tr '\0' 'x' >"$work/www/index.html"
truncate -s 1G "$work/www/big"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=web.bench -addext subjectAltName=DNS:web.bench \
	-keyout "$work/web.key" -out "$work/web.pem" 2>/dev/null
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 20000; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 1000000;
	client_body_temp_path $work/nginx;
	proxy_temp_path $work/nginx;
	fastcgi_temp_path $work/nginx;
	uwsgi_temp_path $work/nginx;
	scgi_temp_path $work/nginx;
	server {
		listen $WEB:80;
		root $work/www;
	}
	server {
		listen $WEB:443 ssl;
		ssl_certificate $work/web.pem;
		ssl_certificate_key $work/web.key;
		root $work/www;
	}
}
EOF
nsenter --net="$upns" nginx -c "$work/nginx.conf" -p "$work/nginx" -e "$work/nginx/error.log" &
pids="$pids $!"

cat >"$work/rules.yaml" <<'EOF'
version: "1"
rules:
  - id: bench-web
    condition: 'network.hostname in ["web.bench", "idle.bench"]'
    action: allow
EOF
# Outcall with the example rule set in front of the bench rules, so the
# policy is a realistic one.
"$driver" --listen $OUTCALL:8080 --upstream $DNS --client $CLIENT --client $OUTCALL \
	--private-ranges 10.0.0.0/8,127.0.0.0/8,169.254.0.0/16 \
	"$root/examples/rules.d" "$work/rules.yaml" 2>"$work/outcall.log" &
outcall_pid=$!
pids="$pids $outcall_pid"

# squid and tinyproxy drop root for their own users: their files live in
# directories those users own.
mkdir -p "$work/squid" "$work/tiny"
chown proxy:proxy "$work/squid"
chown nobody:nogroup "$work/tiny"
cat >"$work/squid.conf" <<EOF
http_port $SQUID:3128
http_access allow all
cache deny all
cache_mem 0 MB
access_log none
cache_store_log none
cache_log $work/squid/cache.log
pid_filename $work/squid/squid.pid
coredump_dir $work/squid
dns_nameservers $DNS
hosts_file $work/hosts
max_filedescriptors $nofile
visible_hostname bench
workers 1
forwarded_for delete
via off
shutdown_lifetime 1 seconds
EOF
squid -N -f "$work/squid.conf" 2>"$work/squid.log" &
squid_pid=$!
pids="$pids $squid_pid"

cat >"$work/tinyproxy.conf" <<EOF
Port 8888
Listen $TINY
Timeout 600
MaxClients 30000
LogLevel Critical
LogFile "$work/tiny/tinyproxy.log"
PidFile "$work/tiny/tinyproxy.pid"
ConnectPort 443
DisableViaHeader Yes
User nobody
Group nogroup
EOF
tinyproxy -d -c "$work/tinyproxy.conf" 2>"$work/tinyproxy.err" &
tiny_pid=$!
pids="$pids $tiny_pid"

# Ready when each answers (10 s at most).
ready() {
	n=0
	until curl -s -o /dev/null --max-time 1 "$@"; do
		n=$((n + 1))
		[ $n -lt 10 ] || { echo "bench/proxy/run.sh: not ready: $*" >&2; cat "$work"/*.log >&2; exit 1; }
		sleep 1
	done
}
ready --interface $CLIENT http://web.bench/index.html
for px in $OUTCALL:8080 $SQUID:3128 $TINY:8888; do
	ready --interface $CLIENT --proxy "http://$px" http://web.bench/index.html
done

cpu_ticks() { # utime + stime of a process and its children, in clock ticks
	t=0
	for p in $1 $(pgrep -P "$1" 2>/dev/null || true); do
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo $t
}
rss_kb() { # resident memory of a process and its children
	t=0
	for p in $1 $(pgrep -P "$1" 2>/dev/null || true); do
		t=$((t + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")))
	done
	echo $t
}
hz=$(getconf CLK_TCK)

cat >"$work/proxy.lua" <<'EOF'
-- Absolute-form requests, as a client configured with a proxy sends them.
wrk.method = "GET"
wrk.path = "http://web.bench/index.html"
wrk.headers["Host"] = "web.bench"
EOF

echo "== plain HTTP: wrk -t1 -c$conns -d${secs}s, 612-byte page, keep-alive"
printf '%-10s %10s %10s %12s\n' target "req/s" requests "cpu_us/req"
http_run() { # name pid url [wrk options]
	name=$1 pid=$2 url=$3
	shift 3
	c0=0
	[ "$pid" = - ] || c0=$(cpu_ticks "$pid")
	wrk -t1 -c"$conns" -d"${secs}s" "$@" "$url" >"$work/wrk.txt" 2>&1 || true
	c1=0
	[ "$pid" = - ] || c1=$(cpu_ticks "$pid")
	awk -v name="$name" -v ticks=$((c1 - c0)) -v hz="$hz" -v haspid="$pid" '
		/requests in/ { n = $1 }
		/Requests\/sec/ { rps = $2 }
		/Non-2xx/ { bad = $4 }
		END {
			us = (haspid != "-" && n > 0) ? sprintf("%.1f", ticks / hz * 1e6 / n) : "-"
			printf "%-10s %10.0f %10d %12s%s\n", name, rps, n, us, bad ? "  NON-2XX: " bad : ""
		}' "$work/wrk.txt"
}
http_run direct - "http://$WEB/index.html" -H "Host: web.bench"
http_run outcall "$outcall_pid" "http://$OUTCALL:8080/" -s "$work/proxy.lua"
http_run squid "$squid_pid" "http://$SQUID:3128/" -s "$work/proxy.lua"
http_run tinyproxy "$tiny_pid" "http://$TINY:8888/" -s "$work/proxy.lua"

echo "== CONNECT bulk: 1 GiB over TLS (curl -k), $rounds rounds interleaved;"
echo "   the proxy's CPU per GiB relayed"
printf '%-10s %10s %12s  %s\n' target "GB/s(med)" "cpu_ms/GiB" "GB/s of each round"
bulk() { # name pid [curl proxy options]: one download, "GB/s cpu_ms" to stdout
	name=$1 pid=$2
	shift 2
	c0=0
	[ "$pid" = - ] || c0=$(cpu_ticks "$pid")
	speed=$(curl -sk --interface $CLIENT "$@" -o /dev/null -w '%{speed_download}' \
		https://web.bench/big) || speed=0
	c1=0
	[ "$pid" = - ] || c1=$(cpu_ticks "$pid")
	awk -v s="$speed" -v ticks=$((c1 - c0)) -v hz="$hz" -v haspid="$pid" 'BEGIN {
		printf "%.3f %s\n", s / 1e9, haspid != "-" ? sprintf("%.0f", ticks / hz * 1000) : "-"
	}'
}
# The sparse file's pages into the page cache first, or the first run
# (direct) pays for filling it.
cat "$work/www/big" >/dev/null
: >"$work/bulk.txt"
r=0
while [ $r -lt "$rounds" ]; do
	{
		echo "direct $(bulk direct -)"
		echo "outcall $(bulk outcall "$outcall_pid" --proxy http://$OUTCALL:8080)"
		echo "squid $(bulk squid "$squid_pid" --proxy http://$SQUID:3128)"
		echo "tinyproxy $(bulk tinyproxy "$tiny_pid" --proxy http://$TINY:8888)"
	} >>"$work/bulk.txt"
	r=$((r + 1))
done
for name in direct outcall squid tinyproxy; do
	awk -v name="$name" 'BEGIN { n = 0 } $1 == name { g[n] = $2; c[n] = $3; n++ }
		END {
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
				if (g[j] < g[i]) { t = g[i]; g[i] = g[j]; g[j] = t }
			all = ""
			for (i = 0; i < n; i++) all = all " " g[i]
			cpu = 0
			for (i = 0; i < n; i++) cpu += c[i]
			printf "%-10s %10.2f %12s %s\n", name, g[int(n / 2)],
				c[0] == "-" ? "-" : sprintf("%.0f", cpu / n), all
		}' "$work/bulk.txt"
done

echo "== idle tunnels: $tunnels CONNECT tunnels held open through each proxy"
printf '%-10s %12s %12s %12s\n' proxy "rss_before" "rss_after" "bytes/tunnel"
idle_run() { # name pid proxy-address
	name=$1 pid=$2 addr=$3
	before=$(rss_kb "$pid")
	rm -f "$work/idle.in"
	mkfifo "$work/idle.in"
	"$idle" --proxy "$addr" --client $CLIENT --sink $SINK:443 --sink-netns "$upns" \
		--host idle.bench --count "$tunnels" <"$work/idle.in" >"$work/idle.out" \
		2>"$work/idle.err" &
	ipid=$!
	exec 3>"$work/idle.in"
	n=0
	until grep -q ready "$work/idle.out" 2>/dev/null; do
		kill -0 $ipid 2>/dev/null || { echo "$name: $(cat "$work/idle.err")"; exec 3>&-; return 0; }
		n=$((n + 1))
		[ $n -lt 600 ] || { echo "$name: tunnels not ready in 120 s"; break; }
		sleep 0.2
	done
	after=$(rss_kb "$pid")
	exec 3>&-
	wait $ipid 2>/dev/null || true
	awk -v name="$name" -v b="$before" -v a="$after" -v n="$tunnels" \
		'BEGIN { printf "%-10s %10d kB %10d kB %12.0f\n", name, b, a, (a - b) * 1024 / n }'
}
idle_run outcall "$outcall_pid" $OUTCALL:8080
idle_run squid "$squid_pid" $SQUID:3128
idle_run tinyproxy "$tiny_pid" $TINY:8888

kill "$outcall_pid"
wait "$outcall_pid" 2>/dev/null || true
cat "$work/outcall.log"
