#include "html/tokenizer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace verge::html {

std::string tokenTranscript(std::string_view input);           // tokenizer_fuzz.cc
int fuzzTokenizer(const uint8_t* data, size_t size);            // tokenizer_fuzz.cc

namespace {

// Tokenizes `input`; fuzzTokenizer first checks that feeding it in two
// pieces and byte by byte gives the same tokens, and that their bytes are
// the input's (it aborts otherwise).
std::string tokens(std::string_view input) {
  fuzzTokenizer(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  return tokenTranscript(input);
}

TEST(Tokenizer, TagsAttributesAndText) {
  EXPECT_EQ(tokens(R"(<p class="a b" id=x data-q='1 2' hidden>Hi &amp; bye</p>)"),
            "<p class=a b id=x data-q=1 2 hidden>#0(Hi &amp; bye)</p>");
  EXPECT_EQ(tokens("<br/><img src=a.png />"), "<br/><img src=a.png/>");
  EXPECT_EQ(tokens("<a href = \"x\" >"), "<a href=x>");
  // An attribute value may hold '>' when quoted; an empty value is a value.
  EXPECT_EQ(tokens("<a title=\"1>2\" alt=>t"), "<a title=1>2 alt=>#0(t)");
  EXPECT_EQ(tokens("<a =b c>"), "<a =b c>");
  EXPECT_EQ(tokens("<a/b>"), "<a b>");
}

TEST(Tokenizer, WhatIsNotATag) {
  EXPECT_EQ(tokens("a < b and c<1"), "#0(a < b and c<1)");
  EXPECT_EQ(tokens("x</>y"), "#0(x)[</>]#0(y)");
  EXPECT_EQ(tokens("<?xml version=1?>"), "<!--?xml version=1?-->");
  EXPECT_EQ(tokens("</3>"), "<!--3-->");
  EXPECT_EQ(tokens("end <"), "#0(end <)");
  EXPECT_EQ(tokens("end </"), "#0(end </)");
  EXPECT_EQ(tokens("<div class=\"unfinished"), "[<div class=\"unfinished]");
}

TEST(Tokenizer, Comments) {
  EXPECT_EQ(tokens("<!-- a -- b -->"), "<!-- a -- b -->");
  EXPECT_EQ(tokens("<!---->"), "<!---->");
  EXPECT_EQ(tokens("<!-->x"), "<!---->#0(x)");
  EXPECT_EQ(tokens("<!--->x"), "<!---->#0(x)");
  EXPECT_EQ(tokens("<!--a--!>b"), "<!--a-->#0(b)");
  EXPECT_EQ(tokens("<!--<!-- nested -->"), "<!--<!-- nested -->");
  EXPECT_EQ(tokens("<!--unterminated"), "<!--unterminated-->");
  EXPECT_EQ(tokens("<!x>"), "<!--x-->");
}

TEST(Tokenizer, Doctypes) {
  EXPECT_EQ(tokens("<!DOCTYPE html><html>"), "<!DOCTYPE html><html>");
  EXPECT_EQ(tokens("<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">"),
            "<!DOCTYPE HTML>");
  EXPECT_EQ(tokens("<!DOCTYPE>x"), "<!DOCTYPE >#0(x)");
}

struct DoctypeProbe : TokenSink {
  Doctype d;
  std::string name, pub, sys;
  void startTag(const StartTag&) override {}
  void endTag(const EndTag&) override {}
  void text(std::string_view, TextKind) override {}
  void comment(const Comment&) override {}
  void doctype(const Doctype& doctype) override {
    d = doctype;
    name = doctype.name;
    pub = doctype.public_id;
    sys = doctype.system_id;
  }
  void other(std::string_view) override {}
};

TEST(Tokenizer, DoctypeIds) {
  DoctypeProbe p;
  Tokenizer t(p);
  t.write("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\" 'about:legacy'>");
  t.end();
  EXPECT_EQ(p.name, "html");
  EXPECT_EQ(p.pub, "-//W3C//DTD XHTML 1.0//EN");
  EXPECT_EQ(p.sys, "about:legacy");
  EXPECT_FALSE(p.d.force_quirks);
  DoctypeProbe q;
  Tokenizer u(q);
  u.write("<!DOCTYPE html SYSTEM \"a>b\">");
  u.end();
  EXPECT_TRUE(q.d.force_quirks);  // a '>' in the id ends the doctype
  EXPECT_EQ(q.sys, "a");
}

TEST(Tokenizer, RawTextElements) {
  EXPECT_EQ(tokens("<title>a <b> &amp;</title>"), "<title>#1(a <b> &amp;)</title>");
  EXPECT_EQ(tokens("<textarea></textarea2></TEXTAREA >"), "<textarea>#1(</textarea2>)</TEXTAREA>");
  EXPECT_EQ(tokens("<style>p > a { }</style>x"), "<style>#2(p > a { })</style>#0(x)");
  EXPECT_EQ(tokens("<iframe><p></iframe>"), "<iframe>#2(<p>)</iframe>");
  EXPECT_EQ(tokens("<noscript><img></noscript>"), "<noscript>#2(<img>)</noscript>");
  EXPECT_EQ(tokens("<plaintext></plaintext><a>"), "<plaintext>#4(</plaintext><a>)");
  EXPECT_EQ(tokens("<style>unclosed </sty"), "<style>#2(unclosed </sty)");
}

TEST(Tokenizer, ScriptData) {
  EXPECT_EQ(tokens("<script>if (a<b) x='</p>';</script>"), "<script>#3(if (a<b) x='</p>';)</script>");
  EXPECT_EQ(tokens("<script/>x</script>"), "<script/>#3(x)</script>");
  // In an escaped section, <script> doubles the escape, so the first
  // </script> does not end the element.
  EXPECT_EQ(tokens("<script><!--<script></script>--></script>"),
            "<script>#3(<!--<script></script>-->)</script>");
  EXPECT_EQ(tokens("<script><!-- </script>x"), "<script>#3(<!-- )</script>#0(x)");
  EXPECT_EQ(tokens("<script><!--></script>"), "<script>#3(<!-->)</script>");
  EXPECT_EQ(tokens("<script>a</scripty></script >"), "<script>#3(a</scripty>)</script>");
}

TEST(Tokenizer, ForeignContent) {
  EXPECT_EQ(tokens("<svg><title><b>x</b></title><style>a</style></svg><style>b</style>"),
            "<svg><title><b>#0(x)</b></title><style>#0(a)</style></svg><style>#2(b)</style>");
  EXPECT_EQ(tokens("<svg><![CDATA[a<b]]></svg><![CDATA[c]]>"),
            "<svg>[<![CDATA[]#5(a<b)[]]>]</svg><!--[CDATA[c]]-->");
  // An HTML element breaks out of foreign content.
  EXPECT_EQ(tokens("<math><p><style>a</style>"), "<math><p><style>#2(a)</style>");
  EXPECT_EQ(tokens("<svg><path/><style>a</style>"), "<svg><path/><style>#0(a)</style>");
}

TEST(Tokenizer, LongTokensArriveInPieces) {
  std::string comment = "<!--" + std::string(200000, 'x') + "-->";
  struct Count : TokenSink {
    size_t comments = 0, bytes = 0;
    void startTag(const StartTag&) override {}
    void endTag(const EndTag&) override {}
    void text(std::string_view raw, TextKind) override { bytes += raw.size(); }
    void comment(const Comment& c) override { ++comments; bytes += c.raw.size(); }
    void doctype(const Doctype&) override {}
    void other(std::string_view) override {}
  } count;
  Tokenizer t(count);
  for (size_t i = 0; i < comment.size(); i += 100) t.write(std::string_view(comment).substr(i, 100));
  std::string text(1 << 20, 'y');
  for (size_t i = 0; i < text.size(); i += 4096) t.write(std::string_view(text).substr(i, 4096));
  t.end();
  EXPECT_EQ(count.comments, 1u);
  EXPECT_EQ(count.bytes, comment.size() + text.size());
  // Text is handed on as it comes; only the comment was ever held whole.
  EXPECT_LE(t.maxPending(), comment.size() + 100);
}

TEST(FuzzReplay, HtmlCorpus) {
  const std::filesystem::path dir = std::filesystem::path(VERGE_FUZZ_CORPUS_DIR) / "html";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  size_t replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(fuzzTokenizer(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    ++replayed;
  }
  EXPECT_GE(replayed, 10u);
}

}  // namespace
}  // namespace verge::html
