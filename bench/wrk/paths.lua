-- wrk script for the bench: requests paths from a list file, one path per line.
--   wrk ... -s bench/wrk/paths.lua <url> -- <list file> <random|seq> <threads>
-- random: each request picks a random line (cached scenarios).
-- seq:    every thread walks its own share of the list in order, so no path is requested twice
--         (cold misses: each request is a different meta tile).
-- At the end one line "BENCH_JSON {...}" carries the figures for bench/lib/wrk.ts.

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end

local paths = {}
local mode = "random"
local step = 1
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  mode = args[2] or "random"
  step = tonumber(args[3]) or 1
  counter = (tid or 1) - 1
  math.randomseed(os.time() + 7919 * (tid or 1))
end

function request()
  local p
  if mode == "seq" then
    p = paths[(counter % #paths) + 1]
    counter = counter + step
  else
    p = paths[math.random(#paths)]
  end
  return wrk.format("GET", p)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
