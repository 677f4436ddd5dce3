#include "html/selector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace verge::html {

int fuzzSelector(const uint8_t* data, size_t size);  // selector_fuzz.cc

namespace {

// Whether `selector` (one compound, no combinators) matches `<name attrs>`
// that is the `index`th element child (and `type_index`th of its type).
bool match(std::string_view selector, std::string_view name, std::vector<Attribute> attrs = {}, int index = 1,
           int type_index = 1) {
  SelectorList list = parseSelector(selector);
  ElementFacts e{name, &attrs, index, type_index};
  for (const auto& alt : list.alternatives) {
    if (alt.compounds.size() == 1 && matchesCompound(alt.compounds[0], e)) return true;
  }
  return false;
}

Attribute attr(std::string_view name, std::string_view value) { return {name, value, '"', true, {}}; }

std::string error(std::string_view selector) {
  try {
    parseSelector(selector);
  } catch (const SelectorError& e) {
    return e.what();
  }
  return "";
}

TEST(Selector, TypeIdClass) {
  EXPECT_TRUE(match("div", "DIV"));
  EXPECT_TRUE(match("*", "p"));
  EXPECT_FALSE(match("div", "p"));
  EXPECT_TRUE(match("#main", "p", {attr("id", "main")}));
  EXPECT_FALSE(match("#main", "p", {attr("id", "Main")}));
  EXPECT_TRUE(match("p.a.b", "p", {attr("class", " b  a x")}));
  EXPECT_FALSE(match(".a.b", "p", {attr("class", "a")}));
  EXPECT_TRUE(match(".a\\.b", "p", {attr("class", "a.b")}));
  EXPECT_TRUE(match("#\\31 23", "p", {attr("id", "123")}));
  EXPECT_TRUE(match("my-element", "my-element"));
  EXPECT_TRUE(match("esi\\:include", "esi:include"));
  EXPECT_TRUE(match("div, span", "span"));
}

TEST(Selector, Attributes) {
  std::vector<Attribute> a = {attr("href", "https://example.com/a.PDF"), attr("lang", "en-US"),
                              attr("rel", "nofollow noopener"), {"disabled", "", 0, false, {}}};
  EXPECT_TRUE(match("[href]", "a", a));
  EXPECT_TRUE(match("[HREF]", "a", a));
  EXPECT_TRUE(match("[disabled]", "a", a));
  EXPECT_FALSE(match("[title]", "a", a));
  EXPECT_TRUE(match("[lang=en-US]", "a", a));
  EXPECT_TRUE(match("[lang='en-us' i]", "a", a));
  EXPECT_FALSE(match("[lang='en-us' s]", "a", a));
  EXPECT_TRUE(match("[rel~=noopener]", "a", a));
  EXPECT_FALSE(match("[rel~='nofollow noopener']", "a", a));
  EXPECT_TRUE(match("[href^='https://']", "a", a));
  EXPECT_TRUE(match("[href$=\".pdf\" i]", "a", a));
  EXPECT_FALSE(match("[href$=\".pdf\"]", "a", a));
  EXPECT_TRUE(match("[href*=example]", "a", a));
  EXPECT_FALSE(match("[href*='']", "a", a));
  EXPECT_TRUE(match("[lang|=en]", "a", a));
  EXPECT_FALSE(match("[lang|=e]", "a", a));
}

TEST(Selector, NthAndNot) {
  EXPECT_TRUE(match(":first-child", "li", {}, 1));
  EXPECT_FALSE(match(":first-child", "li", {}, 2));
  EXPECT_TRUE(match("li:nth-child(odd)", "li", {}, 3));
  EXPECT_FALSE(match("li:nth-child(even)", "li", {}, 3));
  EXPECT_TRUE(match(":nth-child(3n + 1)", "li", {}, 7));
  EXPECT_TRUE(match(":nth-child(-n+3)", "li", {}, 3));
  EXPECT_FALSE(match(":nth-child(-n+3)", "li", {}, 4));
  EXPECT_TRUE(match(":nth-child(5)", "li", {}, 5));
  EXPECT_TRUE(match(":nth-of-type(2)", "p", {}, 5, 2));
  EXPECT_TRUE(match(":first-of-type", "p", {}, 4, 1));
  EXPECT_TRUE(match("p:not(.x)", "p", {attr("class", "y")}));
  EXPECT_FALSE(match("p:not(.x, .y)", "p", {attr("class", "y")}));
  EXPECT_TRUE(match(":not(:not(div))", "div"));
  EXPECT_TRUE(match(":not(*|div)", "p"));
}

TEST(Selector, Combinators) {
  SelectorList list = parseSelector("div > p.x  a[href]");
  ASSERT_EQ(list.alternatives.size(), 1u);
  const auto& c = list.alternatives[0];
  ASSERT_EQ(c.compounds.size(), 3u);
  EXPECT_EQ(c.compounds[0].tag, "div");
  EXPECT_EQ(c.compounds[1].classes, std::vector<std::string>{"x"});
  EXPECT_EQ(c.combinators[0], ComplexSelector::Combinator::kChild);
  EXPECT_EQ(c.combinators[1], ComplexSelector::Combinator::kDescendant);
}

TEST(Selector, ErrorsAreLolHtmls) {
  EXPECT_EQ(error(""), "The selector is empty.");
  EXPECT_EQ(error("   "), "The selector is empty.");
  EXPECT_EQ(error("p:last-child"), "Unsupported pseudo-class or pseudo-element in selector.");
  EXPECT_EQ(error("p::before"), "Unsupported pseudo-class or pseudo-element in selector.");
  EXPECT_EQ(error("esi:include"), "Unsupported pseudo-class or pseudo-element in selector.");
  EXPECT_EQ(error(":not(div p)"), "Unsupported pseudo-class or pseudo-element in selector.");
  EXPECT_EQ(error(":not()"), "Empty negation in selector.");
  EXPECT_EQ(error("a + b"), "Unsupported combinator `+` in selector.");
  EXPECT_EQ(error("a ~ b"), "Unsupported combinator `~` in selector.");
  EXPECT_EQ(error("div >"), "Dangling combinator in selector.");
  EXPECT_EQ(error("[]"), "Missing attribute name in attribute selector.");
  EXPECT_EQ(error("[xlink:href]"), "Unexpected token in the attribute selector.");
  EXPECT_EQ(error("[a=]"), "Unexpected token in the attribute selector.");
  EXPECT_EQ(error("[a=b"), "Unexpected end of selector.");
  EXPECT_EQ(error("svg|rect"), "Selectors with explicit namespaces are not supported.");
  EXPECT_EQ(error(".1a"), "Invalid or unescaped class name in selector.");
  EXPECT_EQ(error("p,"), "Unexpected end of selector.");
  EXPECT_EQ(error("p )"), "Unexpected token in selector.");
  EXPECT_EQ(error(":nth-child(2x)"), "Unexpected token in selector.");
}

TEST(FuzzReplay, SelectorCorpus) {
  const std::filesystem::path dir = std::filesystem::path(VERGE_FUZZ_CORPUS_DIR) / "html_selector";
  size_t replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(fuzzSelector(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    ++replayed;
  }
  EXPECT_GE(replayed, 10u);
}

}  // namespace
}  // namespace verge::html
