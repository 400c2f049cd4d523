-- A fixed arrival rate for wrk (Debian's wrk 4.1 has no -R): `wrk -t1 -cN -s paced.lua URL -- RATE`.
-- Every connection asks `delay()` before each request; each call takes the next slot of one
-- schedule spaced 1/RATE apart, so arrivals stay at RATE whatever the latency, as long as some
-- connection is free when a slot comes. wrk counts latency from the moment it writes the request;
-- a slot taken late (every connection busy, i.e. the target stalled) is counted in `late`, so a
-- run where that happens is visible rather than quietly closed-loop. wrk's timers are whole
-- milliseconds, so at 2,000 req/s about two requests leave together on each millisecond tick.
local ffi = require('ffi')
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } cutover_timespec;
  int clock_gettime(int clk, cutover_timespec *ts);
]]
local ts = ffi.new('cutover_timespec')
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local interval_us = 500
local next_us = nil
late = 0
late_max_us = 0

function init(args)
  local rate = tonumber(args[1] or '2000')
  interval_us = 1e6 / rate
end

function delay()
  local now = now_us()
  if next_us == nil then next_us = now end
  local slot = next_us
  next_us = next_us + interval_us
  local wait_us = slot - now
  if wait_us < -1000 then
    late = late + 1
    if -wait_us > late_max_us then late_max_us = -wait_us end
  end
  if wait_us <= 0 then return 0 end
  -- wrk truncates to whole ms; rounding keeps the mean send time on the schedule.
  return math.floor(wait_us / 1000 + 0.5)
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(s, latency, requests)
  local l, lmax = 0, 0
  for _, t in ipairs(threads) do
    l = l + (t:get('late') or 0)
    lmax = math.max(lmax, t:get('late_max_us') or 0)
  end
  local e = s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout
  io.write(string.format('{"requests":%d,"errors":%d,"non2xx":%d,"seconds":%f,"p50":%f,"p90":%f,"p99":%f,"p999":%f,"max":%f,"late":%d,"lateMaxMs":%f}\n',
    s.requests, e, s.errors.status, s.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000, l, lmax / 1000))
end
