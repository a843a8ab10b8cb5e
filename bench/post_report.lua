-- wrk script: POST a distinct field report each time (unique external_id), print JSON figures.
local points = {{16.45394, 107.58305}, {16.4821, 107.57612}, {16.47461, 107.60998},
                {16.43805, 107.59836}, {16.52218, 107.59538}}
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000))
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

-- The intake needs a client key (bench/intake.py makes one); the bare endpoint ignores it.
local headers = {["Content-Type"] = "application/json",
                 ["Authorization"] = "Bearer " .. (os.getenv("BENCH_CLIENT_KEY") or "")}

local n = 0
function request()
  n = n + 1
  local p = points[(n % #points) + 1]
  local body = string.format(
    '{"text":"Dây cáp viễn thông võng thấp qua đường, báo cáo số %d",' ..
    '"location":{"lat":%.5f,"lon":%.5f,"accuracy_m":10},' ..
    '"external_id":"wrk-%s-%d-%d","channel":"bench"}', n, p[1], p[2], run, tid or 0, n)
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"socket_errors":%d,"non_2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
