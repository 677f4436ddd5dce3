-- wrk script for bench/hello.sh: sends a fixed number of requests instead of
-- running for a fixed time.
--   wrk -tT ... -s count.lua URL -- PER_THREAD DONE_DIR
-- Each wrk thread stops after PER_THREAD responses and then creates the file
-- DONE_DIR/done.<thread number>. wrk's main thread still sleeps for the whole
-- -d duration, so the caller waits for one such file per thread and then
-- sends wrk SIGINT, which makes it print its report at once.
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
end

local limit = 0
local done_dir = nil
local seen = 0

function init(args)
  limit = tonumber(args[1]) or 0
  done_dir = args[2]
end

function response(status, headers, body)
  seen = seen + 1
  if limit > 0 and seen == limit then
    if done_dir then
      local f = io.open(done_dir .. "/done." .. tostring(thread_no), "w")
      if f then
        f:write(tostring(seen), "\n")
        f:close()
      end
    end
    wrk.thread:stop()
  end
end
