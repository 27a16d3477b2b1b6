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
# On a sanitizer build ASan's quarantine keeps freed blocks (256 MB by
# default), which is not the CLI's memory: it is turned off for this run
# (the variable means nothing to a plain build).
serve "$here/hostile/follow.json"
rss=$(python3 - "$outcall" "$tmp/host.sock" <<'PY'
import os, resource, subprocess, sys
env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0")
subprocess.run([sys.argv[1], "--socket", sys.argv[2], "log", "-f"], stdout=subprocess.DEVNULL, env=env)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
if [ "$rss" -gt 32768 ]; then
	echo "FAIL: outcall log -f peaked at ${rss} KiB over an 80 MB stream (wanted < 32 MiB)"
	fails=$((fails + 1))
fi

# same NAME COMMAND...: stdout and stderr of the CLI, byte for byte, as
# in hostile/NAME.out (OC_REGEN=1 rewrites the files: review the diff).
export TZ=UTC
same() {
	local name=$1 want="$here/hostile/$1.out"
	shift
	"$outcall" --socket "$tmp/host.sock" "$@" >"$tmp/got" 2>&1
	if [ "${OC_REGEN:-}" = 1 ]; then
		cp "$tmp/got" "$want"
	elif ! cmp -s "$tmp/got" "$want"; then
		echo "FAIL: outcall $*: the output differs from $want:"
		diff <(od -c "$want") <(od -c "$tmp/got") | head -20
		fails=$((fails + 1))
	fi
	# whatever the expectation says: nothing a terminal would obey
	if ! python3 - "$tmp/got" <<'PY'
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
bad = re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
                "\u2028-\u202e\u2060-\u206f\ufeff\U000e0000-\U000e007f]", text)
sys.exit(1 if bad else 0)
PY
	then
		echo "FAIL: outcall $*: the output holds a control or invisible character:"
		od -c "$tmp/got" | head -20
		fails=$((fails + 1))
	fi
}

serve "$here/hostile/corpus.json"
same requests-list requests list
same requests-list-json --json requests list
same requests-show requests show r-aaaaaaaa
same requests-show-file requests show r-cccccccc
same log log
same rules-list rules list
same containers containers
same rules-show rules show r1
same reject requests reject r-dddddddd --reason no
same approve requests approve r-aaaaaaaa
same approve-json --json requests approve r-aaaaaaaa

[ "$fails" = 0 ] && echo "ok: the CLI against hostile text" && exit 0
exit 1
