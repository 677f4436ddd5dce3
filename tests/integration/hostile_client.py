"""A hostile HTTP/1.1 client for integration tests: raw sockets that send
exactly the bytes a test gives (malformed framing, smuggled requests,
pipelines), trickle them slowly, and read back whatever the server answers
within a deadline, telling a clean close from a reset from silence.

    c = HostileClient(port)
    c.send(b"POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n")
    responses = c.read_responses(deadline=5)   # until the server closes
    assert c.closed
"""
import socket
import time


class Response:
    """One parsed HTTP response."""

    def __init__(self, version, status, reason, headers, body, complete):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (lowercased name, value)
        self.body = body
        self.complete = complete  # False when the connection ended mid-body
        self.end = 0  # offset just past this response in the bytes parsed

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return default

    @property
    def closes(self):
        return "close" in (self.header("connection") or "").lower()

    def __repr__(self):
        return "Response(%d %s, %r, %d body bytes%s)" % (
            self.status, self.reason, self.headers, len(self.body), "" if self.complete else ", incomplete")


def parse_responses(data, head_request=False):
    """Splits `data` (everything a server sent) into responses. The last one
    may be incomplete (`complete` False). Returns (responses, leftover bytes
    that do not start a response)."""
    out = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        lines = data[pos:end].split(b"\r\n")
        first = lines[0].split(b" ", 2)
        if len(first) < 2 or not first[0].startswith(b"HTTP/"):
            break
        status = int(first[1])
        reason = first[2].decode("latin-1") if len(first) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name.strip().lower().decode("latin-1"), value.strip().decode("latin-1")))
        hmap = dict(headers)
        pos = end + 4
        if 100 <= status < 200:
            continue  # interim (100 Continue): the final response follows
        if head_request or status in (204, 304):
            out.append(Response(first[0].decode(), status, reason, headers, b"", True))
            out[-1].end = pos
            continue
        if "content-length" in hmap:
            n = int(hmap["content-length"])
            body = data[pos:pos + n]
            complete = len(body) == n
            pos += len(body)
        elif "chunked" in hmap.get("transfer-encoding", "").lower():
            body, complete = b"", False
            while True:
                eol = data.find(b"\r\n", pos)
                if eol < 0:
                    pos = len(data)
                    break
                size = int(data[pos:eol].split(b";")[0], 16)
                pos = eol + 2
                if size == 0:
                    # No trailers from verge: the empty line ends the body.
                    complete = data[pos:pos + 2] == b"\r\n"
                    pos += 2
                    break
                body += data[pos:pos + size]
                if len(data) < pos + size + 2:
                    pos = len(data)
                    break
                pos += size + 2
        else:
            body, complete = data[pos:], True  # close-delimited
            pos = len(data)
        out.append(Response(first[0].decode(), status, reason, headers, body, complete))
        out[-1].end = pos
    return out, data[pos:]


class HostileClient:
    """One raw connection to 127.0.0.1:port."""

    def __init__(self, port, host="127.0.0.1", connect_timeout=5):
        self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        self.received = b""
        self.closed = False  # the server closed (FIN)
        self.reset = False   # the server reset the connection

    def send(self, data):
        """Sends all of `data` at once. Returns False if the server already
        closed or reset the connection."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.reset = True
            return False

    def trickle(self, data, delay, chunk=1, stop_when_closed=True):
        """Sends `data` `chunk` bytes at a time, `delay` seconds apart.
        Returns how many bytes went out before the server closed."""
        sent = 0
        for i in range(0, len(data), chunk):
            if stop_when_closed and self.poll_closed(0):
                break
            if not self.send(data[i:i + chunk]):
                break
            sent += len(data[i:i + chunk])
            time.sleep(delay)
        return sent

    def _recv(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return None
        except ConnectionResetError:
            self.reset = True
            self.closed = True
            return b""
        if not chunk:
            self.closed = True
            return b""
        self.received += chunk
        return chunk

    def poll_closed(self, wait):
        """Reads for up to `wait` seconds; True once the server has closed."""
        deadline = time.time() + wait
        while not self.closed:
            left = deadline - time.time()
            if self._recv(left) is None and time.time() >= deadline:
                break
        return self.closed

    def read_until_close(self, deadline):
        """Everything the server sends until it closes, or `deadline`
        seconds pass. Returns the bytes; `closed` tells which happened."""
        self.poll_closed(deadline)
        return self.received

    def wait_closed_within(self, seconds):
        """Seconds until the server closed the connection, or None if it did
        not within `seconds`."""
        start = time.time()
        return time.time() - start if self.poll_closed(seconds) else None

    def read_responses(self, deadline=5, head_request=False):
        """Reads until the server closes (or `deadline`), then parses."""
        self.read_until_close(deadline)
        return parse_responses(self.received, head_request)[0]

    def read_response(self, deadline=5, head_request=False):
        """Reads until one complete response is here (or the server closed,
        or `deadline` passed) and returns it, or None. Bytes after it stay
        for the next call."""
        end = time.time() + deadline
        while True:
            responses, _ = parse_responses(self.received, head_request)
            if responses and (responses[0].complete or self.closed):
                first = responses[0]
                self.received = self.received[first.end:]
                return first
            if self.closed or time.time() >= end:
                return None
            self._recv(end - time.time())

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
