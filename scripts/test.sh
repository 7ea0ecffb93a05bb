#!/usr/bin/env bash
# README command 2, and CI's (.ci/run): install what is missing, build, and run every tier, each timed:
#   main  the C++ files changed since the base commit must match .clang-format (scripts/check-format.sh);
#         then build/ (RelWithDebInfo): unit, integration (real batond, fake upstream, nginx on 127.0.0.1)
#         and end-to-end (official openai npm client) tests;
#   fuzz  every libFuzzer target on its checked-in corpus, 20 s each (scripts/fuzz.sh), in build-asan/
#         (clang, ASan+UBSan: scripts/sanitized-build.sh);
#   asan  the same build-asan/: the pure unit tests, then the whole integration tier of build/ against a
#         sanitized batond (BATON_DAEMON_DIR);
#   tsan  build-tsan/ (clang, TSan): the multi-threaded unit tests, then the integration tests that run
#         batond on several reactors, against a TSan batond.
# Sanitizer reports go to files: one anywhere — even one no test noticed, like a leak at batond's exit —
# fails the run, and is printed. BATON_TEST_TIERS picks tiers (default "main fuzz asan tsan").
set -euo pipefail
cd "$(dirname "$0")/.."
tiers=" ${BATON_TEST_TIERS:-main fuzz asan tsan} "
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
reports=$(mktemp -d "${TMPDIR:-/tmp}/baton-sanitizers-XXXXXX")
trap 'rm -rf "$reports"' EXIT

# Fails when any sanitized process of the tier wrote a report.
check_reports() {
    if compgen -G "$reports/*" >/dev/null; then
        for f in "$reports"/*; do
            echo "==== sanitizer report $f" >&2
            cat "$f" >&2
        done
        echo "test.sh: sanitizer reports in tier $1" >&2
        exit 1
    fi
}

run_tier() {
    local name=$1
    shift
    case "$tiers" in *" $name "*) ;; *) return 0 ;; esac
    local t0
    t0=$(date +%s)
    "$@"
    echo "test.sh: tier $name passed in $(($(date +%s) - t0)) s" >&2
}

main_tier() {
    bash scripts/setup.sh
    bash scripts/check-format.sh
    bash scripts/build.sh
    if [ ! -d tests/e2e/node_modules ]; then
        (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
    fi
    ctest --test-dir build --output-on-failure -j 2 --timeout 600
}

fuzz_tier() {
    bash scripts/fuzz.sh
}

# The integration tests are test drivers: build/'s binaries run against the sanitized daemon.
integration_against() {
    local dir=$1
    shift
    BATON_DAEMON_DIR=$PWD/$dir ctest --test-dir build --output-on-failure -j 2 --timeout 600 "$@"
}

# The unit tests of pure code (no Asio: fast to build and run under the sanitizers).
asan_units="routing_tests streaming_tests providers_tests call_tests batches_tests keys_tests config_tests ops_tests"

asan_tier() {
    bash scripts/build.sh  # build/'s integration tests drive the sanitized daemon (a no-op after main)
    bash scripts/sanitized-build.sh address $asan_units batond
    export ASAN_OPTIONS=log_path=$reports/asan:detect_leaks=1
    export UBSAN_OPTIONS=log_path=$reports/ubsan:halt_on_error=1:print_stacktrace=1
    ctest --test-dir build-asan --output-on-failure -j 2 -R "^(${asan_units// /|})\$"
    check_reports asan-unit
    integration_against build-asan -L integration
    check_reports asan-integration
    unset ASAN_OPTIONS UBSAN_OPTIONS
}

tsan_tier() {
    bash scripts/build.sh
    bash scripts/sanitized-build.sh thread routing_tests ops_tests keys_tests batond
    export TSAN_OPTIONS=log_path=$reports/tsan:halt_on_error=1:second_deadlock_stack=1
    # health_registry_test, logger_test and local_key_limiter_test start threads; batond_basics and operations run batond on two
    # reactors (reload, drain, metrics gathered across reactors, the shared health registry).
    ctest --test-dir build-tsan --output-on-failure -R '^(routing_tests|ops_tests|keys_tests)$'
    check_reports tsan-unit
    integration_against build-tsan -R '^(batond_basics_tests|operations_tests)$'
    check_reports tsan-integration
    unset TSAN_OPTIONS
}

started=$(date +%s)
run_tier main main_tier
run_tier fuzz fuzz_tier
run_tier asan asan_tier
run_tier tsan tsan_tier
echo "test.sh: every tier passed in $(($(date +%s) - started)) s" >&2
