"""KV, D1 and R2 bindings through the real binary: the methods and options a
worker uses, their limits and errors, persistence across restarts and
kill -9, and the CLI working on the same data."""
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import VERGE, dev, request, write_project

WRANGLER = """
name = "store"
main = "index.js"
compatibility_date = "2024-09-23"

[[kv_namespaces]]
binding = "KV"
id = "kv-main"

[[d1_databases]]
binding = "DB"
database_name = "app-db"
database_id = "d1-app"

[[r2_buckets]]
binding = "BUCKET"
bucket_name = "files"
"""

# Each route runs one scenario and answers JSON; failures come back as
# {"error": "<Type>: <message>"} so the tests can check error types.
WORKER = r"""
const enc = new TextEncoder();
async function kv(env, path, url) {
  const KV = env.KV;
  switch (path) {
    case "/kv/roundtrip": {
      await KV.put("greeting", "hello");
      await KV.put("obj", JSON.stringify({ a: 1 }), { metadata: { tag: "x" } });
      await KV.put("bytes", new Uint8Array([1, 2, 3]));
      await KV.put("view", new DataView(new Uint8Array([9, 8]).buffer));
      await KV.put("streamed", new ReadableStream({ start(c) { c.enqueue(enc.encode("str")); c.enqueue(enc.encode("eam")); c.close(); } }));
      const ab = await KV.get("bytes", "arrayBuffer");
      const withMeta = await KV.getWithMetadata("obj", { type: "json" });
      const streamText = await new Response(await KV.get("streamed", { type: "stream" })).text();
      const bulk = await KV.get(["greeting", "missing", "obj"]);
      const bulkMeta = await KV.getWithMetadata(["obj"], "json");
      return {
        text: await KV.get("greeting"), json: await KV.get("obj", "json"), bytes: [...new Uint8Array(ab)],
        view: [...new Uint8Array(await KV.get("view", "arrayBuffer"))], streamText, withMeta,
        missing: await KV.get("nope"), bulk: [...bulk.entries()], bulkMeta: [...bulkMeta.entries()],
      };
    }
    case "/kv/delete": {
      await KV.put("gone", "x"); await KV.delete("gone"); await KV.delete("gone");
      return { after: await KV.get("gone") };
    }
    case "/kv/list": {
      for (let i = 0; i < 25; i++) await KV.put("list:" + String(i).padStart(2, "0"), "v", { metadata: { i } });
      await KV.put("other", "v");
      const first = await KV.list({ prefix: "list:", limit: 10 });
      const second = await KV.list({ prefix: "list:", limit: 10, cursor: first.cursor });
      const third = await KV.list({ prefix: "list:", limit: 10, cursor: second.cursor });
      return { first: first.keys.map(k => k.name), firstMeta: first.keys[0].metadata, complete: [first.list_complete, second.list_complete, third.list_complete],
               third: third.keys.map(k => k.name), thirdCursor: third.cursor ?? null };
    }
    case "/kv/expiration": {
      const exp = Math.floor(Date.now() / 1000) + 3600;
      await KV.put("exp", "v", { expiration: exp });
      await KV.put("ttl", "v", { expirationTtl: 120 });
      const keys = (await KV.list({ prefix: "exp" })).keys;
      return { expiration: keys[0].expiration === exp, ttl: (await KV.list({ prefix: "ttl" })).keys[0].expiration > Date.now() / 1000 + 100 };
    }
    case "/kv/errors": {
      const out = {};
      const tryIt = async (name, fn) => { try { await fn(); out[name] = "no error"; } catch (e) { out[name] = e.constructor.name + ": " + e.message; } };
      await tryIt("longKey", () => KV.put("k".repeat(513), "v"));
      await tryIt("emptyKey", () => KV.put("", "v"));
      await tryIt("dotKey", () => KV.put(".", "v"));
      await tryIt("bigMeta", () => KV.put("m", "v", { metadata: { x: "y".repeat(1100) } }));
      await tryIt("soonExpiration", () => KV.put("e", "v", { expiration: Math.floor(Date.now() / 1000) + 10 }));
      await tryIt("smallTtl", () => KV.put("e", "v", { expirationTtl: 30 }));
      await tryIt("badValue", () => KV.put("v", { not: "allowed" }));
      await tryIt("badType", () => KV.get("v", "blob"));
      await tryIt("bigValue", () => KV.put("big", new Uint8Array(25 * 1024 * 1024 + 1)));
      await tryIt("tooManyBulk", () => KV.get(Array.from({ length: 101 }, (_, i) => "k" + i)));
      await tryIt("listLimit", () => KV.list({ limit: 1001 }));
      return out;
    }
    case "/kv/put": { await KV.put(url.searchParams.get("k"), url.searchParams.get("v")); return { ok: true }; }
    case "/kv/get": return { value: await KV.get(url.searchParams.get("k"), { cacheTtl: 60 }) };
  }
}

async function d1(env, path, url) {
  const DB = env.DB;
  switch (path) {
    case "/d1/setup": {
      const r = await DB.exec("DROP TABLE IF EXISTS users; CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, avatar BLOB, active INTEGER)");
      return { count: r.count, hasDuration: typeof r.duration === "number" };
    }
    case "/d1/crud": {
      const ins = DB.prepare("INSERT INTO users (name, score, avatar, active) VALUES (?, ?, ?, ?)");
      const a = await ins.bind("ada", 9.5, new Uint8Array([1, 2]), true).run();
      const b = await ins.bind("bob", 7, null, false).run();
      const all = await DB.prepare("SELECT * FROM users ORDER BY id").all();
      const first = await DB.prepare("SELECT name FROM users WHERE id = ?1").bind(2).first();
      const col = await DB.prepare("SELECT name FROM users WHERE id = ?1").bind(1).first("name");
      const none = await DB.prepare("SELECT * FROM users WHERE id = 99").first();
      const raw = await DB.prepare("SELECT id, name FROM users ORDER BY id").raw({ columnNames: true });
      return { insertMeta: { changes: a.meta.changes, last_row_id: b.meta.last_row_id, changed_db: a.meta.changed_db, rows_written: a.meta.rows_written, success: a.success },
               results: all.results, first, col, none, raw, readMeta: { rows_read: all.meta.rows_read, changed_db: all.meta.changed_db, size_after: all.meta.size_after > 0 } };
    }
    case "/d1/batch": {
      const before = (await DB.prepare("SELECT COUNT(*) AS n FROM users").first("n"));
      let error = null;
      try {
        await DB.batch([DB.prepare("INSERT INTO users (name) VALUES (?)").bind("carl"), DB.prepare("INSERT INTO nope VALUES (1)")]);
      } catch (e) { error = e.message; }
      const afterFailed = await DB.prepare("SELECT COUNT(*) AS n FROM users").first("n");
      const ok = await DB.batch([DB.prepare("INSERT INTO users (name) VALUES (?)").bind("dee"), DB.prepare("SELECT name FROM users WHERE name = ?").bind("dee")]);
      return { before, afterFailed, error, okLen: ok.length, okRows: ok[1].results };
    }
    case "/d1/errors": {
      const out = {};
      const tryIt = async (name, fn) => { try { await fn(); out[name] = "no error"; } catch (e) { out[name] = e.constructor.name + ": " + e.message; } };
      await tryIt("noTable", () => DB.prepare("SELECT * FROM missing").all());
      await tryIt("syntax", () => DB.prepare("SELEKT 1").all());
      await tryIt("undefinedParam", () => DB.prepare("SELECT ?").bind(undefined).all());
      await tryIt("objectParam", () => DB.prepare("SELECT ?").bind({ a: 1 }).all());
      await tryIt("missingColumn", () => DB.prepare("SELECT 1 AS a").first("b"));
      await tryIt("notNull", () => DB.prepare("INSERT INTO users (name) VALUES (NULL)").run());
      return out;
    }
    case "/d1/session": {
      const s = DB.withSession("first-unconstrained");
      const r = await s.prepare("SELECT 1 AS one").first("one");
      await s.batch([s.prepare("SELECT 1")]);
      return { r, bookmark: typeof s.getBookmark() };
    }
    case "/d1/count": return { n: await DB.prepare("SELECT COUNT(*) AS n FROM users").first("n") };
  }
}

async function r2(env, path, url) {
  const B = env.BUCKET;
  switch (path) {
    case "/r2/basic": {
      const put = await B.put("a/one.txt", "hello r2", { httpMetadata: { contentType: "text/plain" }, customMetadata: { owner: "me" } });
      const head = await B.head("a/one.txt");
      const got = await B.get("a/one.txt");
      const headers = new Headers(); got.writeHttpMetadata(headers);
      const text = await got.text();
      const md5 = [...new Uint8Array(put.checksums.md5)].map(b => b.toString(16).padStart(2, "0")).join("");
      return { key: put.key, size: put.size, etag: put.etag, httpEtag: put.httpEtag, md5, uploaded: put.uploaded instanceof Date,
               headSize: head.size, headCustom: head.customMetadata, text, contentType: headers.get("content-type"),
               missing: await B.get("nope"), missingHead: await B.head("nope") };
    }
    case "/r2/range": {
      await B.put("r.txt", "0123456789");
      const a = await (await B.get("r.txt", { range: { offset: 2, length: 3 } })).text();
      const b = await (await B.get("r.txt", { range: { suffix: 4 } })).text();
      const c = await (await B.get("r.txt", { range: { offset: 7 } })).text();
      const h = await (await B.get("r.txt", { range: new Headers({ range: "bytes=1-2" }) })).text();
      const rr = await B.get("r.txt", { range: { offset: 2, length: 3 } });
      return { a, b, c, h, range: rr.range };
    }
    case "/r2/conditional": {
      const o = await B.put("c.txt", "v1");
      const match = await B.get("c.txt", { onlyIf: { etagMatches: o.etag } });
      const noMatch = await B.get("c.txt", { onlyIf: { etagDoesNotMatch: o.etag } });
      const putBlocked = await B.put("c.txt", "v2", { onlyIf: { etagMatches: "0000" } });
      return { matchHasBody: "body" in match && match.body !== undefined, noMatchHasBody: typeof noMatch.text === "function",
               putBlocked, still: await (await B.get("c.txt")).text() };
    }
    case "/r2/list": {
      for (const k of ["p/a", "p/b", "p/dir/x", "p/dir/y", "q/z"]) await B.put(k, k);
      const all = await B.list({ prefix: "p/" });
      const delim = await B.list({ prefix: "p/", delimiter: "/" });
      const page = await B.list({ prefix: "p/", limit: 2 });
      const next = await B.list({ prefix: "p/", limit: 2, cursor: page.cursor });
      await B.put("m/meta", "x", { customMetadata: { k: "v" }, httpMetadata: { contentType: "text/x" } });
      const meta = await B.list({ prefix: "m/", include: ["customMetadata"] });
      const bare = await B.list({ prefix: "m/" });
      return { all: all.objects.map(o => o.key), delim: delim.objects.map(o => o.key), prefixes: delim.delimitedPrefixes,
               page: page.objects.map(o => o.key), truncated: page.truncated, next: next.objects.map(o => o.key),
               metaCustom: meta.objects[0].customMetadata, metaHttp: meta.objects[0].httpMetadata,
               bareCustom: bare.objects[0].customMetadata };
    }
    case "/r2/delete": {
      await B.put("d1", "x"); await B.put("d2", "x"); await B.put("d3", "x");
      await B.delete("d1"); await B.delete(["d2", "d3"]);
      return { left: (await B.list({ prefix: "d" })).objects.length };
    }
    case "/r2/checksum": {
      const bad = await B.put("sum", "data", { sha256: "00".repeat(32) }).then(() => "no error", e => e.constructor.name + ": " + e.message);
      const good = await B.put("sum", "data", { sha256: "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7" });
      return { bad, goodSha: good.checksums.toJSON().sha256 };
    }
    case "/r2/multipart": {
      const mpu = await B.createMultipartUpload("big.bin", { httpMetadata: { contentType: "application/octet-stream" } });
      const five = new Uint8Array(5 * 1024 * 1024).fill(1);
      const p1 = await mpu.uploadPart(1, five);
      const resumed = B.resumeMultipartUpload("big.bin", mpu.uploadId);
      const p2 = await resumed.uploadPart(2, "tail");
      const obj = await mpu.complete([p1, p2]);
      const small = await B.createMultipartUpload("small.bin");
      const s1 = await small.uploadPart(1, "tiny");
      const s2 = await small.uploadPart(2, "tiny");
      const tooSmall = await small.complete([s1, s2]).then(() => "no error", e => e.constructor.name);
      const aborted = await B.createMultipartUpload("ab.bin");
      await aborted.abort();
      const afterAbort = await aborted.uploadPart(1, "x").then(() => "no error", e => e.constructor.name);
      return { size: obj.size, etag: obj.etag, tooSmall, afterAbort, headSize: (await B.head("big.bin")).size };
    }
    case "/r2/stream-put": {
      const n = Number(url.searchParams.get("mb"));
      const chunk = new Uint8Array(1024 * 1024).fill(120);
      let i = 0;
      const o = await B.put("streamed.bin", new ReadableStream({ pull(c) { if (i++ < n) c.enqueue(chunk); else c.close(); } }));
      return { size: o.size };
    }
    case "/r2/stream-get": {
      const o = await B.get("streamed.bin");
      return new Response(o.body, { headers: { etag: o.httpEtag } });
    }
    case "/r2/errors": {
      const out = {};
      const tryIt = async (name, fn) => { try { await fn(); out[name] = "no error"; } catch (e) { out[name] = e.constructor.name + ": " + e.message; } };
      await B.put("e.txt", "abc");
      await tryIt("badRange", () => B.get("e.txt", { range: { offset: 10 } }));
      await tryIt("longKey", () => B.put("k".repeat(1025), "v"));
      await tryIt("badBody", () => B.put("x", { a: 1 }));
      return out;
    }
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const p = url.pathname;
    try {
      const out = p.startsWith("/kv/") ? await kv(env, p, url) : p.startsWith("/d1/") ? await d1(env, p, url) : await r2(env, p, url);
      if (out instanceof Response) return out;
      if (out === undefined) return new Response("no such route", { status: 404 });
      return Response.json(out);
    } catch (e) {
      return Response.json({ error: e.constructor.name + ": " + e.message, stack: e.stack }, { status: 500 });
    }
  },
};
"""


def rss_mb(pid):
    """Peak resident memory of the process so far."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def project():
    d = tempfile.mkdtemp(prefix="verge-bindings-")
    write_project(d, {"wrangler.toml": WRANGLER, "index.js": WORKER})
    return d


def get_json(v, path, **kw):
    status, headers, body = request(v.port, path=path, **kw)
    data = json.loads(body)
    if status != 200:
        raise AssertionError("%s -> %d: %s" % (path, status, data))
    return data


class BindingsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = project()
        cls.v = dev(cls.dir, "--threads", "2")

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    # ---- KV ----
    def test_kv_roundtrip(self):
        r = get_json(self.v, "/kv/roundtrip")
        self.assertEqual(r["text"], "hello")
        self.assertEqual(r["json"], {"a": 1})
        self.assertEqual(r["bytes"], [1, 2, 3])
        self.assertEqual(r["view"], [9, 8])
        self.assertEqual(r["streamText"], "stream")
        self.assertEqual(r["withMeta"], {"value": {"a": 1}, "metadata": {"tag": "x"}, "cacheStatus": None})
        self.assertIsNone(r["missing"])
        self.assertEqual(r["bulk"], [["greeting", "hello"], ["missing", None], ["obj", '{"a":1}']])
        self.assertEqual(r["bulkMeta"], [["obj", {"value": {"a": 1}, "metadata": {"tag": "x"}}]])

    def test_kv_delete_is_idempotent(self):
        self.assertEqual(get_json(self.v, "/kv/delete"), {"after": None})

    def test_kv_list_paging(self):
        r = get_json(self.v, "/kv/list")
        self.assertEqual(r["first"], ["list:%02d" % i for i in range(10)])
        self.assertEqual(r["firstMeta"], {"i": 0})
        self.assertEqual(r["complete"], [False, False, True])
        self.assertEqual(r["third"], ["list:%02d" % i for i in range(20, 25)])
        self.assertIsNone(r["thirdCursor"])

    def test_kv_expiration(self):
        self.assertEqual(get_json(self.v, "/kv/expiration"), {"expiration": True, "ttl": True})

    def test_kv_errors(self):
        r = get_json(self.v, "/kv/errors")
        self.assertIn("512", r["longKey"])
        self.assertTrue(r["longKey"].startswith("Error: "), r["longKey"])
        for k in ("emptyKey", "dotKey"):
            self.assertTrue(r[k].startswith("TypeError: "), r[k])
        self.assertIn("1024", r["bigMeta"])
        self.assertIn("60", r["soonExpiration"])
        self.assertIn("60", r["smallTtl"])
        self.assertTrue(r["badValue"].startswith("TypeError: "), r["badValue"])
        self.assertTrue(r["badType"].startswith("TypeError: "), r["badType"])
        self.assertIn("26214400", r["bigValue"].replace(",", ""))
        self.assertIn("100", r["tooManyBulk"])
        self.assertIn("1000", r["listLimit"])

    # ---- D1 ----
    def test_d1(self):
        self.assertEqual(get_json(self.v, "/d1/setup"), {"count": 2, "hasDuration": True})
        r = get_json(self.v, "/d1/crud")
        self.assertEqual(r["insertMeta"], {"changes": 1, "last_row_id": 2, "changed_db": True, "rows_written": 1, "success": True})
        self.assertEqual(r["results"], [
            {"id": 1, "name": "ada", "score": 9.5, "avatar": [1, 2], "active": 1},
            {"id": 2, "name": "bob", "score": 7, "avatar": None, "active": 0}])
        self.assertEqual(r["first"], {"name": "bob"})
        self.assertEqual(r["col"], "ada")
        self.assertIsNone(r["none"])
        self.assertEqual(r["raw"], [["id", "name"], [1, "ada"], [2, "bob"]])
        self.assertGreaterEqual(r["readMeta"]["rows_read"], 2)
        self.assertFalse(r["readMeta"]["changed_db"])
        self.assertTrue(r["readMeta"]["size_after"])

        b = get_json(self.v, "/d1/batch")
        self.assertEqual(b["before"], b["afterFailed"])  # the failed batch rolled back
        self.assertIn("D1_ERROR", b["error"])
        self.assertIn("nope", b["error"])
        self.assertEqual((b["okLen"], b["okRows"]), (2, [{"name": "dee"}]))

        e = get_json(self.v, "/d1/errors")
        self.assertTrue(e["noTable"].startswith("Error: D1_ERROR: no such table: missing"), e["noTable"])
        self.assertIn("D1_ERROR", e["syntax"])
        self.assertIn("D1_TYPE_ERROR", e["undefinedParam"])
        self.assertIn("D1_TYPE_ERROR", e["objectParam"])
        self.assertIn("D1_COLUMN_NOTFOUND", e["missingColumn"])
        self.assertIn("NOT NULL", e["notNull"])
        self.assertEqual(get_json(self.v, "/d1/session"), {"r": 1, "bookmark": "string"})

    # ---- R2 ----
    def test_r2_basic(self):
        r = get_json(self.v, "/r2/basic")
        self.assertEqual((r["key"], r["size"], r["text"]), ("a/one.txt", 8, "hello r2"))
        self.assertEqual(r["etag"], hashlib.md5(b"hello r2").hexdigest())
        self.assertEqual(r["md5"], r["etag"])
        self.assertEqual(r["httpEtag"], '"%s"' % r["etag"])
        self.assertTrue(r["uploaded"])
        self.assertEqual((r["headSize"], r["headCustom"]), (8, {"owner": "me"}))
        self.assertEqual(r["contentType"], "text/plain")
        self.assertIsNone(r["missing"])
        self.assertIsNone(r["missingHead"])

    def test_r2_ranges(self):
        r = get_json(self.v, "/r2/range")
        self.assertEqual((r["a"], r["b"], r["c"], r["h"]), ("234", "6789", "789", "12"))
        self.assertEqual(r["range"], {"offset": 2, "length": 3})

    def test_r2_conditionals(self):
        r = get_json(self.v, "/r2/conditional")
        self.assertEqual(r, {"matchHasBody": True, "noMatchHasBody": False, "putBlocked": None, "still": "v1"})

    def test_r2_list(self):
        r = get_json(self.v, "/r2/list")
        self.assertEqual(r["all"], ["p/a", "p/b", "p/dir/x", "p/dir/y"])
        self.assertEqual(r["delim"], ["p/a", "p/b"])
        self.assertEqual(r["prefixes"], ["p/dir/"])
        self.assertEqual((r["page"], r["truncated"], r["next"]), (["p/a", "p/b"], True, ["p/dir/x", "p/dir/y"]))
        # include: only what was asked for comes back.
        self.assertEqual((r["metaCustom"], r["metaHttp"], r["bareCustom"]), ({"k": "v"}, {}, {}))

    def test_r2_delete(self):
        self.assertEqual(get_json(self.v, "/r2/delete"), {"left": 0})

    def test_r2_checksums(self):
        r = get_json(self.v, "/r2/checksum")
        self.assertTrue(r["bad"].startswith("Error: "), r["bad"])
        self.assertEqual(r["goodSha"], hashlib.sha256(b"data").hexdigest())

    def test_r2_multipart(self):
        r = get_json(self.v, "/r2/multipart")
        self.assertEqual(r["size"], 5 * 1024 * 1024 + 4)
        self.assertTrue(r["etag"].endswith("-2"), r["etag"])
        self.assertEqual(r["headSize"], r["size"])
        self.assertEqual(r["tooSmall"], "Error")
        self.assertEqual(r["afterAbort"], "Error")

    def test_r2_streams_large_objects(self):
        size = 256 * 1024 * 1024
        self.assertEqual(get_json(self.v, "/r2/stream-put?mb=256"), {"size": size})
        self.assertLess(rss_mb(self.v.proc.pid), 200, "the put was buffered in memory")
        conn = __import__("http.client").client.HTTPConnection("127.0.0.1", self.v.port, timeout=60)
        conn.request("GET", "/r2/stream-get")
        resp = conn.getresponse()
        md5 = hashlib.md5()
        total = 0
        while True:
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            md5.update(chunk)
            total += len(chunk)
        conn.close()
        self.assertEqual((resp.status, total), (200, size))
        self.assertEqual(resp.getheader("etag"), '"%s"' % md5.hexdigest())
        self.assertLess(rss_mb(self.v.proc.pid), 200, "the get was buffered in memory")

    def test_r2_errors(self):
        r = get_json(self.v, "/r2/errors")
        self.assertTrue(r["badRange"].startswith(("Error", "RangeError")), r["badRange"])
        self.assertIn("1024", r["longKey"])
        self.assertTrue(r["badBody"].startswith("TypeError"), r["badBody"])


class PersistenceTest(unittest.TestCase):
    def test_survives_restart_and_cli_sees_it(self):
        d = project()
        v = dev(d)
        try:
            get_json(v, "/kv/put?k=persist&v=yes")
            get_json(v, "/d1/setup")
            get_json(v, "/d1/crud")
            get_json(v, "/r2/basic")
        finally:
            v.stop()
        v = dev(d)
        try:
            self.assertEqual(get_json(v, "/kv/get?k=persist"), {"value": "yes"})
            self.assertEqual(get_json(v, "/d1/count"), {"n": 2})
            # The CLI reads and writes the same data, also while the server runs.
            cli = lambda *a: subprocess.run([VERGE] + list(a) + ["--config", d], capture_output=True, text=True, timeout=30)
            out = cli("kv", "key", "get", "persist", "--binding", "KV")
            self.assertEqual((out.returncode, out.stdout), (0, "yes"), out.stderr)
            self.assertEqual(cli("kv", "key", "put", "fromcli", "cli value", "--binding", "KV").returncode, 0)
            self.assertEqual(get_json(v, "/kv/get?k=fromcli"), {"value": "cli value"})
            out = cli("d1", "execute", "app-db", "--command", "SELECT name FROM users ORDER BY id", "--json")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual([r["name"] for r in json.loads(out.stdout)[0]["results"]], ["ada", "bob"])
            out = cli("r2", "object", "get", "files/a/one.txt")
            self.assertEqual((out.returncode, out.stdout), (0, "hello r2"), out.stderr)
        finally:
            v.stop()

    def test_kill_9_loses_no_acknowledged_write(self):
        d = project()
        v = dev(d, "--threads", "2")
        acked = []
        stop = threading.Event()

        def writer(prefix):
            i = 0
            while not stop.is_set():
                k = "%s%05d" % (prefix, i)
                try:
                    status, _, _ = request(v.port, path="/kv/put?k=%s&v=%s" % (k, k), timeout=5)
                except OSError:
                    return
                if status == 200:
                    acked.append(k)
                i += 1

        threads = [threading.Thread(target=writer, args=(p,)) for p in ("a", "b")]
        for t in threads:
            t.start()
        time.sleep(1.5)
        v.proc.send_signal(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(10)
        v.stop()
        self.assertGreater(len(acked), 50)
        v = dev(d)
        try:
            out = subprocess.run([VERGE, "kv", "key", "list", "--binding", "KV", "--config", d],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            names = {k["name"] for k in json.loads(out.stdout)}
            missing = [k for k in acked if k not in names]
            self.assertEqual(missing, [])
            self.assertEqual(get_json(v, "/kv/get?k=" + acked[-1]), {"value": acked[-1]})
        finally:
            v.stop()


class CliTest(unittest.TestCase):
    def cli(self, d, *args):
        return subprocess.run([VERGE] + list(args) + ["--config", d], capture_output=True, text=True, timeout=30)

    def test_kv_cli(self):
        d = project()
        self.assertEqual(self.cli(d, "kv", "key", "put", "k1", "v1", "--binding", "KV", "--metadata", '{"m":1}').returncode, 0)
        self.assertEqual(self.cli(d, "kv", "key", "put", "k2", "v2", "--namespace-id", "kv-main").returncode, 0)
        bulk = os.path.join(d, "bulk.json")
        with open(bulk, "w") as f:
            json.dump([{"key": "b1", "value": "one"}, {"key": "b2", "value": "dHdv", "base64": True}], f)
        self.assertEqual(self.cli(d, "kv", "bulk", "put", bulk, "--binding", "KV").returncode, 0)
        out = self.cli(d, "kv", "key", "list", "--binding", "KV")
        self.assertEqual([k["name"] for k in json.loads(out.stdout)], ["b1", "b2", "k1", "k2"])
        self.assertEqual(json.loads(out.stdout)[2]["metadata"], {"m": 1})
        self.assertEqual(self.cli(d, "kv", "key", "get", "b2", "--binding", "KV").stdout, "two")
        self.assertEqual(self.cli(d, "kv", "key", "delete", "k1", "--binding", "KV").returncode, 0)
        out = self.cli(d, "kv", "key", "get", "k1", "--binding", "KV")
        self.assertEqual(out.returncode, 1)
        out = self.cli(d, "kv", "key", "get", "x", "--binding", "NOPE")
        self.assertEqual(out.returncode, 2)
        self.assertIn("KV", out.stderr)
        out = self.cli(d, "kv", "key", "put", "k" * 600, "v", "--binding", "KV")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("512", out.stderr)

    def test_d1_cli_and_migrations(self):
        d = project()
        out = self.cli(d, "d1", "migrations", "create", "DB", "create users")
        self.assertEqual(out.returncode, 0, out.stderr)
        path = out.stdout.strip()
        self.assertRegex(os.path.basename(path), r"^\d{4}_create_users\.sql$")
        with open(path, "a") as f:
            f.write("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('mig');\n")
        out = self.cli(d, "d1", "migrations", "list", "app-db")
        self.assertIn("pending", out.stdout)
        out = self.cli(d, "d1", "migrations", "apply", "DB")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("1 migration(s) applied", out.stdout)
        self.assertIn("0 migration(s) applied", self.cli(d, "d1", "migrations", "apply", "DB").stdout)
        out = self.cli(d, "d1", "execute", "DB", "--command", "INSERT INTO users (name) VALUES ('x'); SELECT id, name FROM users ORDER BY id")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("| mig ", out.stdout)
        self.assertIn("| x ", out.stdout)
        sql = os.path.join(d, "q.sql")
        with open(sql, "w") as f:
            f.write("SELECT COUNT(*) AS n FROM users;")
        out = self.cli(d, "d1", "execute", "d1-app", "--file", sql, "--json")
        self.assertEqual(json.loads(out.stdout)[0]["results"], [{"n": 2}])
        out = self.cli(d, "d1", "execute", "DB", "--command", "SELECT * FROM nope")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("D1_ERROR", out.stderr)

    def test_r2_cli(self):
        d = project()
        src = os.path.join(d, "blob.bin")
        data = os.urandom(300000)
        with open(src, "wb") as f:
            f.write(data)
        out = self.cli(d, "r2", "object", "put", "files/x/blob.bin", "--file", src, "--content-type", "application/x-test")
        self.assertEqual(out.returncode, 0, out.stderr)
        dst = os.path.join(d, "out.bin")
        self.assertEqual(self.cli(d, "r2", "object", "get", "BUCKET/x/blob.bin", "--file", dst).returncode, 0)
        with open(dst, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(self.cli(d, "r2", "object", "delete", "files/x/blob.bin").returncode, 0)
        self.assertEqual(self.cli(d, "r2", "object", "get", "files/x/blob.bin").returncode, 1)
        out = self.cli(d, "r2", "object", "get", "nobucket/k")
        self.assertEqual(out.returncode, 2)


if __name__ == "__main__":
    unittest.main()


class UnsafeEvalTest(unittest.TestCase):
    """wrangler's [[unsafe.bindings]] of type "unsafe_eval" (workerd's
    UnsafeEval): code from strings for the worker that holds the binding,
    while eval() itself stays disallowed."""

    WORKER = r"""
export default {
  async fetch(request, env) {
    const out = [];
    out.push(env.UNSAFE_EVAL.eval("var declared = 6; function twice(x) { return 2 * x; } twice(declared)", "a.js"));
    out.push(typeof globalThis.twice, globalThis.declared);
    out.push(env.UNSAFE_EVAL.newFunction("return a + b", "add", "a", "b")(2, 3));
    out.push(await env.UNSAFE_EVAL.newAsyncFunction("return await Promise.resolve(x * 10)", "f", "x")(4));
    try { eval("1"); out.push("eval ran"); } catch (e) { out.push(e.name); }
    try { env.UNSAFE_EVAL.eval("(", "bad.js"); } catch (e) { out.push(e.name); }
    return Response.json(out);
  },
};
"""

    def project(self, binding_type):
        d = tempfile.mkdtemp(prefix="verge-test-")
        write_project(d, {
            "wrangler.toml": 'name = "t"\nmain = "index.js"\n\n[[unsafe.bindings]]\nname = "UNSAFE_EVAL"\n'
                             'type = "%s"\n' % binding_type,
            "index.js": self.WORKER,
        })
        return d

    def test_eval_runs_classic_scripts_in_the_global_scope(self):
        v = dev(self.project("unsafe_eval"))
        try:
            status, _, body = request(v.port, path="/")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), [12, "function", 6, 5, 40, "EvalError", "SyntaxError"])
        finally:
            v.stop()

    def test_an_unknown_unsafe_binding_is_a_startup_error(self):
        proc = subprocess.run([VERGE, "dev", self.project("magic"), "--port", "0"], capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unsafe.bindings[0].type", proc.stderr)
        self.assertIn("'magic' is not an unsafe binding", proc.stderr)
