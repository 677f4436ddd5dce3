#include "html/rewriter.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include "base/utf8.h"

namespace verge::html {

namespace {

// Elements that never have an end tag in HTML.
// lol-html's list (no "image", which the HTML parser turns into <img>).
constexpr std::array<std::string_view, 17> kVoidElements{
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "hr",
    "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"};

bool isVoid(std::string_view name) {
  return std::any_of(kVoidElements.begin(), kVoidElements.end(),
                     [&](std::string_view v) { return equalsIgnoreCase(v, name); });
}

// Text inserted as text: what would be markup is escaped.
void appendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
}

// How long the UTF-8 character `s` starts with is: 0 when its start is
// right but `s` ends before it does, -1 when it is malformed (a stray
// continuation byte, an overlong form, a surrogate, above U+10FFFF).
int utf8CharLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const base::Utf8Lead lead = base::utf8Lead(byte(0));
  if (lead.length == 0) return -1;
  const int length = lead.length;
  for (size_t i = 1; i < static_cast<size_t>(length); ++i) {
    if (i == s.size()) return 0;
    unsigned char c = byte(i);
    if (i == 1 ? (c < lead.low || c > lead.high) : (c & 0xC0) != 0x80) return -1;
  }
  return length;
}

void appendAttributeValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '"') out += "&quot;";
    else out += c;
  }
}

}  // namespace

// An element some handler looked at: what its start tag's handlers asked
// for at its end.
struct Rewriter::Element {
  uint64_t id = 0;
  bool can_have_end_tag = true;
  bool end_tag_handlers = false;  // onEndTag() was called
  // Content between its tags is dropped (remove, replace, setInnerContent).
  bool remove_content = false;
  // What its start tag's handlers asked of the end tag. As in lol-html,
  // these are applied to the end tag that closes the element (which may be
  // an ancestor's, when the element was closed implicitly), replacing what
  // an earlier element's applied; elements never closed lose them.
  bool end_mutated = false;
  std::vector<Content> end_before, end_after;  // append(), after()
  bool end_removed = false;
  std::optional<std::string> renamed;
  bool hasEndWork() const { return end_mutated || renamed || end_tag_handlers; }
};

struct Rewriter::OpenElement {
  std::string name;                 // lowercased
  std::vector<uint64_t> m, a;       // selector positions matched here / here or above
  int children = 0;                 // element children so far
  std::vector<std::pair<std::string, int>> types;  // per child name: how many so far
  std::vector<uint32_t> matched;    // ElementHandlers whose selector matched it
  std::shared_ptr<Element> element; // null when no handler saw it
  std::string_view ns;
};

struct Rewriter::Token {
  enum class Kind { kStart, kEnd, kText, kComment, kDoctype, kOther, kDocumentEnd } kind;
  std::string raw;
  std::vector<Event> events;
  bool events_ready = true;
  // Start tag.
  std::string name;  // as written
  std::vector<std::pair<std::string, std::optional<std::string>>> attributes;  // lowercased names
  // Per attribute: its name as written and its bytes as written (empty
  // once changed: it is then written as name="value").
  std::vector<std::pair<std::string, std::string>> attribute_raw;
  bool self_closing = false, tag_changed = false;
  std::string_view ns;
  std::shared_ptr<Element> element;
  // End tag (and document end): the elements it closes, innermost first;
  // `matched` when the last is the one its name names.
  std::vector<std::shared_ptr<Element>> closes;
  bool matched = false;
  // Elements whose end tag work is applied to this end tag, innermost first.
  std::vector<std::shared_ptr<Element>> end_work;
  bool end_name_changed = false;
  // Text.
  bool last = false;
  // Comment.
  std::string comment_text;
  bool comment_changed = false;
  // Doctype.
  Doctype doctype;
  // Changes. A start tag's `prepend` is lol-html's content after the
  // start tag (prepend, setInnerContent, a void element's after).
  std::vector<Content> before, after, prepend;
  std::optional<Content> replacement;
  bool removed = false;
};

class Rewriter::Sink : public TokenSink {
 public:
  explicit Sink(Rewriter& r) : r_(r) {}
  void startTag(const StartTag& tag) override { r_.onStartTag(tag); }
  void endTag(const EndTag& tag) override { r_.onEndTag(tag); }
  void text(std::string_view raw, TextKind kind) override { r_.onText(raw, kind); }
  void comment(const Comment& c) override { r_.onComment(c); }
  void doctype(const Doctype& d) override { r_.onDoctype(d); }
  void other(std::string_view raw) override { r_.onOther(raw); }

 private:
  Rewriter& r_;
};

Rewriter::Rewriter(std::vector<ElementHandlers> elements, std::vector<DocumentHandlers> documents)
    : elements_(std::move(elements)),
      documents_(std::move(documents)),
      sink_(std::make_unique<Sink>(*this)),
      tokenizer_(*sink_) {
  for (const auto& e : elements_) {
    for (const auto& alt : e.selector.alternatives) positions_ += alt.compounds.size();
  }
  inside_.assign(elements_.size(), 0);
  OpenElement root;
  root.m.assign((positions_ + 63) / 64, 0);
  root.a = root.m;
  stack_.push_back(std::move(root));
}

Rewriter::~Rewriter() = default;

void Rewriter::write(std::string_view chunk) {
  if (ended_) throw std::logic_error("write() after end()");
  if (!marks_.empty()) throw std::logic_error("write() while streamed content is due");
  tokenizer_.write(chunk);
}

void Rewriter::end() {
  if (ended_) return;
  if (!marks_.empty()) throw std::logic_error("end() while streamed content is due");
  tokenizer_.end();
  closeTextNode();
  ended_ = true;
  auto t = std::make_unique<Token>();
  t->kind = Token::Kind::kDocumentEnd;
  while (stack_.size() > 1) {
    for (uint32_t r : stack_.back().matched) --inside_[r];
    if (stack_.back().element) t->closes.push_back(stack_.back().element);
    stack_.pop_back();
  }
  for (uint32_t d = 0; d < documents_.size(); ++d) {
    if (documents_[d].end) t->events.push_back({EventKind::kDocumentEnd, d, true, 0});
  }
  queue(std::move(t));
}

void Rewriter::queue(std::unique_ptr<Token> token) { queue_.push_back(std::move(token)); }

// ---- tokenization: matching, and which handlers each token needs ----

void Rewriter::onStartTag(const StartTag& tag) {
  closeTextNode();
  OpenElement& parent = stack_.back();
  std::string name = asciiLowercase(tag.name);
  int index = ++parent.children;
  int type_index = 0;
  for (auto& [n, count] : parent.types) {
    if (n == name) type_index = ++count;
  }
  if (type_index == 0) {
    parent.types.emplace_back(name, 1);
    type_index = 1;
  }
  ElementFacts facts{tag.name, &tag.attributes, index, type_index};
  OpenElement e;
  e.m.assign(parent.m.size(), 0);
  size_t pos = 0;
  for (uint32_t r = 0; r < elements_.size(); ++r) {
    bool matched = false;
    for (const auto& alt : elements_[r].selector.alternatives) {
      for (size_t k = 0; k < alt.compounds.size(); ++k, ++pos) {
        bool ok = matchesCompound(alt.compounds[k], facts);
        if (ok && k > 0) {
          const auto& bits = alt.combinators[k - 1] == ComplexSelector::Combinator::kChild ? parent.m : parent.a;
          ok = bits[(pos - 1) / 64] >> ((pos - 1) % 64) & 1;
        }
        if (ok) {
          e.m[pos / 64] |= uint64_t{1} << (pos % 64);
          if (k + 1 == alt.compounds.size()) matched = true;
        }
      }
    }
    if (matched) e.matched.push_back(r);
  }
  e.a = parent.a;
  for (size_t i = 0; i < e.a.size(); ++i) e.a[i] |= e.m[i];
  std::string_view ns = tag.ns;  // a static string
  bool can_have_end_tag = ns.empty() ? !isVoid(name) : !tag.self_closing;

  std::vector<Event> events;
  for (uint32_t r : e.matched) {
    if (elements_[r].element) events.push_back({EventKind::kElement, r, false, 0});
  }
  std::shared_ptr<Element> element;
  if (!events.empty() || !queue_.empty()) {
    auto t = std::make_unique<Token>();
    t->kind = Token::Kind::kStart;
    t->raw = std::string(tag.raw);
    t->name = std::string(tag.name);
    t->self_closing = tag.self_closing;
    t->ns = ns;
    for (const auto& a : tag.attributes) {
      t->attributes.emplace_back(asciiLowercase(a.name), a.has_value ? std::optional<std::string>(std::string(a.value))
                                                              : std::optional<std::string>());
      t->attribute_raw.emplace_back(std::string(a.name), std::string(a.raw));
    }
    if (!events.empty()) {
      element = std::make_shared<Element>();
      element->id = next_element_id_++;
      element->can_have_end_tag = can_have_end_tag;
      t->element = element;
    }
    t->events = std::move(events);
    queue(std::move(t));
  } else {
    emit(tag.raw);
  }
  if (can_have_end_tag) {
    e.name = std::move(name);
    e.element = std::move(element);
    e.ns = ns;
    for (uint32_t r : e.matched) ++inside_[r];
    stack_.push_back(std::move(e));
  }
}

void Rewriter::onEndTag(const EndTag& tag) {
  closeTextNode();
  size_t k = stack_.size();
  for (size_t i = stack_.size(); i-- > 1;) {
    if (equalsIgnoreCase(stack_[i].name, tag.name)) {
      k = i;
      break;
    }
  }
  std::vector<std::shared_ptr<Element>> closes;
  bool any = false;
  const bool matched = k < stack_.size();
  if (matched) {
    while (stack_.size() > k) {
      for (uint32_t r : stack_.back().matched) --inside_[r];
      any = any || stack_.back().element != nullptr;
      closes.push_back(stack_.back().element);
      stack_.pop_back();
    }
  }
  if (!any && queue_.empty()) {
    emit(tag.raw);
    return;
  }
  auto t = std::make_unique<Token>();
  t->kind = Token::Kind::kEnd;
  t->raw = std::string(tag.raw);
  t->name = std::string(tag.name);
  t->closes = std::move(closes);
  t->matched = matched;
  // Its end tag handlers are known only once its start tag's ran.
  t->events_ready = false;
  queue(std::move(t));
}

namespace {
// Where `s` stops being whole UTF-8: the start of a trailing sequence its
// lead byte says is longer than what is there (else s.size()).
size_t completeUtf8Prefix(std::string_view s) {
  for (size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    auto c = static_cast<unsigned char>(s[s.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? s.size() - back : s.size();
  }
  return s.size();
}
}  // namespace

void Rewriter::onText(std::string_view raw, TextKind) {
  if (!text_carry_.empty()) {
    // The bytes of a character cut by the last chunk go with this piece.
    text_carry_.append(raw);
    std::string joined = std::exchange(text_carry_, {});
    onTextPiece(joined);
    return;
  }
  onTextPiece(raw);
}

void Rewriter::onTextPiece(std::string_view raw) {
  std::vector<Event> events;
  for (uint32_t r = 0; r < elements_.size(); ++r) {
    if (elements_[r].text && inside_[r] > 0) events.push_back({EventKind::kText, r, false, 0});
  }
  for (uint32_t d = 0; d < documents_.size(); ++d) {
    if (documents_[d].text) events.push_back({EventKind::kText, d, true, 0});
  }
  if (events.empty() && queue_.empty()) {
    emit(raw);
    return;
  }
  if (!events.empty()) {
    // The node's last chunk (empty) comes when the next token starts.
    text_open_ = true;
    text_events_ = events;
    // Handlers see whole characters, as lol-html decodes them: a character
    // cut by the chunk's end waits for the rest.
    size_t whole = utf8_ ? completeUtf8Prefix(raw) : raw.size();
    if (whole < raw.size()) {
      text_carry_.assign(raw.substr(whole));
      raw = raw.substr(0, whole);
      if (raw.empty()) return;
    }
  }
  auto t = std::make_unique<Token>();
  t->kind = Token::Kind::kText;
  t->raw = std::string(raw);
  t->events = std::move(events);
  queue(std::move(t));
}

void Rewriter::closeTextNode() {
  if (!text_carry_.empty()) {
    // A cut character the node ends with: it goes as it is.
    auto t = std::make_unique<Token>();
    t->kind = Token::Kind::kText;
    t->raw = std::exchange(text_carry_, {});
    t->events = text_events_;
    text_open_ = true;
    queue(std::move(t));
  }
  if (!text_open_) return;
  text_open_ = false;
  auto t = std::make_unique<Token>();
  t->kind = Token::Kind::kText;
  t->last = true;
  t->events = std::move(text_events_);
  queue(std::move(t));
}

void Rewriter::onComment(const Comment& comment) {
  closeTextNode();
  std::vector<Event> events;
  for (uint32_t r = 0; r < elements_.size(); ++r) {
    if (elements_[r].comments && inside_[r] > 0) events.push_back({EventKind::kComment, r, false, 0});
  }
  for (uint32_t d = 0; d < documents_.size(); ++d) {
    if (documents_[d].comments) events.push_back({EventKind::kComment, d, true, 0});
  }
  if (events.empty() && queue_.empty()) {
    emit(comment.raw);
    return;
  }
  auto t = std::make_unique<Token>();
  t->kind = Token::Kind::kComment;
  t->raw = std::string(comment.raw);
  t->comment_text = std::string(comment.text);
  t->events = std::move(events);
  queue(std::move(t));
}

void Rewriter::onDoctype(const Doctype& doctype) {
  closeTextNode();
  std::vector<Event> events;
  for (uint32_t d = 0; d < documents_.size(); ++d) {
    if (documents_[d].doctype) events.push_back({EventKind::kDoctype, d, true, 0});
  }
  if (events.empty() && queue_.empty()) {
    emit(doctype.raw);
    return;
  }
  auto t = std::make_unique<Token>();
  t->kind = Token::Kind::kDoctype;
  t->raw = std::string(doctype.raw);
  // The views move to the token's own copy of the bytes.
  auto rebase = [&](std::string_view v) {
    return v.empty() ? std::string_view() : std::string_view(t->raw).substr(v.data() - doctype.raw.data(), v.size());
  };
  t->doctype = doctype;
  t->doctype.name = rebase(doctype.name);
  t->doctype.public_id = rebase(doctype.public_id);
  t->doctype.system_id = rebase(doctype.system_id);
  t->doctype.raw = t->raw;
  t->events = std::move(events);
  queue(std::move(t));
}

void Rewriter::onOther(std::string_view raw) {
  closeTextNode();
  if (queue_.empty()) {
    emit(raw);
    return;
  }
  auto t = std::make_unique<Token>();
  t->kind = Token::Kind::kOther;
  t->raw = std::string(raw);
  queue(std::move(t));
}

// ---- serialization ----

namespace {
// An internal step of an end tag: apply an element's end tag work.
constexpr uint32_t kApplyEndWork = UINT32_MAX;
}  // namespace

bool Rewriter::next(Event& event) {
  if (streaming_) throw std::logic_error("next() before streamEnd()");
  for (;;) {
    if (!marks_.empty()) {
      // Streamed content is due: the caller writes it before the output goes on.
      streaming_ = true;
      event = {EventKind::kStream, 0, false, 0, marks_.front().id};
      return true;
    }
    if (queue_.empty()) return false;
    Token& t = *queue_.front();
    if (!t.events_ready) {
      // The end tag's handlers are known only now that the start tags'
      // ran. As in lol-html, every element it closes that has end tag work
      // applies it here, innermost first (so the outermost one's stays),
      // each followed by its own onEndTag handlers; content removal stops
      // before the end tag.
      t.events_ready = true;
      for (const auto& e : t.closes) {
        if (!e) continue;
        if (e->remove_content && removed_content_ > 0) --removed_content_;
        if (!e->hasEndWork()) continue;
        t.end_work.push_back(e);
        t.events.push_back({EventKind::kEndTag, kApplyEndWork, false, e->id});
        if (e->end_tag_handlers) t.events.push_back({EventKind::kEndTag, 0, false, e->id});
      }
    }
    if (event_ == 0 && t.kind == Token::Kind::kStart && removed_content_ > 0) {
      t.removed = true;  // inside removed content (lol-html removes it first)
    }
    while (event_ < t.events.size()) {
      event = t.events[event_++];
      if (event.kind == EventKind::kEndTag && event.handler == kApplyEndWork) {
        for (const auto& e : t.end_work) {
          if (e->id != event.element) continue;
          if (e->renamed) {
            t.name = *e->renamed;
            t.end_name_changed = true;
          }
          if (e->end_mutated) {
            t.before = e->end_before;
            t.after = e->end_after;
            t.removed = e->end_removed;
            t.replacement.reset();
          }
        }
        continue;
      }
      if (event.kind == EventKind::kDoctype) current_doctype_ = t.doctype;
      return true;
    }
    serialize(t);
    queue_.pop_front();
    event_ = 0;
  }
}

std::string Rewriter::takeOutput() {
  if (marks_.empty()) return std::exchange(output_, {});
  size_t n = marks_.front().offset;
  std::string out = output_.substr(0, n);
  output_.erase(0, n);
  for (auto& m : marks_) m.offset -= n;
  return out;
}

std::string Rewriter::streamWrite(std::string_view bytes) {
  if (!streaming_) throw std::logic_error("streamWrite() with no streamed content due");
  std::string joined;
  if (!stream_carry_.empty()) {
    joined = std::exchange(stream_carry_, {});
    joined.append(bytes);
    bytes = joined;
  }
  size_t whole = 0;
  while (whole < bytes.size()) {
    if (static_cast<unsigned char>(bytes[whole]) < 0x80) {
      ++whole;
      continue;
    }
    int length = utf8CharLength(bytes.substr(whole));
    if (length < 0) throw std::runtime_error("Invalid UTF-8");
    if (length == 0) break;  // cut by the end of the chunk
    whole += static_cast<size_t>(length);
  }
  stream_carry_ = std::string(bytes.substr(whole));
  std::string_view valid = bytes.substr(0, whole);
  if (marks_.front().html) return std::string(valid);
  std::string out;
  appendEscaped(out, valid);
  return out;
}

std::string Rewriter::streamEnd() {
  if (!streaming_) throw std::logic_error("streamEnd() with no streamed content due");
  std::string out = stream_carry_.empty() ? "" : "\xEF\xBF\xBD";  // U+FFFD for an unfinished character
  stream_carry_.clear();
  streaming_ = false;
  marks_.pop_front();
  return out;
}

void Rewriter::emit(std::string_view bytes) {
  if (removed_content_ == 0) output_.append(bytes);
}

void Rewriter::emitContent(const std::vector<Content>& contents) {
  if (removed_content_ != 0) return;
  for (const auto& c : contents) {
    if (c.stream != 0) marks_.push_back({output_.size(), c.stream, c.html});
    else if (c.html) output_ += c.text;
    else appendEscaped(output_, c.text);
  }
}

// A token as lol-html writes it: content before, the token (or its
// replacement when removed), content after.
void Rewriter::serialize(Token& t) {
  using Kind = Token::Kind;
  switch (t.kind) {
    case Kind::kStart: {
      emitContent(t.before);
      if (t.removed) {
        if (t.replacement) emitContent({*t.replacement});
      } else if (!t.tag_changed) {
        emit(t.raw);
      } else if (removed_content_ == 0) {
        output_ += '<';
        output_ += t.name;
        for (size_t i = 0; i < t.attributes.size(); ++i) {
          output_ += ' ';
          const auto& [written, raw] = t.attribute_raw[i];
          if (!raw.empty()) {
            output_ += raw;
            continue;
          }
          output_ += written;
          output_ += "=\"";
          appendAttributeValue(output_, t.attributes[i].second.value_or(""));
          output_ += '"';
        }
        if (t.self_closing) output_ += t.attributes.empty() ? "/>" : " />";
        else output_ += '>';
      }
      emitContent(t.prepend);
      if (t.element && t.element->remove_content) ++removed_content_;
      return;
    }
    case Kind::kEnd: {
      if (!t.matched && t.closes.empty()) {
        // An end tag of no open element: no handler sees it.
        emit(t.raw);
        return;
      }
      emitContent(t.before);
      if (t.removed) {
        if (t.replacement) emitContent({*t.replacement});
      } else {
        emit(t.end_name_changed ? "</" + t.name + ">" : t.raw);
      }
      emitContent(t.after);
      return;
    }
    case Kind::kDocumentEnd:
      removed_content_ = 0;
      emitContent(document_end_);
      return;
    case Kind::kText:
    case Kind::kComment: {
      emitContent(t.before);
      if (t.replacement) {
        emitContent({*t.replacement});
      } else if (!t.removed) {
        if (t.kind == Kind::kComment && t.comment_changed) emit("<!--" + t.comment_text + "-->");
        else emit(t.raw);
      }
      emitContent(t.after);
      return;
    }
    case Kind::kDoctype:
    case Kind::kOther:
      emit(t.raw);
      return;
  }
}

// ---- the current token ----

Rewriter::Token& Rewriter::current() {
  if (queue_.empty() || event_ == 0) throw std::logic_error("no current token");
  return *queue_.front();
}
const Rewriter::Token& Rewriter::current() const {
  if (queue_.empty() || event_ == 0) throw std::logic_error("no current token");
  return *queue_.front();
}

std::string_view Rewriter::tagName() const { return current().name; }

void Rewriter::setTagName(std::string name) {
  Token& t = current();
  if (t.element && t.element->can_have_end_tag) t.element->renamed = name;
  t.name = std::move(name);
  t.tag_changed = true;
}

const std::vector<std::pair<std::string, std::optional<std::string>>>& Rewriter::attributes() const {
  return current().attributes;
}

std::optional<std::string_view> Rewriter::getAttribute(std::string_view name) const {
  for (const auto& [n, v] : current().attributes) {
    if (equalsIgnoreCase(n, name)) return v ? std::string_view(*v) : std::string_view();
  }
  return std::nullopt;
}

void Rewriter::setAttribute(std::string_view name, std::string value) {
  Token& t = current();
  t.tag_changed = true;
  for (size_t i = 0; i < t.attributes.size(); ++i) {
    if (equalsIgnoreCase(t.attributes[i].first, name)) {
      t.attributes[i].second = std::move(value);
      t.attribute_raw[i].second.clear();  // written anew, under its name as written
      return;
    }
  }
  t.attributes.emplace_back(asciiLowercase(name), std::move(value));
  t.attribute_raw.emplace_back(asciiLowercase(name), std::string());
}

void Rewriter::removeAttribute(std::string_view name) {
  Token& t = current();
  // Every attribute of that name goes (duplicates too), as in lol-html.
  bool any = false;
  for (size_t i = t.attributes.size(); i-- > 0;) {
    if (!equalsIgnoreCase(t.attributes[i].first, name)) continue;
    t.attributes.erase(t.attributes.begin() + static_cast<ptrdiff_t>(i));
    t.attribute_raw.erase(t.attribute_raw.begin() + static_cast<ptrdiff_t>(i));
    any = true;
  }
  if (any) t.tag_changed = true;
}

std::string_view Rewriter::namespaceURI() const {
  std::string_view ns = current().ns;
  if (ns == "svg") return "http://www.w3.org/2000/svg";
  if (ns == "math") return "http://www.w3.org/1998/Math/MathML";
  return "http://www.w3.org/1999/xhtml";
}

bool Rewriter::canHaveEndTag() const {
  const Token& t = current();
  return t.element && t.element->can_have_end_tag;
}

uint64_t Rewriter::endTagHandlerId() {
  Token& t = current();
  if (!t.element || !t.element->can_have_end_tag) return 0;
  t.element->end_tag_handlers = true;
  return t.element->id;
}

// The element operations follow lol-html's Element: what lands on the
// start tag, and what is kept for the end tag.
namespace {
bool isStart(const auto& t) { return t.element != nullptr; }
}  // namespace

void Rewriter::removeContentOf(Token& t) {
  t.prepend.clear();
  if (t.element->end_mutated) t.element->end_before.clear();
  t.element->remove_content = true;
}

void Rewriter::prepend(Content c) {
  Token& t = current();
  if (!isStart(t) || !t.element->can_have_end_tag) return;
  t.self_closing = false;
  t.prepend.insert(t.prepend.begin(), std::move(c));
}

void Rewriter::append(Content c) {
  Token& t = current();
  if (!isStart(t) || !t.element->can_have_end_tag) return;
  t.self_closing = false;
  t.element->end_mutated = true;
  t.element->end_before.push_back(std::move(c));
}

void Rewriter::setInnerContent(Content c) {
  Token& t = current();
  if (!isStart(t) || !t.element->can_have_end_tag) return;
  t.self_closing = false;
  removeContentOf(t);
  t.prepend.insert(t.prepend.begin(), std::move(c));
}

void Rewriter::removeAndKeepContent() {
  Token& t = current();
  if (!isStart(t)) return;
  t.removed = true;
  if (t.element->can_have_end_tag) {
    t.element->end_mutated = true;
    t.element->end_removed = true;
  }
}

void Rewriter::before(Content c) { current().before.push_back(std::move(c)); }

void Rewriter::after(Content c) {
  Token& t = current();
  if (isStart(t)) {
    if (t.element->can_have_end_tag) {
      t.element->end_mutated = true;
      t.element->end_after.insert(t.element->end_after.begin(), std::move(c));
    } else {
      t.prepend.insert(t.prepend.begin(), std::move(c));
    }
    return;
  }
  t.after.insert(t.after.begin(), std::move(c));
}

void Rewriter::replace(Content c) {
  Token& t = current();
  t.removed = true;
  t.replacement = std::move(c);
  if (isStart(t) && t.element->can_have_end_tag) {
    removeContentOf(t);
    t.element->end_mutated = true;
    t.element->end_removed = true;
  }
}

void Rewriter::remove() {
  Token& t = current();
  t.removed = true;
  if (isStart(t) && t.element->can_have_end_tag) {
    removeContentOf(t);
    t.element->end_mutated = true;
    t.element->end_removed = true;
  }
}

bool Rewriter::removed() const { return current().removed; }

std::string_view Rewriter::text() const { return current().raw; }
bool Rewriter::lastInTextNode() const { return current().last; }

std::string_view Rewriter::commentText() const { return current().comment_text; }

void Rewriter::setCommentText(std::string text) {
  Token& t = current();
  t.comment_text = std::move(text);
  t.comment_changed = true;
}

std::string_view Rewriter::endTagName() const { return current().name; }

void Rewriter::setEndTagName(std::string name) {
  Token& t = current();
  t.name = std::move(name);
  t.end_name_changed = true;
}

void Rewriter::appendToDocument(Content c) { document_end_.push_back(std::move(c)); }

}  // namespace verge::html
