-- wrk script for bench/bench_serve.sh: GET /v1/recommend for uniformly random
-- user ids u0 .. u(BENCH_USERS-1), one arm per run (BENCH_ARM), slate length
-- BENCH_N. BENCH_DELAY_MS > 0 paces each connection (wrk has no rate control:
-- connections / delay approximates a fixed rate, ignoring response time).
-- done() prints one machine-readable line:
--   RESULT requests duration_us p50_us p90_us p99_us p999_us non2xx socket_errors
local users = tonumber(os.getenv("BENCH_USERS") or "1000000")
local arm = os.getenv("BENCH_ARM") or "control"
local n = os.getenv("BENCH_N") or "20"
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  -- Deterministic per thread, so two runs ask for the same users.
  math.randomseed(12345 + (id or 0))
end

function request()
  local user = math.random(0, users - 1)
  return wrk.format("GET", "/v1/recommend?user=u" .. user .. "&n=" .. n .. "&arm=" .. arm)
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), e.status, e.connect + e.read + e.write + e.timeout))
end
