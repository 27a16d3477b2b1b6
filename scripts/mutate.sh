#!/bin/bash
# Mutation testing of the security checks: each named mutation disables or
# weakens one defence, the tests named for it must then fail. For every
# mutation this applies the patch (it must match exactly once, else the
# mutation is "stale"), rebuilds incrementally in a build directory of its
# own, runs only the tests named for it, reports "caught" or "survived"
# and puts the source back, on every exit path.
#
# The mutations live next to the code they mutate, in a file named
# `mutations` in the module's folder (liboutcall/<module>/mutations); the
# format is in tests/README.md. Not part of scripts/test.sh (it takes
# about a minute per mutation): run it before resolving a security issue,
# and add a mutation with every new defence.
#
#   scripts/mutate.sh [-B BUILDDIR] [--no-baseline] [-l] [NAME...]
#
#   NAME           run only these mutations (module/name, or a module)
#   -l             list the mutations and their tests, run nothing
#   -c             check that every patch still applies exactly once (no
#                  build, no tests; the source is not changed)
#   -B BUILDDIR    default build-mutate (set up if missing)
#   --no-baseline  skip the first run of every named test on the clean
#                  source (a mutation only counts as caught by tests that
#                  pass without it)
#
# Results: caught (a named test failed), SURVIVED (all passed: a test is
# missing), stale (the find text is not there exactly once) or broken
# (the mutant does not compile: fix the patch). Exit status: 0 if every
# mutation was caught, 1 otherwise, 2 on a usage, build or baseline error.
# Logs: BUILDDIR/meson-logs/mutate/<module>-<name>.log
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-mutate
baseline=1
list_only=0
check_only=0
only=()
while [ $# -gt 0 ]; do
	case $1 in
	-B) build=$(realpath -m "$2"); shift 2 ;;
	--no-baseline) baseline=0; shift ;;
	-l) list_only=1; shift ;;
	-c) check_only=1; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "mutate.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) only+=("$1"); shift ;;
	esac
done

# The list files, parsed and applied by one small Python program: blocks
# of "key: value" lines under "[name]"; find and replace may use \n, \t
# and \\ for multi-line patches.
read -r -d '' PY <<'EOF'
import os, sys

def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] in "nt\\":
            out.append({"n": "\n", "t": "\t", "\\": "\\"}[s[i + 1]])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)

def parse(root):
    muts = []
    for dirpath, dirs, files in sorted(os.walk(os.path.join(root, "liboutcall"))):
        dirs.sort()
        if "mutations" not in files:
            continue
        path = os.path.join(dirpath, "mutations")
        module = os.path.relpath(dirpath, os.path.join(root, "liboutcall"))
        cur = None
        for n, line in enumerate(open(path), 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            where = f"{os.path.relpath(path, root)}:{n}"
            if line.startswith("[") and line.endswith("]"):
                cur = {"name": f"{module}/{line[1:-1]}", "dir": dirpath, "at": where}
                muts.append(cur)
                continue
            key, sep, val = line.partition(":")
            if not sep or cur is None or key not in ("file", "find", "replace", "tests", "why"):
                sys.exit(f"{where}: expected [name] or file/find/replace/tests/why: value")
            if key in cur:
                sys.exit(f"{where}: {key} given twice for {cur['name']}")
            cur[key] = val[1:] if val.startswith(" ") else val
    for m in muts:
        for key in ("file", "find", "replace", "tests"):
            if key not in m:
                sys.exit(f"{m['at']}: mutation {m['name']} has no {key}")
    return muts

cmd, root = sys.argv[1], sys.argv[2]
muts = parse(root)
if cmd == "list":
    for m in muts:
        src = os.path.relpath(os.path.join(m["dir"], m["file"]), root)
        print("\t".join((m["name"], src, m["tests"], m["at"])))
elif cmd in ("apply", "check"):
    m = next(m for m in muts if m["name"] == sys.argv[3])
    path = os.path.join(m["dir"], m["file"])
    text = open(path).read() if os.path.exists(path) else ""
    find = unescape(m["find"])
    n = text.count(find)
    if n != 1:
        print(f"the find text occurs {n} times in {os.path.relpath(path, root)} ({m['at']})")
        sys.exit(3)
    if cmd == "check":
        sys.exit(0)
    with open(path, "w") as f:
        f.write(text.replace(find, unescape(m["replace"])))
EOF

mapfile -t muts < <(python3 -c "$PY" list "$root") || exit 2
[ ${#muts[@]} -gt 0 ] || { echo "mutate.sh: no mutations found" >&2; exit 2; }
selected=()
for m in "${muts[@]}"; do
	name=${m%%$'\t'*}
	if [ ${#only[@]} -eq 0 ]; then
		selected+=("$m")
		continue
	fi
	for o in "${only[@]}"; do
		if [ "$name" = "$o" ] || [ "${name%%/*}" = "$o" ]; then
			selected+=("$m")
			break
		fi
	done
done
[ ${#selected[@]} -gt 0 ] || { echo "mutate.sh: no mutation matches ${only[*]}" >&2; exit 2; }
if [ "$list_only" = 1 ]; then
	for m in "${selected[@]}"; do
		IFS=$'\t' read -r name src tests at <<<"$m"
		printf '%-44s %-34s %s\n' "$name" "$src" "$tests"
	done
	exit 0
fi
if [ "$check_only" = 1 ]; then
	bad=0
	for m in "${selected[@]}"; do
		name=${m%%$'\t'*}
		python3 -c "$PY" check "$root" "$name" || bad=1
	done
	[ $bad = 0 ] && echo "${#selected[@]} mutations apply"
	exit $bad
fi

# The source is only ever changed between apply and restore; the trap
# restores it however this script ends.
saved=$(mktemp)
mutated=""
restore() {
	if [ -n "$mutated" ]; then
		# cat, not cp -p: the new mtime makes the next build recompile it
		cat "$saved" >"$mutated" && mutated=""
	fi
}
trap 'restore; rm -f "$saved"' EXIT
trap 'exit 130' INT TERM HUP

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" >/dev/null || { echo "mutate.sh: meson setup $build failed" >&2; exit 2; }
fi
logs=$build/meson-logs/mutate
mkdir -p "$logs"
ninja -C "$build" >"$logs/build.log" 2>&1 || {
	echo "mutate.sh: the clean source does not build (see $logs/build.log)" >&2; exit 2; }

# What to build for a test: its own executable, or for the bash tests
# (e2e, cli) every program and helper they run.
targets_for() { # TEST...
	python3 - "$build" "$@" <<'EOF'
import json, os, subprocess, sys
build, names = sys.argv[1], set(sys.argv[2:])
intro = lambda what: json.loads(subprocess.check_output(["meson", "introspect", what, build]))
tests = {t["name"]: t for t in intro("--tests")}
progs = [f for t in intro("--targets") if t["type"] == "executable"
         and not any(p in t["defined_in"] for p in ("/tests/unit/", "/tests/fuzz/", "/bench/"))
         for f in t["filename"]]
out = set()
for n in names:
    if n not in tests:
        sys.exit(f"mutate.sh: no test named {n} (see meson test -C {build} --list)")
    exe = tests[n]["cmd"][0]
    out.update([exe] if exe.startswith(build + "/") else progs)
print("\n".join(os.path.relpath(f, build) for f in sorted(out)))
EOF
}

# run_tests LOG TEST...: 0 if all pass, 1 if one fails, 2 if the tests
# cannot be built or are unknown.
run_tests() {
	local log=$1
	shift
	local targets
	targets=$(targets_for "$@" 2>>"$log") || return 2
	# shellcheck disable=SC2086
	ninja -C "$build" $targets >>"$log" 2>&1 || return 2
	meson test -C "$build" --no-rebuild --print-errorlogs "$@" >>"$log" 2>&1 || return 1
}

if [ "$baseline" = 1 ]; then
	declare -A all=()
	for m in "${selected[@]}"; do
		IFS=$'\t' read -r name src tests at <<<"$m"
		for t in $tests; do all[$t]=1; done
	done
	echo "baseline: ${!all[*]}"
	run_tests "$logs/baseline.log" "${!all[@]}"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "mutate.sh: the named tests fail on the clean source (see $logs/baseline.log)" >&2
		exit 2
	fi
fi

caught=0 survived=0 stale=0
printf '%-44s %-9s %s\n' mutation result tests
for m in "${selected[@]}"; do
	IFS=$'\t' read -r name src tests at <<<"$m"
	log=$logs/${name//\//-}.log
	: >"$log"
	cp "$root/$src" "$saved"
	mutated=$root/$src
	python3 -c "$PY" apply "$root" "$name" >>"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		restore
		stale=$((stale + 1))
		printf '%-44s %-9s %s\n' "$name" stale "$(tail -n 1 "$log")"
		continue
	fi
	# shellcheck disable=SC2086
	run_tests "$log" $tests
	rc=$?
	restore
	case $rc in
	0) survived=$((survived + 1)); printf '%-44s %-9s %s\n' "$name" SURVIVED "$tests" ;;
	1) caught=$((caught + 1)); printf '%-44s %-9s %s\n' "$name" caught "$tests" ;;
	*) stale=$((stale + 1)); printf '%-44s %-9s %s\n' "$name" broken "see $log" ;;
	esac
done
total=${#selected[@]}
echo "$total mutations: $caught caught, $survived survived, $stale stale or broken"
# Leave the build directory matching the restored source.
ninja -C "$build" >>"$logs/build.log" 2>&1
[ $survived -eq 0 ] && [ $stale -eq 0 ]
