#!/usr/bin/env bash
# Configures and builds a clang build with sanitizers, for the fuzz, asan and tsan tiers of scripts/test.sh:
#   bash scripts/sanitized-build.sh address <targets...>   build-asan/: ASan+UBSan, with the libFuzzer targets
#                                                          (BATON_FUZZ=ON); the fuzz and asan tiers share it,
#                                                          so the pure libraries are compiled once for both
#   bash scripts/sanitized-build.sh thread <targets...>    build-tsan/: TSan
# Clang, not GCC: the same targets compile 3-4 times faster under the sanitizers (docs/testing.md, "Time").
# BATON_ASAN_DIR and BATON_TSAN_DIR choose other directories.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=$1
shift
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
case "$kind" in
address)
    dir=${BATON_ASAN_DIR:-build-asan}
    flags=(-DBATON_FUZZ=ON -DBATON_SANITIZE=address,undefined)
    ;;
thread)
    dir=${BATON_TSAN_DIR:-build-tsan}
    flags=(-DBATON_SANITIZE=thread)
    ;;
*)
    echo "sanitized-build.sh: address or thread, not '$kind'" >&2
    exit 2
    ;;
esac
CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" --target "$@"
