-- wrk script for bench/bindings.sh: POST /d1/insert, each request inserts
-- one row (payload = this small body).
--   wrk ... -s insert.lua http://127.0.0.1:PORT
wrk.method = "POST"
wrk.path = "/d1/insert"
wrk.body = '{"event":"bench","source":"wrk"}'
wrk.headers["Content-Type"] = "application/json"
