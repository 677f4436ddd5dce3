"""HTMLRewriter through the real binary (issue 11): the API a worker uses
(selectors, element/text/comment/doctype/end handlers, async handlers,
onEndTag, content tokens that expire), streaming of a large body, and
errors: a bad selector is a TypeError at on(), an exception in a handler
fails the response; and memory stays flat while 1 GiB streams through.
Content from a ReadableStream or a Response (workerd's streamed content):
a fetch()ed body and hand-made streams, their order, errors, and that
they are read no further ahead than the client reads.
(test_html_differential.py compares it with lol-html.)"""
import http.client
import json
import os
import tempfile
import time
import unittest

from harness import Origin, dev, request, wait_for_log, write_project

WORKER = r"""
const PAGE = `<!DOCTYPE html><html><head><title>Shop</title></head><body>
<h1 class="title">Hello</h1><ul><li>a</li><li>b</li><li>c</li></ul>
<p class="price" data-usd="10">$10</p><a href="/x">x</a><!-- tracking --><img src=i.png></body></html>`;

function html(body, headers = {}) {
  return new Response(body, { headers: { "content-type": "text/html; charset=utf-8", ...headers } });
}

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === "/rewrite") {
      const seen = [];
      return new HTMLRewriter()
        .on("h1.title", { element(e) { seen.push(e.tagName, e.namespaceURI); e.setInnerContent("Welcome <b>back</b>"); } })
        .on("ul > li:nth-child(2)", { element(e) { e.remove(); } })
        .on("li:first-child", { element(e) { e.prepend("1. "); e.append("!", { html: true }); } })
        .on("p.price", {
          async element(e) {
            await new Promise((r) => setTimeout(r, 5));
            e.setAttribute("data-eur", "9");
            e.onEndTag((end) => { seen.push("end:" + end.name); end.after(" (incl. VAT)"); });
          },
          text(t) { if (!t.lastInTextNode) t.replace(t.text.replace("$", "USD ")); },
        })
        .on("a[href^='/']", { element(e) { e.setAttribute("href", "https://example.com" + e.getAttribute("href")); } })
        .on("img", { element(e) { e.after("<br>", { html: true }); } })
        .onDocument({
          comments(c) { c.remove(); },
          doctype(d) { seen.push("doctype:" + d.name); },
          end(end) { end.append(`<!-- ${seen.join(",")} -->`, { html: true }); },
        })
        .transform(html(PAGE, { "content-length": String(PAGE.length) }));
    }
    if (path === "/tokens") {
      // Attributes, text chunks and token expiry.
      const out = {};
      let kept;
      const res = new HTMLRewriter()
        .on("div", {
          element(e) {
            out.attributes = [...e.attributes];
            out.has = [e.hasAttribute("ID"), e.hasAttribute("nope")];
            out.missing = e.getAttribute("nope");
            kept = e;
          },
          text(t) { (out.text ??= []).push([t.text, t.lastInTextNode]); },
        })
        .transform(html('<DIV ID=x Class="a b" hidden>one <i>two</i></DIV>'));
      await res.text();
      try { kept.tagName; out.expired = "no error"; } catch (e) { out.expired = e.constructor.name + ": " + e.message; }
      return Response.json(out);
    }
    if (path === "/selector") {
      try { new HTMLRewriter().on("p:last-child", {}); return new Response("accepted"); }
      catch (e) { return new Response(e.constructor.name + ": " + e.message); }
    }
    if (path === "/throws") {
      return new HTMLRewriter().on("p", { element() { throw new Error("handler failed"); } })
        .transform(html("<p>x</p>"));
    }
    if (path === "/big") {
      // 8 MiB of HTML produced in chunks, rewritten as it streams.
      const chunk = "<p class=x>" + "y".repeat(1000) + "</p>\n";
      let n = 0;
      const body = new ReadableStream({
        pull(c) { if (n++ < 8 * 1024) c.enqueue(new TextEncoder().encode(chunk)); else c.close(); },
      });
      return new HTMLRewriter().on("p.x", { element(e) { e.setAttribute("class", "z"); } }).transform(html(body));
    }
    if (path === "/stream") {
      // ?mb=N MiB of HTML made as it is read (a 64 KiB chunk enqueued over
      // and over), rewritten with a few rewrites: memory must stay flat.
      const mb = Number(new URL(request.url).searchParams.get("mb"));
      let block = "";
      for (let i = 0; block.length < 64 * 1024 - 1200; i++) {
        block += `<div class="row"><h2>Item ${i % 10}</h2><p>${"lorem ipsum ".repeat(60)}</p>` +
                 `<a href="/item/${i}">more</a><!-- row ${i} --></div>\n`;
      }
      block = new TextEncoder().encode(block.padEnd(64 * 1024, " "));
      let left = mb * 16;
      const body = new ReadableStream({
        pull(c) { if (left-- > 0) c.enqueue(block); else c.close(); },
      });
      return new HTMLRewriter()
        .on("a[href]", { element(e) { e.setAttribute("rel", "nofollow"); } })
        .on("h2", { text(t) { if (t.text) t.replace(t.text.toUpperCase()); } })
        .onDocument({ comments(c) { c.remove(); } })
        .transform(html(body));
    }
    if (path === "/charset") {
      // A page in another charset: handlers get text decoded from it, what
      // they insert is encoded to it (references for what it lacks).
      const cs = new URL(request.url).searchParams.get("cs");
      const bytes = { "windows-1252": [0x3c, 0x70, 0x20, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x3d, 0x22, 0x63, 0x61, 0x66, 0xe9,
                                       0x22, 0x3e, 0x6e, 0x61, 0xef, 0x76, 0x65, 0x3c, 0x2f, 0x70, 0x3e],
                      "shift_jis": [0x3c, 0x70, 0x20, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x3d, 0x22, 0x93, 0xfa, 0x22, 0x3e,
                                    0x93, 0xfa, 0x96, 0x7b, 0x3c, 0x2f, 0x70, 0x3e] }[cs] ?? [0x3c, 0x70, 0x3e];
      const seen = [];
      let res;
      try {
        res = new HTMLRewriter()
          .on("p", {
            element(e) {
              seen.push(e.getAttribute("title"));
              e.setAttribute("data-x", "\u00e9\u65e5\u2603");
              e.append("\u20ac \u65e5\u672c\u8a9e \u2603");
            },
            text(t) { seen.push(t.text); },
          })
          .transform(new Response(new Uint8Array(bytes), { headers: { "content-type": `text/html; charset=${cs}` } }));
      } catch (e) {
        return new Response(e.constructor.name + ": " + e.message, { status: 500 });
      }
      const out = new Uint8Array(await res.arrayBuffer());
      return Response.json({ seen, out: [...out].map((b) => b.toString(16).padStart(2, "0")).join("") });
    }
    if (path === "/nobody") {
      const r = new Response(null, { status: 204 });
      return new Response(String(new HTMLRewriter().transform(r) === r));
    }
    return new Response("?", { status: 404 });
  },
};
"""


def rss_kb(v):
    """The resident memory of the node `v` (KiB)."""
    with open("/proc/%d/status" % v.proc.pid) as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


class HtmlRewriterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        d = tempfile.mkdtemp(prefix="verge-htmlrewriter-")
        write_project(d, {"wrangler.toml": 'name = "hr"\nmain = "index.js"\ncompatibility_date = "2026-01-01"\n',
                           "index.js": WORKER})
        cls.v = dev(d)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()

    def get(self, path):
        status, headers, body = request(self.v.port, path=path)
        return status, headers, body

    def test_rewrites_a_page(self):
        status, headers, body = self.get("/rewrite")
        self.assertEqual(status, 200, body)
        self.assertNotIn("content-length", headers)  # the length changed
        self.assertEqual(body.decode(), (
            '<!DOCTYPE html><html><head><title>Shop</title></head><body>\n'
            '<h1 class="title">Welcome &lt;b&gt;back&lt;/b&gt;</h1><ul><li>1. a!</li><li>c</li></ul>\n'
            '<p class="price" data-usd="10" data-eur="9">USD 10</p> (incl. VAT)<a href="https://example.com/x">x</a>'
            '<img src=i.png><br></body></html>'
            '<!-- doctype:html,h1,http://www.w3.org/1999/xhtml,end:p -->'))

    def test_tokens(self):
        status, _, body = self.get("/tokens")
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual(got["attributes"], [["id", "x"], ["class", "a b"], ["hidden", ""]])
        self.assertEqual(got["has"], [True, False])
        self.assertIsNone(got["missing"])
        self.assertEqual(got["text"], [["one ", False], ["", True], ["two", False], ["", True]])
        self.assertEqual(got["expired"], "TypeError: This content token is no longer valid. Content tokens are "
                                         "only valid during the execution of the relevant content handler.")

    def test_bad_selector_is_a_type_error_at_on(self):
        self.assertEqual(self.get("/selector")[2],
                         b"TypeError: Parser error: Unsupported pseudo-class or pseudo-element in selector.")

    def test_a_throwing_handler_fails_the_response(self):
        # The body fails after the head: the client gets a cut-short
        # response or none at all, never the unrewritten document.
        try:
            _, _, body = self.get("/throws")
            self.assertNotIn(b"<p>x</p>", body)
        except (http.client.HTTPException, ConnectionError):
            pass
        self.assertTrue(wait_for_log(self.v, "handler failed"), self.v.stderr())

    def test_streams_a_large_body(self):
        status, _, body = self.get("/big")
        self.assertEqual(status, 200)
        self.assertEqual(len(body), 8 * 1024 * (len("<p class=x>") + 1000 + len("</p>\n") + 2))
        self.assertEqual(body.count(b'<p class="z">'), 8 * 1024)

    def test_memory_stays_bounded_while_streaming(self):
        # 1 GiB through the rewriter (about 15 s on 2 cores); the RSS of
        # the node must grow by less than 20 MiB. VERGE_HTML_MEMORY_MB
        # changes the size.
        mb = int(os.environ.get("VERGE_HTML_MEMORY_MB", "1024"))
        self.get("/stream?mb=4")  # warm: the isolate, its code, the buffers
        before = rss_kb(self.v)
        conn = http.client.HTTPConnection("127.0.0.1", self.v.port, timeout=600)
        conn.request("GET", "/stream?mb=%d" % mb)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        total, peak, rows, nofollow = 0, before, 0, 0
        tail = b""
        started = time.monotonic()
        while True:
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            data = tail + chunk
            nofollow += data.count(b'rel="nofollow"')
            rows += data.count(b"<!-- row ")
            tail = data[-32:]
            nofollow -= tail.count(b'rel="nofollow"')
            rows -= tail.count(b"<!-- row ")
            peak = max(peak, rss_kb(self.v))
        conn.close()
        nofollow += tail.count(b'rel="nofollow"')
        rows += tail.count(b"<!-- row ")
        seconds = time.monotonic() - started
        self.assertGreater(total, mb * (1 << 20))  # the rewrites make it longer
        self.assertGreater(nofollow, mb * 16 * 30)  # every link rewritten …
        self.assertEqual(rows, 0)  # … and every comment removed
        growth_mb = (peak - before) / 1024
        print("\nHTMLRewriter streamed %d MiB in %.1f s (%.1f MB/s); RSS %.1f MiB before, peak growth %.1f MiB"
              % (mb, seconds, total / seconds / 1e6, before / 1024, growth_mb))
        self.assertLess(growth_mb, 20)

    def test_charsets(self):
        cases = [
            # é is 0xE9 and € is 0x80 in windows-1252; 日本語 and ☃ are not in it.
            ("windows-1252", ["caf\u00e9", "na\u00efve", ""],
             b'<p title="caf\xe9" data-x="\xe9&#26085;&#9731;">na\xefve\x80 &#26085;&#26412;&#35486; &#9731;</p>'),
            ("shift_jis", ["\u65e5", "\u65e5\u672c", ""],
             b'<p title="\x93\xfa" data-x="&#233;\x93\xfa&#9731;">\x93\xfa\x96\x7b'
             b'&#8364; \x93\xfa\x96\x7b\x8c\xea &#9731;</p>'),
        ]
        for cs, seen, out in cases:
            status, _, body = self.get("/charset?cs=" + cs)
            self.assertEqual(status, 200, body)
            got = json.loads(body)
            self.assertEqual(got["seen"], seen, cs)
            self.assertEqual(bytes.fromhex(got["out"]), out, cs)
        # Not ASCII-compatible, or unknown: a TypeError at transform(), as in workerd.
        self.assertEqual(self.get("/charset?cs=utf-16")[2],
                         b"TypeError: Parser error: Expected ASCII-compatible encoding.")
        self.assertEqual(self.get("/charset?cs=klingon")[2],
                         b"TypeError: Parser error: Unknown character encoding has been provided.")

    def test_a_response_without_body_is_returned_as_is(self):
        self.assertEqual(self.get("/nobody")[2], b"true")


STREAM_WORKER = r"""
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();

// A stream of `chunks`, each after a timer; `log` gets `name` at its end.
function slow(chunks, log, name) {
  let i = 0;
  return new ReadableStream({
    async pull(c) {
      await sleep(1);
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else { log.push(name); c.close(); }
    },
  });
}

function html(body) {
  return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
}

async function outcome(res) {
  try { return "ok: " + await res.text(); } catch (e) { return e.constructor.name + ": " + e.message; }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/fetched") {
      // A fetch()ed body (1 MiB, many reads, characters cut between them)
      // as HTML, and the same body as text.
      return new HTMLRewriter()
        .on("#a", { async element(e) { e.setInnerContent(await fetch(env.ORIGIN + "/fragment"), { html: true }); } })
        .on("#b", { async element(e) { e.replace((await fetch(env.ORIGIN + "/fragment")).body); } })
        .transform(html('<html><body><div id=a>old</div><p id=b>gone</p><i>tail</i></body></html>'));
    }
    if (path === "/order") {
      const log = [];
      const S = (name) => slow([enc.encode(name + ":"), name + ";"], log, name);
      return new HTMLRewriter()
        .on("div", {
          async element(e) {
            e.before(S("b1")); e.before("|b2|"); e.before(S("b3"), { html: true });
            e.prepend(S("p1")); e.prepend("|p2|");
            e.append(S("a1")); e.append("|a2|");
            e.after(S("f1")); e.after("|f2|");
            await sleep(20);
            log.push("div handler done");
          },
          text(t) { if (t.text) t.after(S("t1")); },
        })
        .on("span", { element(e) { log.push("span handler"); e.onEndTag((end) => { end.before(S("e1")); }); } })
        .onDocument({ end(end) { end.append(`<!--${log.join(",")}-->`, { html: true }); } })
        .transform(html("<div>x</div><span>y</span>"));
    }
    if (path === "/cut") {
      // A character cut between chunks, text escaping, an ArrayBuffer and a
      // string chunk, and a character the stream leaves unfinished.
      const bytes = enc.encode("<\u00e9\u20ac\u{1F600}>");
      const parts = [bytes.slice(0, 2), bytes.slice(2, 5).buffer, bytes.slice(5), " & \u2603", new Uint8Array([0xe2, 0x82])];
      return new HTMLRewriter().on("p", { element(e) { e.append(slow(parts, [], "")); } }).transform(html("<p>x</p>"));
    }
    if (path === "/errors") {
      const kind = url.searchParams.get("case");
      let content, where = "p";
      if (kind === "error") {
        content = new ReadableStream({ start(c) { c.enqueue(enc.encode("partial")); c.error(new RangeError("upstream broke")); } });
      } else if (kind === "utf8") {
        content = new Response(new Uint8Array([0x67, 0xe2, 0x28, 0xa1]));
      } else if (kind === "number") {
        content = new ReadableStream({ start(c) { c.enqueue(42); c.close(); } });
      } else if (kind === "used") {
        content = new Response("again");
        await content.text();
      } else if (kind === "locked") {
        content = new ReadableStream({ start(c) { c.enqueue(enc.encode("x")); c.close(); } });
        content.getReader();
      } else if (kind === "nobody") {
        content = new Response(null);
      } else if (kind === "comment" || kind === "end") {
        where = kind;
        content = new Response("x");
      }
      const handlers = { element(e) { e.replace(content); } };
      return new Response(await outcome(new HTMLRewriter()
        .on(where === "p" ? "p" : "nothing", handlers)
        .onDocument(where === "comment" ? { comments(c) { c.before(content); } }
                    : where === "end" ? { end(e) { e.append(content); } } : {})
        .transform(html("<p>x</p><!--c-->"))));
    }
    if (path === "/backpressure") {
      // The inserted stream is read only as far as the body is: after 10
      // reads, no more than a few chunks ahead. It then stalls (its 21st
      // pull never ends); canceling the body cancels it, and the handlers
      // after it do not run.
      let pulls = 0, canceled = null;
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      const inserted = new ReadableStream({
        pull(c) { if (++pulls <= 20) c.enqueue(chunk); else return new Promise(() => {}); },
        cancel(reason) { canceled = String(reason); },
      }, { highWaterMark: 0 });
      let later = false;
      const res = new HTMLRewriter()
        .on("p", { element(e) { e.append(inserted); } })
        .on("i", { element() { later = true; } })
        .transform(html("<p>x</p><i></i>"));
      const reader = res.body.getReader();
      for (let i = 0; i < 10; i++) await reader.read();
      await sleep(20);
      const ahead = pulls - 10;
      // Out: "<p>x" and 20 chunks; the 21st chunk waits for the stalled pull.
      for (let i = 0; i < 10; i++) await reader.read();
      reader.read().catch(() => {});
      await sleep(20);
      await reader.cancel("enough");
      await sleep(20);
      return Response.json({ ahead, canceled, later });
    }
    if (path === "/charset") {
      // Streamed UTF-8 into a windows-1252 page: converted, references for
      // what it lacks, escaped as text.
      const page = new Response(new Uint8Array([0x3c, 0x70, 0x3e, 0xe9, 0x3c, 0x2f, 0x70, 0x3e]),
                                { headers: { "content-type": "text/html; charset=windows-1252" } });
      const bytes = enc.encode("\u00e9\u20ac\u2603 <");
      const res = new HTMLRewriter()
        .on("p", { element(e) { e.append(slow([bytes.slice(0, 1), bytes.slice(1, 4), bytes.slice(4)], [], "")); } })
        .transform(page);
      return new Response(await res.arrayBuffer());
    }
    if (path === "/big") {
      // ?mb=N MiB inserted from a stream made as it is read.
      let left = Number(url.searchParams.get("mb")) * 16;
      const block = new Uint8Array(64 * 1024).fill(0x62);
      const inserted = new ReadableStream({ pull(c) { if (left-- > 0) c.enqueue(block); else c.close(); } });
      return new HTMLRewriter().on("p", { element(e) { e.setInnerContent(inserted); } }).transform(html("<p>x</p>"));
    }
    return new Response("?", { status: 404 });
  },
};
"""

FRAGMENT = ("<b>\u00fc\u20ac\U0001F600</b>" * 50000).encode()


class HtmlRewriterStreamedContentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin({"/fragment": lambda req: (200, {"content-type": "text/html"}, FRAGMENT)})
        d = tempfile.mkdtemp(prefix="verge-htmlrewriter-streams-")
        write_project(d, {"wrangler.toml": 'name = "hrs"\nmain = "index.js"\ncompatibility_date = "2026-01-01"\n'
                                           '[vars]\nORIGIN = "%s"\n' % cls.origin.base,
                          "index.js": STREAM_WORKER})
        cls.v = dev(d)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.origin.close()

    def get(self, path):
        status, _, body = request(self.v.port, path=path, timeout=60)
        self.assertEqual(status, 200, body)
        return body

    def test_a_fetched_response_is_inserted_as_html_or_text(self):
        escaped = FRAGMENT.replace(b"<", b"&lt;").replace(b">", b"&gt;")
        self.assertEqual(self.get("/fetched"),
                         b"<html><body><div id=a>" + FRAGMENT + b"</div>" + escaped + b"<i>tail</i></body></html>")

    def test_order_of_streamed_and_string_content(self):
        # Streams go where the same strings would (before: in call order;
        # prepend and after: the last call first), each read when the
        # output reaches it: after the handler's promise, before the next
        # handler runs; a text chunk's and an end tag's too.
        self.assertEqual(self.get("/order").decode(),
                         "b1:b1;|b2|b3:b3;<div>|p2|p1:p1;xt1:t1;a1:a1;|a2|</div>|f2|f1:f1;<span>ye1:e1;</span>"
                         "<!--div handler done,b1,b3,p1,t1,a1,f1,span handler,e1-->")

    def test_utf8_cut_between_chunks_and_text_escaping(self):
        self.assertEqual(self.get("/cut").decode(), "<p>x&lt;\u00e9\u20ac\U0001F600&gt; &amp; \u2603\ufffd</p>")

    def test_errors(self):
        cases = {
            # The stream's own error fails the body.
            "error": "RangeError: upstream broke",
            "utf8": "TypeError: Parser error: Invalid UTF-8",
            "number": "TypeError: HTMLRewriter content stream yielded a chunk that is not bytes: a ReadableStream "
                      "inserted by HTMLRewriter must yield Uint8Array, ArrayBuffer or string chunks.",
            "used": "TypeError: The Response inserted by HTMLRewriter has a body that was already used.",
            "locked": "TypeError: The ReadableStream inserted by HTMLRewriter has been locked to a reader.",
            # A Response without a body inserts nothing: replace() is a no-op.
            "nobody": "ok: <p>x</p><!--c-->",
            # Comments and the document end take strings only (workerd's message).
            "comment": "TypeError: Replacing content in HTML comments using a ReadableStream or Response object is "
                       "not implemented. You must provide a string.",
            "end": "TypeError: Replacing content in HTML comments using a ReadableStream or Response object is not "
                   "implemented. You must provide a string.",
        }
        for case, want in cases.items():
            self.assertEqual(self.get("/errors?case=" + case).decode(), want, case)

    def test_a_stream_is_read_no_further_than_the_body(self):
        got = json.loads(self.get("/backpressure"))
        self.assertLessEqual(got["ahead"], 3, got)
        self.assertEqual(got["canceled"], "enough")
        self.assertFalse(got["later"])  # no handler runs once the body is canceled

    def test_streamed_content_in_the_documents_charset(self):
        self.assertEqual(self.get("/charset"), b"<p>\xe9\xe9\x80&#9731; &lt;</p>")

    def test_a_large_stream_goes_through_in_bounded_memory(self):
        # 256 MiB inserted, read by the client 1 MiB at a time: the node's
        # RSS grows by less than 20 MiB.
        mb = 256
        self.get("/big?mb=4")  # warm
        before = peak = rss_kb(self.v)
        conn = http.client.HTTPConnection("127.0.0.1", self.v.port, timeout=600)
        conn.request("GET", "/big?mb=%d" % mb)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        total, head, tail = 0, b"", b""
        while True:
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            if not head:
                head = chunk[:16]
            total += len(chunk)
            tail = (tail + chunk)[-16:]
            peak = max(peak, rss_kb(self.v))
        conn.close()
        self.assertEqual(total, len("<p></p>") + mb * 1024 * 1024)
        self.assertTrue(head.startswith(b"<p>bbb") and tail.endswith(b"bbb</p>"))
        self.assertLess((peak - before) / 1024, 20)


if __name__ == "__main__":
    unittest.main()
