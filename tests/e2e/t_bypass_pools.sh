#!/bin/bash
# Issue 11's pool and proxy vectors through the real daemon, one per
# confirmed item: plain HTTP to a port the rule does not name, a body over
# an http.body_size limit, encoded paths around a path rule, one container holding hundreds of proxy tunnels
# and slow DNS-over-TCP connections (under a 1024 descriptor limit) while
# another container's DNS, proxy and `outcall status` keep working, and a
# query dribbled a byte a second that cannot keep its connection.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

PROXY=10.200.0.1:8080
PC=$here/lib/poolclient.py

oc_rule 10-pools.yaml 'version: "1"
rules:
  - id: no-admin
    condition: http.path.startsWith("/admin")
    action: block
    priority: 10
  - id: no-big-bodies
    condition: http.body_size > 100
    action: block
    priority: 10
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow'

# The usual soft limit, as the hard limit too: outcalld cannot raise it,
# so its caps must fit in 1024 descriptors.
cat >"$LAB_DIR/outcalld-1024" <<SH
#!/bin/sh
ulimit -n 1024
exec "$OC_OUTCALLD" "\$@"
SH
chmod +x "$LAB_DIR/outcalld-1024"
OC_OUTCALLD=$LAB_DIR/outcalld-1024

lab_agent a1
lab_agent a2
oc_start --dns-tcp-query-ms 2000
oc_attach a1
oc_attach a2
expect_match "the caps were sized from the limit" "connection caps: descriptor limit 1024" \
	"$(cat "$LAB_DIR/outcalld.log")"

px() { lab_curl "$1" -x "http://$PROXY" "${@:2}"; }

# -- item 3: plain HTTP on a port the rule does not name -------------------
expect_ok "plain HTTP on port 80 is allowed" px a1 http://web.lab.test/p80
expect_status "plain HTTP to port 2222 needs a rule naming the port" 22 \
	px a1 http://web.lab.test:2222/p2222
expect_ok "the 403 says why" lab_in a1 curl -s --max-time 5 -x "http://$PROXY" \
	http://web.lab.test:2222/why
expect_match "reason" "plain HTTP to a port other than 80" "$LAB_OUT"
expect_nomatch "nothing reached port 2222" "/p2222|/why" "$(cat "$LAB_WEB_LOG")"

# -- item 4: http.body_size -----------------------------------------------
head -c 5000 /dev/zero >"$LAB_DIR/body5000"
expect_ok "a small POST passes" px a1 --data-binary "small" http://web.lab.test/small
expect_ok "a 5000-byte POST" lab_in a1 curl -s --max-time 5 -x "http://$PROXY" -H "Expect:" \
	--data-binary @"$LAB_DIR/body5000" http://web.lab.test/big
expect_match "meets http.body_size > 100" "^Rule: no-big-bodies" "$LAB_OUT"
expect_status "so does a chunked one (its size is unknown: the largest int)" 22 \
	px a1 -H "Transfer-Encoding: chunked" --data-binary @"$LAB_DIR/body5000" \
	http://web.lab.test/chunked
expect_nomatch "no big body reached web" '"POST /(big|chunked)' "$(cat "$LAB_WEB_LOG")"

# -- encoded paths around a path rule --------------------------------------
expect_status "/admin is blocked" 22 px a1 http://web.lab.test/admin/x
for p in /public/%2e%2e/admin/x /public/%2E%2E/admin/x /x%2Fadmin /public/..%2Fadmin; do
	expect_status "$p is refused before any rule" 22 px a1 --path-as-is "http://web.lab.test$p"
done
expect_status "a raw .. segment too" 22 px a1 --path-as-is http://web.lab.test/public/../admin/x
expect_nomatch "nothing of it reached web" "admin|%2" "$(cat "$LAB_WEB_LOG")"

# -- items 5 and 6: a1 holds the pools, a2 must not notice ---------------
lab_bg a1 holder python3 "$PC" keepalive "$PROXY" http://web.lab.test/hold 600 25 \
	"$LAB_DIR/holder-result.log"
lab_bg a1 dribble python3 "$PC" dribble 10.200.0.1 300 12 "$LAB_DIR/dribble-result.log"
lab_wait 30 "a1 opened its proxy connections" grep -q ready "$LAB_DIR/holder-result.log"
lab_wait 30 "a1 opened its DNS connections" grep -q ready "$LAB_DIR/dribble-result.log"
for i in 1 2 3; do
	expect_ok "a2: DNS over UDP ($i)" lab_in a2 dig +time=3 +tries=1 +short web.lab.test
	expect_eq "a2: the answer ($i)" "$LAB_IP_WEB" "$LAB_OUT"
	expect_ok "a2: DNS over TCP ($i)" lab_in a2 dig +tcp +time=3 +tries=1 +short web.lab.test
	expect_eq "a2: the TCP answer ($i)" "$LAB_IP_WEB" "$LAB_OUT"
	expect_ok "a2: the proxy ($i)" px a2 "http://web.lab.test/a2-$i"
	expect_ok "outcall status ($i)" timeout 5 "$OC_OUTCALL" --socket "$OC_SOCK" status
done
lab_wait 40 "the dribbler finished" grep -q done "$LAB_DIR/dribble-result.log"
lab_wait 40 "the holder finished" grep -q done "$LAB_DIR/holder-result.log"
expect_match "a1 got only its share of the proxy, the rest 503 at once" \
	"^done ok=([1-9]|1[0-6]) refused=[1-9]" "$(cat "$LAB_DIR/holder-result.log")"
expect_match "every dribbled connection was closed at the query deadline or the cap" \
	"^done open=0 closed=300 answered=0" "$(cat "$LAB_DIR/dribble-result.log")"
expect_ok "metrics" oc_api GET /metrics
metric() { printf '%s\n' "$LAB_OUT" | awk -v m="$1" '$1 == m { print $2 }'; }
expect_match "proxy refusals are counted" "^[1-9]" "$(metric outcall_proxy_connections_refused_total)"
expect_match "DNS-over-TCP refusals are counted" "^[1-9]" "$(metric outcall_dns_tcp_refused_total)"
expect_match "deadline closes are counted" "^[1-9]" "$(metric outcall_dns_tcp_deadline_closed_total)"
expect_ok "a1 is served again once it let go" px a1 http://web.lab.test/after

lab_done
