#!/bin/bash
# The lab's dockerd (lib/docker.sh) stays inside the lab: it runs in the
# lab's host namespace, its mounts never reach the machine's mount table,
# the machine's namespace gains nothing; and a test SIGKILLed with a
# container running leaves nothing behind (the watchdog runs
# lib/docker-down from the lab's on-remove hooks).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
. "$here/lib/docker.sh"

# A peer run (this script with OC_DOCKER_PEER=hold) holds a lab with a
# running container until it is killed.
if [ "${OC_DOCKER_PEER:-}" = hold ]; then
	lab_init >/dev/null
	lab_docker_up
	lab_docker run -d --name held --network none "$LAB_DOCKER_IMAGE" sleep 600 >/dev/null ||
		lab_fatal "peer: docker run failed"
	echo "$LAB_P $(lab_docker inspect -f '{{.State.Pid}}' held) $LAB_DOCKER_PID" >"$OC_DOCKER_PEER_FILE.tmp"
	mv "$OC_DOCKER_PEER_FILE.tmp" "$OC_DOCKER_PEER_FILE"
	lab_poll 120 false # held until killed (bounded: the main test waits less)
	exit 0
fi

root_state() {
	ip -o link show | awk '{print $2}' | sort
	ip route show
	nft list tables 2>/dev/null
}
before=$(root_state)

lab_init
lab_docker_up
expect_ok "a container with --network none" \
	lab_docker run -d --name c1 --network none "$LAB_DOCKER_IMAGE" sleep 600
cpid=$(lab_docker inspect -f '{{.State.Pid}}' c1)
expect_eq "dockerd runs in the lab's host namespace" \
	"$(stat -L -c %i "$LAB_NETNS_RUN/$LAB_P-host")" "$(stat -L -c %i "/proc/$LAB_DOCKER_PID/ns/net")"
expect_ok "the container has a namespace of its own" test \
	"$(stat -L -c %i "/proc/$cpid/ns/net")" != "$(stat -L -c %i "/proc/$LAB_DOCKER_PID/ns/net")"
expect_ok "dockerd has a mount namespace of its own" test \
	"$(stat -L -c %i /proc/self/ns/mnt)" != "$(stat -L -c %i "/proc/$LAB_DOCKER_PID/ns/mnt")"
expect_eq "nothing of dockerd is in the machine's mount table" 0 \
	"$(grep -c "$LAB_DIR" /proc/self/mounts)"
expect_eq "no overlay of dockerd's either" 0 "$(grep -c "^overlay .*$LAB_P" /proc/self/mounts)"
expect_eq "the machine's links, routes and tables are unchanged" "$before" "$(root_state)"
expect_eq "no docker0 in the lab either" "" "$(lab_host ip -o link show docker0 2>/dev/null)"
expect_ok "containers live under the run's cgroup" grep -q "$LAB_P-docker" "/proc/$cpid/cgroup"

# -- a killed run ------------------------------------------------------------
peer_file=$LAB_DIR/peer
OC_DOCKER_PEER=hold OC_DOCKER_PEER_FILE=$peer_file env -u OC_BUILD_ROOT -u OC_LAB_ARTIFACTS \
	bash "$here/t_docker_lab.sh" >"$LAB_DIR/peer.log" 2>&1 &
peer=$!
stop_peer() { kill -KILL "$peer" 2>/dev/null; }
lab_at_teardown stop_peer
lab_wait 90 "the peer's dockerd and container (see $LAB_DIR/peer.log)" test -s "$peer_file"
read -r pp ppid pdockerd <"$peer_file"
expect_ok "the peer's container runs" lab__alive "$ppid"
{ kill -KILL "$peer" && wait "$peer"; } 2>/dev/null # no "Killed" notice: that is the point
expect_ok "the watchdog removes the killed run's lab" lab_poll 40 test ! -e "$LAB_ROOT/oclab.$pp"
expect_ok "its dockerd is gone" lab_poll 5 lab__dead "$pdockerd"
expect_ok "its container's process is gone" lab_poll 5 lab__dead "$ppid"
expect_eq "its cgroups are gone" "" "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$pp-docker")"
expect_eq "its namespaces are gone" "" "$(lab__namespaces "$pp")"
lab_done
