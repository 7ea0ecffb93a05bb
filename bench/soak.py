#!/usr/bin/env python3
"""Helpers for bench/soak.sh (standard library only).

  soak.py schedule --fake URL --pid PID --duration S --phase S --out DIR
        drives the fault schedule on the fake upstream for S seconds (a new phase every --phase seconds) and
        samples batond's RSS and open descriptors; writes DIR/phases.txt and DIR/samples.csv
  soak.py report DIR OUT_MD
        reads DIR (wrk summaries, samples, sanitizer logs, batond's log) and writes the markdown report;
        exit 1 when a target is missed (a 5xx, a silent stream end, a broken answer, a sanitizer report, a
        socket error)

The schedule: deployments d1 and d2 of group `chat` and f1 of the fallback group `backup` take turns at being
the one that stays healthy, two phases each, and the healthy one of the next turn is healthy for a whole
phase before it is the only one (so a candidate that answers is never still cooling down from its last
fault). The others cycle through the faults below. So at every moment at least one candidate could serve:
every 5xx and every stream that does not end with [DONE] counts against baton.
"""

import json
import os
import re
import sys
import time
import urllib.request

# Each fault is one fake_upstream script (fake_upstream/README.md): it applies to chat and stream calls
# alike, except the `stream` cut-offs (streams only).
FAULTS = [
    ("429-storm", {"status": 429, "headers": {"retry-after": "1"},
                   "error": {"message": "slow down", "type": "rate_limit_error", "code": "rate_limit_exceeded"}}),
    ("cut", {"stream": {"chunks": 6, "cut_after": 2}}),          # streams cut mid-answer; chat answered
    ("close", {"close": True}),                                   # connection closed without an answer
    ("stall", {"stream": {"chunks": 6, "stall_after": 2}}),      # streams stop sending; chat answered
    ("drip", {"stream": {"chunks": 4, "interval_ms": 1500}}),    # events slower than stream_idle_timeout
    ("garbage", {"garbage": True}),                               # 200 with a body that is not JSON
    ("hang", {"hang": True}),                                     # never answers
    ("half-json", {"status": 200, "body": "{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion\",\"choices\":["}),
    ("slow-head", {"delay_ms": 2500}),                            # head after the attempt's timeout
    ("error-event", {"stream": {"chunks": 6, "error_after": 1}}),   # in-band error mid-stream
    ("garbage-event", {"stream": {"chunks": 6, "garbage_after": 1}}),  # a malformed event mid-stream
    ("server-error", {"status": 500}),
]
HEALTHY = {"stream": {"chunks": 8, "interval_ms": 5}}
ROTATION = [("d1",), ("d1", "d2"), ("d2",), ("d2", "f1"), ("f1",), ("f1", "d1")]
NAMES = ["d1", "d2", "f1"]


def put(base, name, script):
    req = urllib.request.Request(f"{base}/_control/scripts/{name}", data=json.dumps(script).encode(),
                                 method="PUT", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        if r.status != 200:
            raise RuntimeError(f"script {name}: {r.status}")


def forget_calls(base):
    req = urllib.request.Request(f"{base}/_control/calls", method="DELETE")
    with urllib.request.urlopen(req, timeout=10):
        pass


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def schedule(fake, pid, duration, phase, out):
    start = time.monotonic()
    fault_turn = 0
    next_phase = start
    next_sample = start
    index = 0
    with open(os.path.join(out, "phases.txt"), "w") as phases, open(os.path.join(out, "samples.csv"), "w") as samples:
        samples.write("seconds,rss_kib,fds\n")
        while True:
            now = time.monotonic()
            if now - start >= duration:
                break
            if now >= next_phase:
                healthy = ROTATION[index % len(ROTATION)]
                line = []
                for name in NAMES:
                    if name in healthy:
                        put(fake, name, HEALTHY)
                        line.append(f"{name}=healthy")
                    else:
                        label, script = FAULTS[fault_turn % len(FAULTS)]
                        fault_turn += 1
                        put(fake, name, script)
                        line.append(f"{name}={label}")
                forget_calls(fake)  # the fake records every call: keep its memory flat too
                phases.write(f"{now - start:7.1f}s {' '.join(line)}\n")
                phases.flush()
                index += 1
                next_phase += phase
            if now >= next_sample:
                samples.write(f"{now - start:.1f},{rss_kib(pid)},{fds(pid)}\n")
                samples.flush()
                next_sample += 5
            time.sleep(0.05)
        # Back to healthy for the end of the run (and the final checks).
        for name in NAMES:
            put(fake, name, HEALTHY)
        samples.write(f"{time.monotonic() - start:.1f},{rss_kib(pid)},{fds(pid)}\n")
    return 0


def read_json_line(path, tag):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(tag + " "):
                    return json.loads(line[len(tag) + 1:])
    except FileNotFoundError:
        pass
    return None


def report(directory, out_md):
    runs = [r for r in (read_json_line(os.path.join(directory, f"wrk-{k}.out"), "SOAKJSON")
                        for k in ("chat", "stream")) if r]
    samples = []
    with open(os.path.join(directory, "samples.csv")) as f:
        next(f)
        for line in f:
            s, rss, n = line.strip().split(",")
            samples.append((float(s), int(rss), int(n)))
    with open(os.path.join(directory, "phases.txt")) as f:
        phases = f.read().splitlines()
    sanitizer_reports = sorted(p for p in os.listdir(directory) if p.startswith("sanitizer."))
    with open(os.path.join(directory, "meta.json")) as f:
        meta = json.load(f)
    log = ""
    try:
        with open(os.path.join(directory, "batond.log"), errors="replace") as f:
            log = f.read()
    except FileNotFoundError:
        pass
    failovers = len(re.findall(r'"event":"stream_failover"', log))
    upstream_failures = len(re.findall(r'"event":"upstream_failure"', log))

    misses = []
    lines = [f"# baton fault soak ({meta['date']})", "",
             f"{meta['duration']} s of wrk load through batond ({meta['binary']}; rev {meta['rev']}; "
             f"{meta['threads']} reactor threads) while the fake upstream cycled faults over deployments "
             f"d1, d2 (group `chat`) and f1 (fallback group `backup`), a new phase every {meta['phase']} s "
             f"({len(phases)} phases). Machine: {meta['machine']}.", "",
             "| load | requests | complete | 2xx | 5xx | other non-2xx | stream ended with an error event | "
             "stream ended silently | broken 200 | socket errors | p50 | p99 | max |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        st = {int(k): v for k, v in r["statuses"].items()}
        ok = sum(v for k, v in st.items() if 200 <= k < 300)
        five = sum(v for k, v in st.items() if k >= 500)
        other = sum(v for k, v in st.items() if not (200 <= k < 300) and k < 500)
        e = r["errors"]
        sock = e["connect"] + e["read"] + e["write"] + e["timeout"]
        lat = r["latency_us"]
        lines.append(f"| {r['kind']} | {r['requests']} | {r['complete']} | {ok} | {five} | {other} | "
                     f"{r['error_event']} | {r['silent_end']} | {r['broken']} | {sock} | "
                     f"{lat['p50'] / 1000:.1f} ms | {lat['p99'] / 1000:.1f} ms | {lat['max'] / 1000:.0f} ms |")
        if five:
            misses.append(f"{r['kind']}: {five} 5xx answers while a healthy candidate was available")
        if other:
            misses.append(f"{r['kind']}: {other} non-2xx answers other than 5xx ({r['statuses']})")
        if r["silent_end"]:
            misses.append(f"{r['kind']}: {r['silent_end']} streams ended without [DONE] or an error event")
        if r["error_event"]:
            misses.append(f"{r['kind']}: {r['error_event']} streams ended with an error event")
        if r["broken"]:
            misses.append(f"{r['kind']}: {r['broken']} 200 answers that were not a chat.completion")
        if sock:
            misses.append(f"{r['kind']}: {sock} socket errors or timeouts ({e})")
    if len(runs) != 2:
        misses.append("a wrk run left no summary")
    first, last = samples[0], samples[-1]
    peak = max(s[1] for s in samples)
    lines += ["",
              "| batond | at start (after warm-up) | at end | peak |",
              "|---|---|---|---|",
              f"| RSS | {first[1] / 1024:.1f} MiB | {last[1] / 1024:.1f} MiB | {peak / 1024:.1f} MiB |",
              f"| open descriptors | {first[2]} | {last[2]} | {max(s[2] for s in samples)} |",
              "",
              f"Sanitizer reports: {len(sanitizer_reports)}"
              f"{' (' + ', '.join(sanitizer_reports) + ')' if sanitizer_reports else ''}"
              f" — batond {'built with ' + meta['sanitizers'] if meta['sanitizers'] else 'without sanitizers'}.",
              f"batond logged {upstream_failures} upstream failures and {failovers} stream failovers.", "",
              "Phases (healthy = answers normally):", "", "```"] + phases + ["```", ""]
    if sanitizer_reports:
        misses.append(f"{len(sanitizer_reports)} sanitizer reports")
    if last[2] > first[2] + 8:
        misses.append(f"descriptors grew from {first[2]} to {last[2]}")
    lines.append("Targets missed: " + ("; ".join(misses) if misses else "none") + ".")
    with open(out_md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if misses else 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "schedule":
        args = dict(zip(argv[2::2], argv[3::2]))
        return schedule(args["--fake"], int(args["--pid"]), float(args["--duration"]), float(args["--phase"]),
                        args["--out"])
    if cmd == "report":
        return report(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
