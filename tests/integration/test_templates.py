"""The project templates that ship in the npm package create-cloudflare
(pinned in tests/package.json), created as `npm create cloudflare` creates
them (placeholders filled, dotfiles renamed) and run unmodified under
`verge dev`, answering their main routes the way each template's own tests
and README say. Templates that need features verge does not have yet
(Durable Objects, Cron Triggers, Queues, Workflows, HTMLRewriter, Python)
are listed in docs/templates.md, not here."""
import json
import os
import re
import shutil
import tempfile
import unittest

from harness import ROOT, dev, request

TEMPLATES = os.path.join(ROOT, "tests", "node_modules", "create-cloudflare", "templates")
NODE_MODULES = os.path.join(ROOT, "tests", "node_modules")
UUID = re.compile(rb"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def create(template, packages=()):
    """A project from templates/<template>, as create-cloudflare writes it;
    `packages` are npm packages its framework's generator would install
    (the template's package.json names the rest)."""
    src = os.path.join(TEMPLATES, template)
    if not os.path.isdir(src):
        raise unittest.SkipTest("create-cloudflare is not installed (run scripts/setup.sh)")
    d = tempfile.mkdtemp(prefix="verge-c3-")
    proj = os.path.join(d, "my-app")
    shutil.copytree(src, proj)
    for folder, _, files in os.walk(proj):
        for name in files:
            path = os.path.join(folder, name)
            if name.startswith("__dot__"):
                os.rename(path, os.path.join(folder, "." + name[len("__dot__"):]))
    for name in ("wrangler.jsonc", "wrangler.json", "wrangler.toml"):
        path = os.path.join(proj, name)
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            text = text.replace("<WORKER_NAME>", "my-app").replace("<COMPATIBILITY_DATE>", "2025-06-01")
            with open(path, "w") as f:
                f.write(text)
    # The template's npm dependencies, as `npm install` would put them in
    # the project (copied: a symlink out of the project folder is refused).
    deps = list(packages)
    package = os.path.join(proj, "package.json")
    if os.path.exists(package):
        with open(package) as f:
            deps += list(json.load(f).get("dependencies", {}))
    copied = set()
    while deps:  # with their own dependencies, hoisted as npm does
        name = deps.pop()
        if name in copied:
            continue
        copied.add(name)
        src_pkg = os.path.join(NODE_MODULES, name)
        if not os.path.isdir(src_pkg):
            raise AssertionError("tests/package.json lacks %s, which %s needs" % (name, template))
        shutil.copytree(src_pkg, os.path.join(proj, "node_modules", name))
        with open(os.path.join(src_pkg, "package.json")) as f:
            deps += list(json.load(f).get("dependencies", {}))
    return proj


class TemplatesTest(unittest.TestCase):
    def run_template(self, template, packages=()):
        v = dev(create(template, packages))
        self.addCleanup(v.stop)
        return v

    def check_hello_world(self, template):
        v = self.run_template(template)
        self.assertEqual(request(v.port, path="/")[:3:2], (200, b"Hello World!"))
        self.assertEqual(v.stderr().count("warn"), 0, v.stderr())

    def test_hello_world_js(self):
        self.check_hello_world("hello-world/js")

    def test_hello_world_ts(self):
        self.check_hello_world("hello-world/ts")

    def check_hello_world_with_assets(self, template):
        v = self.run_template(template)
        self.assertEqual(request(v.port, path="/message")[2], b"Hello, World!")
        self.assertRegex(request(v.port, path="/random")[2], UUID)
        status, headers, body = request(v.port, path="/")
        self.assertEqual(status, 200)
        self.assertIn("text/html", headers["content-type"])
        with open(os.path.join(TEMPLATES, template, "public", "index.html"), "rb") as f:
            self.assertEqual(body, f.read())
        self.assertEqual(request(v.port, path="/nothing-here")[:3:2], (404, b"Not Found"))

    def test_hello_world_with_assets_js(self):
        self.check_hello_world_with_assets("hello-world-with-assets/js")

    def test_hello_world_with_assets_ts(self):
        self.check_hello_world_with_assets("hello-world-with-assets/ts")

    def test_assets_only(self):
        v = self.run_template("hello-world-assets-only/templates")
        status, headers, body = request(v.port, path="/")
        with open(os.path.join(TEMPLATES, "hello-world-assets-only", "templates", "public", "index.html"), "rb") as f:
            self.assertEqual((status, body), (200, f.read()))
        self.assertEqual(request(v.port, path="/missing")[0], 404)

    def test_hono_workers(self):
        # create-hono installs hono.
        v = self.run_template("hono/workers/templates", packages=["hono"])
        self.assertEqual(request(v.port, path="/message")[:3:2], (200, b"Hello Hono!"))
        status, headers, body = request(v.port, path="/")
        self.assertEqual(status, 200)
        self.assertIn("text/html", headers["content-type"])

    def test_openapi(self):
        v = self.run_template("openapi/ts")
        status, _, body = request(v.port, path="/api/tasks")
        self.assertEqual(status, 200, body)
        tasks = json.loads(body)
        self.assertTrue(tasks["success"])
        self.assertEqual([t["slug"] for t in tasks["tasks"]], ["clean-room", "cloudflare-workers"])
        # The Swagger UI at / and the generated schema.
        status, headers, body = request(v.port, path="/")
        self.assertEqual(status, 200)
        self.assertIn(b"swagger", body.lower())
        schema = json.loads(request(v.port, path="/openapi.json")[2])
        self.assertIn("/api/tasks", schema["paths"])
        # Request validation: a body that does not match the schema is a 400.
        status, _, body = request(v.port, method="POST", path="/api/tasks", body=b'{"name": 5}',
                                 headers={"content-type": "application/json"})
        self.assertEqual(status, 400, body)
        self.assertFalse(json.loads(body)["success"])


if __name__ == "__main__":
    unittest.main()
