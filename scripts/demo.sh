#!/bin/sh
# Sets everything up on a fresh Debian 12 machine, builds Outcall and runs
# the demo: the example rule set is validated and sample requests are
# decided against it, with the reasons.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/deps.sh" build
build="$here/build-demo"
[ -d "$build" ] || meson setup "$build" "$here" >/dev/null
ninja -C "$build" >/dev/null
outcall="$build/cli/outcall"
rules="$here/examples/rules.d"

say() { printf '\n$ %s\n' "$*"; }
run() { say "outcall $*"; "$outcall" "$@" || true; }

run rules validate "$rules"
run rules test --rules "$rules" --http https://api.openai.com/v1/chat/completions
run rules test --rules "$rules" --dns api.anthropic.com
run rules test --rules "$rules" --http http://deb.debian.org/debian/dists/bookworm/Release
run rules test --rules "$rules" --http http://deb.debian.org/upload --method POST --explain
run rules test --rules "$rules" --connect api.github.com:443 --agent coder
run rules test --rules "$rules" --connect api.github.com:443 --agent reviewer
run rules test --rules "$rules" --http http://169.254.169.254/latest/meta-data/
