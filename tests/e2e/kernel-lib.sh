# shellcheck shell=bash
# Helpers of the t_kernel_*.sh tests: labctl (liboutcall's kernel layer,
# run in the lab's host namespace) and stand-ins for the DNS filter and the
# proxies, which do not exist yet. Source after lib/lab.sh.

LABCTL=${OC_BUILD_ROOT:?run through meson, or set OC_BUILD_ROOT}/tests/e2e/labctl
declare -gA AGENT_IP AGENT_MAC AGENT_VETH

labctl() { lab_host "$LABCTL" "$@"; }

# kernel_attach [--network NET] NAME...: makes agent namespaces and
# attaches them to the network (labctl apply must have run).
kernel_attach() {
	local name out net=()
	if [ "$1" = --network ]; then
		net=(--network "$2")
		shift 2
	fi
	for name in "$@"; do
		lab_agent "$name"
		out=$(labctl attach "${net[@]}" --name "$name" --netns "$(lab_netns "$name")") ||
			lab_fatal "attaching $name: $out"
		read -r "AGENT_IP[$name]" "AGENT_MAC[$name]" "AGENT_VETH[$name]" <<<"$out"
	done
}

# listen NS LOGNAME PORT REPLY [ADDR]: a TCP server in NS that answers every
# connection with the line REPLY (a stand-in for the proxy and services).
listen() {
	local ns=$1 log=$2 port=$3 reply=$4 addr=${5:-0.0.0.0}
	lab_bg "$ns" "$log" socat "TCP-LISTEN:$port,bind=$addr,reuseaddr,fork" \
		"SYSTEM:echo $reply"
	lab_wait 5 "$log listening on $port" lab_in "$ns" sh -c "ss -Hltn | grep -q ':$port '"
}

# tcp NS ADDR PORT: connects, prints what the server sent; fails (within
# 2 s) when nothing answers.
tcp() {
	lab_in "$1" timeout 3 socat -T2 - "TCP:$2:$3,connect-timeout=2" </dev/null
}

# udp_send NS ADDR PORT: sends one datagram.
udp_send() {
	lab_in "$1" sh -c "echo probe | timeout 2 socat - UDP-SENDTO:$2:$3" >/dev/null 2>&1
}

# counter FAMILY NAME: packets counted by a named counter.
counter() {
	labctl_nft list counter "$1" outcall "$2" |
		sed -n 's/^[[:space:]]*packets \([0-9][0-9]*\) bytes.*/\1/p'
}
labctl_nft() { lab_host nft "$@"; }
