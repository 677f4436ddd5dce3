"""Existing Workers projects run unmodified (issue 10): wrangler's config
lookup, --config and [env.*] with --env, secrets from .dev.vars / .env /
--env-file, one warning per key verge does not act on, bundling as wrangler
does (always, with its module rules, [define], [alias], [build], JSX and
TypeScript), Text/Data/JSON/CompiledWasm modules, and cloudflare:workers.
Every case drives the real binary over loopback."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import VERGE, dev, request, serve_config, wait_for_log, write_project

# (module (add i32 i32) -> i32), exported as "add".
ADD_WASM = bytes.fromhex(
    "0061736d01000000" "0107016002" "7f7f017f" "03020100" "070701036164640000" "0a09010700200020016a0b")


def project(files):
    d = tempfile.mkdtemp(prefix="verge-wrangler-")
    binary = {k: v for k, v in files.items() if isinstance(v, bytes)}
    write_project(d, {k: v for k, v in files.items() if not isinstance(v, bytes)})
    for name, data in binary.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    return d


def get_json(v, path="/"):
    status, _, body = request(v.port, path=path)
    if status != 200:
        raise AssertionError("%d %s\n%s" % (status, body[:2000], v.stderr()))
    return json.loads(body)


def run_dev_expecting_failure(*args):
    proc = subprocess.run([VERGE, "dev", *args, "--port", "0"], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stderr


ECHO_ENV = """
export default {
  async fetch(request, env) {
    return Response.json(Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string")));
  },
};
"""


class ConfigTest(unittest.TestCase):
    def test_wrangler_json_is_read_before_wrangler_toml(self):
        d = project({
            "wrangler.toml": 'name = "from-toml"\nmain = "index.js"\n[vars]\nFROM = "toml"\n',
            "wrangler.json": '{"name": "from-json", "main": "index.js", "vars": {"FROM": "json"}}',
            "index.js": ECHO_ENV,
        })
        v = dev(d)
        try:
            self.assertEqual(get_json(v)["FROM"], "json")
            self.assertIn("from-json ready", v.stdout())
        finally:
            v.stop()
        # --config picks a file explicitly.
        v = dev(d, "--config", os.path.join(d, "wrangler.toml"))
        try:
            self.assertEqual(get_json(v)["FROM"], "toml")
        finally:
            v.stop()

    def test_environments_inherit_as_wrangler_does(self):
        d = project({
            "wrangler.jsonc": """{
  // comments and trailing commas, as wrangler.jsonc allows
  "name": "app", "main": "src/index.js", "compatibility_date": "2024-09-23",
  "vars": {"STAGE": "top", "ONLY_TOP": "x"},
  "define": {"WHERE": "\\"top\\""},
  "env": {
    "staging": {"vars": {"STAGE": "staging"}, "define": {"WHERE": "\\"staging\\""}},
    "bare": {},
  },
}""",
            "src/index.js": """
export default { async fetch(request, env) { return Response.json({ stage: env.STAGE ?? null, onlyTop: env.ONLY_TOP ?? null, where: WHERE }); } };
""",
        })
        v = dev(d, "--env", "staging")
        try:
            self.assertEqual(get_json(v), {"stage": "staging", "onlyTop": None, "where": "staging"})
            self.assertIn("app-staging ready", v.stdout())
        finally:
            v.stop()
        # An environment without vars gets none (not the top level's), and
        # says so; define is not inherited either, so WHERE is undefined.
        code, err = run_dev_expecting_failure(d, "--env", "nope")
        self.assertEqual(code, 2)
        self.assertIn("'env.nope': no such environment", err)
        v = dev(d, "--env", "bare")
        try:
            status, _, body = request(v.port, path="/")
            self.assertEqual(status, 500)
            self.assertTrue(wait_for_log(v, "WHERE is not defined"), v.stderr())
            self.assertIn("'vars' is set at the top level but not in [env.bare]", v.stderr())
        finally:
            v.stop()

    def test_serve_applies_an_environment_per_worker(self):
        d = project({
            "wrangler.toml": 'name = "app"\nmain = "index.js"\n[vars]\nSTAGE = "top"\n'
                             '[env.production.vars]\nSTAGE = "production"\n',
            "index.js": ECHO_ENV,
            ".dev.vars": "SECRET=only-in-dev\n",
        })
        tmp = tempfile.mkdtemp(prefix="verge-serve-env-")
        v = serve_config('[server]\nlisten = "127.0.0.1:0"\nthreads = 1\n\n'
                         '[[workers]]\nname = "prod"\npath = "%s"\nenv = "production"\nroutes = ["prod.test"]\n\n'
                         '[[workers]]\nname = "plain"\npath = "%s"\nroutes = ["plain.test"]\n' % (d, d), tmp)
        try:
            prod = json.loads(request(v.port, host="prod.test")[2])
            plain = json.loads(request(v.port, host="plain.test")[2])
            self.assertEqual((prod["STAGE"], plain["STAGE"]), ("production", "top"))
            # .dev.vars are for `verge dev` only.
            self.assertNotIn("SECRET", prod)
        finally:
            v.stop()

    def test_secrets_from_dev_vars_env_files_and_env_file_flag(self):
        d = project({
            "wrangler.toml": 'name = "s"\nmain = "index.js"\n[vars]\nTOKEN = "from-vars"\n[env.staging]\n',
            "index.js": ECHO_ENV,
            ".dev.vars": 'TOKEN="from dev.vars"\n# a comment\nexport MULTI="line one\\nline two"\nPLAIN=a b # note\n',
            ".dev.vars.staging": "TOKEN=staging-secret\n",
            ".env": "TOKEN=from-dot-env\n",
        })
        d_env = project({"wrangler.toml": 'name = "s"\nmain = "index.js"\n[env.staging]\n', "index.js": ECHO_ENV,
                         ".env": "A=1\nB=from-env\n", ".env.local": "B=from-env-local\n"})
        v = dev(d)
        try:
            env = get_json(v)
            self.assertEqual((env["TOKEN"], env["MULTI"], env["PLAIN"]), ("from dev.vars", "line one\nline two", "a b"))
            self.assertIn("secrets from " + os.path.join(d, ".dev.vars"), v.stderr())
        finally:
            v.stop()
        v = dev(d, "--env", "staging")
        try:
            env = get_json(v)
            self.assertEqual(env["TOKEN"], "staging-secret")
            self.assertNotIn("MULTI", env)
        finally:
            v.stop()
        # Without .dev.vars: the .env files, later ones overriding.
        v = dev(d_env)
        try:
            self.assertEqual({k: get_json(v)[k] for k in ("A", "B")}, {"A": "1", "B": "from-env-local"})
        finally:
            v.stop()
        other = os.path.join(d_env, "other.env")
        with open(other, "w") as f:
            f.write("ONLY=this\n")
        v = dev(d_env, "--env-file", other)
        try:
            env = get_json(v)
            self.assertEqual(env.get("ONLY"), "this")
            self.assertNotIn("A", env)
        finally:
            v.stop()
        # A malformed line names the file and line.
        with open(os.path.join(d, ".dev.vars"), "w") as f:
            f.write("OK=1\nnot a pair\n")
        code, err = run_dev_expecting_failure(d)
        self.assertEqual(code, 2)
        self.assertIn(".dev.vars:2: expected KEY=VALUE", err)

    def test_keys_verge_does_not_act_on_are_warned_once_each(self):
        d = project({
            "wrangler.toml": 'name = "w"\nmain = "index.js"\naccount_id = "abc"\nworkers_dev = true\n'
                             'tpyo_key = 1\n[triggers]\ncrons = ["* * * * *"]\n[[queues.producers]]\n'
                             'binding = "Q"\nqueue = "q"\n',
            "index.js": ECHO_ENV,
        })
        v = dev(d)
        try:
            get_json(v)
            err = v.stderr()
            self.assertEqual(err.count("'triggers' is not supported by verge yet; ignored"), 1, err)
            self.assertEqual(err.count("'queues' is not supported by verge yet; ignored"), 1, err)
            self.assertIn("'tpyo_key' is not a wrangler config key verge knows; ignored", err)
            # Deploy-only keys mean nothing to a node: no warning.
            self.assertNotIn("account_id", err)
            self.assertNotIn("workers_dev", err)
        finally:
            v.stop()

    def test_broken_projects_fail_at_start_naming_file_and_key(self):
        cases = [
            ('name = "Not Valid"\nmain = "index.js"\n', "'name': \"Not Valid\" is not a valid worker name"),
            ('name = "x"\nmain = "index.js"\n[[rules]]\ntype = "Yaml"\nglobs = ["**/*.yml"]\n',
             "'rules[0].type': must be one of ESModule, CommonJS, CompiledWasm, Text, Data"),
            ('name = "x"\nmain = "index.js"\n[define]\nX = 1\n', "'define.X': must be a string"),
            ('name = "x"\nmain = "index.js"\n[build]\ncommand = "exit 3"\n', "'build.command': `exit 3` failed (exit 3)"),
        ]
        for toml, message in cases:
            d = project({"wrangler.toml": toml, "index.js": ECHO_ENV})
            code, err = run_dev_expecting_failure(d)
            self.assertEqual(code, 2, toml)
            self.assertIn(os.path.join(d, "wrangler.toml"), err)
            self.assertIn(message, err)


class BundlingTest(unittest.TestCase):
    def test_module_types_define_alias_build_jsx_and_typescript(self):
        d = project({
            "wrangler.toml": '''name = "bundled"
main = "src/index.ts"
compatibility_date = "2024-09-23"
[build]
command = "mkdir -p gen && echo 'export const generated = \\"by the build command\\";' > gen/out.js"
[define]
"globalThis.FLAVOUR" = "\\"vanilla\\""
[alias]
"my-lib" = "./lib/real-lib.js"
[[rules]]
type = "Text"
globs = ["**/*.md"]
fallthrough = true
''',
            "src/index.ts": '''
import text from "./note.txt";
import page from "./page.html";
import readme from "../README.md";
import bytes from "./data.bin";
import config from "./config.json";
import addModule from "./add.wasm";
import { greet } from "my-lib";
import { generated } from "../gen/out.js";
import { proxy } from "./proxy";
import { render } from "./view.jsx";
const answer: number = 42;
export default {
  async fetch(request: Request): Promise<Response> {
    const instance = await WebAssembly.instantiate(addModule);
    const lazy = await import("./lazy.js");
    return Response.json({
      text, page, readme, bytes: [bytes instanceof ArrayBuffer, [...new Uint8Array(bytes)]],
      config, wasm: [addModule instanceof WebAssembly.Module, (instance as any).exports.add(2, 3)],
      greet: greet(), generated, proxy: proxy(), jsx: render(), lazy: lazy.value, answer,
      flavour: (globalThis as any).FLAVOUR,
    });
  },
};
''',
            "src/note.txt": "a text module\n",
            "src/page.html": "<p>hi</p>",
            "README.md": "# readme",
            "src/data.bin": b"\x00\x01\xff",
            "src/config.json": '{"nested": {"ok": true}}',
            "src/add.wasm": ADD_WASM,
            "lib/real-lib.js": "export const greet = () => 'aliased';\n",
            "src/proxy.js": "export const proxy = () => 'local import';\n",
            "src/view.jsx": "const h = (tag, props, ...children) => `<${tag}>${children.join('')}</${tag}>`;\n"
                            "/** @jsx h */\nexport const render = () => <b>bold</b>;\n",
            "src/lazy.js": "export const value = 'dynamic import';\n",
        })
        v = dev(d)
        try:
            got = get_json(v)
            self.assertEqual(got, {
                "text": "a text module\n", "page": "<p>hi</p>", "readme": "# readme",
                "bytes": [True, [0, 1, 255]], "config": {"nested": {"ok": True}}, "wasm": [True, 5],
                "greet": "aliased", "generated": "by the build command", "proxy": "local import",
                "jsx": "<b>bold</b>", "lazy": "dynamic import", "answer": 42, "flavour": "vanilla",
            })
        finally:
            v.stop()

    def test_function_names_survive_bundling(self):
        # wrangler bundles with keepNames: a function keeps its source name
        # even where the bundler renames it (two modules' `helper`) or
        # minifies it, and arrows in class fields keep theirs per instance.
        index = '''
import { helper as other } from "./other.js";
function helper() {}
class Ctx { json = () => 1; #priv = () => 2; priv() { return this.#priv; } }
export default {
  async fetch() {
    const a = new Ctx(), b = new Ctx();
    const d = Object.getOwnPropertyDescriptor(a.json, "name");
    return Response.json({
      names: [helper.name, other.name, a.json.name, b.json.name, a.priv().name, Ctx.name],
      descriptor: [d.value, d.writable, d.enumerable, d.configurable],
    });
  },
};
'''
        expected = {"names": ["helper", "helper", "json", "json", "#priv", "Ctx"],
                    "descriptor": ["json", False, False, True]}
        for minify in ("false", "true"):
            with self.subTest(minify=minify):
                d = project({
                    "wrangler.toml": 'name = "names"\nmain = "index.js"\nminify = %s\n' % minify,
                    "index.js": index,
                    "other.js": "export function helper() {}\n",
                })
                v = dev(d)
                try:
                    self.assertEqual(get_json(v), expected)
                finally:
                    v.stop()

    def test_no_bundle_with_find_additional_modules(self):
        d = project({
            "wrangler.toml": 'name = "unbundled"\nmain = "src/index.js"\nno_bundle = true\n'
                             'find_additional_modules = true\n',
            "src/index.js": """
export default {
  async fetch(request) {
    const lang = new URL(request.url).searchParams.get("lang");
    const { greeting } = await import("./locales/" + lang + ".js");
    const { default: note } = await import("./data/" + "note.txt");
    return Response.json({ greeting, note });
  },
};
""",
            "src/locales/en.js": 'export const greeting = "hello";\n',
            "src/locales/fr.js": 'export const greeting = "bonjour";\n',
            "src/data/note.txt": "a note",
            "src/node_modules/skipped.js": "this is not JavaScript",
        })
        v = dev(d)
        try:
            self.assertEqual(get_json(v, "/?lang=fr"), {"greeting": "bonjour", "note": "a note"})
            self.assertEqual(get_json(v, "/?lang=en")["greeting"], "hello")
            status, _, body = request(v.port, path="/?lang=de")
            self.assertEqual(status, 500)
        finally:
            v.stop()

    def test_cloudflare_workers_module(self):
        d = project({
            "wrangler.toml": 'name = "cfw"\nmain = "index.js"\n[vars]\nGREETING = "hello"\n',
            "index.js": '''
import { WorkerEntrypoint, DurableObject, RpcTarget, env, waitUntil } from "cloudflare:workers";
let waited = false;
export default class extends WorkerEntrypoint {
  async fetch(request) {
    waitUntil(new Promise((resolve) => setTimeout(() => { waited = true; resolve(); }, 10)));
    const again = await import("cloudflare:workers");
    if (new URL(request.url).pathname === "/waited") return Response.json({ waited });
    return Response.json({
      fromThis: this.env.GREETING, fromImport: env.GREETING, sameEnv: again.env === env,
      ctx: typeof this.ctx.waitUntil, classes: [typeof DurableObject, typeof RpcTarget],
    });
  }
}
''',
        })
        v = dev(d)
        try:
            self.assertEqual(get_json(v), {"fromThis": "hello", "fromImport": "hello", "sameEnv": True,
                                           "ctx": "function", "classes": ["function", "function"]})
            time.sleep(0.1)
            self.assertEqual(get_json(v, "/waited"), {"waited": True})
        finally:
            v.stop()

    def test_node_modules_need_the_nodejs_compat_flag(self):
        d = project({
            "wrangler.toml": 'name = "nodeless"\nmain = "index.js"\n',
            "index.js": 'import { Buffer } from "node:buffer";\nexport default { fetch() { return new Response(Buffer.from("x")); } };\n',
        })
        code, err = run_dev_expecting_failure(d)
        self.assertEqual(code, 2)
        self.assertIn('Could not resolve "node:buffer"', err)
        self.assertIn('Add "nodejs_compat" to compatibility_flags', err)
        # A dynamic import fails at run time, with the same advice.
        d = project({
            "wrangler.toml": 'name = "nodeless"\nmain = "index.js"\n',
            "index.js": 'export default { async fetch() { try { await import("node:" + "events"); return new Response("no"); }'
                        ' catch (e) { return new Response(e.message); } } };\n',
        })
        v = dev(d)
        try:
            status, _, body = request(v.port, path="/")
            self.assertIn(b'No such module "node:events"', body)
            self.assertIn(b"nodejs_compat", body)
        finally:
            v.stop()


class SourceMapTest(unittest.TestCase):
    def test_stack_traces_point_into_the_sources(self):
        d = project({
            "wrangler.toml": 'name = "worker"\nmain = "src/worker.ts"\n',
            "src/util.ts": 'export function explode(what: string): never {\n  // line 2\n  throw new Error("boom: " + what);\n}\n',
            "src/worker.ts": (
                'import { explode } from "./util";\n'
                'interface Thing { a: number }\n'
                'export default {\n'
                '  async fetch(request: Request): Promise<Response> {\n'
                '    const t: Thing = { a: 1 };\n'
                '    if (new URL(request.url).pathname === "/log") { console.log(new Error("logged")); return new Response("ok"); }\n'
                '    explode("x" + t.a);\n'
                '  },\n'
                '};\n'),
        })
        v = dev(d)
        try:
            self.assertEqual(request(v.port, path="/")[0], 500)
            self.assertEqual(request(v.port, path="/log")[0], 200)
            wait_for_log(v, "logged")
            out = v.stderr() + v.stdout()
            self.assertIn("at explode (src/util.ts:3:9)", out)
            self.assertIn("at Object.fetch (src/worker.ts:7:5)", out)
            self.assertIn("at Object.fetch (src/worker.ts:6:", out)
            # The runtime's own frames are left alone, though the bundle is
            # also named worker.js.
            self.assertRegex(out, r"verge:worker\.js:\d+:\d+")
        finally:
            v.stop()


class NodeCompatTest(unittest.TestCase):
    def test_the_compatibility_date_picks_version_1_or_2(self):
        probe = r"""
import { Buffer } from "node:buffer";
export default { fetch() { return Response.json({ buffer: typeof globalThis.Buffer, process: typeof globalThis.process,
  imported: Buffer.from("x").length, env: globalThis.process ? Object.keys(globalThis.process.env) : null }); } };
"""
        toml = 'name = "n"\nmain = "index.js"\ncompatibility_date = "%s"\ncompatibility_flags = ["nodejs_compat"%s]\n' \
               '[vars]\nK = "v"\n'
        expected = {
            ("2024-09-22", ""): {"buffer": "undefined", "process": "undefined", "imported": 1, "env": None},
            ("2024-09-23", ""): {"buffer": "function", "process": "object", "imported": 1, "env": []},
            ("2025-04-01", ""): {"buffer": "function", "process": "object", "imported": 1, "env": ["K"]},
            ("2024-01-01", ', "nodejs_compat_v2"'): {"buffer": "function", "process": "object", "imported": 1, "env": []},
            ("2025-04-01", ', "no_nodejs_compat_v2"'): {"buffer": "undefined", "process": "undefined", "imported": 1,
                                                       "env": None},
        }
        for (date, extra), want in expected.items():
            d = project({"wrangler.toml": toml % (date, extra), "index.js": probe})
            v = dev(d)
            try:
                self.assertEqual(get_json(v), want, (date, extra))
            finally:
                v.stop()
        # Version 1 takes node:-prefixed names only, as wrangler says.
        d = project({"wrangler.toml": toml % ("2024-01-01", ""),
                     "index.js": 'import { EventEmitter } from "events";\nexport default { fetch() { return new Response(typeof EventEmitter); } };\n'})
        code, err = run_dev_expecting_failure(d)
        self.assertNotEqual(code, 0)
        self.assertIn('only "node:events" works', err)

    def test_node_modules_and_globals_under_nodejs_compat(self):
        d = project({
            "wrangler.toml": 'name = "nodeful"\nmain = "index.js"\ncompatibility_date = "2025-04-01"\n'
                             'compatibility_flags = ["nodejs_compat"]\n[vars]\nAPI_KEY = "k-123"\n',
            "index.js": r"""
import { Buffer as B } from "node:buffer";
import { EventEmitter } from "events";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { format, promisify } from "node:util";
import path from "node:path";
import { AsyncLocalStorage } from "node:async_hooks";
import { gzipSync, gunzipSync } from "node:zlib";
import { setTimeout as sleep } from "node:timers/promises";
import { Readable } from "node:stream";

const als = new AsyncLocalStorage();
export default {
  async fetch(request) {
    const id = new URL(request.url).searchParams.get("id");
    return als.run(id, async () => {
      await sleep(5);
      const inTimer = await new Promise((resolve) => setTimeout(() => resolve(als.getStore()), 1));
      const emitter = new EventEmitter();
      let heard;
      emitter.on("x", (v) => { heard = v; });
      emitter.emit("x", 7);
      const chunks = [];
      for await (const c of Readable.from(["a", "b"])) chunks.push(c);
      return Response.json({
        store: als.getStore(), inTimer, sameBuffer: globalThis.Buffer === B,
        b64: B.from("hello").toString("base64"), hex: createHash("sha256").update("abc").digest("hex"),
        hmac: createHmac("sha256", "key").update("data").digest("hex"), random: randomBytes(8).length,
        format: format("%s=%d", "n", 42), join: path.join("/a", "../b", "c.txt"), heard,
        gzip: gunzipSync(gzipSync(B.from("zipped"))).toString(), env: process.env.API_KEY, chunks,
        promisify: typeof promisify(setTimeout),
      });
    });
  },
};
""",
        })
        v = dev(d)
        try:
            import concurrent.futures
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda i: get_json(v, "/?id=req%d" % i), range(8)))
            for i, got in enumerate(answers):
                self.assertEqual((got["store"], got["inTimer"]), ("req%d" % i, "req%d" % i))
            got = answers[0]
            self.assertEqual(got["b64"], "aGVsbG8=")
            self.assertEqual(got["hex"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            self.assertEqual(got["hmac"], "5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0")
            self.assertEqual((got["random"], got["format"], got["join"], got["heard"]), (8, "n=42", "/b/c.txt", 7))
            self.assertEqual((got["gzip"], got["env"], got["chunks"], got["sameBuffer"]), ("zipped", "k-123", ["a", "b"], True))
        finally:
            v.stop()


class ServiceBindingTest(unittest.TestCase):
    def test_a_worker_calls_another_through_a_service_binding(self):
        backend = project({
            "wrangler.toml": 'name = "backend"\nmain = "index.js"\n',
            "index.js": """
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/stream") {
      const { readable, writable } = new TransformStream();
      const writer = writable.getWriter();
      (async () => { for (let i = 0; i < 3; i++) { await writer.write(new TextEncoder().encode("chunk" + i + ";")); } await writer.close(); })();
      return new Response(readable, { headers: { "x-backend": "yes" } });
    }
    return Response.json({ method: request.method, path: url.pathname, body: await request.text(),
                           header: request.headers.get("x-from") }, { status: 201 });
  },
};
""",
        })
        frontend = project({
            "wrangler.toml": 'name = "frontend"\nmain = "index.js"\n[[services]]\nbinding = "BACKEND"\nservice = "backend"\n'
                             '[[services]]\nbinding = "SELF"\nservice = "frontend"\n',
            "index.js": """
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/post") {
      const r = await env.BACKEND.fetch("http://backend/items?x=1", { method: "POST", body: "payload", headers: { "x-from": "frontend" } });
      return Response.json({ status: r.status, answer: await r.json() });
    }
    if (path === "/stream") {
      const r = await env.BACKEND.fetch("http://backend/stream");
      return new Response(r.body, { headers: { "x-backend": r.headers.get("x-backend") } });
    }
    if (path === "/gone") {
      try { await env.GONE.fetch("http://x/"); return new Response("no error"); }
      catch (e) { return new Response(e.constructor.name + ": " + e.message); }
    }
    if (path === "/loop") {
      const r = await env.SELF.fetch(request);
      return new Response(await r.text(), { status: r.status });
    }
    return new Response(String(env.BACKEND));
  },
};
""",
        })
        tmp = tempfile.mkdtemp(prefix="verge-services-")
        v = serve_config('[server]\nlisten = "127.0.0.1:0"\nthreads = 2\n\n'
                         '[[workers]]\nname = "frontend"\npath = "%s"\nroutes = ["front.test"]\n\n'
                         '[[workers]]\nname = "backend"\npath = "%s"\nroutes = ["back.test"]\n' % (frontend, backend), tmp)
        try:
            self.assertEqual(request(v.port, host="front.test")[2], b"[object Fetcher]")
            got = json.loads(request(v.port, path="/post", host="front.test")[2])
            self.assertEqual(got, {"status": 201, "answer": {"method": "POST", "path": "/items", "body": "payload",
                                                             "header": "frontend"}})
            status, headers, body = request(v.port, path="/stream", host="front.test")
            self.assertEqual((status, body, headers["x-backend"]), (200, b"chunk0;chunk1;chunk2;", "yes"))
            # A worker that calls itself forever hits Cloudflare's loop limit.
            status, _, body = request(v.port, path="/loop", host="front.test")
            self.assertEqual(status, 508)
            self.assertIn(b"1019", body)
        finally:
            v.stop()
        # A binding to a worker the node does not have stops `verge serve`...
        with open(os.path.join(frontend, "wrangler.toml"), "a") as f:
            f.write('[[services]]\nbinding = "GONE"\nservice = "nowhere"\n')
        node = os.path.join(tmp, "node.toml")
        proc = subprocess.run([VERGE, "serve", "--config", node], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn('the service binding GONE names "nowhere", which is no worker of this node', proc.stderr)
        # ...while `verge dev` runs the one worker, warns, and the call fails.
        v = dev(frontend)
        try:
            self.assertTrue(wait_for_log(v, 'service binding GONE: no worker named "nowhere" runs under verge dev'))
            self.assertEqual(request(v.port, path="/gone")[2],
                             b'TypeError: fetch failed: no worker named "nowhere" runs on this node (service binding)')
        finally:
            v.stop()


class EdgeHeadersTest(unittest.TestCase):
    def test_request_gets_the_edge_headers_and_the_response_a_ray_id(self):
        d = project({
            "wrangler.toml": 'name = "headers"\nmain = "index.js"\n',
            "index.js": 'export default { fetch(request) { return Response.json(Object.fromEntries(request.headers),'
                        ' { headers: { "cf-ray": "set-by-the-worker" } }); } };\n',
        })
        v = dev(d)
        try:
            # A client's own values for these headers are replaced.
            status, headers, body = request(v.port, headers={"CF-Connecting-IP": "6.6.6.6", "X-Real-IP": "6.6.6.6",
                                                             "X-Forwarded-Proto": "https", "CF-Ray": "fake"})
            self.assertEqual(status, 200)
            seen = json.loads(body)
            self.assertEqual(seen["cf-connecting-ip"], "127.0.0.1")
            self.assertEqual(seen["x-real-ip"], "127.0.0.1")
            self.assertEqual(seen["x-forwarded-proto"], "http")
            self.assertEqual(json.loads(seen["cf-visitor"]), {"scheme": "http"})
            self.assertRegex(seen["cf-ray"], r"^[0-9a-f]{16}-LOCAL$")
            # The response carries the same Ray ID, whatever the worker set.
            self.assertEqual(headers["cf-ray"], seen["cf-ray"])
            other = request(v.port)[1]["cf-ray"]
            self.assertNotEqual(other, seen["cf-ray"])
        finally:
            v.stop()


if __name__ == "__main__":
    unittest.main()
