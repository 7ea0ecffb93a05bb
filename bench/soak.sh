#!/usr/bin/env bash
# The fault soak (issue #11; on demand, not in CI): SOAK_DURATION seconds of wrk load — non-streamed chat and
# streams at once — through batond while the fake upstream cycles faults (429 storms with Retry-After, cut
# and closed connections, stalls, drips slower than the idle timeout, garbage, hangs, half-JSON, slow heads,
# in-band error and malformed events, 500s) over two deployments of one group and a fallback group, one of
# the three always healthy (bench/soak.py says how). Writes a markdown report to SOAK_OUT and prints it:
# requests served, 5xx a healthy candidate could have served (target 0), streams ended without [DONE] or an
# error event (target 0), RSS and descriptors at start and end, sanitizer reports.
#
#   bench/soak.sh                          # build/batond
#   SOAK_ASAN=1 bench/soak.sh              # an ASan+UBSan build of batond in build-asan/ (clang, scripts/sanitized-build.sh; built when missing)
#
# Knobs (environment):
#   SOAK_DURATION=300 SOAK_PHASE=10        seconds of load; seconds per fault phase
#   SOAK_CONNECTIONS=8                     connections of each of the two wrk runs (chat, stream)
#   SOAK_THREADS=2                         batond reactor threads
#   SOAK_ASAN=1                            run the ASan+UBSan build (BATOND=path overrides either)
#   SOAK_OUT=bench/results/soak-latest.md  (soak-asan-latest.md with SOAK_ASAN=1)
#   SOAK_KEEP_TMP=1                        keep the temporary directory (configs, logs, wrk output)
#
# Exit status: 0 when every target was met, 1 otherwise (the report says which).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

: "${SOAK_DURATION:=300}"
: "${SOAK_PHASE:=10}"
: "${SOAK_CONNECTIONS:=8}"
: "${SOAK_THREADS:=2}"
if [ -n "${SOAK_ASAN:-}" ]; then
    : "${SOAK_OUT:=bench/results/soak-asan-latest.md}"
else
    : "${SOAK_OUT:=bench/results/soak-latest.md}"
fi

log() { printf 'soak: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
helper() { python3 "$repo/bench/bench.py" "$@"; }
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

# --- binaries ------------------------------------------------------------------------------------------------
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/work}
if [ -z "${BATOND:-}" ]; then
    if [ -n "${SOAK_ASAN:-}" ]; then
        if [ ! -x build-asan/batond ]; then
            log "building an ASan+UBSan batond in build-asan/"
            bash scripts/sanitized-build.sh address batond >&2
        fi
        BATOND=$repo/build-asan/batond
    else
        [ -x build/batond ] || BATON_TESTS=OFF BATON_TARGETS="batond fake_upstream" bash scripts/build.sh >&2
        BATOND=$repo/build/batond
    fi
fi
[ -x build/fake_upstream ] || BATON_TESTS=OFF BATON_TARGETS="fake_upstream" bash scripts/build.sh >&2
: "${FAKE_UPSTREAM:=$repo/build/fake_upstream}"
for tool in wrk python3; do command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup.sh)"; done

# --- temporary directory; everything started here is stopped on exit -----------------------------------------
tmp=$(mktemp -d /tmp/baton-soak.XXXXXX)
pids=()
kill_tree() {
    local child
    for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
    kill -TERM "$1" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill_tree "$pid"; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${SOAK_KEEP_TMP:-}" ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Copies under names of their own: a relink of build/ during the run changes nothing, and nobody's clean-up
# by name stops them.
mkdir -p "$tmp/bin" "$tmp/out"
cp "$BATOND" "$tmp/bin/soak-gateway"
cp "$FAKE_UPSTREAM" "$tmp/bin/soak-upstream"

# --- fake upstream --------------------------------------------------------------------------------------------
"$tmp/bin/soak-upstream" --listen 127.0.0.1:0 --threads 2 --exit-with-parent >"$tmp/fake.out" 2>"$tmp/fake.err" &
fake_pid=$!
pids+=("$fake_pid")
for _ in $(seq 100); do grep -q '^listening ' "$tmp/fake.out" && break; sleep 0.05; done
fake_addr=$(awk '/^listening /{print $2; exit}' "$tmp/fake.out")
[ -n "$fake_addr" ] || die "fake_upstream did not start: $(cat "$tmp/fake.err")"
fake="http://$fake_addr"
for name in d1 d2 f1; do helper put-script "$fake" "$name" '{"stream":{"chunks":8,"interval_ms":5}}'; done

# --- batond ---------------------------------------------------------------------------------------------------
# Short attempt timeouts, so that hangs and stalls fail over quickly; cooldowns short enough that a
# recovered deployment is used again within a phase.
sanitizers=""
case "$BATOND" in *asan*) sanitizers="address,undefined" ;; esac
export ASAN_OPTIONS="log_path=$tmp/out/sanitizer:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$tmp/out/sanitizer:print_stacktrace=1"
start_batond() {
    baton_port=$(helper freeport)
    cat >"$tmp/baton.yaml" <<EOF
model_list:
  - model_name: chat
    litellm_params: {model: openai/soak-d1, api_base: "$fake/d1/v1", api_key: sk-soak-d1, timeout: 2, stream_timeout: 1}
    model_info: {id: d1}
  - model_name: chat
    litellm_params: {model: openai/soak-d2, api_base: "$fake/d2/v1", api_key: sk-soak-d2, timeout: 2, stream_timeout: 1}
    model_info: {id: d2}
  - model_name: backup
    litellm_params: {model: openai/soak-f1, api_base: "$fake/f1/v1", api_key: sk-soak-f1, timeout: 2, stream_timeout: 1}
    model_info: {id: f1}
router_settings:
  fallbacks: [{chat: [backup]}]
  allowed_fails: 2
  cooldown_time: 1
  retry_after_cap: 2
  stream_idle_timeout: 1
general_settings:
  listen: 127.0.0.1:$baton_port
  threads: $SOAK_THREADS
  log_level: info
EOF
    "$tmp/bin/soak-gateway" --config "$tmp/baton.yaml" >"$tmp/batond.out" 2>"$tmp/out/batond.log" &
    baton_pid=$!
    pids+=("$baton_pid")
    wait_listening "$baton_pid" "$baton_port" 30
}
for attempt in 1 2 3; do
    start_batond && break
    kill "$baton_pid" 2>/dev/null || true
    [ "$attempt" = 3 ] && die "batond did not start: $(tail -5 "$tmp/out/batond.log")"
done
log "batond on 127.0.0.1:$baton_port (pid $baton_pid), fake upstream on $fake_addr"

helper body "$tmp/chat.json" chat 0 256
helper body "$tmp/stream.json" chat 1 256
url="http://127.0.0.1:$baton_port/v1/chat/completions"
helper check "$url" "$tmp/chat.json" chat 0 >/dev/null || die "a plain chat request failed before the soak"
helper check "$url" "$tmp/stream.json" stream 8 >/dev/null || die "a plain stream failed before the soak"

python3 - "$tmp/out/meta.json" <<EOF
import json, platform, os, subprocess, sys, time
rev = subprocess.run(["git", "-C", "$repo", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "duration": $SOAK_DURATION,
           "phase": $SOAK_PHASE, "threads": $SOAK_THREADS, "rev": rev or "?",
           "binary": "$BATOND".replace("$repo/", ""), "sanitizers": "$sanitizers",
           "machine": f"{os.cpu_count()} cores, {platform.machine()}, load average {os.getloadavg()[0]:.1f} at start"},
          open(sys.argv[1], "w"))
EOF

# --- the load and the faults ------------------------------------------------------------------------------------
log "soaking for ${SOAK_DURATION}s (a phase every ${SOAK_PHASE}s)"
python3 bench/soak.py schedule --fake "$fake" --pid "$baton_pid" --duration "$SOAK_DURATION" \
    --phase "$SOAK_PHASE" --out "$tmp/out" &
sched_pid=$!
pids+=("$sched_pid")
for kind in chat stream; do
    SOAK_BODY_FILE="$tmp/$kind.json" SOAK_KIND=$kind wrk -t1 -c"$SOAK_CONNECTIONS" -d"${SOAK_DURATION}s" \
        --timeout 30s -s bench/soak.lua "$url" >"$tmp/out/wrk-$kind.out" 2>&1 &
    pids+=("$!")
done
wait "$sched_pid"
for pid in "${pids[@]:3}"; do wait "$pid" || true; done

# --- the end: a drain, then the report ----------------------------------------------------------------------------
kill -TERM "$baton_pid"
for _ in $(seq 600); do kill -0 "$baton_pid" 2>/dev/null || break; sleep 0.1; done
wait "$baton_pid" 2>/dev/null || log "batond exited with status $?"
mkdir -p "$(dirname "$SOAK_OUT")"
python3 bench/soak.py report "$tmp/out" "$SOAK_OUT"
