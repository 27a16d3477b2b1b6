# shellcheck shell=bash
# Expectations for e2e tests. Each prints "ok: DESC" or "FAIL: DESC: why",
# counts the outcome and returns 0 or 1, so a test goes on after a failure
# (and may stop with `|| lab_done`). The exit trap of lab.sh turns any
# failure into a non-zero exit status.

# Shows at most the first 20 lines of $1, indented under the FAIL line.
lab__excerpt() {
	[ -n "$1" ] || { echo "    (empty)"; return; }
	printf '%s\n' "$1" | head -n 20 | sed 's/^/    | /'
}

lab__pass() {
	LAB_PASSES=$((LAB_PASSES + 1))
	echo "ok: $1"
	return 0
}

# lab__fail DESC DETAIL [TEXT]: TEXT (command output, a log) is shown
# as an excerpt below.
lab__fail() {
	LAB_FAILS=$((LAB_FAILS + 1))
	echo "FAIL: $1: $2"
	[ $# -lt 3 ] || lab__excerpt "$3"
	return 1
}

# Runs CMD with stdout in LAB_OUT, stderr in LAB_ERR and status in LAB_RC,
# so a test can inspect what an expectation ran.
lab__run() {
	local o e
	o=$(mktemp "${LAB_DIR:-/tmp}/.out.XXXXXX")
	e=$(mktemp "${LAB_DIR:-/tmp}/.err.XXXXXX")
	"$@" >"$o" 2>"$e"
	LAB_RC=$?
	LAB_OUT=$(<"$o")
	LAB_ERR=$(<"$e")
	rm -f "$o" "$e"
}

# expect_ok DESC CMD...: CMD exits 0.
expect_ok() {
	local desc=$1
	shift
	lab__run "$@"
	[ "$LAB_RC" = 0 ] && lab__pass "$desc" && return 0
	lab__fail "$desc" "exit status $LAB_RC from: $*" "$LAB_ERR${LAB_ERR:+$'\n'}$LAB_OUT"
}

# expect_fail DESC CMD...: CMD exits non-zero.
expect_fail() {
	local desc=$1
	shift
	lab__run "$@"
	[ "$LAB_RC" != 0 ] && lab__pass "$desc" && return 0
	lab__fail "$desc" "succeeded but should have failed: $*" "$LAB_OUT"
}

# expect_status DESC STATUS CMD...: CMD exits with exactly STATUS (tells
# "blocked" from "daemon unreachable", curl's 7 from its 28, ...).
expect_status() {
	local desc=$1 want=$2
	shift 2
	lab__run "$@"
	[ "$LAB_RC" = "$want" ] && lab__pass "$desc" && return 0
	lab__fail "$desc" "exit status $LAB_RC, wanted $want, from: $*" "$LAB_ERR${LAB_ERR:+$'\n'}$LAB_OUT"
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] && lab__pass "$1" && return 0
	lab__fail "$1" "expected '$2', got '$3'"
}

# expect_match DESC REGEX TEXT: some line of TEXT matches the extended
# regular expression REGEX (grep -E, so ^ and $ anchor lines).
expect_match() {
	grep -Eq -- "$2" <<<"$3" && lab__pass "$1" && return 0
	lab__fail "$1" "no line matches /$2/ in:" "$3"
}

# expect_nomatch DESC REGEX TEXT: no line of TEXT matches REGEX.
expect_nomatch() {
	local hits
	hits=$(grep -E -- "$2" <<<"$3")
	[ -z "$hits" ] && lab__pass "$1" && return 0
	lab__fail "$1" "lines match /$2/:" "$hits"
}

# lab_fatal MSG: fails the test and ends it now (teardown still runs).
# From a subshell (e.g. inside $(...)) it reports on stderr, which is not
# captured, and ends the test by signalling the shell that owns the lab.
lab_fatal() {
	if [ -n "${LAB_OWNER:-}" ] && [ "$BASHPID" != "$LAB_OWNER" ]; then
		echo "FAIL: ${LAB_TEST:-e2e}: $1" >&2
		kill -TERM "$LAB_OWNER"
		exit 1
	fi
	lab__fail "${LAB_TEST:-e2e}" "$1"
	exit 1
}

# lab_skip REASON: meson's "skipped" (exit 77). Only for a machine that
# cannot run the lab at all (not root); a missing tool is a failure.
lab_skip() {
	echo "SKIP: $1"
	exit 77
}
