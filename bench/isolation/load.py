#!/usr/bin/env python3
"""Latency load for bench/isolation.sh: CONNS clients, each sending GET
requests back to back for DURATION seconds, each request on a new
connection (as independent visitors arrive; the kernel spreads new
connections over the node's listeners), every request's latency recorded. Unlike wrk, a request that never completes still counts:
one stuck at the end counts with the time it has waited, and one that
waits longer than TIMEOUT counts as TIMEOUT and its connection is replaced.
Prints one JSON object: count, p50/p99/max in ms, timeouts, errors.

Usage: load.py PORT HOST PATH CONNS DURATION_S TIMEOUT_S
"""
import http.client
import json
import sys
import threading
import time

port, host, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conns, duration, timeout = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
latencies, lock = [], threading.Lock()
stats = {"timeouts": 0, "errors": 0, "non2xx": 0}
deadline = time.monotonic() + duration


def run():
    mine, conn = [], None
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if conn is None:
            # A request stuck past the deadline still counts with what it waited.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=min(timeout, deadline - now + 0.05))
        t0 = time.monotonic()
        try:
            conn.request("GET", path, headers={"Host": host, "Connection": "close"})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.monotonic() - t0)
            conn.close()
            conn = None
            if resp.status >= 300:
                with lock:
                    stats["non2xx"] += 1
        except OSError as e:
            waited = time.monotonic() - t0
            mine.append(min(waited, timeout))
            conn.close()
            conn = None
            with lock:
                if waited >= timeout * 0.99:
                    stats["timeouts"] += 1
                elif time.monotonic() < deadline:
                    stats["errors"] += 1
                # else: still waiting when the run ended; counted above
        except http.client.HTTPException:
            mine.append(time.monotonic() - t0)
            conn.close()
            conn = None
            with lock:
                stats["errors"] += 1
    with lock:
        latencies.extend(mine)


threads = [threading.Thread(target=run) for _ in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
latencies.sort()


def pct(p):
    if not latencies:
        return None
    return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000


print(json.dumps({"count": len(latencies), "rps": len(latencies) / duration, "p50_ms": pct(50),
                  "p99_ms": pct(99), "max_ms": latencies[-1] * 1000 if latencies else None, **stats}))
