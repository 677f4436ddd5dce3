// CSS selectors as HTMLRewriter takes them (what lol-html supports): type
// and universal selectors, #id, .class, attribute selectors ([a], =, ~=,
// ^=, $=, *=, |= with the i and s flags), :first-child, :nth-child(),
// :first-of-type, :nth-of-type(), :not() of compound selectors, selector
// lists, and the descendant and child combinators. Anything else is a
// SelectorError with lol-html's message (workerd prefixes it with
// "Parser error: ").
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "html/tokenizer.h"

namespace verge::html {

class SelectorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct AttributeTest {
  enum class Op { kExists, kEquals, kIncludes, kPrefix, kSuffix, kSubstring, kDashMatch };
  std::string name;  // lowercased
  Op op = Op::kExists;
  std::string value;
  bool ignore_case = false;  // the `i` flag
};

// :nth-child(an+b) and :nth-of-type(an+b) (:first-child is 0n+1).
struct NthTest {
  int a = 0, b = 1;
  bool of_type = false;
  bool matches(int index) const;  // index: 1-based
};

struct Compound {
  std::string tag;  // lowercased; empty for any element
  std::vector<std::string> ids;
  std::vector<std::string> classes;
  std::vector<AttributeTest> attributes;
  std::vector<NthTest> nths;
  // :not(a, b): the element matches none of these.
  std::vector<std::vector<Compound>> nots;
};

// compounds[0] (combinators[0]) compounds[1] … : the last one is the
// element itself, each combinator relates a compound to the next.
struct ComplexSelector {
  enum class Combinator { kDescendant, kChild };
  std::vector<Compound> compounds;
  std::vector<Combinator> combinators;
};

struct SelectorList {
  std::vector<ComplexSelector> alternatives;
};

// Throws SelectorError.
SelectorList parseSelector(std::string_view text);

// An element as a compound selector sees it.
struct ElementFacts {
  std::string_view name;
  const std::vector<Attribute>* attributes = nullptr;
  int index = 1;       // among its parent's elements, from 1
  int type_index = 1;  // among those of its name
};

bool matchesCompound(const Compound& compound, const ElementFacts& element);

}  // namespace verge::html
