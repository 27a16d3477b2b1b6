#!/bin/sh
# Runs every benchmark section in turn (see bench/README.md). As root, after
# `scripts/deps.sh bench` and a build in ./build (or $OC_BUILD).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${OC_BUILD:-$here/../build}
echo "== engine"
"$build/bench/engine/bench-engine"
for s in nft dns proxy reload; do
	if [ -x "$here/$s/run.sh" ]; then
		echo "== $s"
		OC_BUILD=$build "$here/$s/run.sh"
	fi
done
