#!/bin/bash
# bench/reload: how long a reload of 10,000 rules takes while 10,000
# direct_ip grants are live in the kernel, and how many DNS decisions are
# lost while it runs (must be none). In the e2e lab (network namespaces
# only); as root, after a build in ./build (or $OC_BUILD).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
export OC_BUILD_ROOT=${OC_BUILD:-$src/build} OC_SOURCE_ROOT=$src
rounds=${ROUNDS:-5}
. "$src/tests/e2e/lib/lab.sh"
lab_init
. "$src/tests/e2e/lib/outcall.sh"

# 10,000 host rules, one direct_ip rule with 64 ports, one rule for the load.
python3 - "$OC_RULES/10-many.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('version: "1"\nrules:\n')
    for i in range(10000):
        f.write(f'- {{id: h{i}, condition: \'http.host == "h{i}.example"\', action: allow}}\n')
    ports = ", ".join(str(p) for p in range(20000, 20064))
    f.write(f'- {{id: dip, condition: \'network.hostname.endsWith(".dip.lab.test")\', action: allow, '
            f'egress: {{mode: direct_ip, ports: [{ports}]}}}}\n')
    f.write('- {id: load, condition: \'network.hostname == "web.lab.test"\', action: allow}\n')
PY
# Three names of 60 addresses: 3 x 60 x 64 = 11,520 grants.
for n in 1 2 3; do
	addrs=()
	for i in $(seq 1 60); do addrs+=("198.18.$((10 + n)).$i"); done
	lab_dns_set "g$n.dip.lab.test" "${addrs[@]}"
done
oc_start --grant-cap 20000 --dns-max-ttl 3600
lab_agent b1
oc_attach b1
for n in 1 2 3; do
	lab_in b1 dig +time=5 +tries=1 +short "g$n.dip.lab.test" >/dev/null
done
grants=$(oc_cli --json grants | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["grants"]))')
rules=$(oc_cli --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["rules"]["count"])')
echo "rules: $rules, live direct_ip grants: $grants"

# DNS load from the agent during the reloads.
rm -f "$LAB_DIR/stop"
lab_bg b1 load python3 "$here/loadgen.py" 10.200.0.1 web.lab.test "${RATE:-2000}" "$LAB_DIR/stop"
lab_poll 2 false
times=()
for r in $(seq 1 "$rounds"); do
	t0=$(date +%s%N)
	oc_cli rules reload >/dev/null || lab_fatal "reload failed"
	t1=$(date +%s%N)
	times+=("$(( (t1 - t0) / 1000000 ))")
done
touch "$LAB_DIR/stop"
lab_wait 10 "load generator done" grep -q '^sent' "$LAB_DIR/load.log"
after=$(oc_cli --json grants | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["grants"]))')
echo "reload wall time (ms, API call to new set live, each round): ${times[*]}"
echo "grants before: $grants, after $rounds reloads: $after"
echo "DNS during the reloads: $(cat "$LAB_DIR/load.log")"
lab_done
