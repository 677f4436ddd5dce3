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

bool isOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (equalsIgnoreCase(name, n)) return true;
  }
  return false;
}


}  // namespace

std::string asciiLowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void Tokenizer::write(std::string_view chunk) {
  if (failed_) throw std::logic_error("write() after a parser error");
  buf_.append(chunk);
  run(false);
}

void Tokenizer::end() {
  if (failed_) throw std::logic_error("end() after a parser error");
  run(true);
}

void Tokenizer::guardStartTag(std::string_view name) {
  // Only asked outside the default state (the common case costs nothing).
  auto text_tag = [&] {
    return isOneOf(name, {"textarea", "title", "plaintext", "script", "style", "iframe", "xmp", "noembed",
                          "noframes", "noscript"});
  };
  bool ambiguous = false;
  switch (guard_) {
    case Guard::kDefault:
      if (equalsIgnoreCase(name, "select")) guard_ = Guard::kInSelect;
      else if (equalsIgnoreCase(name, "frameset")) guard_ = Guard::kInOrAfterFrameset;
      break;
    case Guard::kInSelect:
      if (isOneOf(name, {"select", "textarea", "input", "keygen"})) {
        guard_ = Guard::kDefault;
      } else if (equalsIgnoreCase(name, "template")) {
        guard_ = Guard::kInTemplateInSelect;
        guard_depth_ = 1;
      } else if (!equalsIgnoreCase(name, "script")) {
        ambiguous = text_tag();
      }
      break;
    case Guard::kInTemplateInSelect:
      if (equalsIgnoreCase(name, "template")) ++guard_depth_;
      else ambiguous = text_tag();
      break;
    case Guard::kInOrAfterFrameset:
      ambiguous = text_tag() && !equalsIgnoreCase(name, "noframes");
      break;
  }
  if (!ambiguous) return;
  failed_ = true;
  std::string tag(name);
  for (auto& c : tag) c = lower(c);
  throw ParsingAmbiguityError(
      "The parser has encountered a text content tag (`<" + tag + ">`) in the context where it is ambiguous "
      "whether this tag should be ignored or not. And, thus, it is unclear whether consequent content should be "
      "parsed as raw text or HTML markup.\n\nThis error occurs due to the limited capabilities of the streaming "
      "parsing. However, almost all of the cases of this error are caused by a non-conforming markup (e.g. a "
      "`<script>` element in `<select>` element).");
}

void Tokenizer::guardEndTag(std::string_view name) {
  if (guard_ == Guard::kInSelect && equalsIgnoreCase(name, "select")) {
    guard_ = Guard::kDefault;
  } else if (guard_ == Guard::kInTemplateInSelect && equalsIgnoreCase(name, "template")) {
    if (--guard_depth_ == 0) guard_ = Guard::kInSelect;
  }
}

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
      case State::kScript:
        pos += textMachine(pos, at_end);
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
      attr.raw = attr.name;
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
    attr.raw = b.substr(name_from, i - name_from);
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
  guardStartTag(tag_.name);
  tag_.ns = startTagNamespace(tag_);
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
  guardEndTag(tag.name);
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

// CDATA section content (foreign content), up to "]]>". As in lol-html,
// text breaks at every ']' (a "]" that does not end the section is a
// chunk of its own).
size_t Tokenizer::cdataText(size_t pos, bool at_end) {
  std::string_view b(buf_);
  size_t n = b.size();
  size_t i = pos;
  for (;;) {
    size_t k = b.find(']', i);
    if (k == std::string::npos) {
      emitText(i, n, TextKind::kCdata);
      return n - pos;
    }
    emitText(i, k, TextKind::kCdata);
    if (k + 2 >= n && !at_end && b.substr(k, n - k) == std::string_view("]]>").substr(0, n - k)) {
      stall_ = true;
      return k - pos;
    }
    if (b.substr(k).starts_with("]]>")) {
      sink_.other(b.substr(k, 3));
      state_ = State::kData;
      return k + 3 - pos;
    }
    emitText(k, k + 1, TextKind::kCdata);
    i = k + 1;
  }
}

// RCDATA, RAWTEXT and script data, as lol-html's lexer runs them, so that
// text reaches handlers in the same chunks: text is handed on at each '<'
// that may start a tag, and what then turns out not to be one ("<",
// "</p", "<!--x" …) is a chunk of its own; in the plain states the text
// read so far is also handed on at the end of each input chunk (not in
// script's escaped states, which hold it until their next break).
// The machine's state survives between chunks (sub_, resume_).
size_t Tokenizer::textMachine(size_t pos, bool at_end) {
  std::string_view b(buf_);
  const size_t n = b.size();
  const TextKind kind = state_ == State::kRcdata ? TextKind::kRcdata
                        : state_ == State::kRawtext ? TextKind::kRawtext
                                                    : TextKind::kScript;
  const bool script = state_ == State::kScript;
  size_t t = pos;            // start of the text not yet handed on
  size_t i = pos + resume_;  // next byte to read
  size_t name = t + 2;       // an end tag's name (from "</")
  Sub sub = sub_;
  auto flush = [&] {
    emitText(t, i, kind);
    t = i;
  };
  // Whether b[i..] starts with `word` (ASCII case-insensitive); kBlock
  // when the input ends before it can tell.
  enum { kNo, kYes, kBlock };
  auto ahead = [&](std::string_view word) {
    bool partial = false;
    if (startsWithIgnoreCase(b, i, word, &partial)) return kYes;
    return partial && !at_end ? kBlock : kNo;
  };
  // The escaped and double-escaped states: '<' breaks the text, "--"
  // may end the escape. False when the input ends before "--" is known.
  auto escapedText = [&](Sub lt, Sub dash_dash) {
    if (b[i] == '<') {
      flush();
      ++i;
      sub = lt;
      return true;
    }
    auto r = ahead("--");
    if (r == kBlock) return false;
    if (r == kYes) {
      i += 2;
      sub = dash_dash;
    } else {
      ++i;
    }
    return true;
  };
  auto appropriate = [&] { return equalsIgnoreCase(b.substr(name, i - name), end_tag_); };
  while (i < n) {
    const char c = b[i];
    switch (sub) {
      case Sub::kText: {
        size_t k = b.find('<', i);
        if (k == std::string::npos) {
          i = n;
          break;
        }
        i = k;
        flush();
        ++i;
        sub = Sub::kLt;
        break;
      }
      case Sub::kLt:
        if (c == '/') {
          ++i;
          sub = Sub::kEndOpen;
        } else if (c == '!' && script) {
          ++i;
          sub = Sub::kEscStart;
        } else {
          flush();
          sub = Sub::kText;
        }
        break;
      case Sub::kEndOpen:
      case Sub::kEscEndOpen:
        if (isAlpha(c)) {
          name = i;
          ++i;
          sub = sub == Sub::kEndOpen ? Sub::kEndName : Sub::kEscEndName;
        } else {
          flush();
          sub = sub == Sub::kEndOpen ? Sub::kText : Sub::kEsc;
        }
        break;
      case Sub::kEndName:
      case Sub::kEscEndName:
        if (isAlpha(c)) {
          ++i;
        } else if ((isSpace(c) || c == '/' || c == '>') && appropriate()) {
          // The end tag: the data state reads it from its '<'.
          state_ = State::kData;
          sub_ = Sub::kText;
          resume_ = 0;
          return t - pos;
        } else {
          flush();
          sub = sub == Sub::kEndName ? Sub::kText : Sub::kEsc;
        }
        break;
      case Sub::kEscStart: {
        auto r = ahead("--");
        if (r == kBlock) goto out;
        if (r == kYes) {
          i += 2;
          sub = Sub::kEscDashDash;
        } else {
          flush();
          sub = Sub::kText;
        }
        break;
      }
      case Sub::kEscDashDash:
        if (c == '-') {
          ++i;
        } else if (c == '<') {
          flush();
          ++i;
          sub = Sub::kEscLt;
        } else if (c == '>') {
          flush();
          sub = Sub::kText;
        } else {
          ++i;
          sub = Sub::kEsc;
        }
        break;
      case Sub::kEsc:
        if (!escapedText(Sub::kEscLt, Sub::kEscDashDash)) goto out;
        break;
      case Sub::kEscLt: {
        auto r = ahead("script");
        if (r == kBlock) goto out;
        if (r == kYes) {
          i += 6;
          sub = Sub::kDescStart;
        } else if (c == '/') {
          ++i;
          sub = Sub::kEscEndOpen;
        } else {
          flush();
          sub = Sub::kEsc;
        }
        break;
      }
      case Sub::kDescStart:
        if (isSpace(c) || c == '/' || c == '>') {
          ++i;
          sub = Sub::kDesc;
        } else {
          sub = Sub::kEsc;
        }
        break;
      case Sub::kDesc:
        if (!escapedText(Sub::kDescLt, Sub::kDescDashDash)) goto out;
        break;
      case Sub::kDescDashDash:
        if (c == '-') {
          ++i;
        } else if (c == '<') {
          ++i;
          sub = Sub::kDescLt;
        } else if (c == '>') {
          flush();
          sub = Sub::kText;
        } else {
          ++i;
          sub = Sub::kDesc;
        }
        break;
      case Sub::kDescLt:
        if (c == '/') {
          ++i;
          sub = Sub::kDescEndName;
        } else {
          sub = Sub::kDesc;
        }
        break;
      case Sub::kDescEndName: {
        auto r = ahead("script");
        if (r == kBlock) goto out;
        if (r == kYes) {
          i += 6;
          sub = Sub::kDescEnd;
        } else {
          sub = Sub::kDesc;
        }
        break;
      }
      case Sub::kDescEnd:
        if (isSpace(c) || c == '/' || c == '>') {
          ++i;
          sub = Sub::kEsc;
        } else {
          sub = Sub::kDesc;
        }
        break;
    }
  }
out:
  if (at_end) {
    i = n;
    flush();
  } else if (sub == Sub::kText) {
    flush();  // the end of the input chunk hands on the text so far
  }
  sub_ = sub;
  resume_ = i - t;
  if (t < n || i < n) stall_ = true;
  return t - pos;
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

// lol-html's simulation: <svg> and <math> enter their namespace (even
// self-closing), a breakout tag leaves one level, an integration point
// (svg's desc, title, foreignObject; MathML's text integration points and
// annotation-xml holding HTML) enters HTML. The element is in the
// namespace that results.
std::string_view Tokenizer::startTagNamespace(const StartTag& tag) {
  Ns cur = ns_.back();
  read_in_html_ = cur == Ns::kHtml;
  if (equalsIgnoreCase(tag.name, "svg")) {
    ns_.push_back(Ns::kSvg);
  } else if (equalsIgnoreCase(tag.name, "math")) {
    ns_.push_back(Ns::kMath);
  } else if (cur != Ns::kHtml) {
    if (breaksOut(tag)) {
      if (ns_.size() > 1) ns_.pop_back();
    } else if (!tag.self_closing &&
               ((cur == Ns::kSvg && isOneOf(tag.name, {"desc", "title", "foreignobject"})) ||
                (cur == Ns::kMath && isOneOf(tag.name, {"mi", "mo", "mn", "ms", "mtext"})))) {
      ns_.push_back(Ns::kHtml);
    } else if (cur == Ns::kMath && !tag.self_closing && equalsIgnoreCase(tag.name, "annotation-xml")) {
      for (const auto& a : tag.attributes) {
        if (equalsIgnoreCase(a.name, "encoding") &&
            (equalsIgnoreCase(a.value, "text/html") || equalsIgnoreCase(a.value, "application/xhtml+xml"))) {
          ns_.push_back(Ns::kHtml);
          break;
        }
      }
    }
  }
  switch (ns_.back()) {
    case Ns::kSvg: return "svg";
    case Ns::kMath: return "math";
    default: return "";
  }
}

void Tokenizer::afterStartTag(const StartTag& tag) {
  // Only a tag read in HTML changes the text state (lol-html asks for it
  // only there); <svg>/<math> themselves never do.
  if (!read_in_html_ || !tag.ns.empty()) return;
  for (const auto& t : kTextElements) {
    if (!equalsIgnoreCase(tag.name, t.name)) continue;
    // The self-closing flag means nothing on these: <script/> still opens.
    state_ = t.state == 0 ? State::kRcdata : t.state == 1 ? State::kRawtext : t.state == 2 ? State::kScript
                                                                                          : State::kPlaintext;
    end_tag_ = std::string(t.name);
    sub_ = Sub::kText;
    resume_ = 0;
    return;
  }
}

void Tokenizer::afterEndTag(std::string_view name) {
  Ns cur = ns_.back();
  if (cur == Ns::kHtml) {
    if (ns_.size() < 2) return;
    Ns prev = ns_[ns_.size() - 2];
    if ((prev == Ns::kMath && isOneOf(name, {"mi", "mo", "mn", "ms", "mtext", "annotation-xml"})) ||
        (prev == Ns::kSvg && isOneOf(name, {"desc", "title", "foreignobject"}))) {
      ns_.pop_back();
    }
    return;
  }
  if ((cur == Ns::kSvg && equalsIgnoreCase(name, "svg")) || (cur == Ns::kMath && equalsIgnoreCase(name, "math")) ||
      isOneOf(name, {"p", "br"})) {
    ns_.pop_back();
  }
}

}  // namespace verge::html
