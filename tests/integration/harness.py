"""Helpers for integration tests: start the real verge binary on a free
loopback port, talk HTTP to it, and run a scriptable origin server.

Every process a test starts is stopped by the test (or by atexit) by PID.
"""
import atexit
import http.client
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VERGE = os.environ.get("VERGE_BIN", os.path.join(ROOT, "build", "verge"))
_live = []


def _cleanup():
    for p in _live:
        if p.poll() is None:
            p.kill()


atexit.register(_cleanup)


class Verge:
    """A running verge process (dev or serve)."""

    def __init__(self, args, cwd=None, ready=r"(ready on|listening on) http://([\d.]+):(\d+)", timeout=30,
                 env=None):
        self.args = [VERGE] + list(args)
        full_env = dict(os.environ, **(env or {}))
        self.proc = subprocess.Popen(self.args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, errors="replace", env=full_env)
        _live.append(self.proc)
        self.stdout_lines, self.stderr_lines = [], []
        self._ready = threading.Event()
        self.port = None
        pattern = re.compile(ready)

        def pump(stream, sink):
            for line in stream:
                sink.append(line)
                m = pattern.search(line)
                if m and not self._ready.is_set():
                    self.port = int(m.group(3))
                    self._ready.set()
            self._ready.set()

        self._threads = [threading.Thread(target=pump, args=(self.proc.stdout, self.stdout_lines), daemon=True),
                         threading.Thread(target=pump, args=(self.proc.stderr, self.stderr_lines), daemon=True)]
        for t in self._threads:
            t.start()
        self._ready.wait(timeout)
        if self.port is None:
            self.stop()
            raise RuntimeError("verge did not start: %s\nstdout: %s\nstderr: %s"
                               % (self.args, "".join(self.stdout_lines), "".join(self.stderr_lines)))

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def stdout(self):
        return "".join(self.stdout_lines)

    def stderr(self):
        return "".join(self.stderr_lines)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._threads:
            t.join(2)
        return self.proc.returncode


def dev(target, *extra, **kw):
    return Verge(["dev", target, "--port", "0"] + list(extra), **kw)


def serve_config(text, tmpdir):
    """Starts `verge serve` with `text` as its node config. Unless the config
    names a data_dir, the data lives in tmpdir/data (never in the cwd)."""
    if "data_dir" not in text and "[server]" in text:
        text = text.replace("[server]", '[server]\ndata_dir = "%s"' % os.path.join(tmpdir, "data"), 1)
    path = os.path.join(tmpdir, "node.toml")
    with open(path, "w") as f:
        f.write(text)
    return Verge(["serve", "--config", path])


def request(port, method="GET", path="/", headers=None, body=None, host=None, timeout=30):
    """One HTTP request on a fresh connection. Returns (status, headers dict
    with lowercased names, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    hdrs = dict(headers or {})
    if host:
        hdrs["Host"] = host
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    result = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    conn.close()
    return result


def recv_all(s, read_until_close=True, pause=0.0):
    """What socket `s` receives until the peer closes it (or its timeout
    passes; with read_until_close=False, one recv), sleeping `pause` s after
    each recv, as a slow reader would."""
    chunks = []
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            chunks.append(c)
            if not read_until_close:
                break
            time.sleep(pause)
    except socket.timeout:
        pass
    return b"".join(chunks)


def raw(port, data, timeout=10, read_until_close=True):
    """Sends raw bytes and returns everything the server sends back until it
    closes the connection (or the timeout passes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = recv_all(s, read_until_close)
    s.close()
    return out


def read_head(conn):
    """Reads from a socket up to the end of an HTTP head (CRLF CRLF), or
    until the peer closes; returns what it read."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def free_port():
    """A loopback port nothing listens on (just now)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_certificates(tmpdir):
    """Makes a test CA (ca.pem, to trust through SSL_CERT_FILE) and a server
    certificate for "localhost" it signed (server.crt, server.key) in
    tmpdir; returns their paths as a dict."""
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=tmpdir)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=verge test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(tmpdir, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf")
    return {name: os.path.join(tmpdir, file) for name, file in
            (("ca", "ca.pem"), ("cert", "server.crt"), ("key", "server.key"))}


def write_project(tmpdir, files):
    for name, content in files.items():
        path = os.path.join(tmpdir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(content)
    return tmpdir


def worker_dir(code, extra_toml="", name="t"):
    """A temporary project with one module worker."""
    d = tempfile.mkdtemp(prefix="verge-test-")
    write_project(d, {
        "wrangler.toml": 'name = "%s"\nmain = "index.js"\ncompatibility_date = "2024-09-23"\n%s' % (name, extra_toml),
        "index.js": code,
    })
    return d


class Origin:
    """A threaded HTTP origin. `routes` maps a path to a function
    handler(req) -> (status, headers dict, body bytes); requests are recorded
    in `self.requests` as dicts."""

    def __init__(self, routes=None):
        self.routes = routes or {}
        self.requests = []
        self.connections = set()  # open client connections, closed by close()
        self.connections_opened = 0
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # Headers and body go out in separate writes: without this,
                # Nagle's algorithm holds the body for the client's delayed
                # ACK (40 ms per response on a reused connection).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                origin.connections.add(self.connection)
                origin.connections_opened += 1

            def handle(self):
                try:
                    super().handle()
                except OSError:
                    pass  # close() cut the connection

            def finish(self):
                origin.connections.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                req = {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                origin.requests.append(req)
                fn = origin.routes.get(self.path.split("?")[0])
                if fn is None:
                    status, headers, out = 404, {}, b"origin: not found"
                else:
                    status, headers, out = fn(req)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "content-length" not in {k.lower() for k in headers}:
                    self.send_header("content-length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def close(self):
        """Stops listening and drops every open connection (keep-alive ones
        too), so the origin is really gone."""
        self.server.shutdown()
        self.server.server_close()
        for conn in list(self.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def wait_for(condition, timeout=10):
    """True once `condition()` holds, polling (log lines may trail the answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def wait_for_log(v, text, timeout=10):
    """True once the node's output (stderr or stdout) has `text`."""
    return wait_for(lambda: text in v.stderr() or text in v.stdout(), timeout)
