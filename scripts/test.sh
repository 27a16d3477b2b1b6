#!/bin/sh
# Sets everything up on a fresh Debian 12 machine and runs the whole test
# suite: unit tests (plain and under ASan+UBSan), the e2e lab tests (the
# daemon's again on the ASan+UBSan build), and a
# bounded run of every fuzz target over its corpus. Ends with one line
# "N passed, N failed" and exits non-zero if anything failed.
# Must run as root (the e2e lab makes network namespaces).
# Environment: OC_TEST_QUICK=1 skips the sanitizer and fuzz builds.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

"$here/scripts/deps.sh" test || exit 1

builds=""
status=0

run_build() { # name, meson test args, setup args...
	name=$1; shift
	targs=$1; shift
	dir="$here/build-ci-$name"
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
	else
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
	fi || { echo "test.sh: meson setup for $name failed:"; cat "$dir.setup.log"; status=1; return; }
	ninja -C "$dir" >"$dir.build.log" 2>&1 || {
		echo "test.sh: build $name failed:"; tail -n 60 "$dir.build.log"; status=1; return; }
	rm -f "$dir/meson-logs/testlog.json"
	# shellcheck disable=SC2086
	meson test -C "$dir" --print-errorlogs $targs || status=1
	builds="$builds $dir"
}

# Timeouts are per test in meson.build; CI machines are slower and
# sanitizers slower still, so they get a multiplier, never a shorter one.
run_build plain "--no-suite bench --timeout-multiplier 3"
if [ "${OC_TEST_QUICK:-0}" != 1 ]; then
	run_build asan "--suite unit --timeout-multiplier 8" -Db_sanitize=address,undefined -Db_lundef=false
	# Every e2e test again on the sanitizer build: memory errors, leaks
	# and undefined behaviour in outcalld (and in an embedder, t_embed)
	# fail them. The static shim comes from the plain build: a sanitizer
	# build makes none (tests that need it say so).
	rm -f "$here/build-ci-asan/meson-logs/asan-e2e.json"
	[ -d "$here/build-ci-asan" ] && OC_SANITIZED=1 OC_SHIM="$here/build-ci-plain/shim/outcall-shim" meson test -C "$here/build-ci-asan" \
		--print-errorlogs --timeout-multiplier 3 --logbase asan-e2e --suite e2e || status=1
	if command -v clang >/dev/null 2>&1; then
		CC=clang run_build fuzz "--suite fuzz" -Dfuzz=true -Dtests=disabled -Db_lundef=false
	else
		echo "test.sh: clang missing, fuzz targets not built" >&2
		status=1
	fi
fi

# CI reads one plain line; count every test of every build from testlog.json.
python3 - $builds <<'PY' || status=1
import json, sys, os
passed = failed = 0
for d in sys.argv[1:]:
    logs = [os.path.join(d, "meson-logs", f) for f in ("testlog.json", "asan-e2e.json")]
    if not os.path.exists(logs[0]):
        failed += 1
        print(f"no test log in {d}")
        continue
    for line in (l for log in logs if os.path.exists(log) for l in open(log)):
        t = json.loads(line)
        if t["result"] in ("OK", "EXPECTEDFAIL"):
            passed += 1
        else:
            # A skip is a test that did not run (not root, a fuzzer that
            # exited 77): the suite runs as root, so it is not a pass.
            failed += 1
            print(f"FAILED: {os.path.basename(d)} {t['name']} ({t['result']})")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
[ $? -eq 0 ] || status=1
exit $status
