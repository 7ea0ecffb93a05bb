#!/usr/bin/env bash
# Builds baton's libFuzzer targets (clang, ASan+UBSan, in build-asan/, shared with the asan tier: see
# scripts/sanitized-build.sh) and runs each one on its checked-in corpus (tests/fuzz/corpus/<name>/) for
# BATON_FUZZ_SECONDS seconds (default 20). A crash, a sanitizer report, a leak, an input slower than 10 s or
# over 2 GiB of memory fails the run; the input that did it is kept as build-asan/artifacts/<target>-crash-<sha1>
# (rerun: build-asan/tests/fuzz/<target> <that file>). New interesting inputs go to build-asan/corpus/<name>/,
# never into the checked-in corpus.
#
#   bash scripts/fuzz.sh                                   # every target, 20 s each (scripts/test.sh)
#   BATON_FUZZ_SECONDS=3600 bash scripts/fuzz.sh fuzz_http_request   # one target, an hour
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BATON_FUZZ_SECONDS:-20}
dir=${BATON_ASAN_DIR:-build-asan}
bash scripts/setup.sh
BATON_ASAN_DIR=$dir bash scripts/sanitized-build.sh address fuzzers

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(find "$dir/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x -printf '%f\n' | sort)
fi
mkdir -p "$dir/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=()
for t in "${targets[@]}"; do
    name=${t#fuzz_}
    corpus=tests/fuzz/corpus/$name
    if [ ! -d "$corpus" ]; then
        echo "fuzz: $t has no checked-in corpus ($corpus)" >&2
        failed+=("$t")
        continue
    fi
    mkdir -p "$dir/corpus/$name"
    echo "fuzz: $t for ${seconds}s on $corpus" >&2
    start=$(date +%s)
    if ! "$dir/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/$t-" "$dir/corpus/$name" "$corpus" >"$dir/artifacts/$t.log" 2>&1; then
        tail -n 60 "$dir/artifacts/$t.log" >&2
        failed+=("$t")
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/artifacts/$t.log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz: $t: $runs runs in $(( $(date +%s) - start ))s" >&2
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (inputs and logs in $dir/artifacts/)" >&2
    exit 1
fi
