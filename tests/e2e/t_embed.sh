#!/bin/bash
# The public API as an outsider uses it: install liboutcall into a scratch
# prefix, build examples/embed/orchestrator.c against it with pkg-config,
# run it in the lab (the whole daemon in-process, one namespace attached)
# and see its decision callback report an allowed and a blocked request,
# and that the library tells no service manager it is ready (READY=1 is
# outcalld's to send, not the embedder's library's).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/lab.sh"
lab_init
. "$here/lib/outcall.sh"

dest=$LAB_DIR/dest
expect_ok "meson install into a scratch prefix" \
	meson install -C "$OC_BUILD_ROOT" --destdir "$dest" --no-rebuild --quiet
pc=$(dirname "$(find "$dest" -name liboutcall.pc | head -n 1)")
expect_ok "liboutcall.pc is installed" test -f "$pc/liboutcall.pc"
export PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$dest
# A sanitizer build's library needs the sanitizer runtimes loaded first:
# the example is then built with them too, and checked for reports below.
san=""
[ "${OC_SANITIZED:-0}" = 1 ] && san="-fsanitize=address,undefined"
expect_ok "the example builds against the installed library" sh -c \
	"cc -std=c17 -Wall -Wextra -Werror $san -o '$LAB_DIR/orchestrator' '$OC_SOURCE_ROOT/examples/embed/orchestrator.c' \
	\$(pkg-config --cflags --libs liboutcall) -lpthread"
# With a sysroot, pkg-config already prefixes libdir with it.
libdir=$(pkg-config --variable=libdir liboutcall)
expect_ok "the example links the shared library" sh -c \
	"LD_LIBRARY_PATH='$libdir' ldd '$LAB_DIR/orchestrator' | grep -q 'liboutcall.so.0 => $dest'"

oc_rule 10-embed.yaml 'version: "1"
rules:
  - id: web
    condition: network.hostname == "web.lab.test"
    action: allow'
lab_agent e1
lab_bg host notify python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(120)
print("got", s.recv(256).decode(), flush=True)' "$LAB_DIR/notify.sock"
lab_wait 30 "notify socket" test -S "$LAB_DIR/notify.sock"
lab_bg host embed env NOTIFY_SOCKET="$LAB_DIR/notify.sock" LD_LIBRARY_PATH="$libdir" "$LAB_DIR/orchestrator" \
	"$OC_RULES" "$LAB_DIR/state" "$LAB_DIR/run" "$(lab_netns e1)" e1-7 \
	"dns-upstream=$LAB_IP_DNS" "private-ranges=$OC_LAB_PRIVATE" drain-ms=100 docker-socket=
lab_wait 20 "the orchestrator attached e1" grep -q "attached e1-7 as agent e1" "$LAB_DIR/embed.log"
expect_ok "allowed request" lab_curl e1 http://web.lab.test/
expect_status "blocked request" 22 lab_curl e1 --resolve "evil.lab.test:80:$LAB_IP_EVIL" http://evil.lab.test/
expect_ok "the callback saw the allowed request" lab_poll 5 \
	grep -q "http e1 allow web.lab.test rule=web" "$LAB_DIR/embed.log"
expect_ok "the callback saw the blocked request" lab_poll 5 \
	grep -q "http e1 block evil.lab.test rule=default" "$LAB_DIR/embed.log"
expect_status "the library sent nothing to \$NOTIFY_SOCKET" 1 grep -q "got" "$LAB_DIR/notify.log"
lab_stop embed TERM
expect_eq "it stops cleanly on SIGTERM" 0 "$LAB_STOP_STATUS"
expect_ok "and says so" grep -q "^stopped$" "$LAB_DIR/embed.log"
expect_nomatch "the library ran clean under the sanitizers (when built with them)" \
	'ERROR: (Address|Leak)Sanitizer|runtime error:' "$(cat "$LAB_DIR/embed.log")"
lab_done
