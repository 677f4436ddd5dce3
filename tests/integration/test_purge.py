"""Purge: the admin API (Cloudflare's POST /client/v4/zones/{zone}/purge_cache
on the [admin] listener), `verge purge`, and the [cache], [admin] and
[[zones.cache_rules]] sections of the node config."""
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import unittest

from harness import VERGE, Origin, Verge, free_port, raw, request


TOKEN = "s3cret-token"


def node_config(origin, admin_listen="127.0.0.1:0", extra=""):
    return """
[server]
listen = "127.0.0.1:0"
threads = 2
[cache]
memory_mb = 64
disk_mb = 256
[admin]
listen = "%s"
token = "%s"
[[zones]]
name = "site"
hosts = ["purge.test", "*.purge.test", "other.test"]
origin = "%s"
[[zones.cache_rules]]
path = "/search*"
cache_key = { ignore_query = true }
[[zones]]
name = "second"
hosts = ["second.test"]
origin = "%s"
%s""" % (admin_listen, TOKEN, origin.base, origin.base, extra)


def start(tmp, text):
    path = os.path.join(tmp, "node.toml")
    with open(path, "w") as f:
        f.write(text)
    v = Verge(["serve", "--config", path])
    # The admin line follows the listening line.
    deadline = time.time() + 10
    while time.time() < deadline:
        m = re.search(r"verge serve: admin API on http://([\d.]+):(\d+)", v.stderr())
        if m:
            v.admin_port = int(m.group(2))
            return v, path
        time.sleep(0.02)
    v.stop()
    raise RuntimeError("no admin line in: " + v.stderr())


def run_verge(*args, env=None):
    p = subprocess.run([VERGE] + list(args), capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stderr


class PurgeApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        def cached(tags=None):
            def handler(r):
                headers = {"cache-control": "max-age=300"}
                if tags:
                    headers["cache-tag"] = tags
                return 200, headers, ("%s %s #%d" % (r["headers"].get("Host"), r["path"], len(cls.origin.requests))).encode()
            return handler
        routes = {p: cached() for p in ("/a", "/b", "/static/x.css", "/static/y.css", "/staticfile", "/search",
                                        "/plain", "/cli", "/host-a", "/everything", "/other-zone", "/auth")}
        routes["/tagged1"] = cached("Product-1, common")
        routes["/tagged2"] = cached("product-2,common")
        routes["/untagged"] = cached()
        cls.origin = Origin(routes)
        cls.tmp = tempfile.mkdtemp()
        cls.v, cls.config = start(cls.tmp, node_config(cls.origin))

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    # --- helpers -------------------------------------------------------

    def get(self, path, host="purge.test"):
        status, headers, body = request(self.v.port, path=path, host=host)
        self.assertEqual(status, 200, body)
        return headers["cf-cache-status"]

    def warm(self, path, host="purge.test"):
        """Fetches until the object is cached: MISS (or a leftover from
        another test), then HIT."""
        self.get(path, host)
        self.assertEqual(self.get(path, host), "HIT", "%s%s not cached" % (host, path))

    def admin(self, method="POST", path="/client/v4/zones/site/purge_cache", body=None, token=TOKEN,
              auth=None, headers=None):
        hdrs = dict(headers or {})
        if auth is not None:
            hdrs["Authorization"] = auth
        elif token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        status, headers, data = request(self.v.admin_port, method, path, headers=hdrs, body=body)
        self.assertEqual(headers.get("content-type"), "application/json", data)
        return status, json.loads(data)

    def purge(self, body, zone="site"):
        status, answer = self.admin(body=body, path="/client/v4/zones/%s/purge_cache" % zone)
        self.assertEqual((status, answer), (200, {"success": True, "errors": [], "messages": [],
                                                  "result": {"id": zone}}))

    def assert_error(self, expected_status, code, **kw):
        status, answer = self.admin(**kw)
        self.assertEqual(status, expected_status, answer)
        self.assertEqual(set(answer), {"success", "errors", "messages", "result"})
        self.assertIs(answer["success"], False)
        self.assertIsNone(answer["result"])
        self.assertEqual(answer["messages"], [])
        self.assertEqual(len(answer["errors"]), 1)
        self.assertEqual(answer["errors"][0]["code"], code, answer)
        self.assertTrue(answer["errors"][0]["message"])
        return answer["errors"][0]["message"]

    # --- purge kinds ---------------------------------------------------

    def test_purge_files(self):
        self.warm("/a")
        self.warm("/b")
        self.purge({"files": ["http://purge.test/a"]})
        self.assertEqual(self.get("/a"), "MISS")
        self.assertEqual(self.get("/b"), "HIT")
        # The scheme does not matter, and the object form works too.
        self.assertEqual(self.get("/a"), "HIT")
        self.purge({"files": [{"url": "https://PURGE.test/a", "headers": {"X-Device": "mobile"}}]})
        self.assertEqual(self.get("/a"), "MISS")
        self.assertEqual(self.get("/b"), "HIT")

    def test_purge_with_and_without_query(self):
        # Under the ignore_query rule, every query names the same object.
        self.get("/search?q=1")
        self.assertEqual(self.get("/search?q=2"), "HIT")
        self.purge({"files": ["http://purge.test/search?q=3"]})
        self.assertEqual(self.get("/search?q=1"), "MISS")
        self.assertEqual(self.get("/search"), "HIT")
        self.purge({"files": ["http://purge.test/search"]})
        self.assertEqual(self.get("/search?x"), "MISS")
        # Without the rule, the query is part of the key.
        self.warm("/plain?x=1")
        self.warm("/plain")
        self.purge({"files": ["http://purge.test/plain"]})
        self.assertEqual(self.get("/plain?x=1"), "HIT")
        self.assertEqual(self.get("/plain"), "MISS")
        self.purge({"files": ["http://purge.test/plain?x=1"]})
        self.assertEqual(self.get("/plain?x=1"), "MISS")

    def test_purge_prefix(self):
        for path in ("/static/x.css", "/static/y.css", "/staticfile", "/a"):
            self.warm(path)
        self.warm("/static/x.css", host="other.test")
        self.warm("/static/x.css", host="www.purge.test")
        self.purge({"prefixes": ["purge.test/static/"]})
        self.assertEqual(self.get("/static/x.css"), "MISS")
        self.assertEqual(self.get("/static/y.css"), "MISS")
        self.assertEqual(self.get("/staticfile"), "HIT")  # not under /static/
        self.assertEqual(self.get("/a"), "HIT")
        self.assertEqual(self.get("/static/x.css", host="other.test"), "HIT")  # other host
        self.assertEqual(self.get("/static/x.css", host="www.purge.test"), "HIT")
        # A bare host is all of it.
        self.purge({"prefixes": ["www.purge.test"]})
        self.assertEqual(self.get("/static/x.css", host="www.purge.test"), "MISS")
        self.assertEqual(self.get("/static/x.css", host="other.test"), "HIT")

    def test_purge_tag(self):
        for path in ("/tagged1", "/tagged2", "/untagged"):
            self.warm(path)
        self.purge({"tags": ["product-1"]})
        self.assertEqual(self.get("/tagged1"), "MISS")
        self.assertEqual(self.get("/tagged2"), "HIT")
        self.assertEqual(self.get("/untagged"), "HIT")
        self.assertEqual(self.get("/tagged1"), "HIT")
        self.purge({"tags": ["COMMON"]})  # tags are case-insensitive
        self.assertEqual(self.get("/tagged1"), "MISS")
        self.assertEqual(self.get("/tagged2"), "MISS")
        self.assertEqual(self.get("/untagged"), "HIT")

    def test_purge_host(self):
        self.warm("/host-a", host="other.test")
        self.warm("/host-a")
        self.purge({"hosts": ["other.test"]})
        self.assertEqual(self.get("/host-a", host="other.test"), "MISS")
        self.assertEqual(self.get("/host-a"), "HIT")

    def test_purge_everything_stays_in_its_zone(self):
        self.warm("/everything")
        self.warm("/everything", host="other.test")
        self.warm("/other-zone", host="second.test")
        self.purge({"purge_everything": True})
        self.assertEqual(self.get("/everything"), "MISS")
        self.assertEqual(self.get("/everything", host="other.test"), "MISS")
        self.assertEqual(self.get("/other-zone", host="second.test"), "HIT")
        self.purge({"purge_everything": True}, zone="second")
        self.assertEqual(self.get("/other-zone", host="second.test"), "MISS")

    def test_purge_is_logged_on_the_admin_server(self):
        target = "/client/v4/zones/site/purge_cache?log-marker"
        status, _ = self.admin(path=target, body={"files": ["http://purge.test/nothing-here"]})
        self.assertEqual(status, 200)
        # The line is written when the exchange is over, just after the answer.
        lines, deadline = [], time.time() + 5
        while not lines and time.time() < deadline:
            lines = [json.loads(l) for l in self.v.stdout_lines if "log-marker" in l]
            time.sleep(0.05)
        self.assertEqual(len(lines), 1, self.v.stdout())
        self.assertEqual((lines[0]["method"], lines[0]["target"], lines[0]["status"]), ("POST", target, 200))
        self.assertEqual(lines[0]["worker"], "admin purge files (0 objects)")

    # --- the CLI -------------------------------------------------------

    def test_verge_purge(self):
        self.warm("/cli")
        self.warm("/b")
        admin = "http://127.0.0.1:%d" % self.v.admin_port
        # The token comes from the config; the address (port 0 there) from --admin.
        code, out, err = run_verge("purge", "--config", self.config, "--zone", "site", "--admin", admin,
                                   "--url", "http://purge.test/cli", "purge.test/nothing")
        self.assertEqual((code, out.strip()), (0, "purged 2 URL(s) from zone site"), err)
        self.assertEqual(self.get("/cli"), "MISS")
        self.assertEqual(self.get("/b"), "HIT")
        self.warm("/tagged1")
        code, out, err = run_verge("purge", "--admin", admin, "--zone", "site", "--tag", "product-1",
                                   env={"VERGE_ADMIN_TOKEN": TOKEN})
        self.assertEqual((code, out.strip()), (0, "purged 1 tag(s) from zone site"), err)
        self.assertEqual(self.get("/tagged1"), "MISS")

    def test_verge_purge_errors(self):
        admin = "http://127.0.0.1:%d" % self.v.admin_port
        # API refusals: exit 1 with the API's message.
        code, out, err = run_verge("purge", "--admin", admin, "--zone", "site", "--token", "wrong",
                                   "--everything")
        self.assertEqual(code, 1, err)
        self.assertIn("Invalid API token", err)
        code, out, err = run_verge("purge", "--admin", admin, "--zone", "nope", "--token", TOKEN, "--everything")
        self.assertEqual(code, 1, err)
        self.assertIn("No zone named", err)
        code, out, err = run_verge("purge", "--admin", admin, "--zone", "site", "--token", TOKEN,
                                   "--host", "elsewhere.test")
        self.assertEqual(code, 1, err)
        self.assertIn("elsewhere.test", err)
        # Nobody there: exit 1, saying what to check.
        code, out, err = run_verge("purge", "--admin", "http://127.0.0.1:%d" % free_port(), "--zone", "site",
                                   "--token", TOKEN, "--everything")
        self.assertEqual(code, 1, err)
        self.assertIn("cannot reach the admin API", err)
        # Usage errors: exit 2.
        for args in (["--zone", "site"],
                     ["--zone", "site", "--url", "http://purge.test/a", "--tag", "x"],
                     ["--url", "http://purge.test/a"],  # no zone, no config
                     ["--zone", "site", "--everything"],  # no address
                     ["--config", self.config, "--zone", "site", "--everything"],  # port 0 in the config
                     ["--config", self.config, "--zone", "nope", "--admin", admin, "--everything"]):
            code, out, err = run_verge("purge", *args, env={"VERGE_ADMIN_TOKEN": TOKEN})
            self.assertEqual(code, 2, (args, err))
            self.assertTrue(err.startswith("verge purge: "), err)

    # --- authentication, validation, routing --------------------------

    def test_authentication(self):
        self.assertIn("Authorization", self.assert_error(401, 10000, token=None, body={"purge_everything": True}))
        self.assert_error(401, 10000, auth="Basic " + TOKEN, body={"purge_everything": True})
        self.assert_error(401, 10000, auth="Bearer", body={"purge_everything": True})
        self.assert_error(403, 10000, token=TOKEN + "x", body={"purge_everything": True})
        self.assert_error(403, 10000, token=TOKEN[:-1], body={"purge_everything": True})
        self.assert_error(403, 10000, method="GET", path="/client/v4/zones", token="nope")
        status, headers, _ = request(self.v.admin_port, "GET", "/client/v4/zones")
        self.assertEqual(status, 401)
        self.assertIn("bearer", headers.get("www-authenticate", "").lower())

    def test_bad_purge_requests(self):
        cases = [
            ("{not json", 6007),
            ("", 6007),
            ([], 1012),
            ({}, 1012),
            ({"files": []}, 1012),
            ({"files": "http://purge.test/a"}, 1012),
            ({"files": [42]}, 1012),
            ({"files": [{"url": "http://purge.test/a", "bogus": 1}]}, 1012),
            ({"files": ["purge.test/a"]}, 1012),
            ({"files": ["http://elsewhere.test/a"]}, 1012),
            ({"files": ["http://second.test/a"]}, 1012),  # another zone's host
            ({"prefixes": ["https://purge.test/static/"]}, 1012),
            ({"prefixes": ["elsewhere.test/static/"]}, 1012),
            ({"hosts": ["elsewhere.test"]}, 1012),
            ({"hosts": [7]}, 1012),
            ({"tags": [""]}, 1012),
            ({"purge_everything": False}, 1012),
            ({"purge_everything": "yes"}, 1012),
            ({"files": ["http://purge.test/a"], "tags": ["x"]}, 1012),
            ({"everything": True}, 1012),
            ({"tags": ["t%d" % i for i in range(101)]}, 1012),
        ]
        for body, code in cases:
            with self.subTest(body=body):
                self.assert_error(400, code, body=body)
        self.purge({"tags": ["t%d" % i for i in range(100)]})  # 100 is fine

    def test_unknown_zone_path_and_method(self):
        self.assertIn("nope", self.assert_error(404, 7003, path="/client/v4/zones/nope/purge_cache",
                                                body={"purge_everything": True}))
        self.assert_error(404, 7000, path="/client/v4/zones/site/other", body={"purge_everything": True})
        self.assert_error(404, 7000, method="GET", path="/")
        self.assert_error(405, 7001, method="GET", path="/client/v4/zones/site/purge_cache")
        self.assert_error(405, 7001, method="DELETE", path="/client/v4/zones/site/purge_cache")
        self.assert_error(405, 7001, method="POST", path="/client/v4/zones", body={})

    def test_body_too_large(self):
        head = ("POST /client/v4/zones/site/purge_cache HTTP/1.1\r\nHost: admin\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (TOKEN, 2 * 1024 * 1024)).encode()
        out = raw(self.v.admin_port, head)
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:200])
        answer = json.loads(out.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(answer["errors"][0]["code"], 6100)
        # A chunked body that grows past the limit is cut off too.
        chunk = b"x" * 65536
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
        head = ("POST /client/v4/zones/site/purge_cache HTTP/1.1\r\nHost: admin\r\n"
                "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n" % TOKEN).encode()
        out = raw(self.v.admin_port, head + body)
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:200])

    def test_zone_list(self):
        status, answer = self.admin(method="GET", path="/client/v4/zones")
        self.assertEqual(status, 200)
        self.assertIs(answer["success"], True)
        self.assertEqual(answer["errors"], [])
        self.assertEqual([z["id"] for z in answer["result"]], ["site", "second"])
        self.assertEqual(answer["result"][0]["name"], "site")
        self.assertEqual(answer["result"][0]["hosts"], ["purge.test", "*.purge.test", "other.test"])

    def test_admin_api_is_not_on_the_public_listener(self):
        status, headers, _ = request(self.v.port, "POST", "/client/v4/zones/site/purge_cache",
                                     headers={"Authorization": "Bearer " + TOKEN},
                                     body=json.dumps({"purge_everything": True}), host="nowhere.test")
        self.assertEqual(status, 404)


class PurgeDurabilityTest(unittest.TestCase):
    def test_purged_objects_stay_purged_after_a_restart(self):
        origin = Origin({p: (lambda r: (200, {"cache-control": "max-age=300", "cache-tag": "t"}, b"x"))
                         for p in ("/gone", "/kept", "/tag-gone")})
        # Unique tag per object, so the tag purge only takes /tag-gone.
        origin.routes["/gone"] = lambda r: (200, {"cache-control": "max-age=300"}, b"gone")
        origin.routes["/kept"] = lambda r: (200, {"cache-control": "max-age=300"}, b"kept")
        tmp = tempfile.mkdtemp()
        admin_port = free_port()
        # token_env, and a fixed admin port so `verge purge --config` finds it.
        text = node_config(origin, "127.0.0.1:%d" % admin_port).replace(
            'token = "%s"' % TOKEN, 'token_env = "PURGE_TEST_TOKEN"')
        os.environ["PURGE_TEST_TOKEN"] = TOKEN
        try:
            v, config = start(tmp, text)
            try:
                for path in ("/gone", "/kept", "/tag-gone"):
                    request(v.port, path=path, host="purge.test")
                    self.assertEqual(request(v.port, path=path, host="purge.test")[1]["cf-cache-status"], "HIT")
                code, out, err = run_verge("purge", "--config", config, "--url", "purge.test/gone",
                                           "--zone", "site")
                self.assertEqual(code, 0, err)
                code, out, err = run_verge("purge", "-c", config, "--zone", "site", "--tag", "t")
                self.assertEqual(code, 0, err)
            finally:
                self.assertEqual(v.stop(), 0, v.stderr())
            v, _ = start(tmp, text)
            try:
                self.assertEqual(request(v.port, path="/kept", host="purge.test")[1]["cf-cache-status"], "HIT")
                self.assertEqual(request(v.port, path="/gone", host="purge.test")[1]["cf-cache-status"], "MISS")
                self.assertEqual(request(v.port, path="/tag-gone", host="purge.test")[1]["cf-cache-status"], "MISS")
            finally:
                self.assertEqual(v.stop(), 0, v.stderr())
        finally:
            del os.environ["PURGE_TEST_TOKEN"]
            origin.close()

    def test_sigterm_stops_the_admin_listener_too(self):
        origin = Origin({})
        v, _ = start(tempfile.mkdtemp(), node_config(origin))
        port = v.admin_port
        self.assertEqual(request(port, "GET", "/client/v4/zones",
                                 headers={"Authorization": "Bearer " + TOKEN})[0], 200)
        self.assertEqual(v.stop(), 0)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        origin.close()


class PurgeConfigTest(unittest.TestCase):
    ZONE = '[[zones]]\nname = "z"\nhosts = ["a.test"]\norigin = "http://127.0.0.1:1"\n'

    def config_error(self, text, env=None):
        d = tempfile.mkdtemp()
        path = os.path.join(d, "node.toml")
        with open(path, "w") as f:
            f.write(text)
        code, out, err = run_verge("serve", "--config", path, env=env)
        self.assertEqual(code, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(path, err)
        return err

    def rule_error(self, rule):
        return self.config_error(self.ZONE + "[[zones.cache_rules]]\n" + rule + "\n")

    def test_bad_cache_rules(self):
        self.assertIn("'zones[0].cache_rules[0].edge_ttl'", self.rule_error("edge_ttl = -1"))
        self.assertIn("'zones[0].cache_rules[0].edge_ttl'", self.rule_error('edge_ttl = "1h"'))
        self.assertIn("'zones[0].cache_rules[0].browser_ttl'", self.rule_error("browser_ttl = -5"))
        self.assertIn("'zones[0].cache_rules[0].default_ttl'", self.rule_error("default_ttl = 1.5"))
        self.assertIn("'zones[0].cache_rules[0].cache'", self.rule_error('cache = "sometimes"'))
        err = self.rule_error('edge_ttl_by_status = { "abc" = 60 }')
        self.assertIn("edge_ttl_by_status", err)
        self.assertIn("abc", err)
        self.assertIn("600", self.rule_error('edge_ttl_by_status = { "600" = 60 }'))
        self.assertIn("edge_ttl_by_status", self.rule_error('edge_ttl_by_status = { "500-499" = 60 }'))
        self.assertIn("edge_ttl_by_status", self.rule_error('edge_ttl_by_status = { "200" = "x" }'))
        self.assertIn("ignore_query and sort_query",
                      self.rule_error("cache_key = { ignore_query = true, sort_query = true }"))
        self.assertIn("'zones[0].cache_rules[0].cache_key.bogus'", self.rule_error("cache_key = { bogus = 1 }"))
        self.assertIn("'zones[0].cache_rules[0].cache_key.headers'",
                      self.rule_error('cache_key = { headers = ["bad header"] }'))
        self.assertIn("'zones[0].cache_rules[0].serve_stale'", self.rule_error('serve_stale = "no"'))
        self.assertIn("'zones[0].cache_rules[0].path'", self.rule_error('path = "static/*"'))
        self.assertIn("'zones[0].cache_rules[0].extensions'", self.rule_error("extensions = []"))
        self.assertIn("'zones[0].cache_rules[0].extensions'", self.rule_error('extensions = ["a/b"]'))
        self.assertIn("'zones[0].cache_rules[0].bogus'", self.rule_error("bogus = 1"))
        self.assertIn("'zones[0].cache_rules'", self.config_error(self.ZONE.replace(
            'origin =', 'cache_rules = 5\norigin =')))

    def test_bad_cache_and_admin_sections(self):
        self.assertIn("'cache.memory_mb'", self.config_error("[cache]\nmemory_mb = 0\n" + self.ZONE))
        self.assertIn("'cache.disk_mb'", self.config_error('[cache]\ndisk_mb = "4G"\n' + self.ZONE))
        self.assertIn("'cache.bogus'", self.config_error("[cache]\nbogus = 1\n" + self.ZONE))
        self.assertIn("'admin.token'", self.config_error('[admin]\nlisten = "127.0.0.1:0"\n' + self.ZONE))
        self.assertIn("'admin.token'", self.config_error('[admin]\ntoken = ""\n' + self.ZONE))
        self.assertIn("'admin.token_env'", self.config_error('[admin]\ntoken = "a"\ntoken_env = "X"\n' + self.ZONE))
        err = self.config_error('[admin]\ntoken_env = "VERGE_TEST_UNSET_VARIABLE"\n' + self.ZONE)
        self.assertIn("VERGE_TEST_UNSET_VARIABLE", err)
        self.assertIn("'admin.token_env'", self.config_error('[admin]\ntoken_env = "VERGE_TEST_EMPTY"\n' + self.ZONE,
                                                             env={"VERGE_TEST_EMPTY": ""}))
        self.assertIn("'admin.listen'", self.config_error('[admin]\nlisten = "nowhere"\ntoken = "a"\n' + self.ZONE))
        self.assertIn("'admin.listen'", self.config_error(
            '[server]\nlisten = "127.0.0.1:8090"\n[admin]\nlisten = "127.0.0.1:8090"\ntoken = "a"\n' + self.ZONE))
        self.assertIn("'admin.bogus'", self.config_error('[admin]\ntoken = "a"\nbogus = 1\n' + self.ZONE))
        self.assertIn("'zones[1].name'", self.config_error(self.ZONE + self.ZONE))

    def test_good_rules_are_accepted(self):
        origin = Origin({"/x.css": lambda r: (200, {}, b"css")})
        tmp = tempfile.mkdtemp()
        with open(os.path.join(tmp, "node.toml"), "w") as f:
            f.write('''
[server]
listen = "127.0.0.1:0"
[[zones]]
name = "z"
hosts = ["a.test"]
origin = "%s"
[[zones.cache_rules]]
path = "/*"
extensions = [".CSS", "js"]
cache = "everything"
edge_ttl = 3600
edge_ttl_by_status = { "200-299" = 86400, "404" = 60, "500-599" = -1 }
browser_ttl = 60
default_ttl = 300
serve_stale = false
cache_key = { ignore_query = true, headers = ["X-Device"], cookies = ["lang"] }
''' % origin.base)
        v = Verge(["serve", "--config", os.path.join(tmp, "node.toml")])
        try:
            self.assertEqual(request(v.port, path="/x.css", host="a.test")[0], 200)
            self.assertNotIn("admin API", v.stderr())  # no [admin]: no admin listener
        finally:
            self.assertEqual(v.stop(), 0)
            origin.close()


if __name__ == "__main__":
    unittest.main()
