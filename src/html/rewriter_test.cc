#include "html/rewriter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>

#include "base/fuzz_corpus.h"

namespace verge::html {
namespace {

using Event = Rewriter::Event;
using Kind = Rewriter::EventKind;
using Handler = std::function<void(Rewriter&, const Event&)>;

// Streamed content for rewrite(): the chunks of each stream id, and a log
// that gets "s<id> " for each stream read.
struct Streams {
  std::map<uint64_t, std::vector<std::string>> chunks;
  std::string* log = nullptr;
};

// Rewrites `input` fed in pieces of `chunk` bytes, with one .on() per
// selector (element and text and comment handlers all) and one
// onDocument(); `handle` runs for every handler event.
std::string rewrite(std::string_view input, std::vector<std::string> selectors, const Handler& handle,
                    size_t chunk = 1 << 20, DocumentHandlers doc = {}, const Streams& streams = {}) {
  std::vector<ElementHandlers> on;
  for (const auto& s : selectors) on.push_back({parseSelector(s), true, true, true});
  Rewriter r(std::move(on), {doc});
  std::string out;
  auto drain = [&] {
    Event e;
    while (r.next(e)) {
      if (e.kind != Kind::kStream) {
        handle(r, e);
        continue;
      }
      if (streams.log) *streams.log += "s" + std::to_string(e.stream) + " ";
      out += r.takeOutput();
      for (const auto& piece : streams.chunks.at(e.stream)) out += r.streamWrite(piece);
      out += r.streamEnd();
    }
    out += r.takeOutput();
  };
  for (size_t i = 0; i < input.size(); i += chunk) {
    r.write(input.substr(i, chunk));
    drain();
  }
  r.end();
  drain();
  return out;
}

// The same at every chunk size from 1 to 7 and whole: all must agree.
std::string rewriteAll(std::string_view input, std::vector<std::string> selectors, const Handler& handle,
                       DocumentHandlers doc = {}) {
  std::string whole = rewrite(input, selectors, handle, 1 << 20, doc);
  for (size_t chunk = 1; chunk <= 7; ++chunk) {
    EXPECT_EQ(rewrite(input, selectors, handle, chunk, doc), whole) << "chunk " << chunk;
  }
  return whole;
}

const Handler kNothing = [](Rewriter&, const Event&) {};

TEST(Rewriter, UntouchedDocumentsPassThroughByteForByte) {
  std::string page = "<!DOCTYPE html><html><HEAD><title>x &amp; y</title></HEAD>"
                     "<body class=a><p id=1>Hi <b>there</b><!-- c --></p><img src='x'><svg><path/></svg>"
                     "<script>if (a<b) x='</p>'</script></body></html> trailing </div> <";
  EXPECT_EQ(rewriteAll(page, {"p", "b", "img", "svg path"}, kNothing), page);
}

TEST(Rewriter, ElementHandlersSeeTagsAndAttributes) {
  std::vector<std::string> seen;
  auto out = rewrite("<DIV Class=\"a\" data-X='1' hidden><p></p></DIV>", {"div"}, [&](Rewriter& r, const Event& e) {
    if (e.kind != Kind::kElement) return;
    seen.push_back(std::string(r.tagName()));
    for (const auto& [n, v] : r.attributes()) seen.push_back(n + "=" + (v ? *v : "(none)"));
    seen.push_back(r.getAttribute("DATA-x").value_or("?").data());
    seen.push_back(std::string(r.namespaceURI()));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"DIV", "class=a", "data-x=1", "hidden=(none)", "1",
                                            "http://www.w3.org/1999/xhtml"}));
}

TEST(Rewriter, AttributeChangesRewriteTheTag) {
  auto out = rewriteAll("<a href='/x' title=\"t\">link</a><a>other</a>", {"a[href]"}, [](Rewriter& r, const Event& e) {
    if (e.kind != Kind::kElement) return;
    r.setAttribute("href", "https://example.com/x?a=\"1\"");
    r.removeAttribute("title");
    r.setAttribute("rel", "nofollow");
  });
  EXPECT_EQ(out, "<a href=\"https://example.com/x?a=&quot;1&quot;\" rel=\"nofollow\">link</a><a>other</a>");
}

TEST(Rewriter, ContentAroundAndInsideElements) {
  auto out = rewriteAll("<div><p>one</p><p>two</p></div>", {"p"}, [](Rewriter& r, const Event& e) {
    if (e.kind != Kind::kElement) return;
    r.before({"<hr>", true});
    r.prepend({"[", false});
    r.append({"]", false});
    r.after({"<br>", true});
    r.after({"<i>&</i>", false});
  });
  EXPECT_EQ(out, "<div><hr><p>[one]</p>&lt;i&gt;&amp;&lt;/i&gt;<br><hr><p>[two]</p>&lt;i&gt;&amp;&lt;/i&gt;<br></div>");
}

TEST(Rewriter, RemoveReplaceAndInnerContent) {
  std::string doc = "<ul><li class=x>a<b>b</b></li><li class=y>c</li><li class=z>d<i>e</i></li><li class=w>f</li></ul>";
  auto out = rewriteAll(doc, {"li", "b", "i"}, [](Rewriter& r, const Event& e) {
    if (e.kind != Kind::kElement) return;
    auto cls = r.getAttribute("class");
    if (!cls) return;
    if (*cls == "x") r.remove();
    if (*cls == "y") r.replace({"<li>new</li>", true});
    if (*cls == "z") r.setInnerContent({"<em>inner</em>", true});
    if (*cls == "w") r.removeAndKeepContent();
  });
  EXPECT_EQ(out, "<ul><li>new</li><li class=z><em>inner</em></li>f</ul>");
}

TEST(Rewriter, TextChunksEndWithAnEmptyLastOne) {
  std::vector<std::string> chunks;
  auto out = rewrite("<p>Hello <b>world</b>!</p>x", {"p"}, [&](Rewriter& r, const Event& e) {
    if (e.kind != Kind::kText) return;
    chunks.push_back(std::string(r.text()) + (r.lastInTextNode() ? "|last" : ""));
    if (r.text() == "world") r.replace({"<u>planet</u>", false});
  });
  EXPECT_EQ(chunks, (std::vector<std::string>{"Hello ", "|last", "world", "|last", "!", "|last"}));
  EXPECT_EQ(out, "<p>Hello <b>&lt;u&gt;planet&lt;/u&gt;</b>!</p>x");
}

TEST(Rewriter, CommentsAndDoctypeAndDocumentEnd) {
  DocumentHandlers doc{true, true, false, true};
  std::string name;
  auto out = rewriteAll("<!DOCTYPE html><p><!-- secret --></p><!--keep-->", {"p"}, [&](Rewriter& r, const Event& e) {
    if (e.kind == Kind::kDoctype) name = std::string(r.doctype().name);
    if (e.kind == Kind::kComment && !e.document && r.commentText() == " secret ") r.remove();
    if (e.kind == Kind::kComment && e.document && r.commentText() == "keep") r.setCommentText("kept");
    if (e.kind == Kind::kDocumentEnd) r.appendToDocument({"<!-- end -->", true});
  }, doc);
  EXPECT_EQ(name, "html");
  EXPECT_EQ(out, "<!DOCTYPE html><p></p><!--kept--><!-- end -->");
}

TEST(Rewriter, EndTagHandlers) {
  std::vector<uint64_t> ids;
  auto out = rewriteAll("<div><span>x</span></div><br>", {"span", "br"}, [&](Rewriter& r, const Event& e) {
    if (e.kind == Kind::kElement) {
      uint64_t id = r.endTagHandlerId();
      if (r.tagName() == "br") EXPECT_EQ(id, 0u);  // a void element has no end tag
      else ids.push_back(id);
    }
    if (e.kind == Kind::kEndTag) {
      EXPECT_EQ(e.element, ids.back());
      r.setEndTagName("em");
      r.after({"!", false});
    }
  });
  EXPECT_EQ(out, "<div><span>x</em>!</div><br>");
}

TEST(Rewriter, CombinatorsAndNthChild) {
  auto out = rewriteAll("<div><p>1</p><section><p>2</p></section><p>3</p></div><p>4</p>", {"div > p:nth-child(odd)"},
                        [](Rewriter& r, const Event& e) {
                          if (e.kind == Kind::kElement) r.setAttribute("m", "");
                        });
  EXPECT_EQ(out, "<div><p m=\"\">1</p><section><p>2</p></section><p m=\"\">3</p></div><p>4</p>");
  out = rewriteAll("<div><section><p>a</p></section></div><p>b</p>", {"div p"}, [](Rewriter& r, const Event& e) {
    if (e.kind == Kind::kElement) r.remove();
  });
  EXPECT_EQ(out, "<div><section></section></div><p>b</p>");
}

TEST(Rewriter, UnclosedElementsAtTheEnd) {
  // As in lol-html: what is kept for an end tag is lost when none comes.
  auto out = rewriteAll("<div><p>open", {"p", "div"}, [](Rewriter& r, const Event& e) {
    if (e.kind == Kind::kElement) r.append({"/" + std::string(r.tagName()), false});
  });
  EXPECT_EQ(out, "<div><p>open");
}

TEST(Rewriter, ImplicitlyClosedElementsApplyTheirWorkToTheClosingEndTag) {
  // lol-html applies the end tag work of every element an end tag closes
  // to that end tag, innermost first: the outermost one's stays.
  auto out = rewriteAll("<ul><li>a<li>b</ul>", {"ul", "li"}, [](Rewriter& r, const Event& e) {
    if (e.kind == Kind::kElement) r.after({"/" + std::string(r.tagName()), false});
  });
  EXPECT_EQ(out, "<ul><li>a<li>b</ul>/ul");
}

TEST(Rewriter, HandlersMayRunLaterThanTheInputArrives) {
  // The binding may call handlers after more input was written (async
  // handlers): nothing goes out of order.
  std::vector<ElementHandlers> on;
  on.push_back({parseSelector("p"), true, false, false});
  Rewriter r(std::move(on), {});
  r.write("<p>a</p>b<p>c");
  r.write("</p>d");
  r.end();
  Event e;
  std::string out;
  while (r.next(e)) r.setAttribute("x", "1");
  out += r.takeOutput();
  EXPECT_EQ(out, "<p x=\"1\">a</p>b<p x=\"1\">c</p>d");
}

}  // namespace
}  // namespace verge::html

namespace verge::html {
namespace {

// The text chunks document text handlers get for `input` in `chunk`-byte pieces.
std::string textChunks(std::string_view input, size_t chunk) {
  std::string got;
  rewrite(input, {}, [&](Rewriter& r, const Event& e) {
    if (e.kind == Kind::kText) got += r.lastInTextNode() ? "|$" : "|" + std::string(r.text());
  }, chunk, {false, false, true, false});
  return got;
}

TEST(Rewriter, TextBreaksWhereLolHtmlDoes) {
  // Checked against lol-html (html-rewriter-wasm) by the differential test.
  EXPECT_EQ(textChunks("a < b <3 </ x </> y", 1 << 20), "|a |<| b |<|3 |$| y|$");
  EXPECT_EQ(textChunks("<style>a<b</c </style</style>", 1 << 20), "|a|<|b|</c| |</style|$");
  EXPECT_EQ(textChunks("<script>a<!--b<script>c</script>d-->e</script>", 1 << 20),
            "|a|<!--b|<script>c|</script>d--|>e|$");
  // Input chunk ends break plain text, not script's escaped text.
  EXPECT_EQ(textChunks("<script>a<!--b<script>c</script>d-->e</script>", 1),
            "|a|<!--b|<script>c|</script>d--|>|e|$");
  // A UTF-8 character cut by a chunk end waits for its other bytes.
  EXPECT_EQ(textChunks("caf\xc3\xa9", 1), "|c|a|f|\xc3\xa9|$");
}

TEST(Rewriter, StrictModeAmbiguityIsAnError) {
  Rewriter r({}, {});
  EXPECT_THROW(r.write("<select><option><style>x"), ParsingAmbiguityError);
  Rewriter ok({}, {});
  EXPECT_NO_THROW(ok.write("<select><script>x</script></select><style>y</style>"));
}

// ---- streamed content ----

std::string rewriteStreamed(std::string_view input, std::vector<std::string> selectors, const Handler& handle,
                            std::map<uint64_t, std::vector<std::string>> chunks, size_t chunk = 1 << 20,
                            std::string* log = nullptr) {
  return rewrite(input, std::move(selectors), handle, chunk, {}, Streams{std::move(chunks), log});
}

using Insert = void (Rewriter::*)(Content);

TEST(RewriterStreams, StreamedContentGoesWhereTheSameStringWould) {
  const std::string page = "<div id=a>one <i>two</i></div><p>three</p><img src=x><span>four</span>";
  const std::pair<const char*, Insert> element_ops[] = {
      {"before", &Rewriter::before}, {"after", &Rewriter::after}, {"prepend", &Rewriter::prepend},
      {"append", &Rewriter::append}, {"replace", &Rewriter::replace}, {"setInnerContent", &Rewriter::setInnerContent}};
  for (const auto& [name, insert] : element_ops) {
    for (bool html : {false, true}) {
      SCOPED_TRACE(std::string(name) + (html ? " html" : " text"));
      // Two contents per element, so that their order shows.
      auto with = [&, insert = insert](bool streamed) {
        return [&, streamed, insert](Rewriter& r, const Event& e) {
          if (e.kind != Kind::kElement) return;
          (r.*insert)(streamed ? Content{{}, html, 1} : Content{"<1 x>", html});
          (r.*insert)(streamed ? Content{{}, html, 2} : Content{"&2", html});
        };
      };
      std::string expected = rewrite(page, {"div", "img", "span"}, with(false));
      for (size_t chunk : {size_t{1}, size_t{3}, size_t{1} << 20}) {
        EXPECT_EQ(rewriteStreamed(page, {"div", "img", "span"}, with(true), {{1, {"<1", " x", ">"}}, {2, {"&", "2"}}},
                                  chunk),
                  expected)
            << "chunk " << chunk;
      }
    }
  }
}

TEST(RewriterStreams, TextAndEndTagsTakeStreamsToo) {
  auto handle = [](Rewriter& r, const Event& e) {
    if (e.kind == Kind::kText && !r.lastInTextNode()) r.replace(Content{{}, false, 1});
    if (e.kind == Kind::kElement) r.endTagHandlerId();
    if (e.kind == Kind::kEndTag) {
      r.before(Content{{}, true, 2});
      r.after(Content{"!", false});
    }
  };
  EXPECT_EQ(rewriteStreamed("<p>x</p>", {"p"}, handle, {{1, {"a<", "b"}}, {2, {"<br>"}}}), "<p>a&lt;b<br></p>!");
}

TEST(RewriterStreams, UnneededStreamsAreNotRead) {
  // Content replaced by later content, or inside removed content, is not
  // read (no kStream event), as lol-html drops it.
  std::string log;
  auto handle = [](Rewriter& r, const Event& e) {
    if (e.kind != Kind::kElement) return;
    if (r.tagName() == "div") {
      r.setInnerContent(Content{{}, true, 1});
      r.setInnerContent(Content{"y", false});
    } else {
      r.before(Content{{}, true, 2});
    }
  };
  EXPECT_EQ(rewriteStreamed("<div><p>x</p></div><p></p>", {"div", "p"}, handle, {{2, {"z"}}}, 1 << 20, &log),
            "<div>y</div>z<p></p>");
  EXPECT_EQ(log, "s2 ");
}

TEST(RewriterStreams, AStreamIsReadBeforeLaterHandlersRun) {
  std::string log;
  auto handle = [&](Rewriter& r, const Event& e) {
    if (e.kind != Kind::kElement) return;
    log += std::string(r.tagName()) + " ";
    if (r.tagName() == "a") {
      r.append(Content{{}, false, 1});
      r.before(Content{{}, false, 2});
    }
  };
  // a's before() is read right after a's handler, its append() at </a>:
  // both before b's handler.
  EXPECT_EQ(rewriteStreamed("<a>x</a><b></b>", {"a", "b"}, handle, {{1, {"1"}}, {2, {"2"}}}, 1 << 20, &log),
            "2<a>x1</a><b></b>");
  EXPECT_EQ(log, "a s2 s1 b ");
}

TEST(RewriterStreams, BytesMustBeUtf8) {
  Rewriter r({{parseSelector("p"), true}}, {});
  r.write("<p>");
  Event e;
  ASSERT_TRUE(r.next(e));
  r.before(Content{{}, false, 7});
  ASSERT_TRUE(r.next(e));
  EXPECT_EQ(e.kind, Kind::kStream);
  EXPECT_EQ(e.stream, 7u);
  EXPECT_THROW(r.next(e), std::logic_error);  // not before the stream ends
  EXPECT_THROW(r.write("x"), std::logic_error);
  // A character cut by a chunk end waits for the rest.
  EXPECT_EQ(r.streamWrite("caf\xc3"), "caf");
  EXPECT_EQ(r.streamWrite("\xa9 \xf0\x9f"), "\xc3\xa9 ");
  EXPECT_EQ(r.streamWrite("\x98"), "");
  EXPECT_EQ(r.streamWrite("\x80<"), "\xf0\x9f\x98\x80&lt;");
  // One the stream leaves unfinished is U+FFFD.
  EXPECT_EQ(r.streamWrite("\xe2\x82"), "");
  EXPECT_EQ(r.streamEnd(), "\xef\xbf\xbd");
  EXPECT_FALSE(r.next(e));
  EXPECT_EQ(r.takeOutput(), "<p>");
  EXPECT_THROW(r.streamWrite("x"), std::logic_error);

  // Malformed: a stray continuation byte, overlong forms, surrogates,
  // above U+10FFFF, and a bad byte after a cut.
  for (std::string_view bad : {"\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff",
                               "\xc3x"}) {
    Rewriter w({{parseSelector("p"), true}}, {});
    w.write("<p>");
    ASSERT_TRUE(w.next(e));
    w.before(Content{{}, true, 1});
    ASSERT_TRUE(w.next(e));
    EXPECT_THROW(w.streamWrite(bad), std::runtime_error) << testing::PrintToString(std::string(bad));
  }
  Rewriter cut({{parseSelector("p"), true}}, {});
  cut.write("<p>");
  ASSERT_TRUE(cut.next(e));
  cut.before(Content{{}, true, 1});
  ASSERT_TRUE(cut.next(e));
  EXPECT_EQ(cut.streamWrite("\xed"), "");
  EXPECT_THROW(cut.streamWrite("\xa0\x80"), std::runtime_error);
}

}  // namespace
}  // namespace verge::html

namespace verge::html {
int fuzzRewriter(const uint8_t* data, size_t size);  // rewriter_fuzz.cc

namespace {

TEST(FuzzReplay, RewriterOnTheHtmlCorpus) {
  const auto corpus = base::readFuzzCorpus(std::filesystem::path(VERGE_FUZZ_CORPUS_DIR) / "html");
  ASSERT_GE(corpus.size(), 10u);
  for (const auto& input : corpus) EXPECT_EQ(fuzzRewriter(input.data(), input.size()), 0);
}

TEST(FuzzReplay, RewriterOnRandomMixes) {
  // Random mixes of markup fragments, as the differential test makes them.
  const char* fragments[] = {"<p>", "</p>", "<li>", "</li>", "<ul>", "</ul>", "<div class=a>", "</div>", "<b>",
                             "</b>", "<br>", "<!-- x -->", "<!--", "-->", "<script>", "</script>", "<style>",
                             "</style>", "<svg>", "</svg>", "<math>", "<mi>", "<![CDATA[", "]]>", "<a href=x>",
                             "</a>", "text", "&amp;", "<", ">", "\"", "caf\xc3\xa9", "<select>", "<title>",
                             "<!DOCTYPE html>", "</", "<!", "<?x?>", "<template>", "</template>", "<table><tr><td>"};
  std::mt19937 rnd(11);
  for (int i = 0; i < 300; ++i) {
    std::string doc;
    for (int n = static_cast<int>(rnd() % 40); n >= 0; --n) doc += fragments[rnd() % std::size(fragments)];
    SCOPED_TRACE(doc);
    EXPECT_EQ(fuzzRewriter(reinterpret_cast<const uint8_t*>(doc.data()), doc.size()), 0);
  }
}

}  // namespace
}  // namespace verge::html
