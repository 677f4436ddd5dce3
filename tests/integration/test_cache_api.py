"""The Workers Cache API (caches.default, caches.open) through the real
binary: put / match / delete, what put refuses and what it silently does
not store, expiry, named caches, Vary, Range and conditional requests on
match, large bodies, and entries surviving a restart of the node."""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

from harness import Origin, Verge, dev, request, worker_dir

# Each route runs one scenario and answers JSON; errors come back as
# "<name>: <message>" so the tests see the exact type and text.
WORKER = r"""
const U = "https://example.com";
const enc = new TextEncoder();

async function err(fn) {
  try { await fn(); return "no error"; } catch (e) { return e.name + ": " + e.message; }
}

function describe(r) {
  if (r === undefined) return null;
  const h = {};
  for (const [k, v] of r.headers) h[k] = v;
  return { status: r.status, statusText: r.statusText, headers: h };
}

async function full(r) {
  if (r === undefined) return null;
  const d = describe(r);
  d.body = await r.text();
  return d;
}

// A deterministic body of n bytes.
function bigBody(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 10)) & 255;
  return b;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const p = url.searchParams;
    const cache = caches.default;
    const out = await (async () => {
      switch (url.pathname) {
        case "/basic": {
          const res = new Response("hello cache", { headers: {
            "cache-control": "public, max-age=300", "content-type": "text/plain",
            "x-custom": "kept", "cache-tag": "Alpha, beta", "etag": '"v1"' } });
          const put = await cache.put(U + "/basic", res);
          const hit = await cache.match(U + "/basic");
          const viaRequest = await cache.match(new Request(U + "/basic"));
          const head = await cache.match(new Request(U + "/basic", { method: "HEAD" }));
          const ignore = await cache.match(new Request(U + "/basic", { method: "POST" }), { ignoreMethod: true });
          let immutable;
          try { hit.headers.set("x", "y"); immutable = false; } catch (e) { immutable = e.name; }
          return {
            putResult: put === undefined ? "undefined" : String(put), bodyUsedAfterPut: res.bodyUsed,
            hit: await full(hit), viaRequest: viaRequest !== undefined, head: head === undefined ? null : "found",
            ignoreMethod: ignore !== undefined, immutable,
            miss: (await cache.match(U + "/nothing-here")) === undefined,
            fragment: (await cache.match(U + "/basic#frag")) !== undefined,
            globals: [typeof caches, typeof Cache, typeof CacheStorage, caches instanceof CacheStorage,
                      cache instanceof Cache, Object.prototype.toString.call(cache)],
          };
        }
        case "/errors": {
          const ok = () => new Response("x", { headers: { "cache-control": "max-age=60" } });
          const used = ok(); await used.text();
          return {
            post: await err(() => cache.put(new Request(U + "/e", { method: "POST", body: "b" }), ok())),
            partial: await err(() => cache.put(U + "/e", new Response("x", { status: 206 }))),
            varyStar: await err(() => cache.put(U + "/e", new Response("x", { headers: { vary: "Accept, *" } }))),
            usedBody: await err(() => cache.put(U + "/e", used)),
            notResponse: await err(() => cache.put(U + "/e", "text")),
            errorResponse: await err(() => cache.put(U + "/e", Response.error())),
            badUrl: await err(() => cache.put("not a url", ok())),
            badScheme: await err(() => cache.match("ftp://example.com/x")),
            longName: await err(() => caches.open("n".repeat(1024))),
            ctor: await err(() => new Cache()),
            stored: (await cache.match(U + "/e")) === undefined ? "nothing stored" : "stored",
            notModified: await cache.put(U + "/e304", new Response(null, { status: 304 })) === undefined
              && (await cache.match(U + "/e304")) === undefined,
          };
        }
        case "/not-stored": {
          const cases = {
            noStore: ["x", { "cache-control": "no-store" }],
            private: ["x", { "cache-control": "private, max-age=60" }],
            noCache: ["x", { "cache-control": "no-cache" }],
            maxAge0: ["x", { "cache-control": "max-age=0" }],
            setCookie: ["x", { "cache-control": "max-age=60", "set-cookie": "a=b" }],
            privateSetCookie: ["x", { "cache-control": "max-age=60, private=Set-Cookie", "set-cookie": "a=b" }],
            noHeaders200: ["x", {}],
            noHeaders404: ["x", {}, 404],
            noHeaders500: ["x", {}, 500],
            explicit500: ["x", { "cache-control": "max-age=60" }, 500],
            pastExpires: ["x", { expires: "Thu, 01 Jan 1970 00:00:00 GMT" }],
            cdnNoStore: ["x", { "cache-control": "max-age=60", "cdn-cache-control": "no-store" }],
          };
          const result = {};
          for (const [name, [body, headers, status]] of Object.entries(cases)) {
            const r = await cache.put(U + "/ns/" + name, new Response(body, { status: status || 200, headers }));
            const m = await cache.match(U + "/ns/" + name);
            result[name] = m === undefined ? "miss" : { put: r === undefined, cookie: m.headers.get("set-cookie"), status: m.status };
          }
          return result;
        }
        case "/put": {
          const name = p.get("cache");
          const c = name === null ? cache : await caches.open(name);
          const headers = JSON.parse(p.get("headers") || "{}");
          await c.put(U + p.get("key"), new Response(p.get("body"), { headers }));
          return "ok";
        }
        case "/match": {
          const name = p.get("cache");
          const c = name === null ? cache : await caches.open(name);
          const headers = JSON.parse(p.get("headers") || "{}");
          const r = await c.match(new Request(U + p.get("key"), { headers }));
          if (p.get("raw") && r !== undefined) return r;
          return await full(r);
        }
        case "/delete": {
          const name = p.get("cache");
          const c = name === null ? cache : await caches.open(name);
          return await c.delete(U + p.get("key"));
        }
        case "/delete-methods": {
          await cache.put(U + "/dm", new Response("x", { headers: { "cache-control": "max-age=60" } }));
          const post = new Request(U + "/dm", { method: "POST", body: "b" });
          const notGet = await cache.delete(post);
          const still = (await cache.match(U + "/dm")) !== undefined;
          const ignored = await cache.delete(new Request(U + "/dm", { method: "POST", body: "b" }), { ignoreMethod: true });
          return { notGet, still, ignored, after: (await cache.match(U + "/dm")) === undefined };
        }
        case "/vary": {
          const put = (lang, body) => cache.put(new Request(U + "/vary", { headers: { "accept-language": lang } }),
            new Response(body, { headers: { "cache-control": "max-age=60", vary: "Accept-Language" } }));
          await put("en", "english");
          await put("fr", "french");
          const get = async (lang) => {
            const r = await cache.match(new Request(U + "/vary", { headers: lang ? { "accept-language": lang } : {} }));
            return r === undefined ? null : await r.text();
          };
          return { en: await get("en"), fr: await get("fr"), de: await get("de"), none: await get(null) };
        }
        case "/through": {
          // Cloudflare's documented pattern: match, else fetch and put in
          // waitUntil, keyed by the incoming request.
          const key = new Request(p.get("u"), request);
          let response = await cache.match(key);
          if (!response) {
            response = await fetch(key);
            response = new Response(response.body, response);
            response.headers.append("Cache-Control", "s-maxage=60");
            ctx.waitUntil(cache.put(key, response.clone()));
          }
          return response;
        }
        case "/big-put": {
          const n = Number(p.get("n"));
          const body = bigBody(n);
          // Streamed in pieces, as a fetch() body would be.
          const stream = new ReadableStream({
            start(c) { for (let i = 0; i < n; i += 65536) c.enqueue(body.slice(i, i + 65536)); c.close(); },
          });
          await cache.put(U + "/big/" + n, new Response(stream, { headers: {
            "cache-control": "max-age=3600", "content-type": "application/octet-stream" } }));
          return "ok";
        }
        case "/big-get": {
          const r = await cache.match(U + "/big/" + p.get("n"));
          return r === undefined ? new Response("miss", { status: 404 }) : r;
        }
        case "/big-check": {
          // Reads the matched body as a stream in the worker and compares.
          const n = Number(p.get("n"));
          const r = await cache.match(U + "/big/" + n);
          if (r === undefined) return { miss: true };
          const expect = bigBody(n);
          const reader = r.body.getReader();
          let off = 0, chunks = 0, same = true;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            chunks++;
            for (let i = 0; i < value.length; i++) if (value[i] !== expect[off + i]) { same = false; break; }
            off += value.length;
          }
          return { length: off, same, chunks, contentLength: r.headers.get("content-length") };
        }
      }
      return { error: "no route " + url.pathname };
    })();
    if (out instanceof Response) return out;
    return Response.json(out);
  },
};
"""


def big(n):
    return bytes(((i * 31 + (i >> 10)) & 255) for i in range(n))


def get_json(v, path, **kw):
    status, headers, body = request(v.port, "GET", path, **kw)
    if status != 200:
        raise AssertionError("%s -> %d %s\n%s" % (path, status, body[:500], v.stderr()[-3000:]))
    return json.loads(body)


def q(**params):
    from urllib.parse import urlencode
    return urlencode({k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in params.items()})


class CacheApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = worker_dir(WORKER, name="cacheapi")
        cls.v = dev(cls.dir, "--threads", "2")

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_put_then_match_is_a_hit(self):
        r = get_json(self.v, "/basic")
        self.assertEqual(r["putResult"], "undefined")
        self.assertTrue(r["bodyUsedAfterPut"])
        hit = r["hit"]
        self.assertEqual(hit["status"], 200)
        self.assertEqual(hit["body"], "hello cache")
        h = hit["headers"]
        self.assertEqual(h["cf-cache-status"], "HIT")
        self.assertEqual(h["age"], "0")
        self.assertEqual(h["x-custom"], "kept")
        self.assertEqual(h["content-type"], "text/plain")
        self.assertEqual(h["cache-control"], "public, max-age=300")
        self.assertEqual(h["etag"], '"v1"')
        self.assertEqual(h["content-length"], "11")
        self.assertNotIn("cache-tag", h)
        self.assertTrue(r["viaRequest"])
        self.assertIsNone(r["head"], "match() of a HEAD request is undefined")
        self.assertTrue(r["ignoreMethod"])
        self.assertEqual(r["immutable"], "TypeError")
        self.assertTrue(r["miss"])
        self.assertTrue(r["fragment"], "the fragment is not part of the key")
        self.assertEqual(r["globals"], ["object", "function", "function", True, True, "[object Cache]"])

    def test_age_grows(self):
        get_json(self.v, "/put?" + q(key="/aging", body="a", headers={"cache-control": "max-age=600"}))
        time.sleep(1.1)
        r = get_json(self.v, "/match?" + q(key="/aging"))
        self.assertGreaterEqual(int(r["headers"]["age"]), 1)

    def test_put_rejections(self):
        r = get_json(self.v, "/errors")
        self.assertEqual(r["post"], "TypeError: Cannot cache response to non-GET request.")
        self.assertEqual(r["partial"], "TypeError: Cannot cache response to a range request (206 Partial Content).")
        self.assertEqual(r["varyStar"], "TypeError: Cannot cache response with 'Vary: *' header.")
        self.assertTrue(r["usedBody"].startswith("TypeError: Body has already been used"), r["usedBody"])
        self.assertTrue(r["notResponse"].startswith("TypeError: "), r["notResponse"])
        self.assertEqual(r["errorResponse"], "TypeError: Cache is unable to store an error response")
        self.assertTrue(r["badUrl"].startswith("TypeError: "), r["badUrl"])
        self.assertEqual(r["badScheme"], "TypeError: Invalid URL. Cache API keys must be fully-qualified, valid URLs.")
        self.assertEqual(r["longName"], "TypeError: Cache name is too long.")
        self.assertTrue(r["ctor"].startswith("TypeError: Illegal constructor"), r["ctor"])
        self.assertEqual(r["stored"], "nothing stored")
        self.assertTrue(r["notModified"], "a 304 is silently not stored")

    def test_what_put_does_not_store(self):
        r = get_json(self.v, "/not-stored")
        for name in ("noStore", "private", "noCache", "maxAge0", "setCookie", "noHeaders500", "pastExpires",
                     "cdnNoStore"):
            self.assertEqual(r[name], "miss", name)
        # Cache-Control: private=Set-Cookie stores the response without it.
        self.assertEqual(r["privateSetCookie"], {"put": True, "cookie": None, "status": 200})
        # No freshness information: Cloudflare's default edge TTL by status.
        self.assertEqual(r["noHeaders200"]["status"], 200)
        self.assertEqual(r["noHeaders404"]["status"], 404)
        self.assertEqual(r["explicit500"]["status"], 500)

    def test_entry_expires(self):
        get_json(self.v, "/put?" + q(key="/short", body="brief", headers={"cache-control": "max-age=1"}))
        r = get_json(self.v, "/match?" + q(key="/short"))
        self.assertEqual(r["body"], "brief")
        time.sleep(2.2)
        self.assertIsNone(get_json(self.v, "/match?" + q(key="/short")), "a stale entry is a miss")

    def test_delete(self):
        get_json(self.v, "/put?" + q(key="/del", body="d", headers={"cache-control": "max-age=60"}))
        self.assertIs(get_json(self.v, "/delete?" + q(key="/del")), True)
        self.assertIsNone(get_json(self.v, "/match?" + q(key="/del")))
        self.assertIs(get_json(self.v, "/delete?" + q(key="/del")), False)
        r = get_json(self.v, "/delete-methods")
        self.assertEqual(r, {"notGet": False, "still": True, "ignored": True, "after": True})

    def test_named_caches_are_separate(self):
        cc = {"cache-control": "max-age=60"}
        get_json(self.v, "/put?" + q(key="/shared", body="default", headers=cc))
        self.assertIsNone(get_json(self.v, "/match?" + q(key="/shared", cache="images")))
        get_json(self.v, "/put?" + q(key="/shared", body="images", headers=cc, cache="images"))
        get_json(self.v, "/put?" + q(key="/shared", body="other", headers=cc, cache="other"))
        self.assertEqual(get_json(self.v, "/match?" + q(key="/shared"))["body"], "default")
        self.assertEqual(get_json(self.v, "/match?" + q(key="/shared", cache="images"))["body"], "images")
        self.assertEqual(get_json(self.v, "/match?" + q(key="/shared", cache="other"))["body"], "other")
        self.assertIs(get_json(self.v, "/delete?" + q(key="/shared", cache="images")), True)
        self.assertEqual(get_json(self.v, "/match?" + q(key="/shared"))["body"], "default")
        self.assertIsNone(get_json(self.v, "/match?" + q(key="/shared", cache="images")))

    def test_match_else_fetch_and_put_in_wait_until(self):
        origin = Origin({"/doc": lambda r: (200, {"content-type": "text/plain", "x-origin": "yes"}, b"from origin")})
        try:
            u = origin.base + "/doc"
            status, headers, body = request(self.v.port, "GET", "/through?" + q(u=u))
            self.assertEqual((status, body), (200, b"from origin"))
            self.assertNotIn("cf-cache-status", headers)
            deadline = time.time() + 5
            while True:
                status, headers, body = request(self.v.port, "GET", "/through?" + q(u=u))
                if headers.get("cf-cache-status") == "HIT" or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual((status, body, headers.get("cf-cache-status")), (200, b"from origin", "HIT"))
            self.assertEqual(headers["x-origin"], "yes")
            self.assertEqual(headers["cache-control"], "s-maxage=60")
            self.assertEqual(len(origin.requests), 1)
        finally:
            origin.close()

    def test_vary(self):
        r = get_json(self.v, "/vary")
        self.assertEqual(r, {"en": "english", "fr": "french", "de": None, "none": None})

    def test_range_on_match(self):
        get_json(self.v, "/put?" + q(key="/range", body="abcdefghij", headers={
            "cache-control": "max-age=60", "content-type": "text/plain", "etag": '"r1"'}))
        r = get_json(self.v, "/match?" + q(key="/range", headers={"range": "bytes=2-4"}))
        self.assertEqual((r["status"], r["body"]), (206, "cde"))
        self.assertEqual(r["headers"]["content-range"], "bytes 2-4/10")
        self.assertEqual(r["headers"]["content-length"], "3")
        self.assertEqual(r["statusText"], "Partial Content")
        r = get_json(self.v, "/match?" + q(key="/range", headers={"range": "bytes=-3"}))
        self.assertEqual((r["status"], r["body"]), (206, "hij"))
        r = get_json(self.v, "/match?" + q(key="/range", headers={"range": "bytes=0-1,5-6"}))
        self.assertEqual(r["status"], 206)
        ctype = r["headers"]["content-type"]
        self.assertTrue(ctype.startswith("multipart/byteranges; boundary="), ctype)
        boundary = ctype.split("boundary=")[1]
        self.assertIn("--%s\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\nab" % boundary, r["body"])
        self.assertIn("Content-Range: bytes 5-6/10\r\n\r\nfg\r\n--%s--" % boundary, r["body"])
        self.assertEqual(int(r["headers"]["content-length"]), len(r["body"]))
        r = get_json(self.v, "/match?" + q(key="/range", headers={"range": "bytes=20-30"}))
        self.assertEqual((r["status"], r["body"]), (416, ""))
        self.assertEqual(r["headers"]["content-range"], "bytes */10")
        # If-Range with another entity-tag: the whole body.
        r = get_json(self.v, "/match?" + q(key="/range", headers={"range": "bytes=2-4", "if-range": '"other"'}))
        self.assertEqual((r["status"], r["body"]), (200, "abcdefghij"))
        # The 206 reaches the client as it is.
        status, headers, body = request(self.v.port, "GET", "/match?" + q(key="/range", raw="1",
                                                                          headers={"range": "bytes=1-3"}))
        self.assertEqual((status, body, headers["content-range"]), (206, b"bcd", "bytes 1-3/10"))

    def test_conditionals_on_match(self):
        lm = "Wed, 21 Oct 2015 07:28:00 GMT"
        get_json(self.v, "/put?" + q(key="/cond", body="content", headers={
            "cache-control": "max-age=60", "etag": '"c1"', "last-modified": lm}))
        r = get_json(self.v, "/match?" + q(key="/cond", headers={"if-none-match": '"c1"'}))
        self.assertEqual((r["status"], r["body"], r["statusText"]), (304, "", "Not Modified"))
        self.assertEqual(r["headers"]["etag"], '"c1"')
        self.assertEqual(r["headers"]["cf-cache-status"], "HIT")
        r = get_json(self.v, "/match?" + q(key="/cond", headers={"if-none-match": 'W/"c1", "zz"'}))
        self.assertEqual(r["status"], 304)
        r = get_json(self.v, "/match?" + q(key="/cond", headers={"if-none-match": '"other"'}))
        self.assertEqual((r["status"], r["body"]), (200, "content"))
        r = get_json(self.v, "/match?" + q(key="/cond", headers={"if-modified-since": "Thu, 22 Oct 2015 07:28:00 GMT"}))
        self.assertEqual(r["status"], 304)
        r = get_json(self.v, "/match?" + q(key="/cond", headers={"if-modified-since": "Tue, 20 Oct 2015 07:28:00 GMT"}))
        self.assertEqual(r["status"], 200)
        r = get_json(self.v, "/match?" + q(key="/cond", headers={"if-match": '"nope"'}))
        self.assertEqual((r["status"], r["body"]), (412, ""))
        r = get_json(self.v, "/match?" + q(key="/cond", headers={"if-match": '"c1"'}))
        self.assertEqual((r["status"], r["body"]), (200, "content"))
        # A conditional the stored response fails, with a Range: 304 wins.
        r = get_json(self.v, "/match?" + q(key="/cond", headers={"if-none-match": '"c1"', "range": "bytes=0-1"}))
        self.assertEqual(r["status"], 304)

    def test_five_megabyte_round_trip(self):
        n = 5 * 1024 * 1024
        self.assertEqual(get_json(self.v, "/big-put?n=%d" % n), "ok")
        status, headers, body = request(self.v.port, "GET", "/big-get?n=%d" % n, timeout=60)
        self.assertEqual(status, 200)
        self.assertEqual(headers["cf-cache-status"], "HIT")
        self.assertEqual(headers["content-length"], str(n))
        self.assertEqual(len(body), n)
        self.assertTrue(body == big(n), "body differs")

    def test_large_body_streams(self):
        # Larger than the store keeps in memory (disk only once written): the
        # body reaches JS in chunks, never whole.
        n = 12 * 1024 * 1024 + 7
        self.assertEqual(get_json(self.v, "/big-put?n=%d" % n), "ok")
        r = get_json(self.v, "/big-check?n=%d" % n, timeout=60)
        self.assertEqual(r["length"], n)
        self.assertTrue(r["same"])
        self.assertGreater(r["chunks"], 1, "the body is streamed, not handed over whole")
        self.assertEqual(r["contentLength"], str(n))
        status, headers, body = request(self.v.port, "GET", "/big-get?n=%d" % n, timeout=60)
        self.assertEqual((status, len(body)), (200, n))
        self.assertTrue(body == big(n), "body differs")


class CacheApiPersistenceTest(unittest.TestCase):
    def test_entries_survive_a_restart(self):
        d = worker_dir(WORKER, name="cacheapi-persist")
        try:
            v = dev(d)
            try:
                get_json(v, "/put?" + q(key="/persist", body="still here", headers={
                    "cache-control": "max-age=3600", "x-kept": "1"}))
                get_json(v, "/put?" + q(key="/persist", body="named", cache="n",
                                        headers={"cache-control": "max-age=3600"}))
                get_json(v, "/put?" + q(key="/gone", body="x", headers={"cache-control": "max-age=3600"}))
                self.assertIs(get_json(v, "/delete?" + q(key="/gone")), True)
                n = 5 * 1024 * 1024
                get_json(v, "/big-put?n=%d" % n)
            finally:
                self.assertEqual(v.stop(), 0)
            self.assertTrue(os.path.isdir(os.path.join(d, ".verge", "cache")))
            v = dev(d)
            try:
                r = get_json(v, "/match?" + q(key="/persist"))
                self.assertEqual((r["status"], r["body"], r["headers"]["x-kept"]), (200, "still here", "1"))
                self.assertEqual(r["headers"]["cf-cache-status"], "HIT")
                self.assertEqual(get_json(v, "/match?" + q(key="/persist", cache="n"))["body"], "named")
                self.assertIsNone(get_json(v, "/match?" + q(key="/gone")), "a deleted entry stays deleted")
                r = get_json(v, "/big-check?n=%d" % n, timeout=60)
                self.assertEqual((r["length"], r["same"]), (n, True))
            finally:
                v.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)


class CacheApiPurgeTest(unittest.TestCase):
    """Cache API entries keyed under a zone's host belong to that zone: the
    admin API's purge by URL, tag and host reaches them."""

    TOKEN = "cache-api-token"

    @classmethod
    def setUpClass(cls):
        cls.origin = Origin({})
        cls.worker = worker_dir(WORKER.replace('const U = "https://example.com";', 'const U = "https://site.test";'),
                                name="cacheapi-zone")
        cls.tmp = tempfile.mkdtemp()
        path = os.path.join(cls.tmp, "node.toml")
        with open(path, "w") as f:
            f.write("""
[server]
listen = "127.0.0.1:0"
threads = 2
data_dir = "%s"
[admin]
listen = "127.0.0.1:0"
token = "%s"
[[workers]]
path = "%s"
routes = ["worker.test/*"]
[[zones]]
name = "site"
hosts = ["site.test"]
origin = "%s"
""" % (os.path.join(cls.tmp, "data"), cls.TOKEN, cls.worker, cls.origin.base))
        cls.v = Verge(["serve", "--config", path])
        deadline = time.time() + 10
        while time.time() < deadline:
            m = re.search(r"admin API on http://([\d.]+):(\d+)", cls.v.stderr())
            if m:
                cls.admin_port = int(m.group(2))
                break
            time.sleep(0.02)
        else:
            cls.v.stop()
            raise RuntimeError("no admin line in: " + cls.v.stderr())

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        shutil.rmtree(cls.worker, ignore_errors=True)

    def call(self, path):
        return get_json(self.v, path, host="worker.test")

    def put(self, key, **headers):
        self.assertEqual(self.call("/put?" + q(key=key, body="b" + key, headers=dict(
            {"cache-control": "max-age=600"}, **headers))), "ok")

    def hit(self, key):
        return self.call("/match?" + q(key=key)) is not None

    def purge(self, body):
        status, _, data = request(self.admin_port, "POST", "/client/v4/zones/site/purge_cache",
                                  headers={"Authorization": "Bearer " + self.TOKEN,
                                           "Content-Type": "application/json"}, body=json.dumps(body))
        self.assertEqual(status, 200, data)

    def test_purge_by_url_tag_and_host(self):
        self.put("/p/one")
        self.put("/p/two", **{"cache-tag": "Group-A, other"})
        self.put("/p/three", **{"cache-tag": "group-b"})
        self.assertTrue(self.hit("/p/one") and self.hit("/p/two") and self.hit("/p/three"))
        self.purge({"files": ["https://site.test/p/one"]})
        self.assertFalse(self.hit("/p/one"))
        self.assertTrue(self.hit("/p/two"))
        self.purge({"tags": ["group-a"]})
        self.assertFalse(self.hit("/p/two"))
        self.assertTrue(self.hit("/p/three"))
        self.purge({"hosts": ["site.test"]})
        self.assertFalse(self.hit("/p/three"))


if __name__ == "__main__":
    unittest.main()
