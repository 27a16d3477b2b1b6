#!/bin/bash
# Flows must not outlive their permission (issue 11 item 8): `ct state
# established` would keep a flow open after its direct_ip rule changed,
# its grant's TTL ran out, a block rule was added above its rule, or its
# container left (and another got its address). Each flow is a TCP client
# that keeps one connection to wan's echo server.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/l2.sh"

direct_rules() {
	oc_rule 10-direct.yaml "version: \"1\"
rules:
  - id: api-direct
    condition: network.hostname == \"api.lab.test\"
    action: allow
    egress: { mode: direct_ip, ports: [$1] }
  - id: short-direct
    condition: network.hostname == \"short-ttl.lab.test\"
    action: allow
    egress: { mode: direct_ip, ports: [7071] }"
}
direct_rules 7070
l2_start

conntrack_of() { lab_host grep -c "src=$1 .*dport=$2 " /proc/net/nf_conntrack; }
no_flow() { [ "$(conntrack_of "$1" "$2")" = 0 ]; }

lab_bg wan echo7070 socat TCP-LISTEN:7070,fork,reuseaddr EXEC:cat
lab_bg wan echo7071 socat TCP-LISTEN:7071,fork,reuseaddr EXEC:cat
lab_wait 5 "the echo servers" lab_wan sh -c "ss -Hltn | grep -q ':7071 '"
# flow_start NS NAME PORT HOSTNAME: the client first, then the name is
# resolved until the client is through (a grant may live 2 s only).
flow_resolved() {
	lab_in "$1" dig +time=2 +tries=1 +short "$3" >/dev/null
	grep -q '^ok ' "$LAB_DIR/$2.out"
}
flow_start() {
	local ns=$1 name=$2 port=$3 host=$4
	lab_bg "$ns" "$name" "$PY" "$here/lib/rawframe.py" flow "$LAB_IP_WEB" "$port" \
		"$LAB_DIR/$name.out"
	expect_ok "$ns resolves $host and its flow carries data" lab_poll 15 flow_resolved \
		"$ns" "$name" "$host"
}
# flow_dead_since NAME MARK: a round after line MARK of its log failed.
flow_mark() { wc -l <"$LAB_DIR/$1.out"; }
flow_dead_since() { tail -n "+$(($2 + 1))" "$LAB_DIR/$1.out" | grep -q '^fail '; }

# A rule change drops the grant a flow was opened under.
flow_start a1 flow-rule 7070 api.lab.test
mark=$(flow_mark flow-rule)
direct_rules 7072
expect_ok "the rule changes its port" oc_cli rules reload
expect_ok "the flow opened under the old rule stops" lab_poll 5 flow_dead_since flow-rule "$mark"
expect_ok "and its conntrack entry is gone" lab_poll 5 no_flow "$A1IP" 7070
direct_rules 7070
expect_ok "the rule is back" oc_cli rules reload

# The grant's TTL runs out.
flow_start a1 flow-ttl 7071 short-ttl.lab.test   # TTL 2
mark=$(flow_mark flow-ttl)
expect_ok "once the grant's TTL ran out, its flow stops" lab_poll 10 flow_dead_since flow-ttl "$mark"
expect_ok "and its conntrack entry is gone" lab_poll 5 no_flow "$A1IP" 7071

# 6. A block rule added above a live grant's rule cuts it at once.
flow_start a1 flow-block 7070 api.lab.test
mark=$(flow_mark flow-block)
oc_rule 05-block.yaml 'version: "1"
rules:
  - id: no-api
    condition: network.hostname == "api.lab.test"
    action: block'
expect_ok "a block rule is added above the grant's rule" oc_cli rules reload
expect_ok "the grant is gone" oc_cli grants
expect_nomatch "from the list" "api-direct +$A1IP" "$LAB_OUT"
expect_ok "its flow stops" lab_poll 5 flow_dead_since flow-block "$mark"
expect_ok "and its conntrack entry is gone" lab_poll 5 no_flow "$A1IP" 7070
rm -f "$OC_RULES/05-block.yaml"
expect_ok "the block rule is removed" oc_cli rules reload

# The container leaves; another gets its address and MAC.
flow_start a2 flow-a2 7070 api.lab.test
expect_ok "detach a2" oc_cli detach a2
expect_ok "a2's flows are gone with it" lab_poll 5 no_flow "$A2IP" 7070
lab_agent a3
oc_attach a3
expect_eq "a3 got a2's address" 1 "$(oc_cli containers | grep -c "a3.*$A2IP")"
expect_ok "and inherits none of its flows" no_flow "$A2IP" 7070
lab_stop flow-a2
lab_done
