#!/bin/bash
# The soak: outcalld in the e2e lab for SOAK_SECONDS (else $1, else 1800) under
# mixed traffic from SOAK_AGENTS agents (load.py: DNS allowed, blocked and
# missed; plain HTTP new and kept alive; CONNECT; direct_ip; agent-socket
# checks and requests), with the rules reloaded every 5 s (a rule that
# changes each time, direct_ip set included), a container attached and
# detached every 8 s, and the operator rejecting the agents' requests.
# Every SOAK_SAMPLE seconds (else $2, else 60) it records outcalld's RSS and open
# descriptors, the elements of Outcall's nftables sets and the host's
# conntrack entries into $SOAK_OUT (CSV). It fails on any wrong verdict,
# and when a figure grows after the warm-up (the first SOAK_WARMUP seconds,
# else $3, else a sixth of the run) by more than its bound:
#   RSS 8 MiB, descriptors 16, set elements 64, conntrack entries 512
# (bounds above the noise of the traffic itself: grants and flows live for
# seconds, closed flows 5 s in the lab host's conntrack table, the DNS cache
# fills with the missed names up to its TTL).
set -u
here=$(cd "$(dirname "$0")" && pwd)
e2e=$here/../e2e
. "$e2e/lib/lab.sh"
SECONDS_TOTAL=${SOAK_SECONDS:-${1:-1800}}
SAMPLE=${SOAK_SAMPLE:-${2:-60}}
WARMUP=${SOAK_WARMUP:-${3:-$((SECONDS_TOTAL / 6))}}
NAGENTS=${SOAK_AGENTS:-3}
OUT=${SOAK_OUT:-${OC_BUILD_ROOT:+$OC_BUILD_ROOT/meson-logs/}soak.csv}
lab_init
. "$e2e/lib/outcall.sh"
# Closed flows leave the host's conntrack table within seconds instead of
# minutes (TIME_WAIT is 2 minutes), so the count settles within the
# warm-up; established flows, which a leak would be, keep their timeout.
for t in tcp_timeout_time_wait tcp_timeout_fin_wait tcp_timeout_close tcp_timeout_close_wait \
	tcp_timeout_last_ack udp_timeout udp_timeout_stream; do
	lab_host sysctl -qw "net.netfilter.nf_conntrack_$t=5" || lab_fatal "cannot set nf_conntrack_$t in the lab's host"
done

oc_rule 10-soak.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow
  - id: misses
    condition: network.hostname.endsWith(".miss.lab.test")
    action: allow
  - id: short-direct
    condition: network.hostname == "short-ttl.lab.test"
    action: allow
    egress: { mode: direct_ip, ports: [2222] }'
churn_rules() {
	oc_rule 50-churn.yaml "version: \"1\"
rules:
  - id: churn-$1
    condition: network.hostname == \"churn-$1.lab.test\"
    action: allow
  - id: churn-direct-$1
    condition: network.hostname == \"churn-direct-$1.lab.test\"
    action: allow
    egress: { mode: direct_ip, ports: [443] }"
}
churn_rules 0

agents=()
for i in $(seq 1 "$NAGENTS"); do
	lab_agent "s$i"
	agents+=("s$i")
done
lab_agent churn
oc_start --agent-request-rate 1 --agent-request-burst 5
for a in "${agents[@]}"; do
	oc_attach "$a"
done
chmod o+x "$LAB_DIR" "$LAB_DIR/run"

deadline=$(($(date +%s) + SECONDS_TOTAL))
for a in "${agents[@]}"; do
	lab_bg "$a" "load-$a" python3 "$here/load.py" "$a" "$LAB_DIR/run/agents/$a/agent.sock" \
		"$LAB_CA" "$deadline" 0.2
done

# reloads, attach/detach, the operator; each bounded by the deadline
churn() {
	local n=0 next_reload=0 next_attach=0 attached=0 now
	while now=$(date +%s) && [ "$now" -lt "$deadline" ]; do
		if [ "$now" -ge "$next_reload" ]; then
			n=$((n + 1))
			churn_rules "$n"
			next_reload=$((now + 5))
			for id in $(oc_cli --json requests list --status pending 2>/dev/null |
				python3 -c 'import json,sys; [print(r["id"]) for r in json.load(sys.stdin)["requests"]]' 2>/dev/null); do
				oc_cli requests reject "$id" --reason "soak: rejected" >/dev/null ||
					echo "WRONG reject: $id"
			done
		fi
		if [ "$now" -ge "$next_attach" ]; then
			if [ "$attached" = 0 ]; then
				oc_cli attach --netns "$(lab_netns churn)" --name churn >/dev/null &&
					lab_in churn dig +time=5 +tries=1 +short web.lab.test | grep -qx "$LAB_IP_WEB" ||
					echo "WRONG attach: churn cannot resolve after attaching"
				attached=1
			else
				oc_cli detach churn >/dev/null || echo "WRONG detach: churn"
				attached=0
			fi
			next_attach=$((now + 8))
		fi
		sleep 0.5
	done
}
churn >"$LAB_DIR/churn.log" 2>&1 &
churn_pid=$!
stop_churn() { kill "$churn_pid" 2>/dev/null; wait "$churn_pid" 2>/dev/null; }
lab_at_teardown stop_churn

set_elements() {
	lab_host nft -j list ruleset 2>/dev/null | python3 -c '
import json, sys
n = 0
for o in json.load(sys.stdin)["nftables"]:
    s = o.get("set")
    if s and s["table"] == "outcall":
        n += len(s.get("elem", []))
print(n)'
}
sample() {
	local rss fds
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$OC_PID/status")
	fds=$(ls "/proc/$OC_PID/fd" | wc -l)
	echo "$(($(date +%s) - start)),$rss,$fds,$(set_elements),$(lab_host cat /proc/sys/net/netfilter/nf_conntrack_count)"
}
start=$(date +%s)
echo "seconds,rss_kib,fds,set_elements,conntrack" >"$OUT"
while [ "$(date +%s)" -lt "$deadline" ]; do
	kill -0 "$OC_PID" 2>/dev/null || lab_fatal "outcalld died during the soak (see $LAB_DIR/outcalld.log)"
	sample >>"$OUT"
	sleep "$SAMPLE"
done
sample >>"$OUT"
for a in "${agents[@]}"; do
	lab_poll 30 lab__dead "${LAB_BG_PID[load-$a]}"
done
lab_poll 30 lab__dead "$churn_pid"

echo "samples ($OUT):"
column -t -s, "$OUT"
for a in "${agents[@]}"; do
	expect_match "agent $a made requests" '^counts .*connect=[1-9].*dns-allow=[1-9].*http-new=[1-9]' "$(cat "$LAB_DIR/load-$a.log")"
	expect_nomatch "agent $a: every request got the right verdict" '^WRONG|Traceback' "$(cat "$LAB_DIR/load-$a.log")"
	grep -m5 '^WRONG' "$LAB_DIR/load-$a.log"
	echo "agent $a: $(grep -m1 '^counts' "$LAB_DIR/load-$a.log")"
done
expect_nomatch "reloads, attach, detach, rejects all worked" '^WRONG' "$(cat "$LAB_DIR/churn.log")"
expect_ok "outcalld is still serving" oc_api GET /v1/ready
expect_ok "no figure grows after the warm-up" python3 - "$OUT" "$WARMUP" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
warm = int(sys.argv[2])
after = [r for r in rows if int(r["seconds"]) >= warm]
assert len(after) >= 2, "too few samples after the warm-up: %d" % len(after)
bounds = {"rss_kib": 8192, "fds": 16, "set_elements": 64, "conntrack": 512}
bad = []
for k, bound in bounds.items():
    base = int(after[0][k])
    top = max(int(r[k]) for r in after)
    print("%s: %d after warm-up, at most %d later, last %d (bound +%d)" %
          (k, base, top, int(after[-1][k]), bound))
    if int(after[-1][k]) - base > bound or top - base > 2 * bound:
        bad.append(k)
assert not bad, "grew: " + ", ".join(bad)
PY
echo "$LAB_OUT"
lab_done
