#!/bin/bash
# Docker with outcalld (PRODUCT §9) against a real dockerd in the lab:
# `outcall run` makes a hardened busybox container that resolves and
# fetches through Outcall and nowhere else; it survives an outcalld
# restart; killed from Docker it loses its identity and grants; forbidden
# mounts never reach Docker; a --network none container made by Docker
# itself is attached with `outcall attach`; networks come and go with
# their Docker twins.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"
. "$here/lib/docker.sh"
lab_docker_up
IMG=$LAB_DOCKER_IMAGE

oc_rule 10-lab.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow
  - id: pkg-direct
    description: pkg.lab.test:8080 straight, no proxy
    condition: network.hostname == "pkg.lab.test"
    action: allow
    egress:
      mode: direct_ip
      ports: [8080]'

# The shim is mounted when the build has one.
# OC_SHIM: a shim from another build (sanitizer builds make none).
SHIM=${OC_SHIM:-$OC_BUILD_ROOT/shim/outcall-shim}
[ -x "$SHIM" ] || SHIM=""
# DNS rate limit: a bucket of 30 that refills in minutes, so a test can
# empty it and see it come back only through a detach.
# Binds may come from the lab's directory (the protected paths in it stay
# refused); the operator group is an existing group of the machine.
OPGROUP=staff
OPGID=$(getent group "$OPGROUP" | cut -d: -f3)
[ -n "$OPGID" ] || lab_fatal "no group $OPGROUP on this machine"
oc_docker_start() {
	oc_start --docker-socket "$LAB_DOCKER_SOCK" --docker-shim "$SHIM" --docker-image "$IMG" \
		--dns-rate 0.01 --dns-burst 30 --run-bind-dirs "$LAB_DIR" --operator-group "$OPGROUP"
}
oc_docker_start

# in_c NAME CMD...: a command inside a container, bounded (10 s, or
# IN_C_TIMEOUT: a dropped connection ends with timeout's 124).
in_c() {
	local c=$1
	shift
	lab_docker exec "$c" timeout "${IN_C_TIMEOUT:-10}" "$@"
}
# fetch NAME URL: busybox wget through the proxy in the environment;
# direct NAME URL: without it (-Y off), meeting the transparent proxy or
# a grant. (busybox's own -T crashes the static build: in_c bounds it.)
fetch() { in_c "$1" wget -q -O - "$2"; }
direct() { in_c "$1" wget -Y off -q -O - "$2"; }
dropped() { IN_C_TIMEOUT=3 direct "$@"; }
# busybox's timeout ends a command it stopped with 143 (TERM)
DROPPED=143
# c_curl NAME ARGS...: the host's curl in the container's network
# namespace (busybox's TLS cannot talk to the lab's servers): the same
# interface, address and enforcement as the container's own programs. It
# never resolves a name itself (--proxy or --resolve), so it sends nothing
# to the machine's resolver.
c_curl() {
	local pid
	pid=$(lab_docker inspect -f '{{.State.Pid}}' "$1") || return 1
	shift
	nsenter --net="/proc/$pid/ns/net" curl -sS --fail --max-time 5 --cacert "$LAB_CA" "$@"
}

# has_container NAME / has_grant IP: what the daemon lists now.
has_container() { oc_cli --json containers | grep -q "\"name\":\"$1\""; }
no_container() { ! has_container "$1"; }
has_grant() { oc_cli --json grants | grep -q "\"container_ip\":\"$1\""; }
no_grant() { ! has_grant "$1"; }
# ip_of NAME: the address Outcall gave a container
ip_of() {
	oc_cli --json containers | python3 -c 'import json, sys
print([c["ip"] for c in json.load(sys.stdin)["containers"] if c["name"] == sys.argv[1]][0])' "$1"
}

# -- networks have Docker twins ------------------------------------------
# The twin is made by the re-sync after outcalld is ready (readiness never
# waits for Docker), so it may come a moment later; a slower dockerd (one
# with iptables on) showed that moment.
lab_wait 30 "the default network's Docker twin" lab_docker network inspect outcall-default
expect_ok "the default network has a Docker network" \
	lab_docker network inspect -f '{{index .Options "com.docker.network.bridge.name"}} {{index .Labels "io.outcall.managed"}}' outcall-default
expect_eq "on bridge outcall0, labelled as Outcall's" "outcall0 true" "$LAB_OUT"
expect_ok "its Docker options" lab_docker network inspect -f '{{index .Options "com.docker.network.bridge.enable_ip_masquerade"}} {{index .Options "com.docker.network.bridge.enable_icc"}}' outcall-default
expect_eq "no Docker masquerade, no inter-container traffic" "false false" "$LAB_OUT"

# -- outcall run -------------------------------------------------------------
expect_ok "outcall run" oc_cli run --name coder-1 --image "$IMG" -- sleep 3600
expect_match "run names the address" "started coder-1 .* on default: 10\.200\.0\.[0-9]+" "$LAB_OUT"
expect_ok "inspect" lab_docker inspect -f '{{.HostConfig.NetworkMode}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.Config.User}} {{.HostConfig.PidsLimit}} {{.HostConfig.Memory}} {{.HostConfig.Dns}} {{index .Config.Labels "io.outcall.managed"}}' coder-1
expect_eq "hardened by default" "none [ALL] [no-new-privileges=true] 65534:65534 512 1073741824 [10.200.0.1] true" "$LAB_OUT"
expect_ok "inside: no capabilities, no new privileges" in_c coder-1 grep -E '^(CapEff|NoNewPrivs):' /proc/self/status
expect_eq "as the kernel sees it" "$(printf 'CapEff:\t0000000000000000\nNoNewPrivs:\t1')" "$LAB_OUT"
expect_ok "the agent directory is mounted read-only" in_c coder-1 grep ' /run/outcall ' /proc/mounts
expect_match "read-only" ' ro[, ]' "$LAB_OUT"
expect_ok "id inside" in_c coder-1 id -u
expect_eq "runs as nobody" "65534" "$LAB_OUT"
ip1=$(ip_of coder-1)
expect_match "attached with an address" '^10\.200\.0\.[0-9]+$' "$ip1"
expect_ok "identity carries Docker's id and image" oc_cli --json containers
expect_match "image in identity" '"image":"oclab/busybox:1"' "$LAB_OUT"

# the agent socket: in the container, and answering for it
check_agent_socket() {
	expect_ok "$1: the agent socket is in the container" lab_poll 5 in_c coder-1 test -S /run/outcall/agent.sock
	expect_ok "$1: it answers for coder-1" c_curl coder-1 \
		--unix-socket "$LAB_DIR/run/agents/coder-1/agent.sock" http://agent/v1/whoami
	expect_match "$1: as agent coder" '"agent": *"coder"' "$LAB_OUT"
	if [ -n "$SHIM" ]; then
		expect_ok "$1: the shim works inside" in_c coder-1 outcall-shim whoami
		expect_match "$1: the shim knows the agent" "coder" "$LAB_OUT"
	else
		echo "note: $1: no shim in this build ($OC_BUILD_ROOT/shim/outcall-shim); not checked inside"
	fi
}
check_agent_socket "run"

# enforcement inside the container
check_enforced() {
	local when=$1
	expect_ok "$when: an allowed name resolves" in_c coder-1 nslookup web.lab.test
	expect_match "$when: to wan's web server" "Address: $LAB_IP_WEB" "$LAB_OUT"
	expect_ok "$when: allowed HTTP through the explicit proxy" fetch coder-1 http://web.lab.test/x
	expect_eq "$when: answer" "web:web.lab.test:GET:/x" "$LAB_OUT"
	expect_ok "$when: allowed HTTPS through the explicit proxy (CONNECT)" \
		c_curl coder-1 --proxy http://10.200.0.1:8080 https://web.lab.test/y
	expect_eq "$when: HTTPS answer" "web-tls:web.lab.test:GET:/y" "$LAB_OUT"
	expect_ok "$when: allowed HTTPS straight to the address (transparent proxy)" \
		c_curl coder-1 --resolve "web.lab.test:443:$LAB_IP_WEB" https://web.lab.test/t
	expect_eq "$when: transparent HTTPS answer" "web-tls:web.lab.test:GET:/t" "$LAB_OUT"
	expect_status "$when: blocked HTTPS through the proxy" 22 \
		c_curl coder-1 --proxy http://10.200.0.1:8080 https://evil.lab.test/
	expect_match "$when: CONNECT refused with 403" "error: 403" "$LAB_ERR"
	expect_ok "$when: a blocked request gets the 403 text" lab_docker exec -i coder-1 \
		timeout 5 nc 10.200.0.1 8080 \
		< <(printf 'GET http://evil.lab.test/ HTTP/1.1\r\nHost: evil.lab.test\r\nConnection: close\r\n\r\n')
	expect_match "$when: 403" "^HTTP/1.1 403" "$LAB_OUT"
	expect_match "$when: the text says how to ask" "outcall-shim request --host evil.lab.test" "$LAB_OUT"
	expect_status "$when: direct IP to a port nothing allows is dropped" "$DROPPED" \
		dropped coder-1 "http://$LAB_IP_WEB:2222/"
	expect_status "$when: direct IP on port 80 meets the transparent proxy's block" 1 \
		direct coder-1 "http://$LAB_IP_EVIL/"
	expect_match "$when: with the 403" "403 Forbidden" "$LAB_ERR"
	expect_status "$when: another resolver is answered by Outcall's filter" 1 \
		in_c coder-1 nslookup evil.lab.test "$LAB_IP_DNS"
	expect_match "$when: NXDOMAIN" "NXDOMAIN" "$LAB_OUT"
	expect_nomatch "$when: evil's address never comes back" "$LAB_IP_EVIL" "$LAB_OUT"
}
check_enforced "run"
expect_ok "a direct_ip name resolves" in_c coder-1 nslookup pkg.lab.test
expect_ok "its grant is in the kernel" lab_poll 3 has_grant "$ip1"
expect_ok "the grant lets a direct connection through" direct coder-1 http://pkg.lab.test:8080/d
expect_eq "direct answer" "web-8080:pkg.lab.test:8080:GET:/d" "$LAB_OUT"

# -- (issue 21 item 2) an approval reaches whom it names ---------------------
# run_unnamed: `outcall run` without --name; prints the name it chose
run_unnamed() {
	oc_cli --json run --image "$IMG" -- sleep 3600 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])'
}
# ask NAME HOST: NAME files a request for HOST on its agent socket; prints its id
ask() {
	c_curl "$1" --unix-socket "$LAB_DIR/run/agents/$1/agent.sock" \
		-H 'Content-Type: application/json' \
		--data "{\"host\": \"$2\", \"justification\": \"e2e: scopes\"}" \
		http://agent/v1/requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
ua=$(run_unnamed)
ub=$(run_unnamed)
expect_match "unnamed containers are named agent-<8 letters>" '^agent-[a-z]{8} agent-[a-z]{8}$' "$ua $ub"
# anyone who may run containers can pick a name with A's agent.name
expect_ok "a container named $ua-2" oc_cli run --name "$ua-2" --image "$IMG" -- sleep 3600
expect_ok "coder-5" oc_cli run --name coder-5 --image "$IMG" -- sleep 3600
expect_ok "coder-6 (the same agent)" oc_cli run --name coder-6 --image "$IMG" -- sleep 3600
expect_ok "$ua is labelled as unnamed" lab_docker inspect -f '{{index .Config.Labels "io.outcall.generated-name"}}' "$ua"
expect_eq "io.outcall.generated-name" "true" "$LAB_OUT"
for c in "$ua" "$ub" "$ua-2" coder-6; do
	expect_status "$c cannot reach api.lab.test yet" 1 fetch "$c" http://api.lab.test/
done
rid_a=$(ask "$ua" api.lab.test)
expect_match "$ua files a request" '^r-' "$rid_a"
expect_ok "requests show lists whom the rule reaches" oc_cli requests show "$rid_a"
expect_match "the default scope of an unnamed container is the container" \
	"scope: +container \(default container\)" "$LAB_OUT"
expect_match "the rule names its container.id" "container.id == .*$(lab_docker inspect -f '{{.Id}}' "$ua")" "$LAB_OUT"
expect_match "one container" "reaches: +1 attached container:" "$LAB_OUT"
expect_match "$ua, with its id and agent" "^ +$ua \(id [0-9a-f]{12}, agent $ua\)" "$LAB_OUT"
expect_ok "show --scope agent would reach $ua-2 too" oc_cli requests show "$rid_a" --scope agent
expect_match "two containers" "reaches: +2 attached containers:" "$LAB_OUT"
expect_match "$ua-2 among them" "^ +$ua-2 \(id [0-9a-f]{12}, agent $ua\)" "$LAB_OUT"
expect_ok "approve without a scope" oc_cli requests approve "$rid_a"
expect_match "approved for the container" "for container $ua, " "$LAB_OUT"
expect_match "and says whom it reaches" "reaches: +1 attached container:" "$LAB_OUT"
expect_ok "$ua now reaches api.lab.test" lab_poll 5 fetch "$ua" http://api.lab.test/a
expect_ok "$ua fetches" fetch "$ua" http://api.lab.test/a
expect_eq "answer" "web:api.lab.test:GET:/a" "$LAB_OUT"
expect_status "another unnamed container does not" 1 fetch "$ub" http://api.lab.test/
expect_match "it gets the 403" "403 Forbidden" "$LAB_ERR"
expect_status "nor one named to share $ua's agent.name" 1 fetch "$ua-2" http://api.lab.test/
rid_5=$(ask coder-5 api.lab.test)
expect_ok "approve coder-5's request --scope agent" oc_cli requests approve "$rid_5" --scope agent
expect_match "approved for the agent" "for agent coder, " "$LAB_OUT"
expect_match "reaching coder-1, coder-5 and coder-6" "reaches: +3 attached containers:" "$LAB_OUT"
expect_match "coder-6 among them" "^ +coder-6 \(id [0-9a-f]{12}, agent coder\)" "$LAB_OUT"
expect_ok "coder-6, the same agent, reaches api.lab.test" lab_poll 5 fetch coder-6 http://api.lab.test/s
expect_status "$ub still does not" 1 fetch "$ub" http://api.lab.test/
# a request filed before a restart keeps its container's default (below)
rid_b=$(ask "$ub" api.lab.test)
expect_match "$ub files a request" '^r-' "$rid_b"

# -- the container outlives outcalld ----------------------------------------
lab_stop outcalld
expect_ok "the container keeps running without outcalld" lab_docker inspect -f '{{.State.Running}}' coder-1
expect_eq "running" "true" "$LAB_OUT"
expect_status "and reaches nothing the daemon would have to allow" "$DROPPED" \
	dropped coder-1 "http://$LAB_IP_EVIL:2222/"
oc_docker_start
expect_ok "after the restart, still attached" has_container coder-1
ip2=$(ip_of coder-1)
expect_eq "with the same address" "$ip1" "$ip2"
expect_match "and its Docker identity" '"container_id":"[0-9a-f]{64}"' "$(oc_cli --json containers)"
check_enforced "after restart"
check_agent_socket "after restart"
expect_eq "the restarted daemon did not re-attach it" 0 \
	"$(grep -c 'attached container .coder-1' "$LAB_DIR/outcalld.log")"
expect_ok "after the restart, $ub's request" oc_cli requests show "$rid_b"
expect_match "still defaults to its container" "scope: +container \(default container\)" "$LAB_OUT"
expect_ok "approving it" oc_cli requests approve "$rid_b"
expect_match "approves for the container" "for container $ub, " "$LAB_OUT"
expect_ok "$ub reaches api.lab.test" lab_poll 5 fetch "$ub" http://api.lab.test/b
expect_status "$ua-2 still does not" 1 fetch "$ua-2" http://api.lab.test/
expect_ok "the scope containers go" lab_docker rm -f "$ua" "$ub" "$ua-2" coder-5 coder-6

# -- killed from Docker: identity, grants and rate limits go ------------------
in_c coder-1 nslookup pkg.lab.test >/dev/null
expect_ok "a grant before the kill" lab_poll 3 has_grant "$ip1"
expect_status "coder-1 empties its DNS bucket" 1 in_c coder-1 sh -c \
	'for i in $(seq 16); do nslookup web.lab.test >/dev/null 2>&1; done; nslookup web.lab.test'
expect_match "and is refused" "REFUSED" "$LAB_OUT"
expect_ok "docker kill" lab_docker kill coder-1
expect_ok "the container leaves the identity registry" lab_poll 10 no_container coder-1
expect_ok "its grants vanish" lab_poll 5 no_grant "$ip1"
expect_ok "docker start brings it back" lab_docker start coder-1
expect_ok "re-attached on start" lab_poll 10 has_container coder-1
expect_eq "at the same address" "$ip1" "$(ip_of coder-1)"
expect_ok "its DNS bucket was refilled when it went" in_c coder-1 nslookup web.lab.test
check_enforced "after docker start"
check_agent_socket "after docker start"
expect_ok "docker rm -f" lab_docker rm -f coder-1
expect_ok "removed from the registry" lab_poll 10 no_container coder-1
expect_ok "its agent directory is gone" lab_poll 5 test ! -e "$LAB_DIR/run/agents/coder-1"

# -- forbidden mounts never reach Docker --------------------------------------
ln -s "$LAB_DIR/run" "$LAB_DIR/innocent"
mounts_since=$(date +%s)
for v in "$LAB_DOCKER_SOCK:/x" "$LAB_DOCKER_DIR:/x" "$LAB_DIR:/x" "$LAB_DIR/run/agents:/x" \
	"$LAB_DIR/innocent:/x" "$LAB_DIR/rules.d:/x:ro" "/:/host" "$LAB_DIR/docker/rootfs:/run/outcall" \
	"$LAB_DIR/docker/rootfs:/etc"; do
	expect_status "--volume $v is refused" 1 oc_cli run --name bad --image "$IMG" --volume "$v" -- true
	expect_match "--volume $v: the reason names it" "refused" "$LAB_ERR"
done
mkdir "$LAB_DIR/run/precious"
expect_status "a name that is a path is refused" 1 oc_cli run --name ../precious --image "$IMG" -- true
expect_match "the reason" "must be 1 to 64 characters" "$LAB_ERR"
expect_ok "and nothing outside the agents' directory was touched" test -d "$LAB_DIR/run/precious"
# -- (issue 21 item 6) binds only from --run-bind-dirs, no host accounts -----
# for anyone but root
mkdir -p "$LAB_DIR/work/sub"
ln -s /etc "$LAB_DIR/work/etc-link"
for v in /etc/shadow:/x:ro /etc:/x "$LAB_DIR/work/../../../etc:/x" "$LAB_DIR/work/etc-link:/x" \
	"$LAB_DIR/work/sub/../../../../etc/passwd:/x"; do
	expect_status "--volume $v is outside --run-bind-dirs" 1 \
		oc_cli run --name bad --image "$IMG" --volume "$v" -- true
	expect_match "--volume $v: the reason names the list" \
		"is not in a directory that agent containers may be given \($LAB_DIR\); .*--run-bind-dirs" "$LAB_ERR"
done
# as a member of the operator group (uid 65534, group staff)
cp "$OC_OUTCALL" "$LAB_DIR/outcall-cli"
chmod o+x "$LAB_DIR" "$LAB_DIR/run"
as_operator() {
	lab_host setpriv --reuid=65534 --regid=65534 --groups="$OPGID" \
		"$LAB_DIR/outcall-cli" --socket "$OC_SOCK" "$@"
}
HOST_UID=$(awk -F: '$3 != 0 && $3 != 65534 { print $3; exit }' /etc/passwd)
HOST_GID=$(awk -F: '$3 != 0 && $3 != 65534 { print $3; exit }' /etc/group)
SHADOW_GID=$(getent group shadow | cut -d: -f3)
SHADOW_GID=${SHADOW_GID:-$HOST_GID}
expect_status "the operator group may not run as a host user (uid $HOST_UID)" 1 \
	as_operator run --name bad --image "$IMG" --user "$HOST_UID:4000123" -- true
expect_match "the reason names the uid" "uid $HOST_UID is the host's user" "$LAB_ERR"
expect_status "nor as a host group (gid $SHADOW_GID)" 1 \
	as_operator run --name bad --image "$IMG" --user "4000123:$SHADOW_GID" -- true
expect_match "the reason names the gid" "gid $SHADOW_GID is the host's group" "$LAB_ERR"
expect_status "nor leave the gid to the image" 1 \
	as_operator run --name bad --image "$IMG" --user 4000123 -- true
expect_match "the reason says UID:GID" "give UID:GID" "$LAB_ERR"
expect_status "the issue's --user $HOST_UID:$SHADOW_GID -v /etc/shadow:/x:ro" 1 \
	as_operator run --name bad --image "$IMG" --user "$HOST_UID:$SHADOW_GID" --volume /etc/shadow:/x:ro -- true
expect_eq "no container was created" "" "$(lab_docker ps -aq --filter name=bad)"
expect_fail "no agent directory was left" test -e "$LAB_DIR/run/agents/bad"
# -- (issue 22) Docker itself saw no create for the refused mounts ------------
# `outcall run` removes what it made, so `ps -a` cannot tell; Docker's
# events can.
expect_ok "Docker's container events since the refused mounts" lab_docker events \
	--since "$mounts_since" --until "$(date +%s)" --filter type=container --filter event=create \
	--format '{{.Actor.Attributes.name}}'
expect_eq "not one create reached Docker" "" "$LAB_OUT"
# -- (end issue 22) -------------------------------------------------------------
echo "secret of the workspace" >"$LAB_DIR/work/sub/file"
expect_ok "a bind from the workspace is accepted (through a trailing slash and ..)" \
	oc_cli run --name ws-1 --image "$IMG" --volume "$LAB_DIR/work/sub/../:/w:ro" -- sleep 3600
expect_ok "and mounted" in_c ws-1 cat /w/sub/file
expect_eq "the workspace's file" "secret of the workspace" "$LAB_OUT"
expect_ok "the operator group may run with an id no host account has" \
	as_operator run --name ws-2 --image "$IMG" --user 4000123:4000123 -- sleep 3600
expect_ok "as that id" in_c ws-2 id -u
expect_eq "uid" "4000123" "$LAB_OUT"
expect_ok "and with the default user" as_operator run --name ws-3 --image "$IMG" -- sleep 3600
expect_ok "root may run as a host account" \
	oc_cli run --name ws-4 --image "$IMG" --user "$HOST_UID:$HOST_GID" -- sleep 3600
expect_ok "the workspace containers go" lab_docker rm -f ws-1 ws-2 ws-3 ws-4

# -- outcall attach of a container made by Docker -------------------------------
# (issue 11) Docker's defaults keep CAP_NET_RAW: such a container is
# refused unless the operator accepts it, and so is one given more.
expect_ok "docker run with Docker's default capabilities" \
	lab_docker run -d --name ext-0 --network none "$IMG" sleep 3600
expect_status "attach refuses a container that keeps CAP_NET_RAW" 1 oc_cli attach ext-0
expect_match "the reason names the capability and both ways out" \
	"ext-0 keeps CAP_NET_RAW: .*--cap-drop ALL.*--accept-caps" "$LAB_ERR"
expect_ok "ext-0 is not attached" no_container ext-0
expect_ok "docker run --cap-drop ALL --cap-add NET_ADMIN" lab_docker run -d --name ext-4 \
	--network none --cap-drop ALL --cap-add NET_ADMIN "$IMG" sleep 3600
expect_status "attach refuses CAP_NET_ADMIN" 1 oc_cli attach ext-4
expect_match "naming only what it keeps" "ext-4 keeps CAP_NET_ADMIN: " "$LAB_ERR"
expect_ok "docker run --label io.outcall.managed=true, default capabilities" lab_docker run -d \
	--name lbl-1 --network none --label io.outcall.managed=true "$IMG" sleep 3600
expect_ok "outcalld refuses to adopt it, and says why" lab_poll 10 \
	grep -q "lbl-1 keeps CAP_NET_RAW" "$LAB_DIR/outcalld.log"
expect_ok "lbl-1 is not attached" no_container lbl-1
expect_status "--accept-caps is for Docker containers only" 2 \
	oc_cli attach --accept-caps --name x --netns /proc/self/ns/net
lab_docker rm -f ext-0 ext-4 lbl-1 >/dev/null
expect_ok "docker run --network none --cap-drop ALL" \
	lab_docker run -d --name ext-1 --network none --cap-drop ALL "$IMG" sleep 3600
expect_ok "outcall attach ext-1" oc_cli attach ext-1
expect_match "attached" "attached Docker container ext-1" "$LAB_OUT"
expect_eq "without a warning" "" "$LAB_ERR"
expect_ok "it reaches an allowed host (its resolver and port 80 meet Outcall)" \
	fetch ext-1 http://web.lab.test/e
expect_eq "answer" "web:web.lab.test:GET:/e" "$LAB_OUT"
expect_status "and not a blocked one" 1 fetch ext-1 http://evil.lab.test/
expect_match "its name does not resolve" "bad address" "$LAB_ERR"
expect_ok "docker restart ext-1" lab_docker restart -t 0 ext-1
expect_ok "followed through its restart" lab_poll 10 fetch ext-1 http://web.lab.test/r
expect_ok "docker run --network host" lab_docker run -d --name ext-2 --network host "$IMG" sleep 3600
expect_status "a container on the host's network is refused" 1 oc_cli attach ext-2
expect_match "the reason says --network none" "network none" "$LAB_ERR"

# -- networks --------------------------------------------------------------------
expect_ok "outcall network create lab2" oc_cli network create lab2
expect_match "with its Docker network" "Docker network outcall-lab2" "$LAB_OUT"
expect_ok "on the new bridge" \
	lab_docker network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' outcall-lab2
expect_eq "bridge" "outcall1" "$LAB_OUT"
expect_ok "docker run ext-3 (default capabilities)" \
	lab_docker run -d --name ext-3 --network none "$IMG" sleep 3600
expect_ok "outcall attach --network lab2 --accept-caps ext-3" \
	oc_cli attach --network lab2 --accept-caps ext-3
expect_match "the operator is warned" "warning: ext-3 keeps CAP_NET_RAW" "$LAB_ERR"
expect_match "and so is the log" "container ext-3 keeps CAP_NET_RAW, accepted" \
	"$(cat "$LAB_DIR/outcalld.log")"
on_lab2() { oc_cli --json containers | grep -q '"name":"ext-3","agent":"ext","network":"lab2"'; }
expect_ok "ext-3 is on lab2" on_lab2
expect_ok "docker restart ext-3" lab_docker restart -t 0 ext-3
expect_ok "after its restart it is back on lab2, not default (its acceptance kept)" \
	lab_poll 10 on_lab2
expect_ok "docker rm -f ext-3" lab_docker rm -f ext-3
expect_ok "ext-3 is detached" lab_poll 10 no_container ext-3
expect_ok "outcall run --network lab2" oc_cli run --network lab2 --name coder-9 --image "$IMG" -- sleep 3600
expect_match "run names lab2 and its address" "started coder-9 .* on lab2: 10\.200\.1\.[0-9]+" "$LAB_OUT"
expect_ok "coder-9 is listed on lab2" lab_poll 5 sh -c "$OC_OUTCALL --socket $OC_SOCK --json containers | grep -q '\"name\":\"coder-9\",\"agent\":\"coder\",\"network\":\"lab2\"'"
expect_ok "docker rm -f coder-9" lab_docker rm -f coder-9
expect_ok "coder-9 is detached" lab_poll 10 no_container coder-9
expect_ok "a container Docker attaches to it" \
	lab_docker run -d --name squatter --network outcall-lab2 "$IMG" sleep 3600
expect_status "outcall network rm refuses while Docker has a container there" 1 oc_cli network rm lab2
expect_match "the reason" "still has 1 container" "$LAB_ERR"
lab_docker rm -f squatter >/dev/null
expect_ok "outcall network rm" oc_cli network rm lab2
expect_fail "the Docker network is gone" lab_docker network inspect outcall-lab2
expect_fail "and the bridge" lab_host ip link show outcall1
expect_ok "docker network rm of the default's twin" lab_docker network rm outcall-default
expect_ok "Outcall keeps the gateway on its bridge" lab_poll 5 \
	lab_host sh -c 'ip -4 addr show dev outcall0 | grep -q "inet 10.200.0.1/24"'
expect_ok "ext-1 still reaches web" fetch ext-1 http://web.lab.test/g

# -- the engine crashes and comes back --------------------------------------------
docker_connected() {
	oc_cli --json status | python3 -c 'import json,sys; assert json.load(sys.stdin)["docker"]["connected"]'
}
syncs=$(grep -c 'docker: following the engine' "$LAB_DIR/outcalld.log")
lab_docker_kill
expect_match "outcalld retried with backoff" "docker: .*trying again in [0-9]+ ms" \
	"$(cat "$LAB_DIR/outcalld.log")"
expect_ok "and follows the new engine" lab_poll 60 docker_connected
expect_eq "re-synced once more" "$((syncs + 1))" \
	"$(grep -c 'docker: following the engine' "$LAB_DIR/outcalld.log")"
# without live-restore the new engine stops what ran: the re-sync, not an
# event, tells Outcall
expect_ok "ext-1 was stopped by the engine's restart" \
	lab_docker inspect -f '{{.State.Running}}' ext-1
expect_eq "not running" "false" "$LAB_OUT"
expect_ok "and detached by the re-sync" lab_poll 10 no_container ext-1
expect_ok "docker start ext-1" lab_docker start ext-1
expect_ok "attached again" lab_poll 10 has_container ext-1
expect_ok "and enforced" fetch ext-1 http://web.lab.test/s

# -- doctor ----------------------------------------------------------------------
expect_ok "outcall doctor" oc_cli doctor --docker-socket "$LAB_DOCKER_SOCK"
expect_match "doctor sees Docker" "^ok +docker +Docker 20\." "$LAB_OUT"
expect_match "doctor sees outcalld following Docker" "^ok +outcalld: docker" "$LAB_OUT"
if [ -e /proc/sys/net/bridge ]; then
	expect_match "doctor reports br_netfilter" "^ok +kernel: br_netfilter +loaded" "$LAB_OUT"
else
	expect_match "doctor reports br_netfilter" "^ok +kernel: br_netfilter +not loaded" "$LAB_OUT"
fi
lab_done
