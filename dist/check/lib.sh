# Sourced by package.sh and service.sh: named checks that count and show
# what a failing one printed. Set CHECK_NAME first; summary prints
# "$CHECK_NAME: N passed, N failed".
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAILED: $1"; fail=$((fail + 1)); }
check() { # name, command...
	local name=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then ok "$name"; else bad "$name"; sed 's/^/    /' /tmp/check.out | tail -n 20; fi
}
summary() { echo "$CHECK_NAME: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
