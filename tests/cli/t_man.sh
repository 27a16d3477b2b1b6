#!/bin/bash
# The man pages as installed: every page renders without a warning and
# has its sections; outcalld.conf(5) lists exactly the options of
# outcalld --help; outcall-rules(5) is docs/rules.md; FILES name installed
# paths, and nothing of a template is left unfilled.
set -u
mandir=$1
outcalld=$2
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for page in outcall.1 outcalld.8 outcalld.conf.5 outcall-rules.5 outcall-shim.1; do
	f=$mandir/$page
	[ -s "$f" ] || { fail "$page was not generated"; continue; }
	for sh in NAME SYNOPSIS DESCRIPTION FILES "SEE ALSO"; do
		grep -q "^\.SH $sh" "$f" || fail "$page has no $sh section"
	done
	grep -qE '@[A-Z]+@' "$f" && fail "$page keeps a template field: $(grep -oE '@[A-Z]+@' "$f" | head -1)"
	grep -q "docs/" "$f" && grep -n "docs/" "$f" | grep -v "docs/\*\.md\|share/doc" >/dev/null &&
		fail "$page points at docs/ in the source tree: $(grep -n 'docs/' "$f" | head -2)"
	if command -v man >/dev/null; then
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>"$tmp/warn" >/dev/null
		[ -s "$tmp/warn" ] && fail "$page: $(head -3 "$tmp/warn")"
	fi
done
grep -q "^\.SH EXIT STATUS" "$mandir/outcall-shim.1" || fail "outcall-shim.1 has no EXIT STATUS"

# outcalld.conf(5): the keys are the options.
"$outcalld" --help | sed -n '/^Options/,/^$/p' | grep -oE '^  --[a-z0-9-]+' | sed 's/^  --//' | sort >"$tmp/options"
grep -A1 '^\.TP' "$mandir/outcalld.conf.5" | grep -oE '^\.BR [a-z0-9\\-]+' | sed 's/^\.BR //; s/\\-/-/g' | sort >"$tmp/keys"
[ -s "$tmp/keys" ] || fail "outcalld.conf.5 lists no keys"
diff "$tmp/options" "$tmp/keys" >"$tmp/diff" || fail "outcalld.conf.5 keys differ from the options: $(cat "$tmp/diff")"

# outcall-rules(5) carries docs/rules.md's sections.
for s in "WHICH FILES" "HOW A DECISION IS MADE" "EXPRESSIONS" "SPEED"; do
	grep -q "^\.SH $s" "$mandir/outcall-rules.5" || fail "outcall-rules.5 has no $s"
done
grep -q "^\.SS Hosts the DNS filter must see" "$mandir/outcall-rules.5" ||
	fail "outcall-rules.5 does not show the proxy-only rule fix"

echo "t_man: $fails failed"
[ "$fails" = 0 ]
