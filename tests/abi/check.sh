#!/bin/sh
# The ABI of the liboutcall.so just built against the committed baseline
# (docs/CONTRIBUTING.md says when and how it moves).
# Usage: check.sh LIBRARY BASELINE
# The baseline holds the public types only (abidw --drop-private-types), so
# opaque structs (declared, defined inside the library) may change freely:
# abidiff counts "declaration-only, now defined" as harmless.
# --exported-interfaces-only on both sides: without it libabigail 2.2 ties
# a function to its ELF symbol only when the first translation unit that
# mentions it defines it, and silently leaves every other exported
# function out of the comparison (140 of 212 were, until this was found).
set -u
lib=$1 baseline=$2
# Every exported function must be in the baseline, else the check below
# would pass without looking at it.
missing=$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sed 's/@.*//' | sort |
	while read -r f; do grep -q "elf-symbol-id='$f@" "$baseline" || echo "$f"; done)
if [ -n "$missing" ]; then
	echo "abi: exported but not described in $baseline:" $missing >&2
	echo "abi: if they are new, run 'ninja -C <build> abi-baseline' (docs/CONTRIBUTING.md)" >&2
	exit 1
fi
# An exported function no public header declares is an internal one that
# leaked (docs/CONTRIBUTING.md, "Internal names").
headers=$(dirname "$0")/../../include/outcall
leaked=$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sed 's/@.*//' |
	while read -r f; do grep -qw "$f" "$headers"/*.h "$headers"/*.h.in 2>/dev/null || echo "$f"; done)
if [ -n "$leaked" ]; then
	echo "abi: exported but declared in no public header:" $leaked >&2
	exit 1
fi
abidiff --exported-interfaces-only --no-added-syms "$baseline" "$lib"
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
