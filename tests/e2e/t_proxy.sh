#!/bin/bash
# The proxy in the lab, through outcalld: explicit HTTP judged per request
# (host, method, path) on kept-alive connections, CONNECT by host and by
# port, an SNI that is not the CONNECT host, transparent HTTP and HTTPS for
# an agent without proxy settings, curl and wget, names that resolve to
# private or metadata addresses, slowloris clients, the connection caps,
# and a tunnel's bytes intact.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

PROXY=10.200.0.1:8080
PC=$here/lib/proxyclient.py

oc_rule 10-proxy.yaml 'version: "1"
rules:
  - id: no-admin
    condition: http.host == "web.lab.test" && http.path.startsWith("/admin")
    action: block
    priority: 10
  - id: api-read-only
    description: api.lab.test, GET only over plain HTTP
    condition: network.hostname == "api.lab.test" && (network.protocol != "http" || http.method == "GET")
    action: allow
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow
  - id: web-2222
    condition: network.hostname == "pkg.lab.test" && network.port == 2222
    action: allow
  - id: pkg
    condition: network.hostname == "pkg.lab.test"
    action: allow
  - id: private-name
    condition: network.hostname == "private.lab.test"
    action: allow
  - id: metadata-name
    condition: network.hostname == "meta.lab.test"
    action: allow
    egress: { allow_private_ips: true }'

lab_agent a1
lab_agent a2
oc_start --proxy-head-ms 2000 --proxy-max-conns-per-container 6
oc_attach a1
oc_attach a2

px() { lab_curl a1 -x "http://$PROXY" "$@"; }

# -- explicit HTTP: host, method, path ------------------------------------
expect_ok "explicit: allowed host" px http://web.lab.test/hello?x=1
expect_eq "the upstream saw origin form" "web:web.lab.test:GET:/hello?x=1" "$LAB_OUT"
expect_status "explicit: blocked host is 403" 22 px http://evil.lab.test/
expect_ok "the 403 page" lab_in a1 curl -s --max-time 5 -x "http://$PROXY" -D - http://evil.lab.test/steal
expect_match "403 status" "^HTTP/1.1 403" "$LAB_OUT"
expect_match "rule header" "^X-Outcall-Rule: default" "$LAB_OUT"
expect_match "decision header" "^X-Outcall-Decision: [0-9a-f]{16}" "$LAB_OUT"
expect_match "the request command" "outcall-shim request --host evil.lab.test --port 80 --method GET --path /steal --why" "$LAB_OUT"
expect_status "explicit: blocked path" 22 px http://web.lab.test/admin/users
expect_status "explicit: blocked method" 22 px -X POST http://api.lab.test/items
expect_ok "explicit: allowed method" px http://api.lab.test/items
expect_eq "GET reached api" "web:api.lab.test:GET:/items" "$LAB_OUT"
expect_nomatch "blocked requests never reached wan" '"(evil|api)\.lab\.test" .*"(GET /steal|POST /items|GET /admin)' "$(cat "$LAB_WEB_LOG")"

# -- keep-alive: every request judged on its own --------------------------
expect_ok "three requests on one proxy connection" lab_in a1 curl -s --max-time 5 \
	-x "http://$PROXY" -w '%{http_code} %{num_connects}\n' -o /dev/null \
	http://web.lab.test/one -o /dev/null http://evil.lab.test/two -o /dev/null http://web.lab.test/three
expect_eq "200, then 403 for another host, then 200, all on one connection" \
	"200 1
403 0
200 0" "$LAB_OUT"

# -- CONNECT by host and port, and the SNI -------------------------------
expect_ok "CONNECT: allowed host over TLS" px https://web.lab.test/tls
expect_eq "TLS answer" "web-tls:web.lab.test:GET:/tls" "$LAB_OUT"
expect_ok "CONNECT: blocked host" lab_in a1 python3 "$PC" connect "$PROXY" evil.lab.test:443
expect_match "CONNECT to evil is 403" "^HTTP/1.1 403" "$LAB_OUT"
expect_ok "CONNECT: port 2222 without a port rule" lab_in a1 python3 "$PC" connect "$PROXY" web.lab.test:2222
expect_match "is 403" "^HTTP/1.1 403" "$LAB_OUT"
expect_ok "CONNECT: port 2222 with a rule naming it" lab_in a1 python3 "$PC" connect "$PROXY" pkg.lab.test:2222
expect_match "is 200" "^HTTP/1.1 200" "$LAB_OUT"
expect_ok "CONNECT: port 8080 of pkg is not named" lab_in a1 python3 "$PC" connect "$PROXY" pkg.lab.test:8080
expect_match "is 403" "^HTTP/1.1 403" "$LAB_OUT"
# curl tunnels to web.lab.test but says "evil.lab.test" in its ClientHello.
expect_fail "an SNI other than the CONNECT host is closed" lab_curl a1 -x "http://$PROXY" \
	--connect-to evil.lab.test:443:web.lab.test:443 https://evil.lab.test/
lab_poll 3 grep -q '"kind":"security".*sni mismatch' "$LAB_DIR/decisions.log"
expect_ok "and logged as a security event" grep -q '"kind":"security".*sni mismatch' "$LAB_DIR/decisions.log"
expect_nomatch "evil's name never reached web over TLS" 'sni="evil\.lab\.test"' "$(cat "$LAB_WEB_LOG")"
expect_ok "1 MiB through a tunnel" lab_curl a1 -x "http://$PROXY" -o "$LAB_DIR/random.out" https://web.lab.test/random.bin
expect_eq "intact" "$LAB_RANDOM_SHA256" "$(sha256sum <"$LAB_DIR/random.out" | cut -d' ' -f1)"

# -- transparent: no proxy settings -------------------------------------
expect_ok "transparent HTTP" lab_curl a1 http://web.lab.test/t
expect_eq "answer" "web:web.lab.test:GET:/t" "$LAB_OUT"
# The DNS filter would not resolve evil.lab.test: --resolve goes around it,
# as an agent that knows the address would.
expect_status "transparent HTTP: blocked host" 22 lab_curl a1 \
	--resolve "evil.lab.test:80:$LAB_IP_EVIL" http://evil.lab.test/
expect_status "transparent HTTP: blocked path" 22 lab_curl a1 http://web.lab.test/admin
expect_ok "transparent HTTP: Host web sent to evil's address" lab_curl a1 \
	--resolve "web.lab.test:80:$LAB_IP_EVIL" http://web.lab.test/where
expect_eq "goes to web's own address, not the packet's" "web:web.lab.test:GET:/where" "$LAB_OUT"
expect_ok "transparent HTTPS" lab_curl a1 https://web.lab.test/s
expect_eq "answer" "web-tls:web.lab.test:GET:/s" "$LAB_OUT"
expect_status "transparent HTTPS: blocked SNI gets a TLS alert" 35 lab_curl a1 \
	--resolve "evil.lab.test:443:$LAB_IP_EVIL" https://evil.lab.test/
expect_ok "transparent HTTPS: SNI web sent to evil's address" lab_curl a1 \
	--resolve "web.lab.test:443:$LAB_IP_EVIL" https://web.lab.test/where
expect_eq "goes to web" "web-tls:web.lab.test:GET:/where" "$LAB_OUT"
expect_ok "wget, transparent" lab_in a1 wget -q -O - -T 5 --ca-certificate="$LAB_DIR/ca.pem" https://web.lab.test/w
expect_eq "wget answer" "web-tls:web.lab.test:GET:/w" "$LAB_OUT"
expect_ok "wget through the explicit proxy" lab_in a1 env http_proxy="http://$PROXY" \
	wget -q -O - -T 5 http://web.lab.test/wp
expect_eq "wget answer" "web:web.lab.test:GET:/wp" "$LAB_OUT"
expect_fail "wget: blocked" lab_in a1 env http_proxy="http://$PROXY" wget -q -O - -T 5 -t 1 http://evil.lab.test/

# -- private and metadata addresses ------------------------------------
expect_ok "a name resolving to a private address" lab_in a1 curl -s --max-time 5 \
	-x "http://$PROXY" http://private.lab.test/
expect_match "is refused" "allow_private_ips" "$LAB_OUT"
expect_status "metadata stays closed even with allow_private_ips" 22 px http://meta.lab.test/latest
expect_status "and by address" 22 px http://169.254.169.254/latest
expect_nomatch "the metadata server saw nothing" '169\.254\.169\.254' "$(cat "$LAB_WEB_LOG")"

# -- slowloris, caps ---------------------------------------------------
lab_bg a1 slowloris python3 "$PC" slowloris "$PROXY" 4 8
slow_pid=$LAB_LAST_PID
for i in 1 2 3 4 5; do
	expect_ok "a2 is served while a1 trickles heads ($i)" lab_curl a2 -x "http://$PROXY" \
		--max-time 1 http://web.lab.test/fast$i
done
lab_wait 10 "slowloris finished" sh -c "! kill -0 $slow_pid 2>/dev/null"
expect_match "every slow head got 408 within head_ms" "^answered 4 in [2-4]\." "$(cat "$LAB_DIR/slowloris.log")"
expect_match "408" "408 Request Timeout" "$(cat "$LAB_DIR/slowloris.log")"
expect_ok "over the per-container cap" lab_in a1 python3 "$PC" caps "$PROXY" 6
expect_match "503 at once" "^HTTP/1.1 503" "$LAB_OUT"
expect_match "with Retry-After" "^Retry-After: [0-9]+" "$LAB_OUT"
expect_ok "below the cap after they closed" px http://web.lab.test/after

# -- records ----------------------------------------------------------
expect_ok "a record per request, with bytes" python3 - "$LAB_DIR/decisions.log" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
http = [r for r in recs if r.get("layer") == "http" and r.get("path") == "/hello?x=1"]
assert http and http[0]["verdict"] == "allow" and http[0]["agent"] == "a1", http
assert http[0]["bytes_down"] > 0 and http[0]["status"] == 200, http[0]
tls = [r for r in recs if r.get("layer") == "tls" and r.get("host") == "web.lab.test"
       and r.get("verdict") == "allow"]
assert tls and max(r["bytes_down"] for r in tls) >= 1 << 20, tls
PY

lab_done
