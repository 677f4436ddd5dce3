-- wrk script for bench/cache.sh: every request asks for a URL that was never
-- asked before, so every request through a cache is a MISS.
--   wrk ... -s unique.lua http://127.0.0.1:PORT -- PATH TAG
-- Requests PATH?n=TAG-T-N (T = wrk thread, N = a counter per thread; give each
-- run its own TAG so that a warm-up does not fill the cache for the timed
-- run). Counts the cache status of every answer (cf-cache-status from verge,
-- X-Cache-Status from nginx) and prints the counts when wrk ends, as
--   cache-status: MISS=N HIT=N other=N absent=N
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
  table.insert(threads, thread)
end

local path, tag = "/1k.bin", "run"
local n = 0
-- Globals, so that done() can read them with thread:get().
miss, hit, other, absent = 0, 0, 0, 0

function init(args)
  path = args[1] or path
  tag = args[2] or tag
end

function request()
  n = n + 1
  return wrk.format(nil, path .. "?n=" .. tag .. "-" .. thread_no .. "-" .. n)
end

function response(status, headers, body)
  local s = headers["cf-cache-status"] or headers["CF-Cache-Status"] or headers["X-Cache-Status"]
  if s == nil then
    absent = absent + 1
  elseif s == "MISS" then
    miss = miss + 1
  elseif s == "HIT" then
    hit = hit + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local m, h, o, a = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    m = m + (t:get("miss") or 0)
    h = h + (t:get("hit") or 0)
    o = o + (t:get("other") or 0)
    a = a + (t:get("absent") or 0)
  end
  io.write(string.format("cache-status: MISS=%d HIT=%d other=%d absent=%d\n", m, h, o, a))
end
