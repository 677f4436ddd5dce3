#include "html/selector.h"

#include <charconv>

namespace verge::html {

namespace {

// lol-html's messages (its SelectorError), which workerd passes on.
constexpr const char* kUnexpectedToken = "Unexpected token in selector.";
constexpr const char* kUnexpectedEnd = "Unexpected end of selector.";
constexpr const char* kMissingAttributeName = "Missing attribute name in attribute selector.";
constexpr const char* kEmpty = "The selector is empty.";
constexpr const char* kDangling = "Dangling combinator in selector.";
constexpr const char* kBadAttribute = "Unexpected token in the attribute selector.";
constexpr const char* kUnsupportedPseudo = "Unsupported pseudo-class or pseudo-element in selector.";
constexpr const char* kNamespaced = "Selectors with explicit namespaces are not supported.";
constexpr const char* kBadClass = "Invalid or unescaped class name in selector.";
constexpr const char* kEmptyNegation = "Empty negation in selector.";

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool isNameChar(char c) { return isNameStart(c) || isDigit(c) || c == '-'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  SelectorList list() {
    SelectorList out;
    skipSpace();
    if (atEnd()) throw SelectorError(kEmpty);
    for (;;) {
      out.alternatives.push_back(complex());
      skipSpace();
      if (atEnd()) return out;
      if (peek() != ',') throw SelectorError(kUnexpectedToken);
      ++i_;
      skipSpace();
      if (atEnd()) throw SelectorError(kUnexpectedEnd);
    }
  }

 private:
  bool atEnd() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  void skipSpace() {
    while (!atEnd() && isSpace(peek())) ++i_;
  }

  ComplexSelector complex() {
    ComplexSelector out;
    out.compounds.push_back(compound(true));
    for (;;) {
      size_t before = i_;
      skipSpace();
      if (atEnd() || peek() == ',' || peek() == ')') {
        i_ = before;
        skipSpace();
        return out;
      }
      ComplexSelector::Combinator comb = ComplexSelector::Combinator::kDescendant;
      char c = peek();
      if (c == '>') {
        comb = ComplexSelector::Combinator::kChild;
        ++i_;
        skipSpace();
      } else if (c == '+' || c == '~') {
        throw SelectorError(std::string("Unsupported combinator `") + c + "` in selector.");
      } else if (i_ == before) {
        throw SelectorError(kUnexpectedToken);  // two compounds with no space between
      }
      if (atEnd() || peek() == ',') throw SelectorError(kDangling);
      out.combinators.push_back(comb);
      out.compounds.push_back(compound(true));
    }
  }

  // A compound selector; `top` is false inside :not(), where a nested
  // :not() is allowed (lol-html takes it) but combinators are not.
  Compound compound(bool top) {
    Compound out;
    bool any = false;
    if (!atEnd() && peek() == '*') {
      ++i_;
      any = true;
      if (!atEnd() && peek() == '|' && (i_ + 1 >= s_.size() || s_[i_ + 1] != '=')) {
        // `*|E`: any namespace, which is what an HTML rewriter sees anyway.
        ++i_;
        if (!atEnd() && peek() == '*') {
          ++i_;
        } else if (!atEnd() && (isNameStart(peek()) || peek() == '\\' || peek() == '-')) {
          out.tag = asciiLowercase(ident());
        } else {
          throw SelectorError(kUnexpectedToken);
        }
      }
    } else if (!atEnd() && (isNameStart(peek()) || peek() == '\\' || peek() == '-')) {
      out.tag = asciiLowercase(ident());
      any = true;
      namespaceCheck();
    } else if (!atEnd() && peek() == '|') {
      throw SelectorError(kNamespaced);
    }
    for (;;) {
      if (atEnd()) break;
      char c = peek();
      if (c == '#') {
        ++i_;
        if (atEnd() || !(isNameChar(peek()) || peek() == '\\')) throw SelectorError(kUnexpectedToken);
        out.ids.push_back(identOrDigits());
      } else if (c == '.') {
        ++i_;
        if (atEnd() || !(isNameStart(peek()) || peek() == '\\' || peek() == '-')) throw SelectorError(kBadClass);
        out.classes.push_back(ident());
      } else if (c == '[') {
        out.attributes.push_back(attribute());
      } else if (c == ':') {
        pseudo(out, top);
      } else {
        break;
      }
      any = true;
    }
    if (!any) throw SelectorError(atEnd() ? kUnexpectedEnd : kUnexpectedToken);
    return out;
  }

  // `*|div` and `ns|div`: lol-html takes the any-namespace form only.
  void namespaceCheck() {
    if (atEnd() || peek() != '|' || (i_ + 1 < s_.size() && s_[i_ + 1] == '=')) return;
    throw SelectorError(kNamespaced);
  }

  // A CSS identifier, with backslash escapes.
  std::string ident() {
    std::string out;
    if (!atEnd() && peek() == '-') {
      out += '-';
      ++i_;
      if (!atEnd() && peek() == '-') {
        out += '-';
        ++i_;
      } else if (atEnd() || !(isNameStart(peek()) || peek() == '\\')) {
        throw SelectorError(kUnexpectedToken);
      }
    }
    while (!atEnd()) {
      char c = peek();
      if (c == '\\') {
        escape(out);
      } else if (isNameChar(c)) {
        out += c;
        ++i_;
      } else {
        break;
      }
    }
    if (out.empty()) throw SelectorError(kUnexpectedToken);
    return out;
  }
  // An id may start with a digit when written after '#' (a hash token).
  std::string identOrDigits() {
    std::string out;
    while (!atEnd()) {
      char c = peek();
      if (c == '\\') escape(out);
      else if (isNameChar(c)) {
        out += c;
        ++i_;
      } else {
        break;
      }
    }
    return out;
  }
  void escape(std::string& out) {
    ++i_;  // the backslash
    if (atEnd()) throw SelectorError(kUnexpectedEnd);
    auto hex = [](char c) { return isDigit(c) || (lower(c) >= 'a' && lower(c) <= 'f'); };
    if (hex(peek())) {
      uint32_t cp = 0;
      int n = 0;
      while (!atEnd() && n < 6 && hex(peek())) {
        char c = lower(peek());
        cp = cp * 16 + static_cast<uint32_t>(isDigit(c) ? c - '0' : c - 'a' + 10);
        ++i_;
        ++n;
      }
      if (!atEnd() && isSpace(peek())) ++i_;
      appendUtf8(out, cp);
      return;
    }
    if (peek() == '\n') throw SelectorError(kUnexpectedToken);
    out += peek();
    ++i_;
  }

  AttributeTest attribute() {
    ++i_;  // '['
    skipSpace();
    if (atEnd()) throw SelectorError(kUnexpectedEnd);
    if (peek() == '*' || peek() == '|') throw SelectorError(kNamespaced);
    if (!(isNameStart(peek()) || peek() == '\\' || peek() == '-')) throw SelectorError(kMissingAttributeName);
    AttributeTest t;
    t.name = asciiLowercase(ident());
    if (!atEnd() && peek() == '|' && (i_ + 1 >= s_.size() || s_[i_ + 1] != '=')) throw SelectorError(kNamespaced);
    skipSpace();
    if (atEnd()) throw SelectorError(kUnexpectedEnd);
    if (peek() == ']') {
      ++i_;
      return t;
    }
    using Op = AttributeTest::Op;
    char c = peek();
    if (c == '=') {
      t.op = Op::kEquals;
      ++i_;
    } else {
      if (i_ + 1 >= s_.size() || s_[i_ + 1] != '=') throw SelectorError(kBadAttribute);
      switch (c) {
        case '~': t.op = Op::kIncludes; break;
        case '^': t.op = Op::kPrefix; break;
        case '$': t.op = Op::kSuffix; break;
        case '*': t.op = Op::kSubstring; break;
        case '|': t.op = Op::kDashMatch; break;
        default: throw SelectorError(kBadAttribute);
      }
      i_ += 2;
    }
    skipSpace();
    if (atEnd()) throw SelectorError(kUnexpectedEnd);
    if (peek() == '"' || peek() == '\'') {
      char q = peek();
      ++i_;
      for (;;) {
        if (atEnd()) throw SelectorError(kUnexpectedEnd);
        char d = peek();
        if (d == q) {
          ++i_;
          break;
        }
        if (d == '\n') throw SelectorError(kBadAttribute);
        if (d == '\\') {
          if (i_ + 1 < s_.size() && s_[i_ + 1] == '\n') {
            i_ += 2;  // an escaped newline continues the string
            continue;
          }
          escape(t.value);
          continue;
        }
        t.value += d;
        ++i_;
      }
    } else if (isNameStart(peek()) || peek() == '\\' || peek() == '-') {
      t.value = ident();
    } else {
      throw SelectorError(kBadAttribute);
    }
    skipSpace();
    if (atEnd()) throw SelectorError(kUnexpectedEnd);
    if (peek() == 'i' || peek() == 'I' || peek() == 's' || peek() == 'S') {
      t.ignore_case = lower(peek()) == 'i';
      ++i_;
      skipSpace();
    }
    if (atEnd()) throw SelectorError(kUnexpectedEnd);
    if (peek() != ']') throw SelectorError(kBadAttribute);
    ++i_;
    return t;
  }

  void pseudo(Compound& out, bool top) {
    ++i_;  // ':'
    if (atEnd()) throw SelectorError(kUnexpectedEnd);
    if (peek() == ':') throw SelectorError(kUnsupportedPseudo);  // pseudo-elements
    std::string name = asciiLowercase(ident());
    bool fn = !atEnd() && peek() == '(';
    if (!fn && name == "first-child") {
      out.nths.push_back({0, 1, false});
      return;
    }
    if (!fn && name == "first-of-type") {
      out.nths.push_back({0, 1, true});
      return;
    }
    if (!fn) throw SelectorError(kUnsupportedPseudo);
    ++i_;  // '('
    skipSpace();
    if (name == "nth-child" || name == "nth-of-type") {
      NthTest t = nth();
      t.of_type = name == "nth-of-type";
      out.nths.push_back(t);
    } else if (name == "not") {
      (void)top;
      if (!atEnd() && peek() == ')') throw SelectorError(kEmptyNegation);
      std::vector<Compound> alternatives;
      for (;;) {
        alternatives.push_back(compound(false));
        skipSpace();
        if (atEnd()) throw SelectorError(kUnexpectedEnd);
        if (peek() == ',') {
          ++i_;
          skipSpace();
          continue;
        }
        if (peek() != ')') throw SelectorError(kUnsupportedPseudo);  // a combinator inside :not()
        break;
      }
      out.nots.push_back(std::move(alternatives));
    } else {
      throw SelectorError(kUnsupportedPseudo);
    }
    skipSpace();
    if (atEnd()) throw SelectorError(kUnexpectedEnd);
    if (peek() != ')') throw SelectorError(kUnexpectedToken);
    ++i_;
  }

  // an+b, odd, even (CSS Syntax's An+B microsyntax).
  NthTest nth() {
    NthTest t;
    size_t start = i_;
    while (!atEnd() && peek() != ')') ++i_;
    std::string text;
    for (char c : s_.substr(start, i_ - start)) {
      if (!isSpace(c)) text += lower(c);
    }
    if (text == "odd") return {2, 1};
    if (text == "even") return {2, 0};
    auto number = [](std::string_view s, int& out) {
      if (s.empty()) return false;
      size_t k = s[0] == '+' ? 1 : 0;
      if (k == s.size()) return false;
      auto [p, ec] = std::from_chars(s.data() + k, s.data() + s.size(), out);
      return ec == std::errc() && p == s.data() + s.size();
    };
    size_t n = text.find('n');
    if (n == std::string::npos) {
      if (!number(text, t.b)) throw SelectorError(kUnexpectedToken);
      t.a = 0;
      return t;
    }
    std::string_view a(text.data(), n), b(text.data() + n + 1, text.size() - n - 1);
    if (a.empty() || a == "+") t.a = 1;
    else if (a == "-") t.a = -1;
    else if (!number(a, t.a)) throw SelectorError(kUnexpectedToken);
    if (b.empty()) {
      t.b = 0;
    } else if (b[0] != '+' && b[0] != '-') {
      throw SelectorError(kUnexpectedToken);
    } else {
      int v = 0;
      if (!number(b.substr(1), v) || b.substr(1)[0] == '+') throw SelectorError(kUnexpectedToken);
      t.b = b[0] == '-' ? -v : v;
    }
    return t;
  }

  std::string_view s_;
  size_t i_ = 0;
};

std::string_view attributeValue(const std::vector<Attribute>& attrs, std::string_view name, bool* found) {
  for (const auto& a : attrs) {
    if (equalsIgnoreCase(a.name, name)) {
      *found = true;
      return a.value;
    }
  }
  *found = false;
  return {};
}

bool equalsCase(std::string_view a, std::string_view b, bool ignore_case) {
  return ignore_case ? equalsIgnoreCase(a, b) : a == b;
}

// Whether whitespace-separated `list` contains `word`.
bool containsWord(std::string_view list, std::string_view word, bool ignore_case) {
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && isSpace(list[i])) ++i;
    size_t from = i;
    while (i < list.size() && !isSpace(list[i])) ++i;
    if (i > from && equalsCase(list.substr(from, i - from), word, ignore_case)) return true;
  }
  return false;
}

bool matchesAttribute(const AttributeTest& t, const std::vector<Attribute>& attrs) {
  bool found = false;
  std::string_view v = attributeValue(attrs, t.name, &found);
  if (!found) return false;
  using Op = AttributeTest::Op;
  bool ic = t.ignore_case;
  std::string_view w = t.value;
  switch (t.op) {
    case Op::kExists:
      return true;
    case Op::kEquals:
      return equalsCase(v, w, ic);
    case Op::kIncludes:
      return !w.empty() && w.find_first_of(" \t\n\f\r") == std::string_view::npos && containsWord(v, w, ic);
    case Op::kPrefix:
      return !w.empty() && v.size() >= w.size() && equalsCase(v.substr(0, w.size()), w, ic);
    case Op::kSuffix:
      return !w.empty() && v.size() >= w.size() && equalsCase(v.substr(v.size() - w.size()), w, ic);
    case Op::kSubstring:
      if (w.empty() || v.size() < w.size()) return false;
      for (size_t k = 0; k + w.size() <= v.size(); ++k) {
        if (equalsCase(v.substr(k, w.size()), w, ic)) return true;
      }
      return false;
    case Op::kDashMatch:
      return equalsCase(v, w, ic) ||
             (v.size() > w.size() && v[w.size()] == '-' && equalsCase(v.substr(0, w.size()), w, ic));
  }
  return false;
}

}  // namespace

bool NthTest::matches(int index) const {
  if (a == 0) return index == b;
  int diff = index - b;
  return diff % a == 0 && diff / a >= 0;
}

SelectorList parseSelector(std::string_view text) { return Parser(text).list(); }

bool matchesCompound(const Compound& c, const ElementFacts& e) {
  if (!c.tag.empty() && !equalsIgnoreCase(c.tag, e.name)) return false;
  const auto& attrs = *e.attributes;
  for (const auto& id : c.ids) {
    bool found = false;
    if (attributeValue(attrs, "id", &found) != id || !found) return false;
  }
  if (!c.classes.empty()) {
    bool found = false;
    std::string_view list = attributeValue(attrs, "class", &found);
    if (!found) return false;
    for (const auto& cls : c.classes) {
      if (!containsWord(list, cls, false)) return false;
    }
  }
  for (const auto& t : c.attributes) {
    if (!matchesAttribute(t, attrs)) return false;
  }
  for (const auto& n : c.nths) {
    if (!n.matches(n.of_type ? e.type_index : e.index)) return false;
  }
  for (const auto& alternatives : c.nots) {
    for (const auto& alt : alternatives) {
      if (matchesCompound(alt, e)) return false;
    }
  }
  return true;
}

}  // namespace verge::html
