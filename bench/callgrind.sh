#!/usr/bin/env bash
# User-space instructions per request (issue #9): runs batond under callgrind (threads: 1) in front of the
# fake upstream (127.0.0.1, ephemeral ports, everything in a temporary directory), sends exactly N identical
# requests per scenario on one kept-alive connection, and divides the instructions (Ir) that batond executed
# during those requests by N. Start-up and warm-up are excluded: the counters are zeroed
# (callgrind_control --zero) right before the measured requests and dumped (--dump) right after.
# Instruction counts do not depend on how busy the machine is, so the figures can be compared between runs
# and commits; see docs/performance.md, "Instructions per request (callgrind)".
#
#   bench/callgrind.sh              measure, print a markdown table, write it to BENCH_CG_OUT
#   bench/callgrind.sh --compare    the same, then exit 1 when a scenario costs more than BENCH_CG_TOLERANCE
#                                   percent above bench/callgrind-baseline.txt (or when the rounds disagree)
#
# Nothing is built: batond and fake_upstream are taken from BATON_BUILD_DIR (default build; e.g.
# `BATON_TESTS=OFF bash scripts/build.sh` first).
#
# Scenarios (the shapes of bench/run.sh's):
#   chat    non-streamed chat completion, BENCH_PROMPT_BYTES of prompt
#   a-chat, a-stream   the same two through an `anthropic/` deployment on the same fake upstream: the
#           request is translated to the Messages API, the answer (or each stream event) back (issue #13);
#           the report shows each one's ratio to its OpenAI passthrough, and --compare fails above
#           BENCH_CG_DIALECT_MAX (the fake's Messages stream has 26 events for 20 chunks: message_start,
#           block start, ping, 20 deltas, block stop, message_delta, message_stop)
#   stream  streamed chat completion of the same request: BENCH_STREAM_CHUNKS content chunks, i.e. 23 SSE
#           events to the client (role, 20 contents, finish, [DONE]) and 24 from the upstream (baton asks
#           for the usage event as well), BENCH_CG_STREAM_INTERVAL_MS apart. The default, 5 ms, makes every
#           event arrive on its own, so the work per stream is the same on every run: back to back (bench/
#           run.sh's "stream", 0 ms) the number of events batond reads at once depends on timing, and so does
#           the count; at bench/run.sh's "paced" 2 ms, a loaded machine (batond runs ~50× slower under
#           callgrind) still lets a few events pile up, and two runs disagreed by 0.7 %.
#
# Knobs (environment):
#   BATON_BUILD_DIR=build
#   BENCH_CG_CHAT_REQUESTS=2000 BENCH_CG_STREAM_REQUESTS=300   measured requests per round (N)
#   BENCH_CG_WARMUP_PERCENT=10  requests before the first round of each scenario, in percent of N
#   BENCH_CG_ROUNDS=2           rounds (chat, stream, chat, stream, ... in one batond process); the figure is
#                               the median, and the spread (max − min) ÷ min is shown next to it
#   BENCH_CG_MAX_SPREAD=1       percent; a wider spread between the rounds is reported (and fails --compare):
#                               typically 0.1–0.5 %, from the heap's state (the same mallocs take longer or
#                               shorter paths through glibc's bins) and from whether a read finds its bytes
#                               already there or waits for them
#   BENCH_CG_TOLERANCE=3        percent of growth over the baseline that --compare accepts
#   BENCH_CG_SCENARIOS="chat stream a-chat a-stream"   the scenarios measured (chat and stream are compared
#                               with the baseline; a-chat and a-stream with chat and stream)
#   BENCH_CG_DIALECT_MAX=1.3    the most a translated scenario may cost, as a multiple of its passthrough
#   BENCH_CG_BASELINE=bench/callgrind-baseline.txt
#   BENCH_CG_OUT=bench/results/callgrind-latest.md   (the figures also go to the same name with .txt, in the
#                               baseline's format: `cp bench/results/callgrind-latest.txt bench/callgrind-baseline.txt`
#                               records a new baseline)
#   BENCH_STREAM_CHUNKS=20 BENCH_CG_STREAM_INTERVAL_MS=5 BENCH_PROMPT_BYTES=256
#   BENCH_KEEP_TMP=1            keep the temporary directory (configs, logs, callgrind dumps)
#
# Exit status: 0 when every request was answered as expected (and, with --compare, nothing grew by more than
# the tolerance and the rounds agreed), 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

compare=
for arg in "$@"; do
    case "$arg" in
        --compare) compare=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/callgrind.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

: "${BATON_BUILD_DIR:=build}"
: "${BENCH_CG_CHAT_REQUESTS:=2000}"
: "${BENCH_CG_STREAM_REQUESTS:=300}"
: "${BENCH_CG_WARMUP_PERCENT:=10}"
: "${BENCH_CG_ROUNDS:=2}"
: "${BENCH_CG_MAX_SPREAD:=1}"
: "${BENCH_CG_TOLERANCE:=3}"
: "${BENCH_CG_SCENARIOS:=chat stream a-chat a-stream}"
: "${BENCH_CG_DIALECT_MAX:=1.3}"
: "${BENCH_CG_BASELINE:=bench/callgrind-baseline.txt}"
: "${BENCH_CG_OUT:=bench/results/callgrind-latest.md}"
: "${BENCH_STREAM_CHUNKS:=20}"
: "${BENCH_CG_STREAM_INTERVAL_MS:=5}"
: "${BENCH_PROMPT_BYTES:=256}"

log() { printf 'callgrind: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
helper() { python3 "$repo/bench/bench.py" "$@"; }
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

case "$BATON_BUILD_DIR" in /*) build=$BATON_BUILD_DIR ;; *) build=$repo/$BATON_BUILD_DIR ;; esac
[ -x "$build/batond" ] || die "no batond in $build (build it first: BATON_TESTS=OFF bash scripts/build.sh)"
[ -x "$build/fake_upstream" ] || die "no fake_upstream in $build"
for tool in valgrind callgrind_control python3 ss; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
newer=$(find net daemon routing streaming -newer "$build/batond" -name '*.[ch]pp' 2>/dev/null | head -3 | tr '\n' ' ')
[ -z "$newer" ] || log "warning: $build/batond is older than $newer(rebuild it first?)"

# --- temporary directory, and everything we start is stopped on exit (as in bench/run.sh) ----------------
tmp=$(mktemp -d /tmp/baton-callgrind.XXXXXX)
pids=()
fg_pid=
fg() {  # in the background and waited for, so that a signal is handled at once
    "$@" &
    fg_pid=$!
    local rc=0
    wait "$fg_pid" || rc=$?
    fg_pid=
    return "$rc"
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -z "$fg_pid" ] || kill -TERM "$fg_pid" 2>/dev/null || true
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${BENCH_KEEP_TMP:-}" ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Copies with names of their own: build/ may be relinked during the run, and nobody's clean-up of stray
# `batond` processes (by name) should stop this one.
mkdir -p "$tmp/bin" "$tmp/data" "$tmp/vgdb"
cp "$build/batond" "$tmp/bin/cg-gateway"
cp "$build/fake_upstream" "$tmp/bin/cg-upstream"
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$repo" diff --quiet HEAD -- net daemon routing streaming 2>/dev/null || rev="$rev+dirty"
built=$(date -u -r "$build/batond" '+%Y-%m-%d %H:%M UTC')
loadavg=$(cut -d' ' -f1-3 /proc/loadavg)

# --- fake upstream (not under valgrind: only batond is measured) -----------------------------------------
"$tmp/bin/cg-upstream" --listen 127.0.0.1:0 --exit-with-parent >"$tmp/fake.out" 2>"$tmp/fake.err" &
fake_pid=$!
pids+=("$fake_pid")
for _ in $(seq 100); do grep -q '^listening ' "$tmp/fake.out" && break; sleep 0.05; done
fake_addr=$(awk '/^listening /{print $2; exit}' "$tmp/fake.out")
[ -n "$fake_addr" ] || die "fake_upstream did not start: $(cat "$tmp/fake.err")"
fake="http://$fake_addr"
for name in stream a-stream; do
    helper put-script "$fake" "$name" \
        "{\"stream\":{\"chunks\":$BENCH_STREAM_CHUNKS,\"interval_ms\":$BENCH_CG_STREAM_INTERVAL_MS}}"
done
log "fake upstream on $fake_addr (pid $fake_pid)"

# --- batond under callgrind ------------------------------------------------------------------------------
# Counters run from the start (they are zeroed before each measured window); --vgdb-prefix keeps this run's
# control pipes apart from anyone else's valgrind.
start_batond() {
    baton_port=$(helper freeport)
    cat >"$tmp/baton.yaml" <<EOF
model_list:
  - model_name: chat
    litellm_params: {model: openai/chat-model, api_base: "$fake/chat/v1", api_key: sk-bench}
  - model_name: stream
    litellm_params: {model: openai/stream-model, api_base: "$fake/stream/v1", api_key: sk-bench}
  - model_name: a-chat
    litellm_params: {model: anthropic/chat-model, api_base: "$fake/a-chat/v1", api_key: sk-bench}
  - model_name: a-stream
    litellm_params: {model: anthropic/stream-model, api_base: "$fake/a-stream/v1", api_key: sk-bench}
general_settings:
  listen: 127.0.0.1:$baton_port
  threads: 1
  log_level: warning
  data_dir: $tmp/data
EOF
    valgrind --tool=callgrind --vgdb=yes --vgdb-prefix="$tmp/vgdb/cg" --callgrind-out-file="$tmp/callgrind.out" \
        "$tmp/bin/cg-gateway" --config "$tmp/baton.yaml" >"$tmp/batond.out" 2>"$tmp/batond.log" &
    baton_pid=$!
    pids+=("$baton_pid")
    wait_listening "$baton_pid" "$baton_port" 60  # valgrind reads batond's debug information first
}
for attempt in 1 2 3; do
    start_batond && break
    kill "$baton_pid" 2>/dev/null || true
    [ "$attempt" = 3 ] && die "batond did not start under valgrind: $(tail -5 "$tmp/batond.log")"
done
log "batond (callgrind) on 127.0.0.1:$baton_port (pid $baton_pid)"
cg_control() { timeout 60 callgrind_control --vgdb-prefix="$tmp/vgdb/cg" "$@" "$baton_pid" >>"$tmp/control.log" 2>&1; }

# --- scenarios -------------------------------------------------------------------------------------------
helper body "$tmp/chat.json" chat 0 "$BENCH_PROMPT_BYTES"
helper body "$tmp/stream.json" stream 1 "$BENCH_PROMPT_BYTES"
helper body "$tmp/a-chat.json" a-chat 0 "$BENCH_PROMPT_BYTES"
helper body "$tmp/a-stream.json" a-stream 1 "$BENCH_PROMPT_BYTES"
url="http://127.0.0.1:$baton_port/v1/chat/completions"
declare -A requests=([chat]=$BENCH_CG_CHAT_REQUESTS [stream]=$BENCH_CG_STREAM_REQUESTS
                     [a-chat]=$BENCH_CG_CHAT_REQUESTS [a-stream]=$BENCH_CG_STREAM_REQUESTS)
declare -A chunks=([chat]=0 [stream]=$BENCH_STREAM_CHUNKS [a-chat]=0 [a-stream]=$BENCH_STREAM_CHUNKS)
declare -A per_request=() upstream_conns=()
run_loop() {  # run_loop SCENARIO N
    fg timeout 600 python3 "$repo/bench/bench.py" loop --url "$url" --body "$tmp/$1.json" --requests "$2" \
        --kind "${1#a-}" --chunks "${chunks[$1]}"
}
for scen in $BENCH_CG_SCENARIOS; do
    warm=$((requests[$scen] * BENCH_CG_WARMUP_PERCENT / 100))
    log "$scen: warm-up, $warm requests"
    run_loop "$scen" "$warm" || die "$scen: warm-up failed"
done
dumps=0
for round in $(seq "$BENCH_CG_ROUNDS"); do
    for scen in $BENCH_CG_SCENARIOS; do
        n=${requests[$scen]}
        helper delete-calls "$fake"
        cg_control --zero || die "callgrind_control --zero failed: $(tail -3 "$tmp/control.log")"
        # The measured window: n requests, one after the other, on one connection.
        started=$SECONDS
        run_loop "$scen" "$n" || die "$scen: round $round failed"
        took=$((SECONDS - started))
        cg_control --dump="$scen-round-$round" || die "callgrind_control --dump failed: $(tail -3 "$tmp/control.log")"
        dumps=$((dumps + 1))
        dump="$tmp/callgrind.out.$dumps"
        [ -s "$dump" ] || die "no callgrind dump at $dump: $(ls "$tmp")"
        ir=$(awk '/^(summary|totals):/{print $2; exit}' "$dump")
        [ -n "$ir" ] || die "no instruction total in $dump"
        read -r calls conns < <(helper calls "$fake" "$scen")
        [ "$calls" = "$n" ] || die "$scen: the upstream saw $calls calls for $n requests"
        per_request[$scen]+="$((ir / n)) "
        upstream_conns[$scen]+="$conns "
        log "$scen round $round: $ir instructions / $n requests = $((ir / n)) per request ($conns upstream connection(s), ${took} s)"
    done
done

# --- report ----------------------------------------------------------------------------------------------
txt="${BENCH_CG_OUT%.md}.txt"
mkdir -p "$(dirname "$BENCH_CG_OUT")"
export BENCH_CG_REV="$rev" BENCH_CG_BUILT="$built" BENCH_CG_BUILD="$BATON_BUILD_DIR" BENCH_CG_LOADAVG="$loadavg"
export BENCH_CG_CHAT="${per_request[chat]-}" BENCH_CG_STREAM="${per_request[stream]-}"
export BENCH_CG_CHAT_CONNS="${upstream_conns[chat]-}" BENCH_CG_STREAM_CONNS="${upstream_conns[stream]-}"
export BENCH_CG_A_CHAT="${per_request[a-chat]-}" BENCH_CG_A_STREAM="${per_request[a-stream]-}"
export BENCH_CG_A_CHAT_CONNS="${upstream_conns[a-chat]-}" BENCH_CG_A_STREAM_CONNS="${upstream_conns[a-stream]-}"
export BENCH_CG_DIALECT_MAX
export BENCH_CG_CHAT_REQUESTS BENCH_CG_STREAM_REQUESTS BENCH_CG_ROUNDS BENCH_CG_MAX_SPREAD BENCH_CG_TOLERANCE \
    BENCH_CG_BASELINE BENCH_STREAM_CHUNKS BENCH_CG_STREAM_INTERVAL_MS BENCH_PROMPT_BYTES BENCH_CG_WARMUP_PERCENT
rc=0
python3 - "$BENCH_CG_OUT" "$txt" "$compare" <<'EOF' || rc=$?
import os, statistics, subprocess, sys, time

out_md, out_txt, compare = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
e = os.environ
baseline = {}
if os.path.exists(e["BENCH_CG_BASELINE"]):
    with open(e["BENCH_CG_BASELINE"]) as f:
        for line in f:
            fields = line.split("#")[0].split()
            if len(fields) == 2:
                baseline[fields[0]] = int(fields[1])
valgrind = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
tol, max_spread = float(e["BENCH_CG_TOLERANCE"]), float(e["BENCH_CG_MAX_SPREAD"])
chunks, interval = int(e["BENCH_STREAM_CHUNKS"]), int(e["BENCH_CG_STREAM_INTERVAL_MS"])
L = [f"# baton: user-space instructions per request (callgrind, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
     "",
     f"- baton {e['BENCH_CG_REV']} (`{e['BENCH_CG_BUILD']}/batond`, built {e['BENCH_CG_BUILT']}, threads: 1, "
     f"log_level: warning) under {valgrind} `--tool=callgrind`, in front of fake_upstream on 127.0.0.1; "
     f"{os.cpu_count()} cores, load average at start {e['BENCH_CG_LOADAVG']}",
     f"- per round: N sequential requests on one kept-alive connection (bench.py loop) between "
     f"`callgrind_control --zero` and `--dump`; Ir of that window ÷ N, all of batond's threads; "
     f"{e['BENCH_CG_ROUNDS']} round(s) per scenario after a warm-up of {e['BENCH_CG_WARMUP_PERCENT']} % of N; "
     f"median shown",
     f"- chat: non-streamed chat completion, N = {e['BENCH_CG_CHAT_REQUESTS']}; stream: the same request streamed, "
     f"{chunks} content chunks {interval} ms apart ({chunks + 3} SSE events to the client, {chunks + 4} from the "
     f"upstream), N = {e['BENCH_CG_STREAM_REQUESTS']}; request body from {e['BENCH_PROMPT_BYTES']} bytes of prompt",
     "",
     "| scenario | instructions per request | rounds | spread | upstream connections | baseline | new ÷ baseline |",
     "|---|---:|---|---:|---|---:|---:|"]
lines_txt = []
bad = []
medians = {}
for scen in ("chat", "stream", "a-chat", "a-stream"):
    var = "BENCH_CG_" + scen.upper().replace("-", "_")
    if not e.get(var, "").split():
        continue
    vals = [int(v) for v in e[var].split()]
    conns = e[f"{var}_CONNS"].split()
    med = round(statistics.median(vals))
    spread = (max(vals) - min(vals)) / min(vals) * 100
    medians[scen] = med
    base = baseline.get(scen)
    ratio = med / base if base else None
    verdict = ""
    if spread > max_spread:
        verdict = f" (rounds disagree by more than {max_spread} %)"
        bad.append(f"{scen}: rounds disagree by {spread:.2f} %")
    if compare and base is None and not scen.startswith("a-"):
        bad.append(f"{scen}: no baseline in {e['BENCH_CG_BASELINE']}")
    if ratio is not None and ratio > 1 + tol / 100:
        bad.append(f"{scen}: {med} instructions per request, {ratio:.3f}× the baseline {base} (tolerance {tol} %)")
    L.append(f"| {scen} | {med:,} | {' / '.join(f'{v:,}' for v in vals)} | {spread:.2f} %{verdict} | "
             f"{' / '.join(conns)} | {f'{base:,}' if base else '–'} | {f'{ratio:.3f}' if ratio else '–'} |")
    lines_txt.append(f"{scen} {med}")
dialect_max = float(e["BENCH_CG_DIALECT_MAX"])
dialect_rows = [(a, o) for a, o in (("a-chat", "chat"), ("a-stream", "stream")) if a in medians and o in medians]
if dialect_rows:
    L.append("")
    L.append(f"Anthropic dialect (an `anthropic/` deployment on the same fake: request translated to the Messages "
             f"API, answer or events back) against the OpenAI passthrough; goal ≤ {dialect_max}×:")
    L.append("")
    L.append("| scenario | passthrough | translated | translated ÷ passthrough |")
    L.append("|---|---:|---:|---:|")
    for a, o in dialect_rows:
        r = medians[a] / medians[o]
        L.append(f"| {o} | {medians[o]:,} | {medians[a]:,} | {r:.3f} |")
        if r > dialect_max:
            bad.append(f"{a}: {r:.3f}× {o} (goal {dialect_max}×)")
L.append("")
L.append(f"Baseline: `{e['BENCH_CG_BASELINE']}`; `--compare` fails above {1 + tol / 100:.2f}× or when the rounds "
         f"disagree by more than {max_spread} %.")
text = "\n".join(L) + "\n"
print(text, end="")
with open(out_md, "w") as f:
    f.write(text)
with open(out_txt, "w") as f:
    f.write("\n".join(lines_txt) + "\n")
for b in bad:
    print(f"callgrind: {b}", file=sys.stderr)
sys.exit(1 if compare and bad else 0)
EOF
log "wrote $BENCH_CG_OUT and $txt"
exit "$rc"
