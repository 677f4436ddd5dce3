"""WebSockets through the real binary (issue 11), with the npm `ws` client
as the peer: a worker accepts a WebSocketPair and returns the other end in
a 101 response; text and binary messages, ping/pong, a large message, the
close handshake both ways, Cloudflare's 1 MiB message limit, many messages
in order, subprotocols, and malformed frames (each closes the connection
with the code RFC 6455 gives it)."""
import json
import os
import socket
import struct
import subprocess
import tempfile
import threading
import unittest

from harness import dev, read_head, request, serve_config, wait_for, write_project

HERE = os.path.dirname(os.path.abspath(__file__))

WORKER = r"""
export default {
  async fetch(request) {
    if (request.headers.get("upgrade") !== "websocket") {
      const url = new URL(request.url);
      const path = url.pathname;
      if (path === "/out") {
        const origin = "ws://127.0.0.1:" + url.searchParams.get("port") + "/";
        const ws = new WebSocket(origin, ["chat", "other"]);
        const out = { states: [ws.readyState], messages: [] };
        try { ws.send("too early"); } catch (e) { out.early = e.name; }
        await new Promise((resolve, reject) => { ws.addEventListener("open", resolve); ws.addEventListener("error", () => reject(new Error("error event"))); });
        out.states.push(ws.readyState);
        out.protocol = ws.protocol;
        out.url = ws.url;
        const closed = new Promise((resolve) => ws.addEventListener("close", (e) => resolve([e.code, e.reason, e.wasClean])));
        ws.addEventListener("message", (e) => {
          out.messages.push(typeof e.data === "string" ? e.data : [...new Uint8Array(e.data)]);
          if (out.messages.length === 2) ws.send("bye");
        });
        ws.send("hi");
        ws.send(new Uint8Array([9, 8, 7]));
        out.close = await closed;
        out.states.push(ws.readyState);
        return Response.json(out);
      }
      if (path === "/fetch-ws") {
        const resp = await fetch("http://127.0.0.1:" + url.searchParams.get("port") + "/", { headers: { Upgrade: "websocket" } });
        const ws = resp.webSocket;
        ws.accept();
        const got = await new Promise((resolve) => { ws.addEventListener("message", (e) => resolve(e.data)); ws.send("via fetch"); });
        ws.close(1000, "done");
        return Response.json({ status: resp.status, got });
      }
      if (path === "/fetch-refused") {
        // The server answers the handshake with no 101: fetch() gives that answer.
        const out = [];
        for (const p of ["/chunked", "/length", "/close", "/empty"]) {
          const resp = await fetch("http://127.0.0.1:" + url.searchParams.get("port") + p, { headers: { Upgrade: "websocket" } });
          out.push([resp.status, resp.statusText, resp.headers.get("x-why"), resp.webSocket, await resp.text(), resp.url.endsWith(p)]);
        }
        const ws = new WebSocket("ws://127.0.0.1:" + url.searchParams.get("port") + "/length");
        const events = [];
        ws.addEventListener("error", () => events.push("error"));
        events.push(await new Promise((resolve) => ws.addEventListener("close", (e) => resolve(e.code))));
        out.push(events);
        return Response.json(out);
      }
      if (path === "/refused") {
        const ws = new WebSocket("ws://127.0.0.1:" + url.searchParams.get("port") + "/");
        const events = [];
        ws.addEventListener("error", () => events.push("error"));
        const code = await new Promise((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
        try { new WebSocket("ftp://x/"); } catch (e) { events.push(e.name); }
        return Response.json({ events, code });
      }
      if (path === "/not-upgrade") {
        const [client, server] = Object.values(new WebSocketPair());
        return new Response(null, { status: 101, webSocket: client });
      }
      if (path === "/api") {
        const out = {};
        const pair = new WebSocketPair();
        out.keys = Object.keys(pair);
        const [a, b] = Object.values(pair);
        try { a.send("x"); } catch (e) { out.sendBeforeAccept = e.message; }
        try { new Response(null, { status: 101 }); } catch (e) { out.noSocket = e.constructor.name; }
        try { new Response(null, { status: 200, webSocket: a }); } catch (e) { out.wrongStatus = e.constructor.name; }
        a.accept(); b.accept();
        const got = [];
        b.addEventListener("message", (e) => got.push(e.data));
        b.addEventListener("close", (e) => got.push("close " + e.code + " " + e.reason + " " + e.wasClean));
        a.send("in memory");
        a.close(1000, "done");
        try { a.close(999); } catch (e) { out.badCode = e.name; }
        await new Promise((r) => setTimeout(r, 10));
        out.got = got;
        out.states = [a.readyState, WebSocket.OPEN, WebSocket.CLOSED];
        return Response.json(out);
      }
      return new Response("expected a WebSocket", { status: 426 });
    }
    const pass = new URL(request.url).searchParams.get("pass");
    if (pass) return fetch("http://127.0.0.1:" + pass + "/", { headers: request.headers });
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    const via = new URL(request.url).searchParams.get("proxy");
    if (via) {
      // The client's socket proxied to an origin's.
      const origin = new WebSocket("ws://127.0.0.1:" + via + "/");
      const early = [];
      origin.addEventListener("open", () => { for (const m of early) origin.send(m); early.length = 0; });
      server.addEventListener("message", (e) => (origin.readyState === WebSocket.OPEN ? origin.send(e.data) : early.push(e.data)));
      origin.addEventListener("message", (e) => server.send(e.data));
      origin.addEventListener("close", (e) => server.close(e.code, e.reason));
      server.addEventListener("close", () => origin.close());
      return new Response(null, { status: 101, webSocket: client });
    }
    server.addEventListener("message", (event) => {
      if (event.data === "close") { server.close(4000, "asked to"); return; }
      server.send(typeof event.data === "string" ? "echo:" + event.data.length + ":" + event.data.slice(0, 10) : event.data);
    });
    server.addEventListener("close", (event) => console.log("server saw close " + event.code + " " + event.reason));
    const protocols = request.headers.get("sec-websocket-protocol");
    const headers = protocols ? { "sec-websocket-protocol": protocols.split(",")[1].trim() } : {};
    return new Response(null, { status: 101, webSocket: client, headers });
  },
};
"""


def peer(port, scenario, host=None, path="/"):
    proc = subprocess.run(["node", os.path.join(HERE, "ws_peer.mjs"), "ws://127.0.0.1:%d%s" % (port, path), scenario]
                          + ([host] if host else []), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def raw_handshake(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    return s, head


def frame(opcode, payload, fin=True, mask=True, rsv=0):
    b0 = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    head = bytes([b0]) + (bytes([(0x80 if mask else 0) | n]) if n < 126 else
                          bytes([(0x80 if mask else 0) | 126]) + struct.pack(">H", n))
    if not mask:
        return head + payload
    key = b"\x01\x02\x03\x04"
    return head + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def read_close(s):
    """The server's close frame: (code, reason)."""
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) >= 2 and len(data) >= 2 + (data[1] & 0x7F):
            break
    assert data and data[0] & 0x0F == 0x8, data
    n = data[1] & 0x7F
    body = data[2:2 + n]
    return struct.unpack(">H", body[:2])[0], body[2:].decode()


class WebSocketTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = subprocess.Popen(["node", os.path.join(HERE, "ws_server.mjs")], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
        cls.origin_port = int(cls.origin.stdout.readline())
        d = tempfile.mkdtemp(prefix="verge-ws-")
        write_project(d, {"wrangler.toml": 'name = "ws"\nmain = "index.js"\ncompatibility_date = "2026-01-01"\n',
                          "index.js": WORKER})
        cls.v = dev(d)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.stdin.close()
        cls.origin.wait(10)
        cls.origin.stdout.close()

    def test_outgoing_websocket(self):
        status, _, body = request(self.v.port, path="/out?port=%d" % self.origin_port)
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual(got["early"], "InvalidStateError")
        self.assertEqual(got["states"], [0, 1, 3])
        self.assertEqual(got["protocol"], "chat")
        self.assertEqual(got["url"], "ws://127.0.0.1:%d/" % self.origin_port)
        self.assertEqual(got["messages"], ["origin:hi", [9, 8, 7]])
        self.assertEqual(got["close"], [4001, "origin says bye", True])

    def test_outgoing_websocket_that_cannot_connect(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        status, _, body = request(self.v.port, path="/refused?port=%d" % port)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"events": ["error", "SyntaxError"], "code": 1006})

    def test_fetch_with_upgrade_returns_a_websocket(self):
        status, _, body = request(self.v.port, path="/fetch-ws?port=%d" % self.origin_port)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["got"], "origin:via fetch")
        self.assertEqual(json.loads(body)["status"], 101)

    def test_fetch_with_upgrade_refused_returns_the_answer(self):
        # As workerd: a server that answers the handshake with no 101 (a 403,
        # a 401…) gives fetch() its response, body and headers, whatever the
        # body's framing; new WebSocket(url) gets error and close 1006.
        answers = {"/chunked": (b"HTTP/1.1 403 Forbidden\r\nX-Why: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                                b"5\r\nno ws\r\n6\r\n today\r\n0\r\n\r\n"),
                   "/length": b"HTTP/1.1 401 Unauthorized\r\nX-Why: length\r\nContent-Length: 7\r\n\r\nlog in!",
                   "/close": b"HTTP/1.0 404 Not Found\r\nX-Why: close\r\n\r\nno such socket",
                   "/empty": b"HTTP/1.1 204 No Content\r\nX-Why: empty\r\n\r\n"}
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(30)

        def serve():
            try:
                for _ in range(len(answers) + 1):
                    conn, _ = listener.accept()
                    with conn:
                        path = read_head(conn).split(b" ")[1].decode()
                        conn.sendall(answers[path])
            except OSError:
                pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            status, _, body = request(self.v.port, path="/fetch-refused?port=%d" % listener.getsockname()[1])
        finally:
            thread.join(30)
            listener.close()
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), [
            [403, "Forbidden", "chunked", None, "no ws today", True],
            [401, "Unauthorized", "length", None, "log in!", True],
            [404, "Not Found", "close", None, "no such socket", True],
            [204, "No Content", "empty", None, "", True],
            ["error", 1006]])

    def test_a_fetched_websocket_returned_to_the_client(self):
        proc = subprocess.run(["node", os.path.join(HERE, "ws_peer.mjs"),
                               "ws://127.0.0.1:%d/?pass=%d" % (self.v.port, self.origin_port), "echo"],
                              capture_output=True, text=True, timeout=60)
        got = json.loads(proc.stdout)
        self.assertIsNone(got["error"], got)
        self.assertEqual(got["messages"][0], ["text", "origin:hello"])
        self.assertEqual(len(got["messages"]), 4)
        self.assertEqual(got["close"], [1000, ""])

    def test_a_client_socket_proxied_to_an_origin(self):
        proc = subprocess.run(["node", os.path.join(HERE, "ws_peer.mjs"),
                               "ws://127.0.0.1:%d/?proxy=%d" % (self.v.port, self.origin_port), "echo"],
                              capture_output=True, text=True, timeout=60)
        got = json.loads(proc.stdout)
        self.assertIsNone(got["error"], got)
        self.assertEqual(got["messages"], [["text", "origin:hello"], ["binary", [1, 2, 3]],
                                           ["text", "origin:" + "é" * 70000], ["text", "origin:last"]])
        self.assertEqual(got["close"], [1000, ""])

    def test_open_websockets_close_with_1001_when_the_node_stops(self):
        d = tempfile.mkdtemp(prefix="verge-ws-stop-")
        write_project(d, {"wrangler.toml": 'name = "ws"\nmain = "index.js"\ncompatibility_date = "2026-01-01"\n',
                          "index.js": WORKER})
        v = dev(d)
        proc = subprocess.Popen(["node", os.path.join(HERE, "ws_peer.mjs"), "ws://127.0.0.1:%d/" % v.port, "hold"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual(proc.stderr.readline(), "ready\n")
            v.stop()
            out, _ = proc.communicate(timeout=30)
            got = json.loads(out)
            self.assertEqual(got["close"][0], 1001, got)
            self.assertTrue(wait_for(lambda: "server saw close 1001" in v.stdout()), v.stdout())
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stderr.close()
            proc.stdout.close()

    def test_echo_text_binary_ping_and_client_close(self):
        got = peer(self.v.port, "echo")
        self.assertIsNone(got["error"])
        self.assertEqual(got["messages"], [["text", "echo:5:hello"], ["binary", [1, 2, 3]],
                                           ["text", "echo:70000:" + "é" * 10], ["text", "echo:4:last"]])
        self.assertTrue(got["pong"])
        self.assertEqual(got["close"], [1000, ""])
        self.assertTrue(wait_for(lambda: "server saw close 1000 client done" in self.v.stdout()), self.v.stdout())

    def test_server_closes(self):
        got = peer(self.v.port, "server-close")
        self.assertEqual(got["close"], [4000, "asked to"])

    def test_message_limit(self):
        got = peer(self.v.port, "too-big")
        self.assertEqual(got["close"][0], 1009)

    def test_many_messages_in_order(self):
        got = peer(self.v.port, "many")
        self.assertEqual([m[1] for m in got["messages"]], ["echo:%d:m%d" % (len("m%d" % i), i) for i in range(1000)])

    def test_subprotocol(self):
        got = peer(self.v.port, "protocol")
        self.assertEqual(got["protocol"], "superchat")

    def test_api_in_memory(self):
        status, _, body = request(self.v.port, path="/api")
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual(got["keys"], ["0", "1"])
        self.assertIn("accept()", got["sendBeforeAccept"])
        self.assertEqual((got["noSocket"], got["wrongStatus"]), ("RangeError", "RangeError"))
        self.assertEqual(got["got"], ["in memory", "close 1000 done true"])
        self.assertEqual(got["badCode"], "InvalidAccessError")

    def test_101_to_a_request_that_is_no_upgrade(self):
        status, _, _ = request(self.v.port, path="/not-upgrade")
        self.assertEqual(status, 500)
        self.assertTrue(wait_for(lambda: 'did not contain the header "Upgrade: websocket"' in self.v.stderr()),
                        self.v.stderr())

    def test_malformed_frames_close_with_the_right_code(self):
        cases = [
            (frame(0x1, b"hi", rsv=0x40), 1002),          # RSV1 without an extension
            (frame(0x1, b"hi", mask=False), 1002),        # a client must mask
            (frame(0x3, b"x"), 1002),                     # reserved opcode
            (frame(0x1, b"\xff\xfe"), 1007),              # invalid UTF-8 in a text message
            (frame(0x9, b"p", fin=False), 1002),          # fragmented control frame
            (frame(0x0, b"c"), 1002),                     # continuation with nothing to continue
        ]
        for data, code in cases:
            s, head = raw_handshake(self.v.port)
            self.assertIn(b"101 Switching Protocols", head)
            self.assertIn(b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head)
            s.sendall(data)
            self.assertEqual(read_close(s)[0], code, data)
            s.close()
        # The node still serves.
        self.assertEqual(peer(self.v.port, "server-close")["close"], [4000, "asked to"])


class ZoneWebSocketTest(unittest.TestCase):
    """An upgrade to a zone's host goes through to its origin, as a CDN
    proxies WebSockets."""

    def test_zone_tunnels_websockets_to_its_origin(self):
        origin = subprocess.Popen(["node", os.path.join(HERE, "ws_server.mjs")], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        tmp = tempfile.mkdtemp(prefix="verge-zone-ws-")
        try:
            port = int(origin.stdout.readline())
            v = serve_config('[server]\nlisten = "127.0.0.1:0"\nthreads = 2\n\n[[zones]]\nname = "site"\n'
                             'hosts = ["ws.test"]\norigin = "http://127.0.0.1:%d"\n' % port, tmp)
            try:
                got = peer(v.port, "echo", host="ws.test")
                self.assertIsNone(got["error"], got)
                self.assertEqual(got["messages"], [["text", "origin:hello"], ["binary", [1, 2, 3]],
                                                   ["text", "origin:" + "é" * 70000], ["text", "origin:last"]])
                self.assertEqual(got["close"], [1000, "client done"])
                # The origin picks the subprotocol; the tunnel passes its choice on.
                self.assertEqual(peer(v.port, "protocol", host="ws.test")["protocol"], "chat")
            finally:
                v.stop()
        finally:
            origin.stdin.close()
            origin.wait(10)
            origin.stdout.close()
        # An origin that is gone: Cloudflare's 521 (connection refused).
        v = serve_config('[server]\nlisten = "127.0.0.1:0"\n\n[[zones]]\nname = "site"\nhosts = ["ws.test"]\n'
                         'origin = "http://127.0.0.1:%d"\n' % port, tempfile.mkdtemp(prefix="verge-zone-ws-"))
        try:
            got = peer(v.port, "echo", host="ws.test")
            self.assertEqual(got["status"], 521, got)
        finally:
            v.stop()


if __name__ == "__main__":
    unittest.main()
