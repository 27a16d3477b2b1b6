#!/bin/sh
# Long fuzzing, outside CI: runs every libFuzzer target (tests/fuzz) for
# SECONDS each (default 600) over its corpus, in a clang build of its own.
# CI runs the same targets for 20 s each; this is the nightly-style run
# that finds what 20 s cannot.
#
# Usage: scripts/fuzz-long.sh [-t SECONDS] [-B BUILDDIR] [TARGET...]
#   TARGET     a name from tests/fuzz/meson.build (default: all of them)
#   -t         seconds per target [600]
#   -B         build directory [build-fuzz-long]
#
# A crash, leak or timeout stops that target and its input is copied into
# the target's seed corpus as tests/fuzz/corpus/TARGET/regress-<sha1>:
# fix the bug, check that `meson test --suite fuzz` passes over it, and
# commit the input with the fix, so CI keeps replaying it. New coverage
# inputs stay in BUILDDIR/tests/fuzz/new-TARGET (never the source tree).
# Exit status: 0 when no target found anything, 1 otherwise, 2 on a
# usage or build error.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=600
build=$here/build-fuzz-long
while getopts t:B:h opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	B) build=$OPTARG ;;
	*) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; [ "$opt" = h ] && exit 0; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $seconds in ''|*[!0-9]*) echo "fuzz-long.sh: -t needs a number of seconds" >&2; exit 2 ;; esac
command -v clang >/dev/null || { echo "fuzz-long.sh: clang is missing (scripts/deps.sh test installs it)" >&2; exit 2; }

targets=$*
[ -n "$targets" ] || targets=$(sed -n "/^fuzz_targets = \[/,/^]/s/^  '\([a-z_]*\)',\$/\1/p" \
	"$here/tests/fuzz/meson.build")
[ -n "$targets" ] || { echo "fuzz-long.sh: no targets found in tests/fuzz/meson.build" >&2; exit 2; }

if [ ! -d "$build" ]; then
	CC=clang meson setup "$build" "$here" -Dfuzz=true -Dtests=disabled -Db_lundef=false \
		>"$build.setup.log" 2>&1 || { echo "fuzz-long.sh: meson setup failed, see $build.setup.log" >&2; exit 2; }
fi
ninja -C "$build" >"$build.build.log" 2>&1 || { echo "fuzz-long.sh: build failed, see $build.build.log" >&2; exit 2; }

status=0
for t in $targets; do
	exe=$build/tests/fuzz/fuzz-$t
	corpus=$here/tests/fuzz/corpus/$t
	[ -x "$exe" ] || { echo "fuzz-long.sh: no target '$t' (see tests/fuzz/meson.build)" >&2; exit 2; }
	new=$build/tests/fuzz/new-$t
	found=$build/tests/fuzz/found-$t/
	mkdir -p "$new" "$found"
	log=$build/tests/fuzz/$t.log
	printf '%-20s ' "$t"
	if ASAN_OPTIONS=detect_leaks=1 "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 \
		-timeout=10 -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
		-artifact_prefix="$found" "$new" "$corpus" >"$log" 2>&1; then
		echo "ok: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs in ${seconds} s"
		continue
	fi
	status=1
	kept=0
	for a in "$found"*; do
		[ -f "$a" ] || continue
		dest=$corpus/regress-$(sha1sum <"$a" | cut -c1-16)
		cp "$a" "$dest"
		kept=1
		echo "FOUND: $(basename "$a") -> $dest (see $log)"
	done
	[ "$kept" = 1 ] || echo "FAILED without an input to keep (see $log)"
done
exit $status
