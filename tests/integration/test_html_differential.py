"""HTMLRewriter, differentially: the same documents and handler programs
(html_diff/programs.js) run under Node against html-rewriter-wasm (lol-html
compiled to Wasm, pinned in tests/package.json) and through the real verge
binary (one worker that runs each program on `new HTMLRewriter()`), fed in
several chunkings. Outputs must agree byte for byte, and so must the handler
logs: which handlers ran, in what order, with which tag names, attributes,
text chunks (and lastInTextNode), comments, doctypes and errors.

Hand-written pages cover features one by one; random mixes of fragments
find what nobody thought of (a failure prints the document to replay)."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import dev, request, write_project

HERE = os.path.dirname(os.path.abspath(__file__))
DIFF = os.path.join(HERE, "html_diff")

import sys
sys.path.insert(0, DIFF)
from documents import PAGES, random_documents  # noqa: E402

PROGRAMS = ["observe", "selectors", "selectorsInside", "before_after", "prepend_append", "replace", "inner",
            "remove", "removeAndKeepContent", "attributes", "tagName", "endTags", "endTagRename", "text",
            "comments", "documentEnd", "layered", "nested"]
CHUNKINGS = [[], [1], [5, 11]]
# Where html-rewriter-wasm 0.4.1 is known to be wrong, verge does what the
# HTML standard and workerd's newer lol-html do (docs/web-apis.md lists
# these): 0.4.1 may call no element handler for a start tag in SVG or
# MathML that its tree builder simulation needs whole (an integration
# point: SVG's desc, title, foreignObject, MathML's mi, mo …; in MathML a
# custom element's name) when it follows an end tag; it does not
# leave foreign content at </p> or </br>; it cuts the text of a comment
# that ends with "<!-->" at an earlier "-". These cases must still differ,
# so that an oracle that changes is noticed.
KNOWN_DIFFERENCES = {("svg_desc_after_sibling", p) for p in ("attributes", "layered", "selectors", "text")} | \
    {("math_custom_after_end_tag", p) for p in ("endTags", "attributes", "layered", "selectors")} | \
    {("comment_ends_with_lt_bang", p) for p in ("observe", "comments")} | \
    {("foreign_p_end_tag", p) for p in PROGRAMS if p not in ("before_after", "prepend_append", "replace",
                                                                  "removeAndKeepContent", "tagName", "endTags", "nested",
                                                                  "endTagRename", "documentEnd")}


def oracle(jobs):
    proc = subprocess.run(["node", os.path.join(DIFF, "oracle.mjs")], input=json.dumps(jobs), capture_output=True,
                          text=True, cwd=DIFF, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError("oracle failed: %s" % proc.stderr)
    return json.loads(proc.stdout)


class HtmlDifferentialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("node") is None or not os.path.isdir(os.path.join(HERE, "..", "node_modules",
                                                                          "html-rewriter-wasm")):
            raise RuntimeError("node and tests/node_modules/html-rewriter-wasm are needed (scripts/setup.sh)")
        d = tempfile.mkdtemp(prefix="verge-htmldiff-")
        with open(os.path.join(DIFF, "worker.js")) as f:
            worker = f.read()
        with open(os.path.join(DIFF, "programs.js")) as f:
            programs = f.read()
        write_project(d, {"wrangler.toml": 'name = "htmldiff"\nmain = "index.js"\n', "index.js": worker,
                          "programs.js": programs})
        cls.v = dev(d)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def verge(self, jobs):
        results = []
        for i in range(0, len(jobs), 100):
            status, _, body = request(self.v.port, "POST", "/", body=json.dumps(jobs[i:i + 100]).encode(),
                                      headers={"content-type": "application/json"}, timeout=120)
            self.assertEqual(status, 200, body[:2000])
            results += json.loads(body)
        return results

    def compare(self, docs, programs, chunkings):
        jobs = [{"name": name, "doc": doc, "program": p, "chunks": c}
                for name, doc in docs.items() for p in programs for c in chunkings]
        want = oracle(jobs)
        got = self.verge(jobs)
        failures = []
        for job, w, g in zip(jobs, want, got):
            if (job["name"], job["program"]) in KNOWN_DIFFERENCES:
                if w == g:
                    failures.append("%s / %s: a known difference is gone; update KNOWN_DIFFERENCES and the docs"
                                    % (job["name"], job["program"]))
                continue
            if w == g:
                continue
            wo, go = base64.b64decode(w["output"]), base64.b64decode(g["output"])
            msg = "%s / %s / chunks %s\n  doc: %r\n" % (job["name"], job["program"], job["chunks"], job["doc"])
            if wo != go:
                msg += "  lol-html output: %r\n  verge output:    %r\n" % (wo, go)
            if w["log"] != g["log"]:
                k = next((i for i, (a, b) in enumerate(zip(w["log"], g["log"])) if a != b),
                         min(len(w["log"]), len(g["log"])))
                msg += "  logs differ at entry %d:\n    lol-html: %s\n    verge:    %s\n" % (
                    k, json.dumps(w["log"][k:k + 3]), json.dumps(g["log"][k:k + 3]))
            failures.append(msg)
        self.assertEqual(len(jobs), len(got))
        report = os.environ.get("VERGE_HTML_DIFF_REPORT")
        if report:
            with open(report, "a") as f:
                f.write("\n".join(failures))
        if failures:
            self.fail("%d of %d cases differ from lol-html; the first ones:\n%s"
                      % (len(failures), len(jobs), "\n".join(failures[:8])))

    def test_pages(self):
        self.compare(PAGES, PROGRAMS, CHUNKINGS)

    def test_random_documents(self):
        seed = int(os.environ.get("VERGE_HTML_DIFF_SEED", "1"))
        self.compare(random_documents(int(os.environ.get("VERGE_HTML_DIFF_COUNT", "120")), seed),
                     ["observe", "selectorsInside", "before_after", "inner", "remove", "endTags", "text", "comments",
                      "removeAndKeepContent"], [[], [3]])


if __name__ == "__main__":
    unittest.main()
