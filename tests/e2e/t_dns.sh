#!/bin/bash
# The DNS filter in outcalld, seen from an agent: allowed and blocked names
# (with the Extended DNS Error text), private answers, CNAME cuts, queries
# to another resolver answered by the filter, TCP, an unknown peer,
# direct_ip grants made by resolving (port, expiry), and forged answers
# from the wrong address or with the wrong id ignored.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

oc_rule 10-dns.yaml 'version: "1"
rules:
  - id: web
    condition: dns.query == "web.lab.test" || dns.query == "pkg.lab.test" || dns.query == "long-ttl.lab.test"
    action: allow
  - id: names-with-private-answers
    condition: dns.query == "private.lab.test" || dns.query == "loopback.lab.test"
    action: allow
  - id: cgnat-ok
    condition: dns.query == "cgnat.lab.test"
    action: allow
    egress: { allow_private_ips: true }
  - id: badalias
    condition: dns.query == "badalias.lab.test"
    action: allow
  - id: api-direct
    condition: network.hostname == "api.lab.test"
    action: allow
    egress: { mode: direct_ip, ports: [8080] }
  - id: short-direct
    condition: network.hostname == "short-ttl.lab.test"
    action: allow
    egress: { mode: direct_ip, ports: [2222] }'

lab_agent a1
oc_start
oc_attach a1

dig_a1() { lab_in a1 dig +time=5 +tries=1 "$@"; }

# -- allowed, blocked --------------------------------------------------------
expect_ok "allowed name resolves" dig_a1 +short web.lab.test
expect_eq "its address" "$LAB_IP_WEB" "$LAB_OUT"
expect_ok "blocked name" dig_a1 evil.lab.test
expect_match "is NXDOMAIN" "status: NXDOMAIN" "$LAB_OUT"
expect_match "with an SOA" "IN[[:space:]]+SOA[[:space:]]+outcall.invalid." "$LAB_OUT"
expect_match "and EDE 15 naming the default and the way to ask" \
	'EDE: 15 \(Blocked\): \(outcall blocked evil.lab.test: default \(no rule allows it\); ask for access: outcall-shim request --host evil.lab.test' \
	"$LAB_OUT"
expect_nomatch "a blocked name never reaches the upstream" "query.* evil.lab.test" "$(cat "$LAB_DNS_LOG")"

expect_ok "a day-long TTL" dig_a1 +noall +answer long-ttl.lab.test
expect_match "is capped at an hour" "long-ttl.lab.test.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A" "$LAB_OUT"

# -- private answers ---------------------------------------------------------
expect_ok "10.x answer" dig_a1 private.lab.test
expect_match "is SERVFAIL" "status: SERVFAIL" "$LAB_OUT"
expect_ok "127.0.0.1 answer" dig_a1 loopback.lab.test
expect_match "is SERVFAIL" "status: SERVFAIL" "$LAB_OUT"
expect_ok "a private answer the rule allows" dig_a1 +short cgnat.lab.test
expect_eq "is given" "100.64.1.1" "$LAB_OUT"

# -- CNAME chains: cut at the first name the agent may not resolve -----------
expect_ok "CNAME to a blocked name" dig_a1 badalias.lab.test
expect_match "is NOERROR" "status: NOERROR" "$LAB_OUT"
expect_match "without the link to the blocked name" "ANSWER: 0," "$LAB_OUT"
expect_nomatch "nor its address" "$LAB_IP_EVIL" "$LAB_OUT"
expect_match "and says why" "EDE: 15 \(Blocked\): \(outcall blocked evil.lab.test" "$LAB_OUT"

# -- another resolver: the kernel redirects the query to the filter ----------
expect_ok "blocked name asked of wan's resolver" dig_a1 "@$LAB_IP_DNS" evil.lab.test
expect_match "is answered by the filter" "outcall blocked evil.lab.test" "$LAB_OUT"
expect_ok "allowed name asked of wan's resolver" dig_a1 +short "@$LAB_IP_DNS" web.lab.test
expect_eq "resolves" "$LAB_IP_WEB" "$LAB_OUT"
expect_nomatch "the agent's queries never reached wan themselves" "query.* evil.lab.test" "$(cat "$LAB_DNS_LOG")"

# -- Encrypted ClientHello: its configurations never reach an agent (issue 11)
# wan's web.lab.test has an HTTPS record with alpn and ech; the proxy judges
# the outer SNI only, so the filter strips ech and keeps the rest.
expect_ok "wan's own answer has an ech parameter" \
	lab_host dig +time=5 +tries=1 +short "@$LAB_IP_DNS" web.lab.test HTTPS
expect_match "(the record the vector needs)" 'alpn="h2" ech=' "$LAB_OUT"
expect_ok "an agent asks for web.lab.test's HTTPS record" dig_a1 +short web.lab.test HTTPS
expect_match "it gets the record" '^1 \. alpn="h2"' "$LAB_OUT"
expect_nomatch "without ech" "ech" "$LAB_OUT"
expect_ok "over TCP too" dig_a1 +tcp +short web.lab.test HTTPS
expect_nomatch "without ech" "ech" "$LAB_OUT"

# -- TCP -------------------------------------------------------------------
expect_ok "TCP: allowed" dig_a1 +tcp +short web.lab.test
expect_eq "TCP answer" "$LAB_IP_WEB" "$LAB_OUT"
expect_ok "TCP: blocked" dig_a1 +tcp evil.lab.test
expect_match "TCP: NXDOMAIN" "status: NXDOMAIN" "$LAB_OUT"

# -- an unknown peer: the host itself, from the gateway address ---------------
expect_ok "a peer that is no container" lab_host dig +time=3 +tries=1 @10.200.0.1 web.lab.test
expect_match "is REFUSED" "status: REFUSED" "$LAB_OUT"

# -- direct_ip ---------------------------------------------------------------
expect_fail "before resolving, no direct connection" lab_curl a1 --max-time 2 "http://$LAB_IP_WEB:8080/"
expect_ok "resolve a direct_ip name" dig_a1 +short api.lab.test
expect_eq "its address" "$LAB_IP_WEB" "$LAB_OUT"
expect_ok "the grant is listed" oc_cli grants
expect_match "for the rule and port" "api-direct.*8080" "$LAB_OUT"
expect_ok "then a direct connection on the rule's port" lab_curl a1 --max-time 3 "http://$LAB_IP_WEB:8080/d"
expect_eq "reaches the server" "web-8080:$LAB_IP_WEB:8080:GET:/d" "$LAB_OUT"
expect_fail "but not on another port" lab_curl a1 --max-time 2 "http://$LAB_IP_WEB:2222/"

resolved=${EPOCHREALTIME/./}
expect_ok "resolve a name with TTL 2" dig_a1 +short short-ttl.lab.test
expect_ok "its grant opens port 2222" lab_curl a1 --max-time 2 "http://$LAB_IP_WEB:2222/s"
expect_eq "reaches the server" "web-2222:$LAB_IP_WEB:2222:GET:/s" "$LAB_OUT"
port_2222_closed() { ! lab_in a1 curl -s --max-time 1 -o /dev/null "http://$LAB_IP_WEB:2222/"; }
expect_ok "once the TTL has run out, port 2222 is closed again" lab_poll 8 port_2222_closed
closed_ms=$(( (${EPOCHREALTIME/./} - resolved) / 1000 ))
expect_ok "and not before (closed after $closed_ms ms)" test "$closed_ms" -ge 1500

# -- forged answers ----------------------------------------------------------
# The wan resolver's real answers are dropped for a moment; only forged
# ones (socket mark 0x42) leave wan: one from another address, one from
# the resolver with another id. The filter must take neither.
lab_bg wan forger python3 "$here/lib/dnsforge.py" up0 "$LAB_IP_DNS" pkg.lab.test 6.6.6.6 \
	"$LAB_IP_EVIL" 0x42 "$LAB_DIR/forger.out"
lab_wait 5 "the forger runs" grep -q ready "$LAB_DIR/forger.out"
lab_wan nft -f - <<EOF || lab_fatal "cannot add the drop rule in wan"
table inet dnsdrop {
	chain out {
		type filter hook output priority 0; policy accept;
		ip saddr $LAB_IP_DNS udp sport 53 meta mark != 0x42 drop
	}
}
EOF
expect_ok "with only forged answers" dig_a1 pkg.lab.test
expect_match "the filter answers SERVFAIL" "status: SERVFAIL" "$LAB_OUT"
expect_nomatch "and never the forged address" "6\.6\.6\.6" "$LAB_OUT"
expect_match "the forger did send its answers" "forged pkg.lab.test" "$(cat "$LAB_DIR/forger.out")"
lab_wan nft delete table inet dnsdrop
expect_ok "with the real answers back" dig_a1 +short pkg.lab.test
expect_eq "the real address wins" "$LAB_IP_WEB" "$LAB_OUT"
lab_stop forger

# -- the decision log: one record per query ----------------------------------
lab_wait 3 "decisions logged" grep -q '"host":"pkg.lab.test"' "$LAB_DIR/decisions.log"
expect_ok "records name agent, verdict, rule and rcode" python3 - "$LAB_DIR/decisions.log" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
dns = [r for r in recs if r.get("layer") == "dns"]
blocked = [r for r in dns if r.get("host") == "evil.lab.test" and r.get("agent") == "a1"]
assert blocked and all(r["verdict"] == "block" and r["rule"] == "default" for r in blocked), blocked
web = [r for r in dns if r.get("host") == "web.lab.test" and r.get("agent") == "a1"]
assert web and all(r["verdict"] == "allow" and r["rule"] == "web" for r in web), web
PY
lab_done
