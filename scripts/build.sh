#!/usr/bin/env bash
# Builds baton (and, with BATON_TESTS=ON, its tests) into build/ with ccache. Asio and Beast are compiled
# once into one static library; only what changed is rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
build_dir=${BATON_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBATON_TESTS="${BATON_TESTS:-ON}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" ${BATON_TARGETS:+--target $BATON_TARGETS}
