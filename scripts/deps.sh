#!/bin/sh
# Installs every Debian 12 package Outcall needs to build, test and run the
# demo. Idempotent: packages already present are not touched.
# Usage: scripts/deps.sh [build|run|test|package|bench]   (default: test)
set -eu
what=${1:-test}

build_pkgs="meson ninja-build pkg-config gcc libc6-dev libnftnl-dev libmnl-dev
  libcyaml-dev libyaml-dev libldns-dev libjansson-dev libpcre2-dev"
# Run time of the demo: the kernel tools the lab uses and its fake internet.
# The demo runs in the same network-namespace lab as the e2e tests.
run_pkgs="nftables iproute2 dnsmasq-base nginx-light openssl ca-certificates curl procps
  dnsutils tcpdump python3 util-linux"
# mbedTLS: the TLS unit test's real client; abigail-tools: the ABI check;
# zsh and fish: the syntax check of their completion scripts; faketime:
# t_faults_clock moves outcalld's wall clock (libfaketime).
test_pkgs="libcriterion-dev libmbedtls-dev abigail-tools clang libclang-rt-14-dev wget socat
  busybox-static python3 jq docker.io zsh fish faketime"
# Building and checking the Debian package (dpkg-buildpackage, lintian).
package_pkgs="build-essential debhelper dpkg-dev fakeroot lintian"
bench_pkgs="dnsperf dnsmasq-base unbound squid tinyproxy wrk hyperfine"

case "$what" in
build) pkgs="$build_pkgs" ;;
run) pkgs="$build_pkgs $run_pkgs" ;;
test) pkgs="$build_pkgs $run_pkgs $test_pkgs" ;;
package) pkgs="$build_pkgs $package_pkgs" ;;
bench) pkgs="$build_pkgs $run_pkgs $test_pkgs $bench_pkgs" ;;
*) echo "usage: $0 [build|run|test|package|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root (or with sudo) to install them" >&2
	exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# nginx and dnsmasq must not start system services: the lab runs its own.
# policy-rc.d stops Debian's maintainer scripts from starting daemons.
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
if [ "$had_policy" = 0 ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
[ "$had_policy" = 0 ] && rm -f /usr/sbin/policy-rc.d
exit 0
