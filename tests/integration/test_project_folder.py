"""A worker's code comes only from its project folder and node_modules
(issue 8, F11): an import of a file outside the folder, or of a symlink
inside it that points out, is a start-up error naming the path, whether the
worker is bundled with esbuild (npm imports, JSON, TypeScript) or its plain
modules are read one by one."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import VERGE, dev, request, write_project

WRANGLER = 'name = "p"\nmain = "index.js"\ncompatibility_date = "2024-09-23"\n'
RESPOND = "\nexport default { fetch() { return Response.json(value); } };\n"


def run_verge(*args):
    p = subprocess.run([VERGE] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


class ProjectFolderTest(unittest.TestCase):
    def setUp(self):
        # tmp/outside holds another project's secrets; tmp/proj is the worker.
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="verge-folder-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.outside = os.path.join(self.tmp, "outside")
        write_project(self.outside, {
            "secret.json": '{"secret": "hunter2"}',
            "secret.js": 'export const secret = "hunter2";\n',
        })
        self.proj = os.path.join(self.tmp, "proj")
        write_project(self.proj, {
            "wrangler.toml": WRANGLER,
            "node_modules/pkg/package.json": '{"name": "pkg", "main": "main.js"}',
            "node_modules/pkg/main.js": 'export default "from pkg";\n',
        })

    def project(self, index, files=None):
        write_project(self.proj, dict(files or {}, **{"index.js": index + RESPOND}))
        return self.proj

    def refused(self, *names):
        """`verge dev` on the project exits with one line naming the
        offending path (and whatever else is given)."""
        code, out, err = run_verge("dev", self.proj, "--port", "0", "--persist-to",
                                   os.path.join(self.tmp, "state"))
        self.assertEqual(code, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("outside the project folder " + self.proj, err)
        for name in names:
            self.assertIn(name, err)
        self.assertNotIn("hunter2", out + err)
        # No bundle with the secret in it is left behind.
        for dirpath, _, files in os.walk(os.path.join(self.tmp, "state")):
            for name in files:
                with open(os.path.join(dirpath, name), errors="replace") as f:
                    self.assertNotIn("hunter2", f.read(), name)
        return err

    def serves(self):
        v = dev(self.proj, "--persist-to", os.path.join(self.tmp, "state"))
        try:
            status, _, body = request(v.port, path="/")
        finally:
            v.stop()
        self.assertEqual(status, 200, body)
        return json.loads(body)

    # --- refused -------------------------------------------------------

    def test_json_outside_the_folder(self):
        # JSON is bundled with esbuild: the check is on what esbuild read.
        secret = os.path.join(self.outside, "secret.json")
        self.project('import value from "../outside/secret.json";')
        self.refused(secret, 'index.js imports "../outside/secret.json"', "wrangler.toml: 'main'")

    def test_module_outside_the_folder(self):
        # Plain modules are read one by one, without esbuild.
        self.project('import { secret as value } from "../outside/secret.js";')
        self.refused(os.path.join(self.outside, "secret.js"), '"../outside/secret.js"')
        # The same module next to an npm import goes through esbuild.
        self.project('import { secret } from "../outside/secret.js"; import pkg from "pkg";\n'
                     'const value = [secret, pkg];')
        self.refused(os.path.join(self.outside, "secret.js"), '"../outside/secret.js"')

    def test_nested_import_outside_the_folder(self):
        # The escape is two modules deep.
        self.project('import { value } from "./lib/a.js";', {
            "lib/a.js": 'export { secret as value } from "../../outside/secret.js";\n'})
        self.refused(os.path.join(self.outside, "secret.js"), 'lib/a.js imports "../../outside/secret.js"')

    def test_symlink_pointing_out_of_the_folder(self):
        os.makedirs(os.path.join(self.proj, "lib"))
        os.symlink(os.path.join(self.outside, "secret.js"), os.path.join(self.proj, "lib", "link.js"))
        os.symlink("../../outside/secret.json", os.path.join(self.proj, "lib", "link.json"))
        self.project('import { secret as value } from "./lib/link.js";')
        self.refused(os.path.join(self.outside, "secret.js"), 'index.js imports "./lib/link.js"')
        self.project('import value from "./lib/link.json";')
        self.refused(os.path.join(self.outside, "secret.json"), '"./lib/link.json"')

    def test_node_modules_symlinked_out_of_the_folder(self):
        # node_modules inside the project is the project's: a symlink there
        # that points elsewhere is outside too.
        os.makedirs(os.path.join(self.outside, "node_modules", "evil"))
        write_project(os.path.join(self.outside, "node_modules", "evil"), {
            "package.json": '{"name": "evil", "main": "index.js"}',
            "index.js": 'export { secret as default } from "../../secret.js";\n'})
        os.symlink(os.path.join(self.outside, "node_modules", "evil"),
                   os.path.join(self.proj, "node_modules", "evil"))
        self.project('import value from "evil";')
        self.refused(os.path.join(self.outside, "node_modules", "evil", "index.js"), '"evil"')

    def test_entry_module_outside_the_folder(self):
        write_project(self.proj, {"wrangler.toml": WRANGLER.replace("index.js", "../outside/secret.js")})
        self.refused("the entry module " + os.path.join(self.outside, "secret.js"))
        os.symlink(os.path.join(self.outside, "secret.js"), os.path.join(self.proj, "entry.js"))
        write_project(self.proj, {"wrangler.toml": WRANGLER.replace("index.js", "entry.js")})
        self.refused("entry.js (a symlink to %s)" % os.path.join(self.outside, "secret.js"))

    def test_serve_refuses_the_worker(self):
        self.project('import value from "../outside/secret.json";')
        config = os.path.join(self.tmp, "node.toml")
        with open(config, "w") as f:
            f.write('[server]\nlisten = "127.0.0.1:0"\ndata_dir = "%s"\n[[workers]]\nname = "p"\n'
                    'path = "%s"\nroutes = ["*"]\n' % (os.path.join(self.tmp, "data"), self.proj))
        code, out, err = run_verge("serve", "--config", config)
        self.assertEqual(code, 2, err)
        self.assertIn(os.path.join(self.outside, "secret.json"), err)
        self.assertIn("outside the project folder", err)
        self.assertNotIn("listening", out + err)

    # --- still served --------------------------------------------------

    def test_json_modules_and_packages_inside_the_folder(self):
        # Bundled with esbuild: JSON, a module (also through a symlink that
        # stays inside the folder), a package and a path into node_modules.
        os.makedirs(os.path.join(self.proj, "lib"))
        os.symlink("math.js", os.path.join(self.proj, "lib", "alias.js"))
        self.project('import data from "./data/config.json"; import { twice } from "./lib/alias.js";\n'
                     'import pkg from "pkg"; import rel from "./node_modules/pkg/main.js";\n'
                     'const value = { data, four: twice(2), pkg, rel };', {
                         "data/config.json": '{"colour": "green"}',
                         "lib/math.js": 'export const twice = (x) => x * 2;\n'})
        self.assertEqual(self.serves(), {"data": {"colour": "green"}, "four": 4, "pkg": "from pkg",
                                         "rel": "from pkg"})

    def test_plain_modules_inside_the_folder(self):
        # No bundling: the modules are read one by one.
        self.project('import { twice } from "./lib/math.js"; import { three } from "./lib/deep/three.js";\n'
                     'const value = [twice(2), three];', {
                         "lib/math.js": 'export const twice = (x) => x * 2;\n',
                         "lib/deep/three.js": 'import { twice } from "../math.js";\n'
                                              'export const three = twice(1.5);\n'})
        self.assertEqual(self.serves(), [4, 3])

    def test_packages_hoisted_above_the_folder(self):
        # A workspace: packages installed in a node_modules above the project
        # (as npm workspaces hoist them) are found as Node finds them.
        ws = os.path.join(self.tmp, "ws")
        write_project(ws, {
            "node_modules/hoisted/package.json": '{"name": "hoisted", "main": "index.js"}',
            "node_modules/hoisted/index.js": 'export default "hoisted";\n',
            "packages/app/wrangler.toml": WRANGLER,
            "packages/app/index.js": 'import value from "hoisted";' + RESPOND,
        })
        self.proj = os.path.join(ws, "packages", "app")
        self.assertEqual(self.serves(), "hoisted")
        # But not a file next to it that is not a package folder.
        write_project(ws, {"secret.json": '{"s": "hunter2"}',
                           "packages/app/index.js": 'import value from "../../secret.json";' + RESPOND})
        self.refused(os.path.join(ws, "secret.json"))

    def test_projects_kept_in_a_node_modules_folder(self):
        # A node_modules above the project that holds the project itself
        # holds its neighbours too: it is not a package folder to trust.
        shared = os.path.join(self.tmp, "node_modules")
        write_project(shared, {
            "neighbour/secret.js": 'export default "hunter2";\n',
            "neighbour/package.json": '{"name": "neighbour", "main": "secret.js"}',
            "app/wrangler.toml": WRANGLER,
            "app/index.js": 'import value from "neighbour";' + RESPOND,
        })
        self.proj = os.path.join(shared, "app")
        self.refused(os.path.join(shared, "neighbour", "secret.js"), '"neighbour"')


if __name__ == "__main__":
    unittest.main()
