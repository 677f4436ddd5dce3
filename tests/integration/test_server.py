"""HTTP/1.1 server behaviour through the real binary: keep-alive,
pipelining, chunked bodies both ways, 100-continue, limits, timeouts, HEAD."""
import hashlib
import json
import os
import socket
import tempfile
import threading
import time
import unittest

from harness import Verge, dev, raw, recv_all, request, serve_config, worker_dir

ECHO = r"""
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/echo") {
      const body = await request.arrayBuffer();
      return new Response(body, { headers: { "x-method": request.method, "x-length": String(body.byteLength) } });
    }
    if (url.pathname === "/count") {
      // Streams the body without holding it: counts bytes and hashes nothing.
      let n = 0;
      for await (const chunk of request.body) n += chunk.byteLength;
      return new Response(String(n));
    }
    if (url.pathname === "/big") {
      const size = Number(url.searchParams.get("mb")) * 1024 * 1024;
      const chunk = new Uint8Array(64 * 1024).fill(97);
      let sent = 0;
      return new Response(new ReadableStream({
        pull(controller) {
          if (sent >= size) { controller.close(); return; }
          controller.enqueue(chunk);
          sent += chunk.byteLength;
        },
      }));
    }
    if (url.pathname === "/headers") {
      return Response.json(Object.fromEntries(request.headers));
    }
    return new Response("hello " + request.method);
  },
};
"""


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = worker_dir(ECHO)
        cls.tmp = tempfile.mkdtemp(prefix="verge-serve-")
        cls.v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 2
[limits]
max_body_bytes = 2000000000
header_timeout_ms = 700
idle_timeout_ms = 3000
max_header_bytes = 8192
[[workers]]
name = "echo"
path = "%s"
routes = ["*"]
""" % cls.dir, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def test_hello_and_json_access_log(self):
        status, headers, body = request(self.v.port, path="/")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"hello GET")
        self.assertEqual(headers["content-length"], "9")
        time.sleep(0.2)
        self.assertIn('"status":200', self.v.stdout())
        self.assertIn('"worker":"echo"', self.v.stdout())
        # Bytes a JSON string cannot hold as they are come out escaped, and
        # the line still parses back to the target that was sent.
        target = b'/log?q="quoted"\\back\xc3\xa9'
        out = raw(self.v.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertIn(b"200 OK", out)
        deadline = time.time() + 5
        while time.time() < deadline:
            seen = [json.loads(l)["target"] for l in self.v.stdout().splitlines() if l.startswith("{")]
            if any(t.startswith("/log?q=") for t in seen):
                break
            time.sleep(0.1)
        self.assertIn(target.decode("latin-1"), seen)

    def test_keep_alive_and_pipelining(self):
        req = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        last = b"GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        out = raw(self.v.port, req * 3 + last)
        self.assertEqual(out.count(b"HTTP/1.1 200 OK"), 4, out)
        self.assertEqual(out.count(b"hello GET"), 4)

    def test_chunked_request_body(self):
        body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        out = raw(self.v.port, b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body)
        self.assertIn(b"200 OK", out)
        self.assertTrue(out.endswith(b"hello world"), out)
        self.assertIn(b"x-length: 11", out)

    def echo_to_reader(self, size, wait=0.0, pause=0.0, rcvbuf=None):
        """POSTs `size` random bytes to /echo and reads the answer as a client
        that waits `wait` s first and `pause` s after each recv; asserts the
        answer came back whole."""
        big = os.urandom(size)
        s = socket.create_connection(("127.0.0.1", self.v.port), timeout=30)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % size + big)
        started = time.time()
        time.sleep(wait)
        data = recv_all(s, pause=pause)
        s.close()
        head, body = data.split(b"\r\n\r\n", 1)
        self.assertIn(b"200 OK", head)
        self.assertEqual(len(body), size, "cut after %.1f s" % (time.time() - started))
        self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(big).hexdigest())

    def test_a_large_answer_to_a_reader_that_waits_arrives_whole(self):
        # The answer is written directly while the socket takes it; the rest
        # goes on asynchronously.
        self.echo_to_reader(16 * 1024 * 1024, wait=0.5)

    def test_a_slow_reader_that_keeps_reading_is_not_cut(self):
        # idle_timeout_ms (3 s here) bounds each write's lack of progress,
        # not the whole answer: 8 MiB read at about 1.3 MB/s takes longer.
        self.echo_to_reader(8 * 1024 * 1024, pause=0.05, rcvbuf=65536)

    def test_post_small_and_large(self):
        status, headers, body = request(self.v.port, "POST", "/echo", body=b"abc")
        self.assertEqual((status, body), (200, b"abc"))
        big = os.urandom(8 * 1024 * 1024)
        status, headers, body = request(self.v.port, "POST", "/echo", body=big)
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(big).hexdigest())

    def test_streamed_upload_does_not_sit_in_memory(self):
        size = 300 * 1024 * 1024
        s = socket.create_connection(("127.0.0.1", self.v.port))
        s.sendall(b"POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size)
        block = b"z" * (1024 * 1024)
        for _ in range(size // len(block)):
            s.sendall(block)
        out = b""
        while True:
            c = s.recv(65536)
            if not c:
                break
            out += c
        s.close()
        self.assertTrue(out.endswith(str(size).encode()), out[-200:])
        self.assertLess(rss_kb(self.v.proc.pid), 250 * 1024, "RSS grew with the upload")

    def test_streamed_download_chunked(self):
        s = socket.create_connection(("127.0.0.1", self.v.port))
        s.sendall(b"GET /big?mb=200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(1)
        self.assertIn(b"transfer-encoding: chunked", head.lower())
        total = 0
        while True:
            c = s.recv(1 << 20)
            if not c:
                break
            total += len(c)
        s.close()
        self.assertGreater(total, 200 * 1024 * 1024)  # payload plus chunk framing
        self.assertLess(rss_kb(self.v.proc.pid), 250 * 1024)

    def test_expect_100_continue(self):
        s = socket.create_connection(("127.0.0.1", self.v.port), timeout=5)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
        interim = s.recv(4096)
        self.assertTrue(interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), interim)
        s.sendall(b"ping")
        out = b""
        while True:
            c = s.recv(4096)
            if not c:
                break
            out += c
        self.assertIn(b"200 OK", out)
        self.assertTrue(out.endswith(b"ping"))

    def test_absolute_form_target_sets_the_host(self):
        out = raw(self.v.port, b"GET http://abs.test/headers HTTP/1.1\r\nHost: ignored.test\r\nConnection: close\r\n\r\n")
        self.assertIn(b"200 OK", out)
        self.assertIn(b'"host":"abs.test"', out)

    def test_head(self):
        out = raw(self.v.port, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertIn(b"200 OK", out)
        self.assertIn(b"content-length: 10", out)  # "hello HEAD", announced but not sent
        self.assertTrue(out.endswith(b"\r\n\r\n"), out)

    def test_header_too_large_is_431(self):
        out = raw(self.v.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431"), out[:100])

    def test_too_many_headers_is_431(self):
        hdrs = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
        out = raw(self.v.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + hdrs + b"\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431"), out[:100])

    def test_bad_request_is_400(self):
        out = raw(self.v.port, b"GARBAGE\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400"), out[:100])

    def test_garbage_never_crashes_the_node(self):
        import random
        rng = random.Random(1234)
        seeds = [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
                 b"GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                 b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"]
        for i in range(300):
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(0, 8)):
                pos = rng.randrange(len(data))
                data[pos] = rng.randrange(256)
            if rng.random() < 0.3:
                data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
            raw(self.v.port, bytes(data), timeout=0.5)
        self.assertIsNone(self.v.proc.poll())
        self.assertEqual(request(self.v.port, path="/")[0], 200)

    def test_slowloris_header_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.v.port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        start = time.time()
        closed = False
        try:
            for _ in range(20):
                s.sendall(b"X-Slow: 1\r\n")
                time.sleep(0.1)
                s.settimeout(0.05)
                try:
                    if s.recv(100) == b"":
                        closed = True
                        break
                except socket.timeout:
                    pass
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        s.close()
        self.assertTrue(closed, "server kept a trickling header open")
        self.assertLess(time.time() - start, 1.8)

    def test_idle_keepalive_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.v.port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(4096)
        start = time.time()
        self.assertEqual(s.recv(100), b"")  # closed by the server after idle_timeout
        self.assertGreater(time.time() - start, 2)
        s.close()


class BodyLimitTest(unittest.TestCase):
    def test_413(self):
        d = worker_dir(ECHO)
        tmp = tempfile.mkdtemp()
        v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 1
[limits]
max_body_bytes = 1000
[[workers]]
path = "%s"
routes = ["*"]
""" % d, tmp)
        try:
            out = raw(v.port, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000)
            self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:100])
            status, _, body = request(v.port, "POST", "/echo", body=b"x" * 999)
            self.assertEqual(status, 200)
        finally:
            v.stop()


if __name__ == "__main__":
    unittest.main()
