#!/bin/bash
# Runs the README's two commands the way a new user meets them: as root in
# a fresh Debian 12 (bookworm) minbase root, in a clean clone of this
# repository's HEAD at /root/outcall with /root at mode 700. Each command
# gets its own copy of the pristine root, so neither profits from what the
# other installed. Catches install steps that only this machine has.
#
# Usage: scripts/fresh-check.sh [--cache DIR] [--rebuild] [demo|test|both|package]
#   --cache DIR  where the pristine root is kept as a tarball
#                (default /var/tmp/outcall-fresh); made once with
#                debootstrap, reused afterwards
#   --rebuild    make the pristine root again
#   demo         scripts/demo.sh (with OC_DEMO_ONCE=1: it ends after the demo)
#   test         scripts/test.sh, whose last line is "N passed, N failed"
#   both         demo, then test (the default)
#   package      dist/check/package.sh: build the Debian packages there,
#                lintian, `apt install ./outcall_*.deb`, check what they
#                installed; then boot that root with systemd as PID 1
#                (systemd-nspawn, private network) where dist/check/service.sh
#                runs the installed unit with all its hardening
# Environment: OC_DEBIAN_MIRROR (default: debootstrap's own).
# Needs root and Debian's mirror; installs debootstrap and systemd-nspawn
# here if they are missing.
# Exit status: that of the last command run (non-zero if either failed).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cache=/var/tmp/outcall-fresh
rebuild=0
what=both
while [ $# -gt 0 ]; do
	case "$1" in
	--cache) cache=$2; shift 2 ;;
	--cache=*) cache=${1#*=}; shift ;;
	--rebuild) rebuild=1; shift ;;
	demo|test|both|package) what=$1; shift ;;
	-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "fresh-check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-check.sh: run as root (chroot and mounts)" >&2; exit 2; }
# Its own tools, on this (not the fresh) machine.
for tool in debootstrap:debootstrap systemd-nspawn:systemd-container; do
	command -v "${tool%%:*}" >/dev/null && continue
	echo "fresh-check.sh: installing ${tool#*:}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null || {
		echo "fresh-check.sh: cannot install ${tool#*:}; install it and run again" >&2; exit 2; }
done

tarball=$cache/bookworm-minbase.tar
mkdir -p "$cache"
if [ "$rebuild" = 1 ] || [ ! -s "$tarball" ]; then
	echo "fresh-check.sh: making the pristine root (debootstrap --variant=minbase bookworm)"
	tmp=$cache/make.$$
	rm -rf "$tmp"
	debootstrap --variant=minbase bookworm "$tmp" ${OC_DEBIAN_MIRROR:+"$OC_DEBIAN_MIRROR"} >"$cache/debootstrap.log" 2>&1 || {
		echo "fresh-check.sh: debootstrap failed; see $cache/debootstrap.log" >&2
		tail -n 20 "$cache/debootstrap.log" >&2
		rm -rf "$tmp"; exit 1; }
	tar -C "$tmp" -cf "$tarball.new" . && mv "$tarball.new" "$tarball"
	rm -rf "$tmp"
fi

root=""
cleanup() {
	[ -n "$root" ] || return 0
	# Anything a test left mounted below the root (namespaces, overlays)
	# goes with it; lazy, so a busy mount cannot keep the copy.
	umount -R -l "$root" 2>/dev/null
	rm -rf --one-file-system "$root"
	root=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run NAME COMMAND [KEEP]: COMMAND in a new copy of the root, in the
# clone; with KEEP the copy stays (unmounted) for boot().
run() {
	local name=$1 cmd=$2 keep=${3:-} rc
	root=$(mktemp -d "$cache/root.$name.XXXXXX")
	tar -C "$root" -xf "$tarball" || return 1
	# Docker's and the lab's mounts must not propagate back to the host.
	mount --bind "$root" "$root" && mount --make-private "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
	mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
	mount -t tmpfs tmpfs "$root/run"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	chmod 700 "$root/root"
	git clone -q "$here" "$root/root/outcall" || return 1
	echo "fresh-check.sh: $name: $cmd (log: $cache/$name.log)"
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb CI="${CI:-}" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		OC_DEMO_ONCE=1 /bin/bash -c "cd /root/outcall && $cmd" </dev/null >"$cache/$name.log" 2>&1
	rc=$?
	tail -n 15 "$cache/$name.log"
	echo "fresh-check.sh: $name exited $rc"
	if [ -n "$keep" ] && [ $rc -eq 0 ]; then
		umount -R "$root"
	else
		cleanup
	fi
	return $rc
}

# boot: starts the root left by run with systemd as PID 1 (--keep-unit and
# --register=no: no host systemd or D-Bus is needed); the unit that
# package.sh installed runs service.sh once and powers off. Bounded.
boot() {
	echo "fresh-check.sh: booting the root with systemd (log: $cache/boot.log)"
	timeout 300 systemd-nspawn --quiet --register=no --keep-unit --private-network --boot \
		--directory="$root" </dev/null >"$cache/boot.log" 2>&1
	echo "fresh-check.sh: boot ended ($?)"
	cp "$root/root/service-check.log" "$cache/service.log" 2>/dev/null
	cat "$cache/service.log" 2>/dev/null || { tail -n 30 "$cache/boot.log"; return 1; }
	tail -n 1 "$cache/service.log" | grep -q ' 0 failed$'
}

status=0
case "$what" in
demo|both) run demo scripts/demo.sh || status=1 ;;
esac
case "$what" in
test|both) run test scripts/test.sh || status=1 ;;
package)
	if run package dist/check/package.sh keep; then
		boot || status=1
	else
		status=1
	fi
	cleanup ;;
esac
exit $status
