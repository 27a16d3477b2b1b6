#!/bin/bash
# Runs inside a fresh Debian 12 root (scripts/fresh-check.sh package), in a
# clean clone: builds the Debian packages as a new packager would, checks
# them with lintian, installs them with apt and checks what they installed.
# Then it prepares the root for the booted check (service.sh runs under
# systemd as PID 1 there). Prints "package: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
CHECK_NAME=package
. dist/check/lib.sh
# must: a check the rest depends on; without it the rest only adds noise.
must() {
	check "$@" && return 0
	summary
	exit 1
}

scripts/deps.sh package || { echo "package: deps.sh failed"; exit 1; }
must "dpkg-buildpackage -us -uc -b" env DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -Pnocheck
check "lintian reports no errors" lintian --fail-on error ../outcall_*_amd64.changes
cat /tmp/check.out
export DEBIAN_FRONTEND=noninteractive
# systemd comes with the install, as on a real host; policy-rc.d keeps
# maintainer scripts from starting anything inside the chroot.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
must "apt install ./outcall_*.deb (and the library packages)" \
	apt-get install -y -qq ../outcall_*_amd64.deb ../liboutcall0_*_amd64.deb ../liboutcall-dev_*_amd64.deb \
	systemd systemd-sysv dbus iproute2 dnsutils gcc libc6-dev pkg-config
rm -f /usr/sbin/policy-rc.d
check "outcall --version runs" outcall --version
check "outcalld --version runs" outcalld --version
check "outcall-shim is static and runs" sh -c '/usr/lib/outcall/outcall-shim --help >/dev/null && ! ldd /usr/lib/outcall/outcall-shim'
check "the unit is installed" test -f /usr/lib/systemd/system/outcalld.service
check "the unit names installed programs" sh -c 'grep "^Exec" /usr/lib/systemd/system/outcalld.service | grep -v "/usr/local" | grep -q /usr/sbin/outcalld'
check "the man pages are installed" test -f /usr/share/man/man8/outcalld.8.gz -a -f /usr/share/man/man1/outcall.1.gz \
	-a -f /usr/share/man/man5/outcalld.conf.5.gz -a -f /usr/share/man/man5/outcall-rules.5.gz \
	-a -f /usr/share/man/man1/outcall-shim.1.gz
check "bash completion is installed" grep -q _outcall /usr/share/bash-completion/completions/outcall
check "zsh completion is installed" grep -q "#compdef outcall" /usr/share/zsh/vendor-completions/_outcall
check "fish completion is installed" grep -q "complete -c outcall" /usr/share/fish/vendor_completions.d/outcall.fish
check "the starter rules validate" outcall rules validate /etc/outcall/rules.d
check "the operator group comes from sysusers.d" grep -q '^g outcall' /usr/lib/sysusers.d/outcall.conf
check "pkg-config finds liboutcall" pkg-config --modversion liboutcall
check "a program builds against the installed library" sh -c '
	printf "#include <outcall/outcall.h>\n#include <stdio.h>\nint main(void){puts(oc_version());return 0;}\n" >/tmp/v.c &&
	cc /tmp/v.c $(pkg-config --cflags --libs liboutcall) -o /tmp/v && /tmp/v'

# The booted check: systemd starts service.sh once, then powers off.
install -m 0755 dist/check/service.sh /root/service-check.sh
install -m 0644 dist/check/lib.sh /root/lib.sh
cat >/etc/systemd/system/outcall-check.service <<'EOF'
[Unit]
Description=Outcall service check
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/root/service-check.sh
StandardOutput=file:/root/service-check.log
StandardError=inherit
ExecStopPost=/bin/systemctl --no-block poweroff
EOF
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sf /etc/systemd/system/outcall-check.service /etc/systemd/system/multi-user.target.wants/
summary
