#!/usr/bin/env python3
"""Helpers for bench/run.sh (standard library only).

  bench.py freeport                                   print a free 127.0.0.1 TCP port
  bench.py wait-port PORT [TIMEOUT_S]                 wait until 127.0.0.1:PORT accepts connections
  bench.py put-script BASE_URL NAME JSON              install a fake_upstream script
  bench.py delete-calls BASE_URL                      make fake_upstream forget recorded calls (memory)
  bench.py check URL BODY_FILE chat|stream CHUNKS     one request; fail unless the answer is what a client expects
  bench.py wrk --name N --out DIR --proxy-pids P,.. --fake-pid F [--events E] -- WRK ARGS...
                                                      run wrk, sample CPU of the proxy and of the fake around it
  bench.py reuse --name N --out DIR --url URL --body BODY_FILE --fake BASE_URL --model NAME [--requests 5]
                                                      distinct upstream connections behind N sequential requests
  bench.py ttft --name N --out DIR --url URL --body BODY_FILE --requests N [--warmup W]
                                                      sequential streamed requests on one kept-alive connection:
                                                      time to the first SSE event and to the end of the stream
  bench.py metrics --out DIR --url URL                baton's own overhead histogram (GET /metrics)
  bench.py loop --url URL --body BODY_FILE --requests N --kind chat|stream [--chunks C]
                                                      exactly N sequential requests on one kept-alive connection
                                                      (bench/callgrind.sh); fail unless every answer is complete
  bench.py calls BASE_URL NAME                        "<calls> <distinct upstream connections>" the fake recorded
  bench.py body OUT MODEL STREAM(0|1) PROMPT_BYTES    write a chat completion request body
  bench.py meta OUT                                   machine and parameters (from BENCH_* variables) as JSON
  bench.py report DIR OUT_MD [MAX_ERRORS]             markdown report of everything in DIR; exit 1 when a
                                                      run had more than MAX_ERRORS errors or a target failed
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------- small tools


def freeport():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def wait_port(port, timeout=20.0):
    deadline = time.monotonic() + float(timeout)
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=0.5):
                return 0
        except OSError:
            time.sleep(0.05)
    print(f"bench: nothing listens on 127.0.0.1:{port} after {timeout}s", file=sys.stderr)
    return 1


def http_call(method, url, body=None, timeout=10):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def put_script(base, name, script):
    status, body = http_call("PUT", f"{base}/_control/scripts/{name}", script)
    if status != 200:
        print(f"bench: installing script {name}: {status} {body!r}", file=sys.stderr)
        return 1
    return 0


def delete_calls(base):
    http_call("DELETE", f"{base}/_control/calls")
    return 0


def cpu_ticks(pids):
    """(utime, stime) in clock ticks summed over pids, from /proc/<pid>/stat (all threads of each)."""
    user = system = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        # comm (field 2) may hold spaces: split after its closing parenthesis. utime, stime = fields 14, 15.
        fields = stat[stat.rindex(")") + 2:].split()
        user += int(fields[11])
        system += int(fields[12])
    return user, system


# --------------------------------------------------------------------------------------- raw HTTP client


class Conn:
    """One kept-alive HTTP/1.1 connection; reads responses with Content-Length or chunked bodies."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by the server")
        self.buf += data
        return time.perf_counter_ns()

    def exchange(self, request_bytes):
        """Sends one request; returns (status, headers, body, t_sent, t_head, t_first_event, t_end) in ns.

        t_first_event: arrival of the read that completed the first `data:` line of the body (SSE), or of
        the first body bytes for a non-SSE answer."""
        self.sock.sendall(request_bytes)
        t_sent = time.perf_counter_ns()
        t = t_sent
        while b"\r\n\r\n" not in self.buf:
            t = self._more()
        t_head = t
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        body = bytearray()
        t_first = None
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                while b"\r\n" not in self.buf:
                    t = self._more()
                size_line, rest = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(rest) < size + 2:
                    t = self._more()
                    size_line, rest = self.buf.split(b"\r\n", 1)
                body += rest[:size]
                self.buf = rest[size + 2:]
                if t_first is None and size > 0:
                    t_first = t  # first body chunk: for SSE the first event (one event per chunk upstream)
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(self.buf) < length:
                t = self._more()
                if t_first is None:
                    t_first = t
            body += self.buf[:length]
            self.buf = self.buf[length:]
        t_end = t
        return status, headers, bytes(body), t_sent, t_head, t_first if t_first is not None else t_head, t_end


def build_request(url, body):
    u = urllib.parse.urlsplit(url)
    path = u.path + (("?" + u.query) if u.query else "")
    head = (f"POST {path} HTTP/1.1\r\nHost: {u.netloc}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer sk-bench\r\nAccept: text/event-stream, application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return u.hostname, u.port, head.encode() + body


def sse_events(body):
    return [e for e in body.decode().split("\n\n") if e.strip()]


def check(url, body_file, kind, chunks):
    with open(body_file, "rb") as f:
        body = f.read()
    host, port, req = build_request(url, body)
    try:
        c = Conn(host, port)
        try:
            status, headers, resp, *_ = c.exchange(req)
        finally:
            c.close()
    except (OSError, ValueError, IndexError) as e:
        print(f"bench: check {url} ({kind}) failed: {e!r}", file=sys.stderr)
        return 1
    problem = None
    if status != 200:
        problem = f"status {status}: {resp[:300]!r}"
    elif kind == "chat":
        try:
            doc = json.loads(resp)
            if doc.get("object") != "chat.completion" or not doc.get("choices"):
                problem = f"not a chat.completion: {resp[:300]!r}"
        except ValueError:
            problem = f"not JSON: {resp[:300]!r}"
    else:
        if not headers.get("content-type", "").startswith("text/event-stream"):
            problem = f"content-type {headers.get('content-type')!r}"
        else:
            ev = sse_events(resp)
            want = int(chunks) + 3  # role chunk, content chunks, finish chunk, [DONE]
            if len(ev) != want or ev[-1].strip() != "data: [DONE]":
                problem = f"{len(ev)} SSE events (want {want}, last {ev[-1] if ev else None!r})"
    if problem:
        print(f"bench: check {url} ({kind}) failed: {problem}", file=sys.stderr)
        return 1
    return 0


def reuse(args):
    """Sends N sequential requests through a target on one client connection and counts the distinct
    upstream connections the fake saw for them: a proxy that keeps its upstream connections alive uses 1."""
    opts, _ = split_opts(args)
    with open(opts["body"], "rb") as f:
        body = f.read()
    n = int(opts.get("requests", "5"))
    fake = opts["fake"]
    host, port, req = build_request(opts["url"], body)
    http_call("DELETE", f"{fake}/_control/calls")
    c = Conn(host, port)
    try:
        for _ in range(n):
            c.exchange(req)
            time.sleep(0.02)  # let a proxy that drains the upstream's last chunk put the connection back
    finally:
        c.close()
    _, raw = http_call("GET", f"{fake}/_control/calls?name={opts['model']}")
    conns = {call["connection"] for call in json.loads(raw)["calls"]}
    http_call("DELETE", f"{fake}/_control/calls")
    res = {"name": opts["name"], "requests": n, "upstream_connections": len(conns)}
    with open(os.path.join(opts["out"], f"reuse-{opts['name']}.json"), "w") as f:
        json.dump(res, f)
    return 0


# ----------------------------------------------------------------------------------------------- wrk run


def run_wrk(args):
    opts, wrk_args = split_opts(args)
    proxy_pids = [p for p in opts.get("proxy-pids", "").split(",") if p]
    fake_pid = opts["fake-pid"]
    t0 = time.monotonic()
    proxy_before = cpu_ticks(proxy_pids) if proxy_pids else (0, 0)
    fake_before = cpu_ticks([fake_pid])
    try:
        p = subprocess.run(["wrk"] + wrk_args, capture_output=True, text=True,
                           timeout=float(opts.get("max-seconds", "300")))
    except subprocess.TimeoutExpired:
        print("bench: wrk did not finish in time", file=sys.stderr)
        return 1
    proxy_after = cpu_ticks(proxy_pids) if proxy_pids else (0, 0)
    fake_after = cpu_ticks([fake_pid])
    wall = time.monotonic() - t0
    out = p.stdout
    summary = None
    for line in out.splitlines():
        if line.startswith("BENCHJSON "):
            summary = json.loads(line[len("BENCHJSON "):])
    if p.returncode != 0 or summary is None:
        print(f"bench: wrk failed ({p.returncode}):\n{out}\n{p.stderr}", file=sys.stderr)
        return 1
    res = {
        "name": opts["name"],
        "key": opts.get("key", opts["name"]),
        "round": int(opts.get("round", "1")),
        "wrk": summary,
        "wrk_text": out,
        "wall_s": wall,
        "proxy_cpu_us": (sum(proxy_after) - sum(proxy_before)) * 1e6 / CLK_TCK if proxy_pids else None,
        "proxy_user_us": (proxy_after[0] - proxy_before[0]) * 1e6 / CLK_TCK if proxy_pids else None,
        "proxy_sys_us": (proxy_after[1] - proxy_before[1]) * 1e6 / CLK_TCK if proxy_pids else None,
        "fake_cpu_us": (sum(fake_after) - sum(fake_before)) * 1e6 / CLK_TCK,
        "events_per_request": int(opts.get("events", "1")),
    }
    errs = sum(summary["errors"].values())
    if errs and opts.get("metrics-url"):
        # Why did the proxy answer errors? baton's own counters say (upstream outcomes, cooldowns).
        try:
            _, text = http_call("GET", opts["metrics-url"])
            res["metrics_on_error"] = [l for l in text.decode().splitlines()
                                       if l.startswith(("baton_upstream_requests_total", "baton_deployment_cooldowns_total",
                                                        "baton_requests_total", "baton_fallback_total"))]
            print("bench: proxy errors; its metrics:\n  " + "\n  ".join(res["metrics_on_error"]), file=sys.stderr)
        except OSError as e:
            res["metrics_on_error"] = [f"GET /metrics failed: {e!r}"]
    with open(os.path.join(opts["out"], f"wrk-{opts['name']}.json"), "w") as f:
        json.dump(res, f, indent=1)
    s = summary
    rps = s["requests"] / (s["duration_us"] / 1e6)
    cpu = res["proxy_cpu_us"] / max(1, s["requests"]) if proxy_pids else float("nan")
    print(f"  {opts['name']:<14} {rps:9.0f} req/s  p50 {s['latency_us']['p50'] / 1000:7.2f} ms  "
          f"p99 {s['latency_us']['p99'] / 1000:7.2f} ms  proxy CPU {cpu:7.1f} us/req  errors {errs}", flush=True)
    return 0


def split_opts(args):
    if "--" in args:
        i = args.index("--")
        mine, rest = args[:i], args[i + 1:]
    else:
        mine, rest = args, []
    opts = {}
    it = iter(mine)
    for a in it:
        if not a.startswith("--"):
            raise SystemExit(f"bench: unexpected argument {a}")
        opts[a[2:]] = next(it)
    return opts, rest


# --------------------------------------------------------------------------------------------------- TTFT


def pct(values, p):
    """Nearest-rank percentile (the same definition for every target)."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def ttft(args):
    opts, _ = split_opts(args)
    with open(opts["body"], "rb") as f:
        body = f.read()
    host, port, req = build_request(opts["url"], body)
    n = int(opts["requests"])
    warm = int(opts.get("warmup", "10"))
    first, total, head = [], [], []
    errors = 0
    deadline = time.monotonic() + float(opts.get("max-seconds", "120"))
    c = None
    for i in range(warm + n):
        if time.monotonic() > deadline:
            errors += warm + n - i
            print(f"bench: ttft {opts['name']}: out of time after {i} requests", file=sys.stderr)
            break
        try:
            if c is None:
                c = Conn(host, port)
            status, headers, resp, t_sent, t_head, t_first, t_end = c.exchange(req)
        except (OSError, ValueError, IndexError) as e:
            errors += 1
            print(f"bench: ttft {opts['name']}: request {i}: {e!r}", file=sys.stderr)
            if c is not None:
                c.close()
                c = None
            continue
        if status != 200 or not resp.rstrip().endswith(b"data: [DONE]"):
            errors += 1
            continue
        if i >= warm:
            head.append((t_head - t_sent) / 1e3)
            first.append((t_first - t_sent) / 1e3)
            total.append((t_end - t_sent) / 1e3)
        if headers.get("connection", "").lower() == "close":
            c.close()
            c = None
    if c is not None:
        c.close()
    res = {"name": opts["name"], "requests": n, "errors": errors,
           "ttft_us": {"p50": pct(first, 50), "p90": pct(first, 90), "p99": pct(first, 99),
                       "mean": statistics.fmean(first) if first else float("nan")},
           "head_us": {"p50": pct(head, 50), "p99": pct(head, 99)},
           "total_us": {"p50": pct(total, 50), "p99": pct(total, 99)}}
    with open(os.path.join(opts["out"], f"ttft-{opts['name']}.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(f"  {opts['name']:<14} TTFT p50 {res['ttft_us']['p50'] / 1000:7.3f} ms  p99 {res['ttft_us']['p99'] / 1000:7.3f} ms"
          f"  stream p50 {res['total_us']['p50'] / 1000:7.3f} ms  errors {errors}", flush=True)
    return 0


# ----------------------------------------------------------------------------------------- exact count


def loop(args):
    """Exactly N requests, one after the other, on one kept-alive connection: the proxy's work per request
    is then the same every time (no connect, no accept, no coalescing of two clients' requests), so a
    measured total divided by N is the cost of one request. Every answer is checked (status, and for a
    stream the number of events and the final [DONE]); a reconnect is a failure, since it would add an
    accept to the measured window."""
    opts, _ = split_opts(args)
    with open(opts["body"], "rb") as f:
        body = f.read()
    n = int(opts["requests"])
    kind = opts["kind"]
    want_events = int(opts.get("chunks", "0")) + 3  # role chunk, content chunks, finish chunk, [DONE]
    host, port, req = build_request(opts["url"], body)
    c = Conn(host, port)
    try:
        for i in range(n):
            status, headers, resp, *_ = c.exchange(req)
            problem = None
            if status != 200:
                problem = f"status {status}: {resp[:300]!r}"
            elif kind == "chat":
                if b'"chat.completion"' not in resp:
                    problem = f"not a chat.completion: {resp[:300]!r}"
            elif resp.count(b"\n\ndata: ") + 1 != want_events or not resp.rstrip().endswith(b"data: [DONE]"):
                problem = f"{resp.count(b'data: ')} SSE events (want {want_events}): {resp[-200:]!r}"
            if problem is None and headers.get("connection", "").lower() == "close":
                problem = "the server closed the connection"
            if problem:
                print(f"bench: loop {opts['url']} ({kind}) request {i}: {problem}", file=sys.stderr)
                return 1
    except (OSError, ValueError, IndexError) as e:
        print(f"bench: loop {opts['url']} ({kind}) failed: {e!r}", file=sys.stderr)
        return 1
    finally:
        c.close()
    return 0


def calls(base, name):
    _, raw = http_call("GET", f"{base}/_control/calls?name={name}")
    recorded = json.loads(raw)["calls"]
    print(len(recorded), len({call["connection"] for call in recorded}))
    return 0


# ------------------------------------------------------------------------------------------------ metrics


def metrics(args):
    opts, _ = split_opts(args)
    _, text = http_call("GET", opts["url"])
    found = {}
    for line in text.decode().splitlines():
        for key in ("baton_overhead_seconds_sum", "baton_overhead_seconds_count"):
            if line.startswith(key):
                found[key] = found.get(key, 0.0) + float(line.split()[-1])
    with open(os.path.join(opts["out"], "baton-metrics.json"), "w") as f:
        json.dump(found, f)
    return 0


# --------------------------------------------------------------------------------------- inputs and meta


def make_body(out, model, stream, prompt_bytes, stream_failover=""):
    filler = "Summarise the following notes in one sentence. "
    prompt = (filler * (int(prompt_bytes) // len(filler) + 1))[: int(prompt_bytes)]
    doc = {"model": model,
           "messages": [{"role": "system", "content": "You are a helpful assistant."},
                        {"role": "user", "content": prompt}],
           "max_tokens": 64, "temperature": 0.2}
    if stream == "1":
        doc["stream"] = True
    if stream_failover:
        doc["stream_failover"] = stream_failover  # baton's per-request override (SPEC §6)
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    return 0


def first_line(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    except Exception:  # noqa: BLE001 — informational only
        return "?"


def meta(out):
    e = os.environ
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    doc = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu, "cores": os.cpu_count(), "kernel": os.uname().release, "loadavg": load,
        "baton_rev": e.get("BENCH_BATON_REV", "?"), "batond": e.get("BENCH_BATOND_LABEL", "build/batond"),
        "nginx": first_line(["nginx", "-v"]).replace("nginx version: ", ""),
        "wrk": first_line(["wrk", "--version"]).split(" [")[0],
        "rounds": int(e.get("BENCH_ROUNDS", "1")),
        "connections": int(e["BENCH_CONNECTIONS"]), "duration": e["BENCH_DURATION"], "warmup": e["BENCH_WARMUP"],
        "body_bytes": int(e.get("BENCH_BODY_BYTES", "0")),
        "chunks": int(e["BENCH_STREAM_CHUNKS"]), "interval_ms": int(e["BENCH_STREAM_INTERVAL_MS"]),
        "paced_interval_ms": int(e.get("BENCH_PACED_INTERVAL_MS", "0")),
        "ttft_requests": int(e["BENCH_TTFT_REQUESTS"]), "ttft_chunks": int(e["BENCH_TTFT_CHUNKS"]),
        "ttft_interval_ms": int(e["BENCH_TTFT_INTERVAL_MS"]),
        "failed": [x for x in e.get("BENCH_FAILED", "").split() if x],
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
    return 0


# ------------------------------------------------------------------------------------------------- report


def fmt(v, digits=1):
    if v is None or v != v:  # None or NaN
        return "–"
    return f"{v:.{digits}f}"


def load(d, prefix):
    out = {}
    for fn in sorted(os.listdir(d)):
        if fn.startswith(prefix) and fn.endswith(".json"):
            with open(os.path.join(d, fn)) as f:
                doc = json.load(f)
            out[doc["name"]] = doc
    return out


def cpu_summary(runs, key):
    """Medians over the rounds of one scenario-target: CPU µs per request, p50 ms, events per request."""
    rounds = [r for r in runs.values() if r.get("key", r["name"]) == key]
    cpu = [r["proxy_cpu_us"] / max(1, r["wrk"]["requests"]) for r in rounds if r["proxy_cpu_us"] is not None]
    if not cpu:
        return None
    return {"cpu": statistics.median(cpu),
            "p50": statistics.median(r["wrk"]["latency_us"]["p50"] / 1000 for r in rounds),
            "events": rounds[0]["events_per_request"]}


def report(d, out_md, max_errors="5"):
    max_errors = int(max_errors)
    bad = []
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    runs = load(d, "wrk-")
    ttfts = load(d, "ttft-")
    L = []
    L.append(f"# baton vs nginx — proxy benchmark ({meta['date']})")
    L.append("")
    L.append(f"- machine: {meta['cpu']}, {meta['cores']} cores, {meta['kernel']}; loopback only; "
             f"load average at start {meta['loadavg']}")
    L.append(f"- baton {meta['baton_rev']} (`{meta['batond']}`, threads: 1, log_level: warning); "
             f"{meta['nginx']} (worker_processes 1, conf/nginx/baton.conf, access_log off); {meta['wrk']}")
    L.append(f"- wrk -t1 -c{meta['connections']} -d{meta['duration']} --latency (after a {meta['warmup']} warm-up), "
             f"{meta['rounds']} interleaved round(s) per target, median shown; "
             f"POST /v1/chat/completions, request body {meta['body_bytes']} bytes; "
             f"stream: {meta['chunks']} content chunks, interval {meta['interval_ms']} ms "
             f"({meta['chunks'] + 3} SSE events with the role, finish and [DONE] events); "
             f"paced: the same stream with {meta.get('paced_interval_ms', '?')} ms between events")
    L.append("- CPU = utime+stime of the proxy process (/proc/PID/stat; nginx: master + worker) over the wrk run, "
             "divided by the requests wrk completed. 'added p50' = proxy p50 − direct p50 under the same load.")
    L.append("")
    L.append("| scenario | target | req/s | p50 ms | p99 ms | added p50 ms | proxy CPU µs/req | (min–max) | "
             "user / sys µs | proxy CPU µs/event | fake CPU µs/req | errors |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for scen in ("chat", "stream", "paced"):
        per = {}
        for tgt in ("direct", "nginx", "baton"):
            rounds = [r for r in runs.values() if r.get("key", r["name"]) == f"{scen}-{tgt}"]
            if not rounds:
                continue
            m = {"rps": [], "p50": [], "p99": [], "cpu": [], "user": [], "sys": [], "fake": []}
            errs = 0
            for r in rounds:
                s = r["wrk"]
                reqs = max(1, s["requests"])
                m["rps"].append(s["requests"] / (s["duration_us"] / 1e6))
                m["p50"].append(s["latency_us"]["p50"] / 1000)
                m["p99"].append(s["latency_us"]["p99"] / 1000)
                if r["proxy_cpu_us"] is not None:
                    m["cpu"].append(r["proxy_cpu_us"] / reqs)
                    m["user"].append(r.get("proxy_user_us", 0) / reqs)
                    m["sys"].append(r.get("proxy_sys_us", 0) / reqs)
                m["fake"].append(r["fake_cpu_us"] / reqs)
                e = sum(s["errors"].values())
                errs += e
                if e > max_errors:
                    bad.append(f"{r['name']}: {e} errors ({s['errors']})")
            med = {k: (statistics.median(v) if v else None) for k, v in m.items()}
            med["cpu_range"] = (min(m["cpu"]), max(m["cpu"])) if m["cpu"] else None
            med["events"] = rounds[0]["events_per_request"]
            med["errors"] = errs
            med["n"] = len(rounds)
            per[tgt] = med
        direct = per.get("direct")
        for tgt, v in per.items():
            v["added"] = v["p50"] - direct["p50"] if direct and tgt != "direct" else None
            cpu = v["cpu"]
            cpu_ev = cpu / v["events"] if cpu is not None and scen != "chat" else None
            rng = f"{v['cpu_range'][0]:.1f}–{v['cpu_range'][1]:.1f}" if v["cpu_range"] and v["n"] > 1 else "–"
            us = f"{v['user']:.1f} / {v['sys']:.1f}" if v["user"] is not None else "–"
            L.append(f"| {scen} | {tgt} | {v['rps']:.0f} | {fmt(v['p50'], 2)} | {fmt(v['p99'], 2)} | "
                     f"{fmt(v['added'], 2)} | {fmt(cpu)} | {rng} | {us} | {fmt(cpu_ev, 2)} | {fmt(v['fake'])} | "
                     f"{v['errors']} |")
        if "nginx" in per and "baton" in per:
            ratios.append((scen, per["nginx"], per["baton"]))
    if ttfts:
        direct = ttfts.get("direct")
        L.append("")
        L.append(f"Time to first token: {meta['ttft_requests']} sequential streamed requests per target on one kept-alive "
                 f"connection (python3 raw sockets, bench/bench.py), stream of {meta['ttft_chunks']} chunks "
                 f"{meta['ttft_interval_ms']} ms apart; TTFT = request sent → first `data:` event received.")
        L.append("")
        L.append("| target | TTFT p50 ms | TTFT p99 ms | added TTFT p50 ms | added TTFT p99 ms | whole stream p50 ms | errors |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for tgt in ("direct", "nginx", "baton"):
            t = ttfts.get(tgt)
            if not t:
                continue
            if t["errors"] > max_errors:
                bad.append(f"ttft-{tgt}: {t['errors']} errors")
            a50 = (t["ttft_us"]["p50"] - direct["ttft_us"]["p50"]) / 1000 if direct and tgt != "direct" else None
            a99 = (t["ttft_us"]["p99"] - direct["ttft_us"]["p99"]) / 1000 if direct and tgt != "direct" else None
            L.append(f"| {tgt} | {fmt(t['ttft_us']['p50'] / 1000, 3)} | {fmt(t['ttft_us']['p99'] / 1000, 3)} | "
                     f"{fmt(a50, 3)} | {fmt(a99, 3)} | {fmt(t['total_us']['p50'] / 1000, 3)} | {t['errors']} |")
        if "nginx" in ttfts and "baton" in ttfts and direct:
            ratios.append(("ttft", {"added": (ttfts["nginx"]["ttft_us"]["p50"] - direct["ttft_us"]["p50"]) / 1000},
                           {"added": (ttfts["baton"]["ttft_us"]["p50"] - direct["ttft_us"]["p50"]) / 1000}))
    if ratios:
        L.append("")
        L.append("baton / nginx (goal: CPU per proxied request ≤ 1.5× nginx; later below 1×):")
        L.append("")
        L.append("| scenario | CPU µs/req nginx | CPU µs/req baton | CPU ratio | added p50 ms nginx | "
                 "added p50 ms baton | added p50 ratio | req/s ratio | CPU goal (≤ 1.5×) |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for scen, n, b in ratios:
            cr = b["cpu"] / n["cpu"] if n.get("cpu") and b.get("cpu") is not None else None
            # A ratio of added latencies only means something when nginx's is clearly above the noise.
            ar = b["added"] / n["added"] if n.get("added") and n["added"] > 0.01 and b.get("added") is not None else None
            rr = b["rps"] / n["rps"] if n.get("rps") and b.get("rps") else None
            verdict = "–" if cr is None else ("met" if cr <= 1.5 else "**missed**")
            L.append(f"| {scen} | {fmt(n.get('cpu'))} | {fmt(b.get('cpu'))} | {fmt(cr, 2)}× | "
                     f"{fmt(n.get('added'), 3)} | {fmt(b.get('added'), 3)} | {fmt(ar, 2)}× | {fmt(rr, 2)}× | {verdict} |")
    # Streams that never fail, with baton's failover bookkeeping (stream_failover: continue, the default)
    # and without it (off): what keeping the partial text and the hop state costs.
    off_rows = []
    for base in ("stream", "paced"):
        on = cpu_summary(runs, f"{base}-baton")
        off = cpu_summary(runs, f"{base}-off-baton")
        if on and off:
            off_rows.append((base, on, off))
    if off_rows:
        L.append("")
        L.append("baton's stream failover bookkeeping on streams that never fail: the same streams with "
                 "`stream_failover: continue` (the default: the relayed text is kept for a continuation) and "
                 "`off` (nothing kept), per-request override in the body, median of the rounds:")
        L.append("")
        L.append("| scenario | CPU µs/req continue | CPU µs/req off | continue / off | CPU µs/event continue | "
                 "CPU µs/event off | p50 ms continue | p50 ms off |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for base, on, off in off_rows:
            r = on["cpu"] / off["cpu"] if on["cpu"] and off["cpu"] else None
            L.append(f"| {base} | {fmt(on['cpu'])} | {fmt(off['cpu'])} | {fmt(r, 3)}× | "
                     f"{fmt(on['cpu'] / on['events'], 2)} | {fmt(off['cpu'] / off['events'], 2)} | "
                     f"{fmt(on['p50'], 2)} | {fmt(off['p50'], 2)} |")
    # The Anthropic dialect: the same requests through an anthropic/ deployment (translated both ways)
    # against the OpenAI passthrough (issue #13: within 1.3x per request and per streamed event).
    dialect_rows = []
    for base, translated in (("chat", "anthropic"), ("stream", "anthropic-stream"), ("paced", "anthropic-paced")):
        o = cpu_summary(runs, f"{base}-baton")
        a = cpu_summary(runs, f"{translated}-baton")
        if o and a:
            dialect_rows.append((base, o, a))
    if dialect_rows:
        L.append("")
        L.append("baton's Anthropic dialect: the same requests through an `anthropic/` deployment on the same fake "
                 "upstream (request translated to the Messages API, the answer or each event back), against the "
                 "OpenAI passthrough; goal ≤ 1.3× per request and per event (per event: per client event, which "
                 "is the same count for both):")
        L.append("")
        L.append("| scenario | CPU µs/req OpenAI | CPU µs/req Anthropic | Anthropic / OpenAI | CPU µs/event OpenAI | "
                 "CPU µs/event Anthropic | p50 ms OpenAI | p50 ms Anthropic | goal (≤ 1.3×) |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for base, o, a in dialect_rows:
            r = a["cpu"] / o["cpu"] if o["cpu"] and a["cpu"] else None
            verdict = "–" if r is None else ("met" if r <= 1.3 else "**missed**")
            L.append(f"| {base} | {fmt(o['cpu'])} | {fmt(a['cpu'])} | {fmt(r, 3)}× | "
                     f"{fmt(o['cpu'] / o['events'], 2)} | {fmt(a['cpu'] / a['events'], 2)} | "
                     f"{fmt(o['p50'], 2)} | {fmt(a['p50'], 2)} | {verdict} |")
    reuses = load(d, "reuse-")
    if reuses:
        parts = []
        for key in sorted(reuses):
            r = reuses[key]
            parts.append(f"{key} {r['upstream_connections']}")
        L.append("")
        L.append(f"Upstream connections opened for {next(iter(reuses.values()))['requests']} sequential requests "
                 f"(1 = kept alive and reused): " + ", ".join(parts) + ".")
    bm = os.path.join(d, "baton-metrics.json")
    if os.path.exists(bm):
        with open(bm) as f:
            m = json.load(f)
        if m.get("baton_overhead_seconds_count"):
            L.append("")
            L.append(f"baton's own `baton_overhead_seconds` over the whole run: mean "
                     f"{m['baton_overhead_seconds_sum'] / m['baton_overhead_seconds_count'] * 1e6:.0f} µs over "
                     f"{m['baton_overhead_seconds_count']:.0f} requests.")
    for t in meta.get("failed", []):
        bad.append(f"{t}: failed (sanity check, crash or wrk failure; see the run's log)")
    if bad:
        L.append("")
        L.append("**Failures:** " + "; ".join(bad))
    text = "\n".join(L) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(out_md)), exist_ok=True)
    with open(out_md, "w") as f:
        f.write(text)
    print(text)
    return 1 if bad else 0


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "freeport":
        return freeport()
    if cmd == "wait-port":
        return wait_port(*args)
    if cmd == "put-script":
        return put_script(*args)
    if cmd == "delete-calls":
        return delete_calls(*args)
    if cmd == "check":
        return check(*args)
    if cmd == "wrk":
        return run_wrk(args)
    if cmd == "reuse":
        return reuse(args)
    if cmd == "ttft":
        return ttft(args)
    if cmd == "metrics":
        return metrics(args)
    if cmd == "loop":
        return loop(args)
    if cmd == "calls":
        return calls(*args)
    if cmd == "body":
        return make_body(*args)
    if cmd == "meta":
        return meta(*args)
    if cmd == "report":
        return report(*args)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
