#!/usr/bin/env bash
# README command 2: install what is missing, build everything, run the whole test suite: unit,
# integration (real batond, fake upstream, nginx on 127.0.0.1), end-to-end (official openai npm client),
# then the pure unit tests again under ASan+UBSan and the multi-threaded ones under TSan. First of all, the
# C++ files changed since the base commit must match .clang-format (scripts/check-format.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check-format.sh
bash scripts/build.sh
if [ ! -d tests/e2e/node_modules ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
ctest --test-dir build --output-on-failure -j 2 --timeout 600

# Sanitizers over the pure and observability code (fast: no Asio in these targets).
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
unit_targets="routing_tests streaming_tests providers_tests call_tests config_tests ops_tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBATON_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j "$(nproc)" --target $unit_targets
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --test-dir build-asan --output-on-failure -j 2 -L unit -LE asio
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBATON_SANITIZE=thread >/dev/null
cmake --build build-tsan -j "$(nproc)" --target routing_tests ops_tests
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -R '^(routing_tests|ops_tests)$'
