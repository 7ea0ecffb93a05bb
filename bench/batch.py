#!/usr/bin/env python3
"""Batch benchmark (issue #12): batond and fake_upstream on 127.0.0.1, standard library only.

  bench/batch.py [--build build] [--out bench/results/batch-latest.md] [--lines 10000] [--rss-lines 100000]
                 [--delay-ms 50] [--concurrency 64] [--live-seconds 10]

Three measurements, each against a fresh batond (one reactor thread) in front of the scripted fake upstream:

1. throughput: a batch of --lines lines through baton, every upstream call taking --delay-ms, with
   batch_max_concurrency = batch_max_concurrency_per_batch = --concurrency; lines per second from
   in_progress_at to completed, against the fake's capacity at that concurrency (concurrency / delay,
   and measured: the same number of calls sent straight to the fake by as many client threads);
2. RSS: batond's resident memory sampled every 50 ms while a --rss-lines file is uploaded and run
   (upstream answers at once): before, peak during the upload, peak during the run, after;
3. live p99: wrk (16 connections, --live-seconds) on POST /v1/chat/completions alone, then again while a
   batch runs (the upstream answers live and batch calls after --delay-ms alike).

Writes a markdown report (docs/performance.md quotes it). Bounded: every wait has a deadline; every
process it starts is stopped at the end.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BOUNDARY = "----baton-bench-boundary"


def log(*a):
    print("bench/batch:", *a, file=sys.stderr, flush=True)


class Proc:
    def __init__(self, args, cwd, name):
        self.name = name
        self.out = open(os.path.join(cwd, name + ".out"), "w")
        self.err_path = os.path.join(cwd, name + ".err")
        self.err = open(self.err_path, "w")
        self.p = subprocess.Popen(args, cwd=cwd, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)

    def wait_text(self, path, pattern, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with open(path) as f:
                m = re.search(pattern, f.read())
            if m:
                return m
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: no {pattern!r} in {path}")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def rss_kb(self):
        try:
            with open(f"/proc/{self.p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0


def request(port, method, path, body=None, headers=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def api(port, method, path, obj=None):
    status, body = request(port, method, path, json.dumps(obj) if obj is not None else None,
                           {"Content-Type": "application/json"})
    if status != 200:
        raise RuntimeError(f"{method} {path}: {status} {body[:300]!r}")
    return json.loads(body)


def start(tmp, build, delay_ms, general):
    fake = Proc([os.path.join(build, "fake_upstream"), "--listen", "127.0.0.1:0", "--threads", "1"], tmp, "fake")
    fport = int(fake.wait_text(os.path.join(tmp, "fake.out"), r"listening 127\.0\.0\.1:(\d+)").group(1))
    script = {"delay_ms": delay_ms} if delay_ms else {}
    status, body = request(fport, "PUT", "/_control/scripts/up", json.dumps(script), {"Content-Type": "application/json"})
    assert status == 200, body
    data = os.path.join(tmp, "data")
    shutil.rmtree(data, ignore_errors=True)
    yaml = f"""model_list:
  - model_name: gpt
    litellm_params: {{model: openai/up, api_base: http://127.0.0.1:{fport}/up/v1, api_key: sk-up, timeout: 60}}
    model_info: {{id: up}}
general_settings:
  listen: 127.0.0.1:0
  threads: 1
  data_dir: {data}
  log_level: warning
""" + "".join(f"  {k}: {v}\n" for k, v in general.items())
    with open(os.path.join(tmp, "baton.yaml"), "w") as f:
        f.write(yaml)
    baton = Proc([os.path.join(build, "batond"), "--config", "baton.yaml"], tmp, "batond")
    port = int(baton.wait_text(baton.err_path, r'"address":"127\.0\.0\.1:(\d+)"').group(1))
    return fake, fport, baton, port


def input_file(n, path):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"custom_id": f"line-{i}", "method": "POST", "url": "/v1/chat/completions",
                                "body": {"model": "gpt", "messages": [{"role": "user", "content": f"line {i}"}]}}))
            f.write("\n")
    return os.path.getsize(path)


def upload(port, path, timeout=300):
    """Streams a multipart upload of `path` (never read whole) and returns the file id."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    size = len(head) + os.path.getsize(path) + len(tail)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.putrequest("POST", "/v1/files")
    c.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    c.putheader("Content-Length", str(size))
    c.endheaders()
    c.send(head)
    with open(path, "rb") as f:
        while chunk := f.read(256 * 1024):
            c.send(chunk)
    c.send(tail)
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"upload: {r.status} {body[:300]!r}")
    return json.loads(body)["id"]


def run_batch(port, file_id, timeout, on_tick=None):
    b = api(port, "POST", "/v1/batches", {"input_file_id": file_id, "endpoint": "/v1/chat/completions",
                                          "completion_window": "24h"})
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        b = api(port, "GET", f"/v1/batches/{b['id']}")
        if b["status"] in ("completed", "failed", "expired", "cancelled"):
            return b
        if on_tick:
            on_tick()
        time.sleep(0.05)
    raise RuntimeError(f"batch not done in {timeout}s: {b['status']} {b['request_counts']}")


def direct_capacity(fport, calls, threads):
    """`calls` chat calls straight to the fake by `threads` threads (one keep-alive connection each)."""
    body = json.dumps({"model": "up", "messages": [{"role": "user", "content": "x"}]})
    left = [calls]
    lock = threading.Lock()

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", fport, timeout=30)
        while True:
            with lock:
                if left[0] == 0:
                    break
                left[0] -= 1
            c.request("POST", "/up/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
            c.getresponse().read()
        c.close()

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return calls / (time.monotonic() - t0)


def wrk_p99(port, seconds, tmp, repo):
    body = os.path.join(tmp, "live.json")
    with open(body, "w") as f:
        json.dump({"model": "gpt", "messages": [{"role": "user", "content": "live"}]}, f)
    env = dict(os.environ, BENCH_BODY_FILE=body)
    out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", os.path.join(repo, "bench/post.lua"),
                          f"http://127.0.0.1:{port}/v1/chat/completions"], env=env, capture_output=True, text=True,
                         timeout=seconds + 60)
    m = re.search(r"BENCHJSON (\{.*\})", out.stdout)
    if not m:
        raise RuntimeError("wrk: " + out.stdout + out.stderr)
    return json.loads(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="bench/results/batch-latest.md")
    ap.add_argument("--lines", type=int, default=10000)
    ap.add_argument("--rss-lines", type=int, default=100000)
    ap.add_argument("--delay-ms", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--live-seconds", type=int, default=10)
    a = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.path.abspath(a.build)
    tmp = tempfile.mkdtemp(prefix="baton-bench-batch-")
    report = ["# Batch benchmark", "", f"`bench/batch.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"{os.cpu_count()} cores, batond with 1 reactor thread (+ the batch thread), fake_upstream 1 thread.", ""]
    conc = {"batch_max_concurrency": a.concurrency, "batch_max_concurrency_per_batch": a.concurrency}
    procs = []
    try:
        # 1. Throughput.
        fake, fport, baton, port = start(tmp, build, a.delay_ms, conc)
        procs = [baton, fake]
        path = os.path.join(tmp, "lines.jsonl")
        input_file(a.lines, path)
        fid = upload(port, path)
        t0 = time.monotonic()
        b = run_batch(port, fid, timeout=600)
        wall = time.monotonic() - t0
        run_s = max(1, b["completed_at"] - b["in_progress_at"])
        assert b["request_counts"]["completed"] == a.lines, b
        lps = a.lines / wall
        ideal = a.concurrency * 1000.0 / a.delay_ms
        direct = direct_capacity(fport, min(a.lines, 4000), a.concurrency)
        log(f"throughput: {lps:.0f} lines/s (ideal {ideal:.0f}, direct {direct:.0f})")
        report += ["## Lines per second", "",
                   f"{a.lines} lines, upstream latency {a.delay_ms} ms, {a.concurrency} lines in flight.", "",
                   "| | per second |", "|---|---|",
                   f"| baton: create → completed (wall clock, {wall:.1f} s, validation and output files included) | {lps:.0f} lines |",
                   f"| baton: in_progress_at → completed_at (whole seconds: {run_s}) | {a.lines / run_s:.0f} lines |",
                   f"| the fake's capacity at {a.concurrency} in flight: {a.concurrency} / {a.delay_ms} ms | {ideal:.0f} calls |",
                   f"| the fake measured: {a.concurrency} Python client threads straight to it | {direct:.0f} calls |", ""]
        for p in procs:
            p.stop()

        # 2. RSS over a large file.
        fake, fport, baton, port = start(tmp, build, 0, conc)
        procs = [baton, fake]
        path = os.path.join(tmp, "big.jsonl")
        size = input_file(a.rss_lines, path)
        rss = {"before": baton.rss_kb(), "upload": 0, "run": 0}
        stop = threading.Event()
        phase = ["upload"]

        def sample():
            while not stop.is_set():
                rss[phase[0]] = max(rss[phase[0]], baton.rss_kb())
                time.sleep(0.05)

        th = threading.Thread(target=sample)
        th.start()
        t0 = time.monotonic()
        fid = upload(port, path)
        up_s = time.monotonic() - t0
        phase[0] = "run"
        t0 = time.monotonic()
        b = run_batch(port, fid, timeout=1200)
        big_s = time.monotonic() - t0
        stop.set()
        th.join()
        rss["after"] = baton.rss_kb()
        assert b["request_counts"]["completed"] == a.rss_lines, b
        log(f"rss: {rss}")
        report += ["## Memory on a large file", "",
                   f"{a.rss_lines} lines ({size / 1e6:.1f} MB) uploaded in {up_s:.1f} s and run in {big_s:.1f} s "
                   f"({a.rss_lines / big_s:.0f} lines/s, upstream answering at once). batond's RSS (VmRSS):", "",
                   "| when | RSS |", "|---|---|",
                   f"| before the upload | {rss['before'] / 1024:.1f} MiB |",
                   f"| peak while uploading | {rss['upload'] / 1024:.1f} MiB |",
                   f"| peak while running the batch | {rss['run'] / 1024:.1f} MiB |",
                   f"| after | {rss['after'] / 1024:.1f} MiB |", ""]
        for p in procs:
            p.stop()

        # 3. Live p99 without and with a batch.
        fake, fport, baton, port = start(tmp, build, a.delay_ms, conc)
        procs = [baton, fake]
        alone = wrk_p99(port, a.live_seconds, tmp, repo)
        path = os.path.join(tmp, "lines.jsonl")
        input_file(max(a.lines, 20000), path)
        fid = upload(port, path)
        bb = api(port, "POST", "/v1/batches", {"input_file_id": fid, "endpoint": "/v1/chat/completions",
                                               "completion_window": "24h"})
        time.sleep(1)  # let the batch reach its full concurrency before the second measurement
        during = wrk_p99(port, a.live_seconds, tmp, repo)
        state = api(port, "GET", f"/v1/batches/{bb['id']}")
        log(f"live alone {alone['latency_us']}, during {during['latency_us']}, batch {state['request_counts']}")

        def row(name, w):
            l = w["latency_us"]
            rps = w["requests"] / (w["duration_us"] / 1e6)
            return f"| {name} | {rps:.0f} | {l['p50'] / 1000:.2f} | {l['p99'] / 1000:.2f} | {w['errors']['status']} |"

        report += ["## Live latency while a batch runs", "",
                   f"wrk, 16 connections, {a.live_seconds} s, POST /v1/chat/completions; the upstream answers after "
                   f"{a.delay_ms} ms. The second run shares batond with a batch of {max(a.lines, 20000)} lines at "
                   f"{a.concurrency} in flight (it had {state['request_counts']['completed']} lines done at the end).", "",
                   "| live traffic | requests/s | p50 ms | p99 ms | non-2xx |", "|---|---|---|---|---|",
                   row("alone", alone), row("with a batch running", during), "",
                   f"p99 with a batch / alone: {during['latency_us']['p99'] / alone['latency_us']['p99']:.3f}", ""]
    finally:
        for p in procs:
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(report))
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
