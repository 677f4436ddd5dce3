"""A hostile (or just broken) origin for integration tests of zones: raw
sockets on 127.0.0.1, so it can answer in ways no well-behaved HTTP server
library would.

What it does depends on the request's path:

  /ok                 200, "ok" (cacheable)
  /nostore            200, "fresh", Cache-Control: no-store
  /hang               never answers (holds the connection until close())
  /hang-reused        answers the first request of a connection (no-store),
                      hangs on any later request on the same connection
  /close-reused       answers the first request of a connection, closes a
                      reused connection at once without a byte
  /stray              a cacheable 200 with Content-Length, then (in the same
                      write) a whole second response: "poisoned"
  /stray-after-head   the head of a cacheable 200, then 200 ms later its
                      body and a second response in one write
  /stray-late         a no-store 200, then 200 ms later a second response
  /bad-chunk          chunked, with a chunk size that is not hex
  /status-999         status 999 (cacheable headers)
  /status-42          status 042
  /bad-header         a header whose name contains a space
  /bad-header-value   a header value with a control character
  /te-and-cl          Transfer-Encoding: chunked and Content-Length
  /close-mid-body     Content-Length 1000, sends 10 bytes and closes
  /stall-body         Content-Length 1000, sends 10 bytes and stalls
  /interim-flood      100 interim (103) responses, then a 200
  /reflect...         a cacheable 200 that reflects the request the way a
                      framework trusting forwarding headers would: its host
                      (X-Forwarded-Host, Forwarded, X-Host ... else Host),
                      scheme, URL (X-Original-URL, X-Rewrite-URL), method
                      (X-HTTP-Method-Override ...), client IP, and its
                      parameters from the query (split on & and ;, the last
                      value of a name wins, as Rails does) and from a body
                      (a "fat GET"), into the body, a <script src> and a
                      Location header
  /redirect...        the same reflection as a cacheable 301
  /vary...            a cacheable 200 with Vary: X-Variant, Accept-Encoding
                      that reflects both
  anything else       404

Every request is recorded in `requests` (method, target, path, headers as
a list of (name, value), body, conn: connection number, seq: its number on
that connection). Use as a context manager or call close().
"""
import json
import socket
import threading
import time
import urllib.parse

CRLF = b"\r\n"


def response(status, headers, body=b"", reason=b"OK"):
    head = b"HTTP/1.1 %d %s\r\n" % (status, reason) if isinstance(status, int) else b"HTTP/1.1 " + status + b"\r\n"
    for name, value in headers:
        head += name.encode() + b": " + value.encode() + CRLF
    return head + CRLF + body


def ok(body, cache="public, max-age=300", extra=()):
    return response(200, [("Cache-Control", cache), ("Content-Length", str(len(body)))] + list(extra), body)


class HostileOrigin:
    HANG = object()   # keep the connection open, never answer
    CLOSE = object()  # close the connection without a byte

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.requests = []
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._open = set()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def count(self, path):
        """How many requests for `path` (without query) arrived."""
        with self._lock:
            return len([r for r in self.requests if r["path"] == path])

    def seen(self, path):
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self):
        self._stop.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self._lock:
            conns = list(self._open)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- plumbing ---

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
                self._open.add(conn)
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _read_request(self, conn, buf):
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
        while len(buf) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            buf += chunk
        body, buf = buf[:length], buf[length:]
        return {"method": method, "target": target, "path": target.split("?")[0], "headers": headers,
                "body": body}, buf

    def _serve(self, conn, number):
        buf = b""
        seq = 0
        try:
            conn.settimeout(60)
            while not self._stop.is_set():
                req, buf = self._read_request(conn, buf)
                if req is None:
                    return
                seq += 1
                req["conn"], req["seq"] = number, seq
                with self._lock:
                    self.requests.append(req)
                out = self._answer(req, conn)
                if out is self.HANG:
                    self._stop.wait(60)
                    return
                if out is self.CLOSE:
                    return
                conn.sendall(out)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    # --- behaviours ---

    def _answer(self, req, conn):
        path = req["path"]
        if path == "/ok":
            return ok(b"ok")
        if path == "/nostore":
            return ok(b"fresh", cache="no-store")
        if path == "/hang":
            return self.HANG
        if path == "/hang-reused":
            return ok(b"first on this connection", cache="no-store") if req["seq"] == 1 else self.HANG
        if path == "/close-reused":
            return ok(b"answered on a fresh connection", cache="no-store") if req["seq"] == 1 else self.CLOSE
        if path == "/stray":
            poison = ok(b"poisoned")
            return ok(b"stray") + poison
        if path == "/stray-after-head":
            conn.sendall(response(200, [("Cache-Control", "max-age=300"), ("Content-Length", "5")]))
            time.sleep(0.2)
            return b"stray" + ok(b"poisoned")
        if path == "/stray-late":
            def late():
                time.sleep(0.2)
                try:
                    conn.sendall(ok(b"poisoned"))
                except OSError:
                    pass
            threading.Thread(target=late, daemon=True).start()
            return ok(b"first", cache="no-store")
        if path == "/bad-chunk":
            return response(200, [("Cache-Control", "max-age=300"), ("Transfer-Encoding", "chunked")],
                            b"5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n")
        if path == "/status-999":
            return response(b"999 Whatever", [("Cache-Control", "max-age=300"), ("Content-Length", "5")], b"hello")
        if path == "/status-42":
            return response(b"042 Low", [("Cache-Control", "max-age=300"), ("Content-Length", "5")], b"hello")
        if path == "/bad-header":
            return response(200, [("Cache-Control", "max-age=300"), ("Bad Header", "x"), ("Content-Length", "5")],
                            b"hello")
        if path == "/bad-header-value":
            return response(200, [("Cache-Control", "max-age=300"), ("X-Bad", "a\x01b"), ("Content-Length", "5")],
                            b"hello")
        if path == "/te-and-cl":
            return response(200, [("Cache-Control", "max-age=300"), ("Transfer-Encoding", "chunked"),
                                  ("Content-Length", "5")], b"5\r\nhello\r\n0\r\n\r\n")
        if path == "/close-mid-body":
            conn.sendall(response(200, [("Cache-Control", "max-age=300"), ("Content-Length", "1000")], b"x" * 10))
            return self.CLOSE
        if path == "/stall-body":
            conn.sendall(response(200, [("Cache-Control", "max-age=300"), ("Content-Length", "1000")], b"x" * 10))
            return self.HANG
        if path == "/interim-flood":
            return b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" * 100 + ok(b"finally")
        if path.startswith("/reflect") or path.startswith("/redirect"):
            return self._reflect(req)
        if path.startswith("/vary"):
            h = {k.lower(): v for k, v in req["headers"]}
            body = ("variant=%s encoding=%s" % (h.get("x-variant", ""), h.get("accept-encoding", ""))).encode()
            return ok(body, extra=[("Vary", "X-Variant, Accept-Encoding")])
        return response(404, [("Content-Length", "9")], b"not found", reason=b"Not Found")

    @staticmethod
    def effective(req):
        """What a framework that trusts every forwarding header would make
        of the request."""
        h = {}
        for name, value in req["headers"]:
            h.setdefault(name.lower(), value)
        forwarded = {}
        for part in h.get("forwarded", "").replace(",", ";").split(";"):
            k, _, v = part.strip().partition("=")
            if k:
                forwarded[k.lower()] = v.strip('"')
        host = (h.get("x-forwarded-host") or forwarded.get("host") or h.get("x-host") or h.get("x-original-host")
                or h.get("x-http-host-override") or h.get("x-forwarded-server") or h.get("host", ""))
        port = h.get("x-forwarded-port")
        if port:
            host = host.split(":")[0] + ":" + port
        scheme = (h.get("x-forwarded-proto") or h.get("x-forwarded-scheme") or forwarded.get("proto")
                  or ("https" if h.get("front-end-https") == "on" or h.get("x-forwarded-ssl") == "on" else "http"))
        url = h.get("x-original-url") or h.get("x-rewrite-url") or h.get("x-envoy-original-path") or req["target"]
        url = h.get("x-forwarded-prefix", "") + url
        method = (h.get("x-http-method-override") or h.get("x-http-method") or h.get("x-method-override")
                  or req["method"])
        client = (h.get("true-client-ip") or h.get("x-real-ip") or h.get("cf-connecting-ip")
                  or h.get("x-forwarded-for", ""))
        params = {}
        query = req["target"].partition("?")[2]
        for source in (query, req["body"].decode("latin-1")):
            for pair in source.replace(";", "&").split("&"):
                if pair:
                    k, _, v = pair.partition("=")
                    params[urllib.parse.unquote_plus(k)] = urllib.parse.unquote_plus(v)
        country = h.get("cf-ipcountry", "")
        return {"host": host, "scheme": scheme, "url": url, "method": method, "client": client,
                "params": params, "country": country}

    def _reflect(self, req):
        e = self.effective(req)
        location = "%s://%s%s" % (e["scheme"], e["host"], e["url"])
        page = ('<script src="%s://%s/static/app.js"></script>\n%s\n'
                % (e["scheme"], e["host"], json.dumps(e, sort_keys=True))).encode()
        headers = [("Cache-Control", "public, max-age=300"), ("Content-Type", "text/html"),
                   ("Location", location), ("Content-Length", str(len(page)))]
        if req["path"].startswith("/redirect"):
            return response(301, headers, page, reason=b"Moved Permanently")
        return response(200, headers, page)


if __name__ == "__main__":
    # Manual use: python3 hostile_origin.py, then point a zone at it.
    o = HostileOrigin()
    print("hostile origin on", o.base, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        o.close()
