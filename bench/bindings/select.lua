-- wrk script for bench/bindings.sh: GET /d1/select?id=N with N drawn
-- uniformly from 1..ROWS for every request.
--   wrk ... -s select.lua http://127.0.0.1:PORT -- ROWS
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
end

local rows = 10000

function init(args)
  rows = tonumber(args[1]) or rows
  -- A different, reproducible sequence per wrk thread.
  math.randomseed(1000 + (thread_no or 0))
end

function request()
  return wrk.format("GET", "/d1/select?id=" .. math.random(1, rows))
end
