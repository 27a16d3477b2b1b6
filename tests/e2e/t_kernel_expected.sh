#!/bin/bash
# `nft list table` of a small rule set equals the reviewed files in
# expected/, and what labctl renders (outcall nft show) is what nft lists.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
. "$here/kernel-lib.sh"
lab_init
expect_ok "tables installed" labctl --direct github-api:r1 apply
kernel_attach a1
expect_ok "a grant" labctl grant --rule github-api --container 10.200.0.2 --dest "$LAB_IP_WEB" \
	--port 443 --timeout-ms 3600000 --note api.lab.test
for family in inet bridge; do
	expect_eq "nft list table $family outcall is the reviewed text" \
		"$(cat "$here/expected/$family-small.nft")" "$(lab_host nft -s list table "$family" outcall)"
done
# nft -s leaves out the time left; the rendering states it.
expect_eq "labctl render is what nft lists" "$(lab_host nft -s list ruleset)" \
	"$(labctl render | sed 's/ expires [0-9hms]*//')"
lab_done
