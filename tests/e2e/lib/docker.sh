# shellcheck shell=bash
# Docker in the lab: a dockerd of the run's own, started in the lab's host
# namespace (where outcalld runs), never in the machine's, with its data
# root, exec root, socket and configuration under $LAB_DIR/docker, and a
# busybox image imported from Debian's busybox-static (no registry is
# reachable). Source after lab.sh:  . "$(dirname "$0")/lib/docker.sh"
#
# Isolation, and why each piece is there:
# - `nsenter --net` puts dockerd (and the containerd and shims it starts)
#   into the lab's host namespace. `ip netns exec` would not do: it
#   remounts /sys, and dockerd then fails with "Devices cgroup isn't
#   mounted".
# - `unshare --mount --propagation private` gives dockerd a mount
#   namespace of its own: the overlays and namespace bind mounts it makes
#   never appear in the machine's mount table, and they vanish with it.
# - --iptables=false --ip6tables=false --bridge=none: no firewall rules and
#   no docker0, even inside the lab; --config-file (which also moves the
#   daemon's key.json) keeps /etc/docker out of it.
# - --cgroup-parent puts every container under a cgroup named after the
#   run, so teardown (lib/docker-down) finds and kills container processes
#   that outlived a killed dockerd.
# dockerd lives in the host namespace, so the lab's teardown would stop it
# anyway; docker-down first removes the containers and stops dockerd
# gracefully, and runs again from the scratch directory's on-remove/ when
# the watchdog or lab-clean remove the lab of a killed test.

LAB_DOCKER_IMAGE=oclab/busybox:1

# lab_docker_up: starts the lab's dockerd and imports the busybox image.
# Sets LAB_DOCKER_SOCK (the socket) and LAB_DOCKER_DIR. Skips the test
# (77) only when the kernel lacks what dockerd needs.
lab_docker_up() {
	local d=$LAB_DIR/docker
	[ -n "$LAB_P" ] || lab_fatal "lab_docker_up: call lab_init first"
	lab__docker_kernel_ok
	lab__need_tools dockerd containerd runc docker nsenter unshare busybox tar
	LAB_DOCKER_DIR=$d
	LAB_DOCKER_SOCK=$d/docker.sock
	mkdir -p "$d/data" "$d/exec" "$LAB_DIR/on-remove" || lab_fatal "cannot make $d"
	# key.json would otherwise be written to /etc/docker
	printf '{"deprecated-key-path": "%s/key.json"}\n' "$d" >"$d/daemon.json"
	ln -sf "$LAB_LIB/docker-down" "$LAB_DIR/on-remove/docker"
	lab_at_teardown lab_docker_down
	lab__docker_start
	lab__docker_import
}

# lab_docker_kill: SIGKILLs dockerd and the containerd it started (their
# containers run on under their shims) and starts dockerd again, as an
# engine crash and restart would. A containerd left running would keep
# the new one from starting.
lab_docker_kill() {
	local cpid=""
	[ -r "$LAB_DOCKER_DIR/exec/containerd/containerd.pid" ] &&
		read -r cpid <"$LAB_DOCKER_DIR/exec/containerd/containerd.pid"
	kill -KILL "$LAB_DOCKER_PID" ${cpid:+"$cpid"}
	wait "$LAB_DOCKER_PID" 2>/dev/null
	[ -z "$cpid" ] || lab_poll 5 lab__dead "$cpid" || lab_fatal "containerd $cpid survived SIGKILL"
	# dead, but maybe not yet reaped: a new dockerd would take the zombie
	# for a live containerd and wait for it
	rm -f "$LAB_DOCKER_DIR/exec/containerd/containerd.pid"
	lab__docker_start
}

lab__docker_start() {
	local d=$LAB_DOCKER_DIR ns=$LAB_NETNS_RUN/$LAB_P-host
	nsenter --net="$ns" unshare --mount --propagation private -- \
		dockerd --data-root "$d/data" --exec-root "$d/exec" \
		-H "unix://$LAB_DOCKER_SOCK" --pidfile "$d/dockerd.pid" \
		--config-file "$d/daemon.json" \
		--iptables=false --ip6tables=false --bridge=none --ip-forward=false \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$LAB_P-docker" \
		</dev/null >>"$LAB_DIR/dockerd.log" 2>&1 &
	LAB_DOCKER_PID=$!
	echo "$LAB_DOCKER_PID" >"$d/launcher.pid"
	lab_poll 60 lab__docker_ready_or_dead
	lab__alive "$LAB_DOCKER_PID" ||
		lab_fatal "dockerd exited at start: $(tail -n 3 "$LAB_DIR/dockerd.log")"
	lab_docker version --format '{{.Server.Version}}' >/dev/null ||
		lab_fatal "dockerd did not answer within 60 s (see $LAB_DIR/dockerd.log)"
}

lab__docker_ready_or_dead() {
	! lab__alive "$LAB_DOCKER_PID" || lab_docker version --format '{{.Server.Version}}'
}

# lab_docker ARGS...: the docker CLI against the lab's dockerd, bounded.
lab_docker() {
	DOCKER_CONFIG=$LAB_DIR/docker/cli timeout 60 docker -H "unix://$LAB_DOCKER_SOCK" "$@"
}

# lab_docker_down: removes every container and stops dockerd (bounded);
# idempotent, run at teardown.
lab_docker_down() {
	[ -n "${LAB_DOCKER_DIR:-}" ] || return 0
	"$LAB_LIB/docker-down" "$LAB_DIR"
	wait "${LAB_DOCKER_PID:-}" 2>/dev/null
	LAB_DOCKER_DIR=""
}

# dockerd needs cgroups (v1 with a devices hierarchy, or v2), network
# namespaces and overlay or another storage driver (vfs always works).
lab__docker_kernel_ok() {
	[ -e /proc/self/ns/net ] || lab_skip "the kernel has no network namespaces, which dockerd needs"
	[ -d /sys/fs/cgroup/devices ] || [ -e /sys/fs/cgroup/cgroup.controllers ] ||
		lab_skip "no devices cgroup (v1) or cgroup2 is mounted under /sys/fs/cgroup; dockerd cannot run"
	grep -qw cgroup /proc/filesystems ||
		lab_skip "the kernel has no cgroup filesystem; dockerd cannot run"
}

# The image: a root filesystem with /bin/busybox (static) and a link per
# applet, imported once per run.
lab__docker_import() {
	local r=$LAB_DIR/docker/rootfs bb a
	bb=$(command -v busybox)
	! ldd "$bb" >/dev/null 2>&1 ||
		lab_fatal "$bb is not static; install busybox-static (scripts/deps.sh test)"
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/run" "$r/usr/local/bin" || lab_fatal "cannot make $r"
	chmod 1777 "$r/tmp"
	cp "$bb" "$r/bin/busybox" || lab_fatal "cannot copy $bb"
	for a in $("$bb" --list); do
		[ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' \
		>"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	tar -C "$r" -c . | lab_docker import --change 'CMD ["/bin/sh"]' - "$LAB_DOCKER_IMAGE" \
		>/dev/null || lab_fatal "docker import of the busybox root filesystem failed"
}
