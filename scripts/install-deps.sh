#!/bin/bash
# Installs, from Debian's archive, what Berth and its test suite use and the machine lacks. Idempotent.
set -eu
need=()
have() { command -v "$1" >/dev/null 2>&1; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
have gcc || have clang || need+=(gcc)
pkg_installed zlib1g-dev || need+=(zlib1g-dev)
# berth-init (docker run --init) is a static C program, built against musl.
have musl-gcc || need+=(musl-tools)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 && [ -z "$(ldd /bin/busybox 2>/dev/null | grep '=>')" ] || need+=(busybox-static)
have runc || need+=(runc)
have ip || need+=(iproute2)
# Berth's firewall: nftables through libnftables (and nft for looking at it).
pkg_installed libnftables1 && have nft || need+=(nftables)
# The fallback where nftables is missing, and its tests: iptables-legacy-restore and -save.
[ -x /usr/sbin/iptables-legacy-restore ] || have iptables-legacy-restore || need+=(iptables)
have curl || need+=(curl)
pkg_installed libsqlite3-0 || need+=(libsqlite3-0)
# The docker CLI is the client users bring; Debian's docker.io provides one where none is installed.
have docker || need+=(docker.io)
# skopeo: a registry client no one here wrote, for the registry's interoperability tests.
have skopeo || need+=(skopeo)
# htpasswd -B: the registry's authentication tests write their htpasswd files with the real tool.
have htpasswd || need+=(apache2-utils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: missing Debian packages: ${need[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
