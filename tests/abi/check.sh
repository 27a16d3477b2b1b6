#!/bin/sh
# The ABI of the liboutcall.so just built against the committed baseline
# (docs/CONTRIBUTING.md says when and how it moves).
# Usage: check.sh LIBRARY BASELINE
# The baseline holds the public types only (abidw --drop-private-types), so
# opaque structs (declared, defined inside the library) may change freely:
# abidiff counts "declaration-only, now defined" as harmless.
set -u
lib=$1 baseline=$2
abidiff --no-added-syms "$baseline" "$lib"
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "abi: $lib matches $baseline"
	exit 0
fi
# Bits 1 and 2 of abidiff's status: it failed or was misused, no verdict.
if [ $((rc & 3)) -ne 0 ]; then
	echo "abi: abidiff could not compare $lib with $baseline (status $rc)" >&2
	exit 1
fi
echo "abi: the ABI of $lib differs from $baseline (above). If the change is" \
	"intended, run 'ninja -C <build> abi-baseline' and commit abi/liboutcall.abi" \
	"with the header change; see docs/CONTRIBUTING.md." >&2
exit 1
