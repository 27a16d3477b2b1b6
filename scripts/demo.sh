#!/bin/bash
# Sets everything up on a fresh Debian 12 machine (as root), builds Outcall
# and runs outcalld with the example rules plus a demo: in a world of
# network namespaces (the e2e lab: a host, a fake internet, an agent), an
# agent container "coder-1" (agent name "coder") is attached, makes one allowed and one blocked
# request, and `outcall log` shows both decisions. outcalld keeps running
# for you to explore; Ctrl-C stops it and removes everything.
# Nothing is added to the machine's own network namespace.
# Environment: OC_DEMO_ONCE=1 ends after the demo instead of waiting for
# Ctrl-C (scripts/fresh-check.sh uses it).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
# Every step is quiet when it works and shows its own output when it fails:
# a demo that stops without a word is worse than none.
step() { # what, log, command...
	what=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 && return 0
	echo "demo.sh: $what failed; its output ($log):" >&2
	tail -n 40 "$log" >&2
	exit 1
}
"$here/scripts/deps.sh" run || { echo "demo.sh: installing the packages failed (see above)" >&2; exit 1; }
build="$here/build-demo"
[ -d "$build" ] || step "meson setup" "$here/build-demo.setup.log" meson setup "$build" "$here" -Dtests=disabled
step "the build" "$here/build-demo.build.log" ninja -C "$build"
export OC_BUILD_ROOT=$build OC_SOURCE_ROOT=$here

. "$here/tests/e2e/lib/lab.sh"
lab_init
. "$here/tests/e2e/lib/outcall.sh"
cp "$here"/examples/rules.d/*.yaml "$here/examples/demo/90-lab.yaml" "$OC_RULES/"

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" || true; }

say "outcalld starts with the example rules (log: $LAB_DIR/outcalld.log)"
oc_start
lab_agent coder
oc_attach coder default coder-1
show oc_cli status

say "allowed: the agent fetches http://web.lab.test/ (transparently proxied)"
show lab_in coder curl -sS --max-time 5 http://web.lab.test/hello
say "blocked: the agent tries http://evil.lab.test/ by its address (the proxy answers 403)"
show lab_in coder curl -sS --max-time 5 --resolve "evil.lab.test:80:$LAB_IP_EVIL" http://evil.lab.test/upload
say "blocked: the name does not even resolve"
show lab_in coder dig +time=2 +tries=1 +short evil.lab.test

say "the decisions"
show oc_cli log

cat <<EOT

outcalld is running in the lab. Try, in another terminal (as root):
  $OC_OUTCALL --socket $OC_SOCK log -f
  ip netns exec $LAB_P-coder curl -v http://web.lab.test/
  $OC_OUTCALL --socket $OC_SOCK nft show
Rules are in $OC_RULES (edit them: outcalld reloads by itself).
Press Ctrl-C to stop and clean up.
EOT
[ "${OC_DEMO_ONCE:-0}" = 1 ] && exit 0
# Waiting for the operator, not synchronising with anything.
while kill -0 "$OC_PID" 2>/dev/null; do sleep 1; done
