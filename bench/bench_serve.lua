-- wrk script for bench/bench_serve.sh: GET /v1/recommend for random users, one
-- arm per run (BENCH_ARM), slate length BENCH_N; or, with BENCH_ENDPOINT=insert,
-- POST /v1/insert with a platform slate of BENCH_N random items of the world
-- (ids i0 .. i(BENCH_ITEMS-1), decreasing scores), no n (every item back).
--   users: uniformly u0 .. u(BENCH_USERS-1), or, with BENCH_USERS_FILE, uniformly
--          from the ids in that file (one per line);
--   BENCH_DELAY_MS > 0 paces each connection (wrk has no rate control:
--          connections / delay approximates a fixed rate, ignoring response time);
--   BENCH_PROBE_OUT: also write the users whose slate had an InvR item to that
--          file (how the script finds users with candidates).
-- done() prints one machine-readable line:
--   RESULT requests duration_us p50_us p90_us p99_us p999_us non2xx socket_errors
--          server_total_p50_us server_candidates_p50_us
-- (the last two: medians of the server's own "timing" in the replies, which
-- leave out the HTTP exchange and wrk, so arms compare on the server's work).
local users = tonumber(os.getenv("BENCH_USERS") or "1000000")
-- An empty variable counts as unset.
local function env(name)
  local value = os.getenv(name)
  if value == "" then return nil end
  return value
end
local users_file = env("BENCH_USERS_FILE")
local arm = os.getenv("BENCH_ARM") or "control"
local n = os.getenv("BENCH_N") or "20"
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local probe_out = env("BENCH_PROBE_OUT")
local endpoint = env("BENCH_ENDPOINT") or "recommend"
local items = tonumber(os.getenv("BENCH_ITEMS") or "100000")

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local ids = nil
found = ""  -- global: done() reads it from each thread
totals = {}  -- globals too: the server's timing.total_us and candidates_us per reply
candidates = {}
function init(args)
  -- Deterministic per thread, so two runs ask for the same users.
  math.randomseed(12345 + (id or 0))
  if users_file then
    ids = {}
    for line in io.lines(users_file) do
      if #line > 0 then table.insert(ids, line) end
    end
  end
end

function request()
  local user
  if ids then user = ids[math.random(1, #ids)] else user = "u" .. math.random(0, users - 1) end
  if endpoint == "insert" then
    -- Distinct random items: a repeated id is a 400 by contract.
    local slate, used = {}, {}
    while #slate < tonumber(n) do
      local item = math.random(0, items - 1)
      if not used[item] then
        used[item] = true
        slate[#slate + 1] = string.format('{"id":"i%d","score":%d}', item, 100 - #slate)
      end
    end
    local body = '{"user":"' .. user .. '","arm":"' .. arm .. '","slate":[' .. table.concat(slate, ",") .. ']}'
    return wrk.format("POST", "/v1/insert", {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/v1/recommend?user=" .. user .. "&n=" .. n .. "&arm=" .. arm)
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function response(status, headers, body)
  if status ~= 200 then return end
  local c, t = string.match(body, '"candidates_us":(%d+),"assemble_us":%d+,"total_us":(%d+)')
  if not t then  -- /v1/insert: the store read and the whole handler
    c, t = string.match(body, '"timing":{"candidates_us":(%d+),"total_us":(%d+)}')
  end
  if t then
    totals[#totals + 1] = tonumber(t)
    candidates[#candidates + 1] = tonumber(c)
  end
  if probe_out and string.find(body, '"source":"invr"', 1, true) then
    found = found .. string.match(body, '"user":"([^"]+)"') .. "\n"
  end
end

local function median(values)
  if #values == 0 then return 0 end
  table.sort(values)
  return values[math.floor(#values / 2) + 1]
end

function done(summary, latency, requests)
  if probe_out then
    local out = io.open(probe_out, "w")
    for _, thread in ipairs(threads) do out:write(thread:get("found")) end
    out:close()
  end
  local all_totals, all_candidates = {}, {}
  for _, thread in ipairs(threads) do
    for _, v in ipairs(thread:get("totals")) do all_totals[#all_totals + 1] = v end
    for _, v in ipairs(thread:get("candidates")) do all_candidates[#all_candidates + 1] = v end
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), e.status, e.connect + e.read + e.write + e.timeout,
    median(all_totals), median(all_candidates)))
end
