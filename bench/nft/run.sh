#!/bin/sh
# The nftables benchmark (see bench/README.md): builds bench-nft if needed
# and runs it; bench-nft works in a network namespace of its own, so
# nothing touches the machine's tables. Needs root.
# Usage: bench/nft/run.sh [BUILD_DIR [GRANTS [CONTAINERS [ROUNDS]]]]
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
shift 2>/dev/null || true
[ -d "$build" ] || meson setup "$build" "$here" >/dev/null
ninja -C "$build" bench/nft/bench-nft >/dev/null
exec timeout 600 "$build/bench/nft/bench-nft" "$@"
