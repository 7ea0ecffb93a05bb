#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of baton from Debian's packages.
# Idempotent: packages already present are not touched, and apt-get runs only when something is missing.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config clang-format
    libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libboost-url1.81-dev
    libssl-dev libyaml-cpp-dev libsqlite3-dev libsystemd-dev
    nginx-light wrk curl ca-certificates
    clang libclang-rt-14-dev  # the fuzzers: clang and libFuzzer (scripts/fuzz.sh)
)
# Node.js runs the end-to-end test with the official openai client; a machine that already has node and
# npm (from any source) keeps them, a fresh Debian 12 gets Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
