#!/bin/bash
# Runs once under systemd as PID 1, in a container booted by
# scripts/fresh-check.sh package with a private network: outcalld as the
# installed unit starts it, with exactly the unit's hardening, and must
# work there: ready, tables in the kernel, an attached agent whose blocked
# name gets NXDOMAIN from the filter, and `systemctl reload` that fails on
# bad rules and keeps the good ones. Prints "service: N passed, N failed".
set -u
CHECK_NAME=service
. "$(dirname "$0")/lib.sh"
# wait_for SECONDS COMMAND...: bounded.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}
generation() { outcall --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'; }
logs() { journalctl -u outcalld --no-pager -n 30 | sed 's/^/    /'; }

rules=/etc/outcall/rules.d
cat >"$rules/10-check.yaml" <<'EOF'
version: "1"
rules:
  - id: allow-web
    condition: network.hostname == "web.example"
    action: allow
EOF
# No Docker on this host: say so instead of retrying a missing socket.
echo 'docker-socket: ""' >>/etc/outcall/outcalld.conf
echo 'dns-upstream: 127.0.0.53' >>/etc/outcall/outcalld.conf

check "the operator group exists (sysusers.d)" getent group outcall
check "systemctl start outcalld" systemctl start outcalld
check "the unit is active (Type=notify: it said READY=1)" systemctl is-active outcalld
check "outcall status answers" outcall status
check "the tables are in the kernel" nft list table inet outcall
check "the unit's hardening scores 4.0 or better" sh -c '
	systemd-analyze security outcalld --no-pager | tail -n 1 | tee /root/exposure |
	awk "{ for (i = 1; i <= NF; i++) if (\$i ~ /^[0-9.]+$/) s = \$i } END { exit !(s != \"\" && s <= 4.0) }"'

ip netns add agent1
check "outcall attach of a network namespace" \
	outcall attach --netns /run/netns/agent1 --name agent1
check "a blocked name gets NXDOMAIN from the filter, with the EDE" sh -c '
	ip netns exec agent1 dig +time=2 +tries=1 @10.200.0.1 evil.example >/tmp/dig.out;
	cat /tmp/dig.out; grep -q NXDOMAIN /tmp/dig.out && grep -q "EDE: 15" /tmp/dig.out'

check "systemctl reload with good rules" systemctl reload outcalld
gen_before=$(generation)
printf 'version: "1"\nrules:\n  - id: broken\n    condition: network.nosuchfield == 1\n    action: allow\n' >"$rules/20-bad.yaml"
check "systemctl reload fails on a bad rule file" sh -c '! systemctl reload outcalld'
check "the daemon is still active after the failed reload" systemctl is-active outcalld
check "the live rules did not change" test "$(generation)" = "$gen_before"
check "outcalld keeps running with the old rules" sh -c 'outcall rules list | grep -q allow-web'
check "a restart with a bad rule file stops at ExecStartPre" sh -c '
	! systemctl restart outcalld && journalctl -u outcalld --no-pager | grep -q "20-bad.yaml"'
rm -f "$rules/20-bad.yaml"
check "it starts again once the file is fixed" systemctl restart outcalld
check "and is active" wait_for 10 systemctl is-active outcalld
check "the tables stayed in place across the restarts" nft list table inet outcall
echo "the unit's $(cat /root/exposure 2>/dev/null)"
[ "$fail" -eq 0 ] || logs
summary
