-- wrk script for bench/run.sh: POST one JSON body (read from $BENCH_BODY_FILE) on every request and print
-- a machine-readable summary line at the end ("BENCHJSON {...}", parsed by bench/bench.py).
--
--   BENCH_BODY_FILE=body.json wrk -t1 -c16 -d10s --latency -s bench/post.lua http://127.0.0.1:PORT/path
--
-- No response() callback on purpose: defining one makes wrk hand every response body to Lua, which costs
-- wrk CPU on the same 2 cores as the proxies under test. Responses are checked once before the load
-- (bench.py check) and wrk counts non-2xx statuses by itself (summary.errors.status).

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file == nil or body_file == "" then
    error("BENCH_BODY_FILE is not set")
end
local f = assert(io.open(body_file, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'BENCHJSON {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
        '"latency_us": {"mean": %.1f, "stdev": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d, "p999": %d}}\n',
        summary.duration, summary.requests, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency.mean, latency.stdev, latency.max,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
