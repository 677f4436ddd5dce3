#include "html/tokenizer.h"

#include <algorithm>
#include <array>

namespace verge::html {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Whether buf[pos..] starts with `word` (ASCII case-insensitive). When the
// buffer ends first, *partial says whether what is there still matches.
bool startsWithIgnoreCase(std::string_view buf, size_t pos, std::string_view word, bool* partial) {
  size_t n = std::min(word.size(), buf.size() - pos);
  for (size_t i = 0; i < n; ++i) {
    if (lower(buf[pos + i]) != word[i]) {
      *partial = false;
      return false;
    }
  }
  *partial = n < word.size();
  return n == word.size();
}

// Elements whose text the tokenizer reads in another state (HTML only).
struct TextElement {
  std::string_view name;
  int state;  // 0 RCDATA, 1 RAWTEXT, 2 script, 3 PLAINTEXT
};
constexpr std::array<TextElement, 10> kTextElements{{{"title", 0},
                                                     {"textarea", 0},
                                                     {"style", 1},
                                                     {"xmp", 1},
                                                     {"iframe", 1},
                                                     {"noembed", 1},
                                                     {"noframes", 1},
                                                     {"noscript", 1},
                                                     {"script", 2},
                                                     {"plaintext", 3}}};

// HTML start tags that end foreign content (the tree builder's "any other
// start tag" exceptions in foreign content).
constexpr std::array<std::string_view, 44> kBreakoutTags{
    "b",   "big", "blockquote", "body", "br",    "center", "code",   "dd",     "div", "dl",  "dt",
    "em",  "embed", "h1",       "h2",   "h3",    "h4",     "h5",     "h6",     "head", "hr", "i",
    "img", "li",  "listing",    "menu", "meta",  "nobr",   "ol",     "p",      "pre", "ruby", "s",
    "small", "span", "strong",  "strike", "sub", "sup",    "table",  "tt",     "u",   "ul",  "var"};

bool isHtmlIntegrationPoint(std::string_view ns, std::string_view name, const std::vector<Attribute>& attrs) {
  if (ns == "svg") {
    return equalsIgnoreCase(name, "foreignobject") || equalsIgnoreCase(name, "desc") ||
           equalsIgnoreCase(name, "title");
  }
  // MathML text integration points, and annotation-xml holding HTML.
  for (std::string_view t : {"mi", "mo", "mn", "ms", "mtext"}) {
    if (equalsIgnoreCase(name, t)) return true;
  }
  if (!equalsIgnoreCase(name, "annotation-xml")) return false;
  for (const auto& a : attrs) {
    if (equalsIgnoreCase(a.name, "encoding") &&
        (equalsIgnoreCase(a.value, "text/html") || equalsIgnoreCase(a.value, "application/xhtml+xml"))) {
      return true;
    }
  }
  return false;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void Tokenizer::write(std::string_view chunk) {
  buf_.append(chunk);
  run(false);
}

void Tokenizer::end() { run(true); }

void Tokenizer::run(bool at_end) {
  size_t pos = 0;
  stall_ = false;
  while (pos < buf_.size() && !stall_) {
    size_t n = buf_.size();
    switch (state_) {
      case State::kData: {
        size_t lt = buf_.find('<', pos);
        if (lt == std::string::npos) lt = n;
        if (lt > pos) {
          emitText(pos, lt, TextKind::kData);
          pos = lt;
          continue;
        }
        pos += tagOpen(pos, at_end);
        break;
      }
      case State::kRcdata:
      case State::kRawtext:
        pos += rawText(pos, at_end);
        break;
      case State::kScript:
        pos += scriptText(pos, at_end);
        break;
      case State::kPlaintext:
        emitText(pos, n, TextKind::kPlaintext);
        pos = n;
        break;
      case State::kCdata:
        pos += cdataText(pos, at_end);
        break;
    }
  }
  max_pending_ = std::max(max_pending_, buf_.size() - pos);
  buf_.erase(0, pos);
  if (scan_ >= pos) scan_ -= pos; else scan_ = 0;
}

void Tokenizer::emitText(size_t from, size_t to, TextKind kind) {
  if (to > from) sink_.text(std::string_view(buf_).substr(from, to - from), kind);
}

size_t Tokenizer::needMore() {
  stall_ = true;
  return 0;
}

// At '<' in the data state.
size_t Tokenizer::tagOpen(size_t pos, bool at_end) {
  size_t n = buf_.size();
  if (pos + 1 >= n) {
    if (!at_end) return needMore();
    emitText(pos, pos + 1, TextKind::kData);
    return 1;
  }
  char c = buf_[pos + 1];
  if (c == '!') return markup(pos, at_end);
  if (c == '/') {
    if (pos + 2 >= n) {
      if (!at_end) return needMore();
      emitText(pos, n, TextKind::kData);  // "</" at the end of input is text
      return n - pos;
    }
    char d = buf_[pos + 2];
    if (isAlpha(d)) return endTag(pos, at_end);
    if (d == '>') {
      sink_.other(std::string_view(buf_).substr(pos, 3));
      return 3;
    }
    return bogusComment(pos, pos + 2, at_end);
  }
  if (isAlpha(c)) return startTag(pos, at_end);
  if (c == '?') return bogusComment(pos, pos + 1, at_end);
  emitText(pos, pos + 1, TextKind::kData);
  return 1;
}

// Parses a tag from `pos` ('<' or "</") into tag_: its name and attributes.
// → the index just past its '>', or npos when the input ends first.
size_t Tokenizer::parseTag(size_t pos, size_t name_start) {
  std::string_view b(buf_);
  size_t n = b.size();
  size_t i = name_start;
  while (i < n && !isSpace(b[i]) && b[i] != '/' && b[i] != '>') ++i;
  if (i >= n) return std::string::npos;
  tag_.name = b.substr(name_start, i - name_start);
  tag_.attributes.clear();
  tag_.self_closing = false;
  for (;;) {
    while (i < n && isSpace(b[i])) ++i;
    if (i >= n) return std::string::npos;
    if (b[i] == '>') return i + 1;
    if (b[i] == '/') {
      if (i + 1 >= n) return std::string::npos;
      if (b[i + 1] == '>') {
        tag_.self_closing = true;
        return i + 2;
      }
      ++i;  // a stray '/' is ignored
      continue;
    }
    Attribute attr;
    size_t name_from = i;
    if (b[i] == '=') ++i;  // an attribute name may start with '='
    while (i < n && !isSpace(b[i]) && b[i] != '/' && b[i] != '>' && b[i] != '=') ++i;
    if (i >= n) return std::string::npos;
    attr.name = b.substr(name_from, i - name_from);
    size_t after_name = i;
    while (i < n && isSpace(b[i])) ++i;
    if (i >= n) return std::string::npos;
    if (b[i] != '=') {
      i = after_name;  // no value: what follows is the next attribute
      tag_.attributes.push_back(attr);
      continue;
    }
    ++i;
    while (i < n && isSpace(b[i])) ++i;
    if (i >= n) return std::string::npos;
    attr.has_value = true;
    if (b[i] == '"' || b[i] == '\'') {
      attr.quote = b[i];
      size_t close = b.find(attr.quote, i + 1);
      if (close == std::string::npos) return std::string::npos;
      attr.value = b.substr(i + 1, close - i - 1);
      i = close + 1;
    } else if (b[i] != '>') {
      size_t from = i;
      while (i < n && !isSpace(b[i]) && b[i] != '>') ++i;
      if (i >= n) return std::string::npos;
      attr.value = b.substr(from, i - from);
    }
    tag_.attributes.push_back(attr);
  }
}

size_t Tokenizer::startTag(size_t pos, bool at_end) {
  size_t end = parseTag(pos, pos + 1);
  if (end == std::string::npos) {
    if (!at_end) return needMore();
    sink_.other(std::string_view(buf_).substr(pos));  // EOF in a tag: no token
    return buf_.size() - pos;
  }
  tag_.raw = std::string_view(buf_).substr(pos, end - pos);
  tag_.ns = namespaceOf(tag_);
  sink_.startTag(tag_);
  afterStartTag(tag_);
  return end - pos;
}

size_t Tokenizer::endTag(size_t pos, bool at_end) {
  size_t end = parseTag(pos, pos + 2);
  if (end == std::string::npos) {
    if (!at_end) return needMore();
    sink_.other(std::string_view(buf_).substr(pos));
    return buf_.size() - pos;
  }
  EndTag tag{tag_.name, std::string_view(buf_).substr(pos, end - pos)};
  sink_.endTag(tag);
  afterEndTag(tag.name);
  return end - pos;
}

// At "<!".
size_t Tokenizer::markup(size_t pos, bool at_end) {
  std::string_view b(buf_);
  bool partial = false;
  if (b.substr(pos).starts_with("<!--")) return comment(pos, at_end);
  bool maybe_comment = b.size() - pos < 4 && std::string_view("<!--").starts_with(b.substr(pos));
  if (startsWithIgnoreCase(b, pos, "<!doctype", &partial)) return doctype(pos, at_end);
  bool maybe = partial || maybe_comment;
  if (inForeignContent()) {
    bool cdata_partial = false;
    size_t m = std::min<size_t>(9, b.size() - pos);
    bool cdata = b.substr(pos, m) == std::string_view("<![CDATA[").substr(0, m);
    cdata_partial = cdata && m < 9;
    if (cdata && !cdata_partial) {
      sink_.other(b.substr(pos, 9));
      state_ = State::kCdata;
      return 9;
    }
    maybe = maybe || cdata_partial;
  }
  if (maybe && !at_end) return needMore();
  return bogusComment(pos, pos + 2, at_end);
}

size_t Tokenizer::comment(size_t pos, bool at_end) {
  std::string_view b(buf_);
  size_t n = b.size();
  size_t content = pos + 4;
  auto emit = [&](size_t text_end, size_t end) {
    sink_.comment({b.substr(content, text_end - content), b.substr(pos, end - pos)});
    scan_ = 0;
    return end - pos;
  };
  // <!--> and <!---> are (empty) comments.
  if (content < n && b[content] == '>') return emit(content, content + 1);
  if (content + 1 < n && b[content] == '-' && b[content + 1] == '>') return emit(content, content + 2);
  size_t from = std::max(content, scan_);
  for (size_t k = b.find("--", from); k != std::string::npos; k = b.find("--", k + 1)) {
    if (k + 2 >= n) break;
    if (b[k + 2] == '>') return emit(k, k + 3);
    if (b[k + 2] == '!') {
      if (k + 3 >= n) break;
      if (b[k + 3] == '>') return emit(k, k + 4);
    }
  }
  if (!at_end) {
    // Resume the search near the end: the last 3 bytes may start "--!>".
    scan_ = n > content + 3 ? n - 3 : content;
    return needMore();
  }
  return emit(n, n);  // EOF in a comment: the comment so far
}

size_t Tokenizer::bogusComment(size_t pos, size_t content, bool at_end) {
  std::string_view b(buf_);
  size_t gt = b.find('>', std::max(content, scan_));
  if (gt == std::string::npos) {
    if (!at_end) {
      scan_ = b.size();
      return needMore();
    }
    gt = b.size();
    sink_.comment({b.substr(content), b.substr(pos)});
    scan_ = 0;
    return b.size() - pos;
  }
  sink_.comment({b.substr(content, gt - content), b.substr(pos, gt + 1 - pos)});
  scan_ = 0;
  return gt + 1 - pos;
}

size_t Tokenizer::doctype(size_t pos, bool at_end) {
  std::string_view b(buf_);
  size_t n = b.size();
  // Every doctype ends at its first '>' (one inside a quoted id ends it
  // too, abruptly).
  size_t gt = b.find('>', pos + 9);
  size_t end = gt == std::string::npos ? n : gt;
  if (gt == std::string::npos && !at_end) return needMore();
  Doctype d;
  d.raw = b.substr(pos, (gt == std::string::npos ? n : gt + 1) - pos);
  d.force_quirks = gt == std::string::npos;
  size_t i = pos + 9;
  auto skip = [&] {
    while (i < end && isSpace(b[i])) ++i;
  };
  skip();
  if (i >= end) {
    d.force_quirks = true;
  } else {
    size_t from = i;
    while (i < end && !isSpace(b[i])) ++i;
    d.name = b.substr(from, i - from);
    d.has_name = true;
    skip();
    auto quoted = [&](std::string_view& out, bool& has) {
      skip();
      if (i >= end || (b[i] != '"' && b[i] != '\'')) return false;
      char q = b[i];
      size_t close = b.find(q, i + 1);
      if (close == std::string::npos || close > end) {
        out = b.substr(i + 1, end - i - 1);  // ended by '>' (or EOF)
        has = true;
        d.force_quirks = true;
        i = end;
        return true;
      }
      out = b.substr(i + 1, close - i - 1);
      has = true;
      i = close + 1;
      return true;
    };
    bool ok = true;
    if (i < end) {
      bool p1 = false, p2 = false;
      if (startsWithIgnoreCase(b.substr(0, end), i, "public", &p1)) {
        i += 6;
        if (!quoted(d.public_id, d.has_public_id)) ok = false;
        else if (i < end) {
          skip();
          if (i < end && !quoted(d.system_id, d.has_system_id)) ok = false;
        }
      } else if (startsWithIgnoreCase(b.substr(0, end), i, "system", &p2)) {
        i += 6;
        if (!quoted(d.system_id, d.has_system_id)) ok = false;
      } else {
        ok = false;
      }
      skip();
      if (i < end) ok = false;
    }
    if (!ok) d.force_quirks = true;
  }
  sink_.doctype(d);
  return d.raw.size();
}

// CDATA section content (foreign content), up to "]]>".
size_t Tokenizer::cdataText(size_t pos, bool at_end) {
  std::string_view b(buf_);
  size_t close = b.find("]]>", pos);
  if (close == std::string::npos) {
    size_t keep = at_end ? b.size() : std::max(pos, b.size() > 2 ? b.size() - 2 : 0);
    emitText(pos, keep, TextKind::kCdata);
    if (keep == pos && !at_end) return needMore();
    if (!at_end && keep < b.size()) stall_ = true;
    return keep - pos;
  }
  emitText(pos, close, TextKind::kCdata);
  sink_.other(b.substr(close, 3));
  state_ = State::kData;
  return close + 3 - pos;
}

// RCDATA and RAWTEXT: text up to "</name" followed by a space, '/' or '>'.
size_t Tokenizer::rawText(size_t pos, bool at_end) {
  std::string_view b(buf_);
  size_t n = b.size();
  TextKind kind = state_ == State::kRcdata ? TextKind::kRcdata : TextKind::kRawtext;
  for (size_t k = b.find("</", pos); k != std::string::npos; k = b.find("</", k + 1)) {
    size_t need = k + 2 + end_tag_.size() + 1;
    if (need > n) {
      if (at_end) break;
      bool partial = false;
      startsWithIgnoreCase(b.substr(0, std::min(n, k + 2 + end_tag_.size())), k + 2, end_tag_, &partial);
      bool could = partial || (n >= k + 2 + end_tag_.size() &&
                               equalsIgnoreCase(b.substr(k + 2, end_tag_.size()), end_tag_));
      if (!could) continue;
      emitText(pos, k, kind);
      stall_ = true;
      return k - pos;
    }
    char after = b[k + 2 + end_tag_.size()];
    if (equalsIgnoreCase(b.substr(k + 2, end_tag_.size()), end_tag_) &&
        (isSpace(after) || after == '/' || after == '>')) {
      emitText(pos, k, kind);
      state_ = State::kData;
      return k - pos;
    }
  }
  // No end tag yet: all of it is text, but a '<' at the very end may start one.
  size_t keep = n;
  if (!at_end && n > pos && b[n - 1] == '<') keep = n - 1;
  emitText(pos, keep, kind);
  if (keep < n) stall_ = true;
  return keep - pos;
}

// Script data with its escape states: "<!--" escapes it, "<script" inside
// an escape doubles it, "-->" ends both; "</script" ends the element
// except when doubly escaped.
size_t Tokenizer::scriptText(size_t pos, bool at_end) {
  std::string_view b(buf_);
  size_t n = b.size();
  size_t i = pos;
  auto wait = [&] {
    emitText(pos, i, TextKind::kScript);
    stall_ = true;
    return i - pos;
  };
  while (i < n) {
    char c = b[i];
    if (c == '-') {
      ++dashes_;
      ++i;
      continue;
    }
    if (c == '>') {
      if (dashes_ >= 2 && script_state_ != ScriptState::kNormal) script_state_ = ScriptState::kNormal;
      dashes_ = 0;
      ++i;
      continue;
    }
    dashes_ = 0;
    if (c != '<') {
      ++i;
      continue;
    }
    bool partial = false;
    if (script_state_ == ScriptState::kNormal) {
      if (b.substr(i).starts_with("<!--")) {
        script_state_ = ScriptState::kEscaped;
        dashes_ = 2;
        i += 4;
        continue;
      }
      if (!at_end && n - i < 4 && std::string_view("<!--").starts_with(b.substr(i))) return wait();
    }
    // "</script" or "<script" followed by a space, '/' or '>'.
    bool closing = i + 1 < n && b[i + 1] == '/';
    size_t word = i + (closing ? 2 : 1);
    if (i + 1 >= n && !at_end) return wait();
    if (!closing && script_state_ != ScriptState::kEscaped) {
      ++i;
      continue;
    }
    bool match = startsWithIgnoreCase(b, word, "script", &partial);
    if (!match) {
      if (partial && !at_end) return wait();
      ++i;
      continue;
    }
    if (word + 6 >= n) {
      if (!at_end) return wait();
      ++i;
      continue;
    }
    char after = b[word + 6];
    if (!(isSpace(after) || after == '/' || after == '>')) {
      ++i;
      continue;
    }
    if (closing && script_state_ != ScriptState::kDoubleEscaped) {
      emitText(pos, i, TextKind::kScript);
      state_ = State::kData;
      script_state_ = ScriptState::kNormal;
      return i - pos;
    }
    script_state_ = closing ? ScriptState::kEscaped : ScriptState::kDoubleEscaped;
    i = word + 6;
  }
  emitText(pos, n, TextKind::kScript);
  return n - pos;
}

bool Tokenizer::breaksOut(const StartTag& tag) const {
  if (std::any_of(kBreakoutTags.begin(), kBreakoutTags.end(),
                  [&](std::string_view t) { return equalsIgnoreCase(tag.name, t); })) {
    return true;
  }
  return equalsIgnoreCase(tag.name, "font") &&
         std::any_of(tag.attributes.begin(), tag.attributes.end(), [](const Attribute& a) {
           return equalsIgnoreCase(a.name, "color") || equalsIgnoreCase(a.name, "face") ||
                  equalsIgnoreCase(a.name, "size");
         });
}

std::string_view Tokenizer::namespaceOf(const StartTag& tag) const {
  if (equalsIgnoreCase(tag.name, "svg")) return "svg";
  if (equalsIgnoreCase(tag.name, "math")) return "math";
  if (!inForeignContent() || breaksOut(tag)) return "";
  return foreign_.back().ns == "svg" ? "svg" : "math";
}

void Tokenizer::afterStartTag(const StartTag& tag) {
  if (inForeignContent()) {
    if (breaksOut(tag)) {
      while (!foreign_.empty() && !foreign_.back().html_integration) foreign_.pop_back();
      // Back in HTML: the tag is an HTML one.
    } else {
      if (!tag.self_closing) {
        std::string ns = foreign_.back().ns;
        if (equalsIgnoreCase(tag.name, "svg")) ns = "svg";
        else if (equalsIgnoreCase(tag.name, "math")) ns = "math";
        foreign_.push_back({lowered(tag.name), ns, isHtmlIntegrationPoint(ns, tag.name, tag.attributes)});
      }
      return;
    }
  }
  if (equalsIgnoreCase(tag.name, "svg") || equalsIgnoreCase(tag.name, "math")) {
    if (!tag.self_closing) foreign_.push_back({lowered(tag.name), lowered(tag.name), false});
    return;
  }
  for (const auto& t : kTextElements) {
    if (!equalsIgnoreCase(tag.name, t.name)) continue;
    // The self-closing flag means nothing on these: <script/> still opens.
    state_ = t.state == 0 ? State::kRcdata : t.state == 1 ? State::kRawtext : t.state == 2 ? State::kScript
                                                                                          : State::kPlaintext;
    end_tag_ = std::string(t.name);
    script_state_ = ScriptState::kNormal;
    dashes_ = 0;
    return;
  }
}

void Tokenizer::afterEndTag(std::string_view name) {
  for (size_t i = foreign_.size(); i-- > 0;) {
    if (equalsIgnoreCase(foreign_[i].name, name)) {
      foreign_.resize(i);
      return;
    }
  }
}

}  // namespace verge::html
