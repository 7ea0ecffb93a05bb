#!/usr/bin/env bash
# baton vs nginx: one command that builds what is missing, starts a fake OpenAI upstream, batond and nginx
# on 127.0.0.1 (ephemeral ports, everything in a temporary directory), drives each with wrk, and writes a
# markdown report to bench/results/latest.md. See docs/performance.md for what is measured and how to read it.
#
#   bench/run.sh
#
# Targets (same fake upstream behind each):
#   direct  wrk → fake_upstream                      (baseline)
#   nginx   wrk → nginx (conf/nginx/baton.conf, 1 worker, keep-alive upstream) → fake_upstream
#   baton   wrk → batond (threads: 1)                → fake_upstream
# Scenarios:
#   chat    non-streamed chat completion
#   stream  streamed chat completion, BENCH_STREAM_CHUNKS content chunks BENCH_STREAM_INTERVAL_MS apart
#           (0: back to back, so a proxy may read and write several events at once)
#   paced   the same stream with BENCH_PACED_INTERVAL_MS between events, as a model produces them: every
#           event is read and written on its own, so CPU per event is what a real stream costs
#   stream-off, paced-off   baton only: the same streams with `"stream_failover": "off"` in the body, to
#           show what the failover bookkeeping (keeping the relayed text) costs a stream that never fails
#   anthropic, anthropic-stream, anthropic-paced   baton only: chat, stream and paced through an
#           `anthropic/` deployment on the same fake upstream (its Messages API dialect): the request is
#           translated, and the answer or every stream event back; the report sets each against its OpenAI
#           passthrough (goal: within 1.3× per request and per event, issue #13)
#   ttft    time to first token: sequential streamed requests from a raw-socket client (bench/bench.py)
#
# Knobs (environment):
#   BENCH_DURATION=10s BENCH_WARMUP=2s BENCH_CONNECTIONS=16 BENCH_WRK_THREADS=1
#   BENCH_ROUNDS=3            rounds per scenario and target, interleaved (direct, nginx, baton, direct, ...);
#                             the report shows the median (the machine is shared: one round can be unlucky)
#   BENCH_STREAM_CHUNKS=20 BENCH_STREAM_INTERVAL_MS=0 BENCH_PACED_INTERVAL_MS=2 BENCH_PROMPT_BYTES=256
#   BENCH_TTFT_REQUESTS=200 BENCH_TTFT_CHUNKS=3 BENCH_TTFT_INTERVAL_MS=5
#   BENCH_SCENARIOS="chat stream stream-off paced paced-off ttft" BENCH_TARGETS="direct nginx baton"
#   BENCH_MAX_ERRORS=5        errors (non-2xx, socket errors) tolerated per run before the exit status is 1
#   BENCH_OUT=bench/results/latest.md
#   BATOND=path FAKE_UPSTREAM=path   use these binaries (nothing is built); default: build/batond and
#                             build/fake_upstream, built with scripts/build.sh when missing
#   BENCH_BUILD=1             call scripts/build.sh even when both binaries exist (BATON_TESTS=OFF: it
#                             reconfigures build/ without the test targets)
#   BENCH_SKIP_BUILD=1        never call scripts/build.sh (the binaries must exist)
#   BENCH_KEEP_TMP=1          keep the temporary directory (configs, logs, raw wrk output)
#   BENCH_PERF=1              afterwards, profile batond and the nginx worker with `perf record -e cpu-clock`
#                             during one more wrk run per scenario (BENCH_PERF_SECONDS=5); flat and inclusive
#                             profiles are written next to BENCH_OUT as perf-<scenario>-<target>.txt
#
# Exit status: 0 when every run completed with at most BENCH_MAX_ERRORS errors, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

: "${BENCH_DURATION:=10s}"
: "${BENCH_WARMUP:=2s}"
: "${BENCH_CONNECTIONS:=16}"
: "${BENCH_WRK_THREADS:=1}"
: "${BENCH_ROUNDS:=3}"
: "${BENCH_STREAM_CHUNKS:=20}"
: "${BENCH_STREAM_INTERVAL_MS:=0}"
: "${BENCH_PACED_INTERVAL_MS:=2}"
: "${BENCH_PROMPT_BYTES:=256}"
: "${BENCH_TTFT_REQUESTS:=200}"
: "${BENCH_TTFT_CHUNKS:=3}"
: "${BENCH_TTFT_INTERVAL_MS:=5}"
: "${BENCH_SCENARIOS:=chat stream stream-off paced paced-off anthropic anthropic-stream anthropic-paced ttft}"
: "${BENCH_TARGETS:=direct nginx baton}"
: "${BENCH_MAX_ERRORS:=5}"
: "${BENCH_OUT:=bench/results/latest.md}"
export BENCH_ROUNDS BENCH_DURATION BENCH_WARMUP BENCH_CONNECTIONS BENCH_STREAM_CHUNKS BENCH_STREAM_INTERVAL_MS \
    BENCH_PACED_INTERVAL_MS \
    BENCH_TTFT_REQUESTS BENCH_TTFT_CHUNKS BENCH_TTFT_INTERVAL_MS

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
helper() { python3 "$repo/bench/bench.py" "$@"; }
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

# --- build what is missing ------------------------------------------------------------------------------
# build/ is shared with whoever else works in this checkout: scripts/build.sh (which also reconfigures with
# BATON_TESTS=OFF) runs only when a binary is missing, or when BENCH_BUILD=1 asks for it.
if [ -z "${BATOND:-}" ] || [ -z "${FAKE_UPSTREAM:-}" ]; then
    if [ -n "${BENCH_BUILD:-}" ] || [ ! -x build/batond ] || [ ! -x build/fake_upstream ]; then
        if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
            log "building batond and fake_upstream (scripts/build.sh)"
            BATON_TESTS=OFF BATON_TARGETS="batond fake_upstream" bash scripts/build.sh >&2
        fi
    else
        newer=$(find net daemon routing streaming -newer build/batond -name '*.[ch]pp' 2>/dev/null | head -3 | tr '\n' ' ')
        [ -z "$newer" ] || log "warning: build/batond is older than $newer(BENCH_BUILD=1 rebuilds it first)"
    fi
fi
: "${BATOND:=$repo/build/batond}"
: "${FAKE_UPSTREAM:=$repo/build/fake_upstream}"
[ -x "$BATOND" ] || die "no batond at $BATOND"
[ -x "$FAKE_UPSTREAM" ] || die "no fake_upstream at $FAKE_UPSTREAM"
for tool in wrk nginx python3; do
    command -v "$tool" >/dev/null || { bash scripts/setup.sh >&2; break; }
done
for tool in wrk nginx python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

# --- temporary directory, and everything we start is stopped on exit -------------------------------------
tmp=$(mktemp -d /tmp/baton-bench.XXXXXX)
chmod 755 "$tmp"  # nginx workers may run as another user
pids=()
fg_pid=
# Long steps run in the background and are waited for, so that a signal is handled at once (bash runs a
# trap only after the foreground command ends).
fg() {
    "$@" &
    fg_pid=$!
    local rc=0
    wait "$fg_pid" || rc=$?
    fg_pid=
    return "$rc"
}
kill_tree() {  # a process and its descendants, by parent pid (only what this script started)
    local child
    for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
    kill -TERM "$1" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -z "$fg_pid" ] || kill_tree "$fg_pid"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${BENCH_KEEP_TMP:-}" ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The binaries are copied: build/ is shared, and a relink during the run must not change what is measured.
# The copies have names of their own, so that nobody's clean-up of stray `batond`/`fake_upstream`
# processes (by name) stops them in the middle of a run.
mkdir -p "$tmp/bin" "$tmp/results" "$tmp/data"
cp "$BATOND" "$tmp/bin/bench-gateway"
cp "$FAKE_UPSTREAM" "$tmp/bin/bench-upstream"
if [ "$BATOND" = "$repo/build/batond" ]; then
    BENCH_BATOND_LABEL="build/batond"
else
    BENCH_BATOND_LABEL="$BATOND"
fi
BENCH_BATOND_LABEL="$BENCH_BATOND_LABEL, built $(date -u -r "$BATOND" '+%Y-%m-%d %H:%M UTC')"
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$repo" diff --quiet HEAD -- net daemon routing streaming 2>/dev/null || rev="$rev+dirty"
export BENCH_BATON_REV="$rev" BENCH_BATOND_LABEL

# --- fake upstream -----------------------------------------------------------------------------------------
"$tmp/bin/bench-upstream" --listen 127.0.0.1:0 --exit-with-parent >"$tmp/fake.out" 2>"$tmp/fake.err" &
fake_pid=$!
pids+=("$fake_pid")
for _ in $(seq 100); do grep -q '^listening ' "$tmp/fake.out" && break; sleep 0.05; done
fake_addr=$(awk '/^listening /{print $2; exit}' "$tmp/fake.out")
[ -n "$fake_addr" ] || die "fake_upstream did not start: $(cat "$tmp/fake.err")"
fake="http://$fake_addr"
helper put-script "$fake" bench "{\"stream\":{\"chunks\":$BENCH_STREAM_CHUNKS,\"interval_ms\":$BENCH_STREAM_INTERVAL_MS}}"
helper put-script "$fake" paced "{\"stream\":{\"chunks\":$BENCH_STREAM_CHUNKS,\"interval_ms\":$BENCH_PACED_INTERVAL_MS}}"
helper put-script "$fake" ttft "{\"stream\":{\"chunks\":$BENCH_TTFT_CHUNKS,\"interval_ms\":$BENCH_TTFT_INTERVAL_MS}}"
log "fake upstream on $fake_addr (pid $fake_pid)"

# --- batond --------------------------------------------------------------------------------------------------
# The port is picked here (bind to :0, read it, close), which works with any batond build (older ones
# printed their "listening" line only at log_level info). Another process could take the port in between:
# then retry with a new one.
# wait_listening (bench/lib.sh) waits for the process itself to listen on the port.
start_batond() {
    baton_port=$(helper freeport)
    cat >"$tmp/baton.yaml" <<EOF
model_list:
  - model_name: bench
    litellm_params: {model: openai/bench-model, api_base: "$fake/bench/v1", api_key: sk-bench}
  - model_name: paced
    litellm_params: {model: openai/paced-model, api_base: "$fake/paced/v1", api_key: sk-bench}
  - model_name: ttft
    litellm_params: {model: openai/ttft-model, api_base: "$fake/ttft/v1", api_key: sk-bench}
  - model_name: a-bench
    litellm_params: {model: anthropic/bench-model, api_base: "$fake/bench/v1", api_key: sk-bench}
  - model_name: a-paced
    litellm_params: {model: anthropic/paced-model, api_base: "$fake/paced/v1", api_key: sk-bench}
general_settings:
  listen: 127.0.0.1:$baton_port
  threads: 1
  log_level: warning
  data_dir: $tmp/data
EOF
    "$tmp/bin/bench-gateway" --config "$tmp/baton.yaml" >"$tmp/batond.out" 2>"$tmp/batond.log" &
    baton_pid=$!
    pids+=("$baton_pid")
    wait_listening "$baton_pid" "$baton_port"
}
for attempt in 1 2 3; do
    start_batond && break
    kill "$baton_pid" 2>/dev/null || true
    [ "$attempt" = 3 ] && die "batond did not start: $(tail -5 "$tmp/batond.log")"
done
log "batond on 127.0.0.1:$baton_port (pid $baton_pid)"

# --- nginx: the production site, its upstream pointed at the same fake -------------------------------------
start_nginx() {
    nginx_port=$(helper freeport)
    mkdir -p "$tmp/nginx"
    sed -e "s/127\.0\.0\.1:4000/$fake_addr/" -e "s/^\([[:space:]]*\)listen 80;/\1listen 127.0.0.1:$nginx_port;/" \
        conf/nginx/baton.conf >"$tmp/nginx/site.conf"
    grep -q "$fake_addr" "$tmp/nginx/site.conf" && grep -q "listen 127.0.0.1:$nginx_port;" "$tmp/nginx/site.conf" ||
        die "conf/nginx/baton.conf: could not substitute the upstream address or the listen port"
    cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;  # batond at log_level warning writes no access log either
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $tmp/nginx/site.conf;
}
EOF
    nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/stdout" 2>&1 &
    nginx_pid=$!
    pids+=("$nginx_pid")
    wait_listening "$nginx_pid" "$nginx_port"
}
for attempt in 1 2 3; do
    start_nginx && break
    kill "$nginx_pid" 2>/dev/null || true
    [ "$attempt" = 3 ] && die "nginx did not start: $(cat "$tmp/nginx/error.log" "$tmp/nginx/stdout" 2>/dev/null)"
done
nginx_pids="$nginx_pid"
for _ in $(seq 50); do
    workers=$(pgrep -P "$nginx_pid" | tr '\n' ',' | sed 's/,$//')
    [ -n "$workers" ] && break
    sleep 0.05
done
[ -n "$workers" ] || die "no nginx worker process"
nginx_pids="$nginx_pid,$workers"
log "nginx on 127.0.0.1:$nginx_port (master $nginx_pid, worker $workers)"

# --- request bodies and per-target URLs --------------------------------------------------------------------
helper body "$tmp/chat.json" bench 0 "$BENCH_PROMPT_BYTES"
helper body "$tmp/stream.json" bench 1 "$BENCH_PROMPT_BYTES"
helper body "$tmp/paced.json" paced 1 "$BENCH_PROMPT_BYTES"
helper body "$tmp/stream-off.json" bench 1 "$BENCH_PROMPT_BYTES" off
helper body "$tmp/paced-off.json" paced 1 "$BENCH_PROMPT_BYTES" off
helper body "$tmp/ttft.json" ttft 1 "$BENCH_PROMPT_BYTES"
helper body "$tmp/anthropic.json" a-bench 0 "$BENCH_PROMPT_BYTES"
helper body "$tmp/anthropic-stream.json" a-bench 1 "$BENCH_PROMPT_BYTES"
helper body "$tmp/anthropic-paced.json" a-paced 1 "$BENCH_PROMPT_BYTES"
export BENCH_BODY_BYTES=$(stat -c %s "$tmp/chat.json")

url() {  # url TARGET MODEL
    case "$1" in
        direct) echo "$fake/$2/v1/chat/completions" ;;
        nginx) echo "http://127.0.0.1:$nginx_port/$2/v1/chat/completions" ;;
        baton) echo "http://127.0.0.1:$baton_port/v1/chat/completions" ;;
    esac
}
proxy_pids() {
    case "$1" in
        direct) echo "" ;;
        nginx) echo "$nginx_pids" ;;
        baton) echo "$baton_pid" ;;
    esac
}
fake_reported=
alive() {  # the processes a target needs are still running
    if ! kill -0 "$fake_pid" 2>/dev/null; then
        if [ -z "$fake_reported" ]; then
            fake_reported=1
            local st=0
            wait "$fake_pid" 2>/dev/null || st=$?
            log "the fake upstream exited (status $st$([ "$st" -gt 128 ] && echo ", signal $((st - 128))")): $(tail -3 "$tmp/fake.err")"
        fi
        return 1
    fi
    case "$1" in
        nginx) kill -0 "$nginx_pid" 2>/dev/null ;;
        baton) kill -0 "$baton_pid" 2>/dev/null ;;
        *) true ;;
    esac
}

failed=()
fail_target() {  # fail_target TARGET REASON: the target's remaining runs are skipped
    log "FAILED: $1: $2"
    failed+=("$1")
    [ "$1" = baton ] && { log "batond log (last lines):"; tail -20 "$tmp/batond.log" >&2 || true; }
    [ "$1" = nginx ] && { tail -20 "$tmp/nginx/error.log" >&2 || true; }
    return 0
}
is_failed() { [[ " ${failed[*]-} " == *" $1 "* ]]; }

# Sanity: every target answers a chat completion and a full stream as a client expects.
for t in $BENCH_TARGETS; do
    helper check "$(url "$t" bench)" "$tmp/chat.json" chat 0 &&
        helper check "$(url "$t" bench)" "$tmp/stream.json" stream "$BENCH_STREAM_CHUNKS" &&
        alive "$t" || fail_target "$t" "sanity check (see above)"
done
if [[ " $BENCH_TARGETS " == *" baton "* ]] && [[ " $BENCH_SCENARIOS " == *" anthropic"* ]] && ! is_failed baton; then
    helper check "$(url baton bench)" "$tmp/anthropic.json" chat 0 &&
        helper check "$(url baton bench)" "$tmp/anthropic-stream.json" stream "$BENCH_STREAM_CHUNKS" ||
        fail_target baton "sanity check of the Anthropic dialect (see above)"
fi

# Upstream keep-alive: how many upstream connections N sequential requests through each proxy cost.
for t in $BENCH_TARGETS; do
    [ "$t" = direct ] && continue
    is_failed "$t" && continue
    for kind in chat stream; do
        helper reuse --name "$t-$kind" --out "$tmp/results" --url "$(url "$t" bench)" --body "$tmp/$kind.json" \
            --fake "$fake" --model bench --requests 5 || log "upstream reuse check failed for $t ($kind)"
    done
done

# --- load ----------------------------------------------------------------------------------------------------
declare -A metrics_url=([baton]="http://127.0.0.1:$baton_port/metrics")
wrk_common=(-t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" --timeout 10s -s "$repo/bench/post.lua")
events_stream=$((BENCH_STREAM_CHUNKS + 3))
for round in $(seq "$BENCH_ROUNDS"); do
    for scen in $BENCH_SCENARIOS; do
        [ "$scen" = ttft ] && continue
        body="$tmp/$scen.json"
        model=bench
        [ "${scen%-off}" = paced ] && model=paced
        [ "$scen" = anthropic-paced ] && model=paced
        events=1
        [ "$scen" != chat ] && [ "$scen" != anthropic ] && events=$events_stream
        log "round $round/$BENCH_ROUNDS, scenario $scen: wrk -t$BENCH_WRK_THREADS -c$BENCH_CONNECTIONS -d$BENCH_DURATION"
        for t in $BENCH_TARGETS; do
            is_failed "$t" && continue
            # stream_failover is baton's own field: the -off scenarios measure baton only; so do the
            # anthropic ones (only baton translates).
            [ "$scen" != "${scen%-off}" ] && [ "$t" != baton ] && continue
            [ "$scen" != "${scen#anthropic}" ] && [ "$t" != baton ] && continue
            u=$(url "$t" "$model")
            if [ "$round" = 1 ]; then
                BENCH_BODY_FILE="$body" fg timeout 120 wrk "${wrk_common[@]}" -d "$BENCH_WARMUP" "$u" >/dev/null 2>&1 || true
            fi
            helper delete-calls "$fake" || true
            if ! BENCH_BODY_FILE="$body" fg helper wrk --name "$scen-$t-r$round" --key "$scen-$t" --round "$round" \
                --out "$tmp/results" --proxy-pids "$(proxy_pids "$t")" --fake-pid "$fake_pid" --events "$events" \
                ${metrics_url[$t]:+--metrics-url "${metrics_url[$t]}"} \
                -- "${wrk_common[@]}" -d "$BENCH_DURATION" --latency "$u"; then
                fail_target "$t" "wrk run $scen failed"
            fi
            alive direct || die "the fake upstream is gone: later runs would measure nothing"
            helper delete-calls "$fake"
            alive "$t" || fail_target "$t" "process exited during $scen"
        done
    done
done

if [[ " $BENCH_SCENARIOS " == *" ttft "* ]]; then
    log "scenario ttft: $BENCH_TTFT_REQUESTS sequential streams per target ($BENCH_TTFT_CHUNKS chunks, ${BENCH_TTFT_INTERVAL_MS} ms apart)"
    for t in $BENCH_TARGETS; do
        is_failed "$t" && continue
        fg timeout 300 python3 "$repo/bench/bench.py" ttft --name "$t" --out "$tmp/results" --url "$(url "$t" ttft)" \
            --body "$tmp/ttft.json" --requests "$BENCH_TTFT_REQUESTS" ||
            fail_target "$t" "ttft run failed"
        alive "$t" || fail_target "$t" "process exited during ttft"
    done
fi

if [[ " $BENCH_TARGETS " == *" baton "* ]] && ! is_failed baton; then
    helper metrics --out "$tmp/results" --url "http://127.0.0.1:$baton_port/metrics" || true
fi

# --- optional profile (not part of the figures: perf itself costs CPU) -----------------------------------------
if [ -n "${BENCH_PERF:-}" ]; then
    command -v perf >/dev/null || die "BENCH_PERF=1 needs perf (apt-get install linux-perf)"
    perf_dir=$(dirname "$BENCH_OUT")
    mkdir -p "$perf_dir"
    for scen in $BENCH_SCENARIOS; do
        [ "$scen" = ttft ] && continue
        for t in nginx baton; do
            [[ " $BENCH_TARGETS " == *" $t "* ]] && ! is_failed "$t" || continue
            if [ "$t" = nginx ]; then ppids=$workers; else ppids=$baton_pid; fi
            log "profiling $t ($scen) for ${BENCH_PERF_SECONDS:-5}s"
            perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 -p "$ppids" -o "$tmp/perf-$scen-$t.data" \
                -- sleep "${BENCH_PERF_SECONDS:-5}" 2>/dev/null &
            perf_pid=$!
            [ "$scen" != "${scen%-off}" ] && [ "$t" != baton ] && continue
            [ "$scen" != "${scen#anthropic}" ] && [ "$t" != baton ] && continue
            pm=bench
            [ "${scen%-off}" = paced ] && pm=paced
            BENCH_BODY_FILE="$tmp/$scen.json" fg timeout 120 wrk "${wrk_common[@]}" -d "${BENCH_PERF_SECONDS:-5}s" \
                "$(url "$t" "$pm")" >/dev/null 2>&1 || true
            wait "$perf_pid" || true
            {
                echo "# perf record -e cpu-clock -p <$t> during wrk ($scen): self time per symbol"
                perf report -i "$tmp/perf-$scen-$t.data" --stdio --no-children --sort symbol -g none \
                    --percent-limit 0.4 2>/dev/null | grep -v '^$\|^# \.\.\.'
                echo
                echo "# the same, inclusive (children) time per symbol"
                perf report -i "$tmp/perf-$scen-$t.data" --stdio --children --sort symbol -g none \
                    --percent-limit 3 2>/dev/null | grep -v '^$\|^# \.\.\.'
            } | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//; s/[[:space:]]+$//' | cut -c1-400 \
                >"$perf_dir/perf-$scen-$t.txt"
        done
    done
fi

# --- report --------------------------------------------------------------------------------------------------
export BENCH_FAILED="${failed[*]-}"
helper meta "$tmp/results/meta.json"
mkdir -p "$(dirname "$BENCH_OUT")"
helper report "$tmp/results" "$BENCH_OUT" "$BENCH_MAX_ERRORS"
