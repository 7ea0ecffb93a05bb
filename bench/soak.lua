-- wrk script for bench/soak.sh: POST one JSON body (read from $SOAK_BODY_FILE) on every request, check every
-- answer and print a machine-readable summary line at the end ("SOAKJSON {...}", read by bench/soak.py).
--
--   SOAK_BODY_FILE=body.json SOAK_KIND=stream wrk -t1 -c8 -d300s --timeout 30s -s bench/soak.lua URL
--
-- SOAK_KIND=chat: a 200 must be a whole chat.completion (it holds "choices"). SOAK_KIND=stream: a 200 must
-- end with `data: [DONE]` (a complete stream) or with an in-band `data: {"error": ...}` event (a stream
-- that failed for good, SPEC §6); anything else is a stream that ended silently. Unlike bench/post.lua this
-- defines response(): the soak is about correctness under faults, not about wrk's own CPU.

local body_file = os.getenv("SOAK_BODY_FILE")
if body_file == nil or body_file == "" then
    error("SOAK_BODY_FILE is not set")
end
local kind = os.getenv("SOAK_KIND") or "chat"
local f = assert(io.open(body_file, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
    complete = 0      -- 200: a whole answer (chat) or a stream ending in [DONE]
    error_event = 0   -- 200 stream ending in an in-band error event
    silent_end = 0    -- 200 stream with neither: what must never happen
    broken = 0        -- 200 chat answer that is not a chat.completion
end

function response(status, headers, body)
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
    if status ~= 200 then
        return
    end
    if kind == "stream" then
        if body:find("data: %[DONE%]%s*$") then
            complete = complete + 1
        elseif body:find('data: {"error"', 1, true) and body:find("}%s*$") then
            error_event = error_event + 1
        else
            silent_end = silent_end + 1
        end
    elseif body:find('"choices"', 1, true) then
        complete = complete + 1
    else
        broken = broken + 1
    end
end

function done(summary, latency, requests)
    local totals = {complete = 0, error_event = 0, silent_end = 0, broken = 0}
    local statuses_all = {}
    for _, t in ipairs(threads) do
        for _, name in ipairs({"complete", "error_event", "silent_end", "broken"}) do
            totals[name] = totals[name] + (t:get(name) or 0)
        end
        local s = t:get("statuses") or {}
        for code, n in pairs(s) do
            statuses_all[code] = (statuses_all[code] or 0) + n
        end
    end
    local parts = {}
    for code, n in pairs(statuses_all) do
        table.insert(parts, string.format('"%s": %d', code, n))
    end
    local e = summary.errors
    io.write(string.format(
        'SOAKJSON {"kind": "%s", "requests": %d, "complete": %d, "error_event": %d, "silent_end": %d, ' ..
        '"broken": %d, "statuses": {%s}, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
        '"latency_us": {"p50": %d, "p99": %d, "max": %d}}\n',
        kind, summary.requests, totals.complete, totals.error_event, totals.silent_end, totals.broken,
        table.concat(parts, ", "), e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(99), latency.max))
end
