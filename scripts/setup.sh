#!/usr/bin/env bash
# Installs what callsentry needs that this Debian 12 machine lacks (as root),
# then builds it into build/ (release). Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  g++ clang libclang-rt-14-dev meson ninja-build pkg-config
  libdpdk-dev dpdk-dev libhyperscan-dev libzmq3-dev cppzmq-dev libssl-dev libpcap-dev
  libyaml-cpp-dev libcli11-dev rapidjson-dev libfmt-dev libgtest-dev libbenchmark-dev
  tcpreplay iproute2
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: run as root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build callsentry callsentry-gen callsentry-sub callsentry-sigcheck >/dev/null
