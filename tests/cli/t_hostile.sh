#!/bin/bash
# The CLI against a stand-in daemon (fakehost.py) that hands it hostile
# text: what reaches the terminal is compared byte for byte with
# tests/cli/hostile/*.out, and a long `log -f` stream stays small.
set -u
outcall=$1
here=$(dirname "$0")
# shellcheck source=tests/cli/lib.sh
. "$here/lib.sh"

fake=
serve() { # spec.json: (re)starts the stand-in daemon on $tmp/host.sock
	[ -n "$fake" ] && kill "$fake" 2>/dev/null && wait "$fake" 2>/dev/null
	rm -f "$tmp/host.sock" "$tmp/ready"
	python3 "$here/fakehost.py" "$tmp/host.sock" "$1" "$tmp/ready" &
	fake=$!
	for _ in $(seq 100); do [ -e "$tmp/ready" ] && return; sleep 0.1; done
	echo "FAIL: fakehost did not start"; exit 1
}
trap '[ -n "$fake" ] && kill "$fake" 2>/dev/null; rm -rf "$tmp"' EXIT

# log -f: Over 80 MB of decisions go through; the CLI's memory must not grow
# with them (before the buffer was compacted it held the whole stream).
serve "$here/hostile/follow.json"
rss=$(python3 - "$outcall" "$tmp/host.sock" <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "--socket", sys.argv[2], "log", "-f"], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
if [ "$rss" -gt 32768 ]; then
	echo "FAIL: outcall log -f peaked at ${rss} KiB over an 80 MB stream (wanted < 32 MiB)"
	fails=$((fails + 1))
fi

[ "$fails" = 0 ] && echo "ok: the CLI against hostile text" && exit 0
exit 1
