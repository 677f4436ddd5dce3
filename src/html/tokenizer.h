// A streaming HTML tokenizer for rewriting (HTMLRewriter): the WHATWG
// tokenizer's states, fed bytes in chunks of any size, handing each token
// to a sink together with the exact bytes it came from, so that a rewriter
// can pass what it does not change through byte for byte.
//
// It follows lol-html (what Cloudflare's HTMLRewriter runs) rather than the
// standard where they part: text is not decoded (entities stay as
// written), and is handed on in the pieces lol-html's lexer makes — at
// each input chunk's end and at each '<' that might start a tag, with what
// turns out not to be one ("<", "</p" in a <style> …) a piece of its own —
// so memory is bounded by the longest tag, comment or doctype (or escaped
// script text, which lol-html also holds), not by the document. The text
// states that follow a start tag (RCDATA after <title>, RAWTEXT after
// <style>, script data after <script>, PLAINTEXT) and CDATA sections need
// a little of the tree builder's knowledge: the namespace stack that
// lol-html's tree builder simulator keeps, and its strict mode's
// ambiguity errors (ParsingAmbiguityError).
//
// Works on bytes: any ASCII-compatible encoding (UTF-8, windows-1252,
// ISO-8859-x, …) tokenizes the same.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace verge::html {

struct Attribute {
  std::string_view name;   // as written
  std::string_view value;  // as written (no quotes, entities not decoded)
  char quote = 0;          // '"' or '\'' when quoted
  bool has_value = false;  // `<input disabled>` has none
  std::string_view raw;    // the attribute as written: name, '=', quotes and value
};

// Where text came from: what the tokenizer was in when it read it.
enum class TextKind : uint8_t { kData, kRcdata, kRawtext, kScript, kPlaintext, kCdata };

// Each view is valid only during the sink's call.
struct StartTag {
  std::string_view name;  // as written
  // The element's namespace as the tree builder would give it: "" for
  // HTML, "svg" or "math" (foreign content, and <svg>/<math> themselves).
  std::string_view ns;
  std::vector<Attribute> attributes;
  bool self_closing = false;
  std::string_view raw;
};
struct EndTag {
  std::string_view name;
  std::string_view raw;
};
struct Comment {
  std::string_view text;  // between <!-- and -->, or a bogus comment's content
  std::string_view raw;
};
struct Doctype {
  std::string_view name;
  std::string_view public_id;
  std::string_view system_id;
  bool has_name = false, has_public_id = false, has_system_id = false;
  bool force_quirks = false;
  std::string_view raw;
};

// Thrown by Tokenizer::write() where lol-html's strict mode (which workerd
// uses) gives up: a text element (<script>, <style>, <title> …) inside
// <select> or after <frameset>, where only the tree builder could tell
// whether its content is text or markup. The message is lol-html's.
class ParsingAmbiguityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TokenSink {
 public:
  virtual ~TokenSink() = default;
  virtual void startTag(const StartTag& tag) = 0;
  virtual void endTag(const EndTag& tag) = 0;
  // A piece of a text node; the pieces of one node arrive in order, and a
  // node ends at the next token of another kind (or the end of input).
  virtual void text(std::string_view raw, TextKind kind) = 0;
  virtual void comment(const Comment& comment) = 0;
  virtual void doctype(const Doctype& doctype) = 0;
  // Bytes that are no token at all (`</>`, an unfinished tag at the end of
  // input): a rewriter passes them through.
  virtual void other(std::string_view raw) = 0;
};

class Tokenizer {
 public:
  explicit Tokenizer(TokenSink& sink) : sink_(sink) {}

  // Tokenizes `chunk`; tokens that end in it reach the sink now, a token
  // cut by the chunk's end waits for the next write().
  void write(std::string_view chunk);
  // The end of input: what is pending is flushed.
  void end();

  // The longest token kept so far (the memory a document needs).
  size_t maxPending() const { return max_pending_; }

 private:
  enum class State : uint8_t { kData, kRcdata, kRawtext, kScript, kPlaintext, kCdata };
  // The states of textMachine() (RCDATA, RAWTEXT, script data with its
  // escaped and double-escaped states), named after lol-html's.
  enum class Sub : uint8_t {
    kText, kLt, kEndOpen, kEndName, kEscStart, kEscDashDash, kEsc, kEscLt, kEscEndOpen, kEscEndName,
    kDescStart, kDesc, kDescDashDash, kDescLt, kDescEndName, kDescEnd
  };

  void run(bool at_end);
  // Each returns how many bytes of buf_ from `pos` it consumed; one that
  // needs more input first (never at the end) sets stall_.
  size_t needMore();
  size_t tagOpen(size_t pos, bool at_end);
  size_t parseTag(size_t pos, size_t name_start);  // → past its '>', or npos
  size_t startTag(size_t pos, bool at_end);
  size_t endTag(size_t pos, bool at_end);
  size_t markup(size_t pos, bool at_end);
  size_t comment(size_t pos, bool at_end);
  size_t bogusComment(size_t pos, size_t content, bool at_end);
  size_t doctype(size_t pos, bool at_end);
  size_t cdataText(size_t pos, bool at_end);
  // Text states after a start tag: text up to the appropriate end tag.
  size_t textMachine(size_t pos, bool at_end);
  void emitText(size_t from, size_t to, TextKind kind);
  // Tree knowledge, as lol-html's tree builder simulator has it: a stack
  // of namespaces that start and end tags move (not a stack of elements).
  // startTagNamespace() applies a start tag and returns its element's
  // namespace; afterStartTag() then picks the text state that follows.
  std::string_view startTagNamespace(const StartTag& tag);
  bool breaksOut(const StartTag& tag) const;  // an HTML tag that ends foreign content
  void afterStartTag(const StartTag& tag);
  void afterEndTag(std::string_view name);
  bool inForeignContent() const { return ns_.back() != Ns::kHtml; }

  TokenSink& sink_;
  std::string buf_;
  size_t scan_ = 0;  // how far a pending comment was already scanned (resumes long ones)
  bool stall_ = false;
  State state_ = State::kData;
  Sub sub_ = Sub::kText;
  size_t resume_ = 0;  // where textMachine() goes on, from the retained text's start
  std::string end_tag_;  // the name that ends RCDATA/RAWTEXT/script
  enum class Ns : uint8_t { kHtml, kSvg, kMath };
  std::vector<Ns> ns_{Ns::kHtml};
  bool read_in_html_ = true;  // the last start tag came in HTML content
  // lol-html's ambiguity guard (ParsingAmbiguityError).
  enum class Guard : uint8_t { kDefault, kInSelect, kInTemplateInSelect, kInOrAfterFrameset };
  void guardStartTag(std::string_view name);
  void guardEndTag(std::string_view name);
  Guard guard_ = Guard::kDefault;
  uint64_t guard_depth_ = 0;
  bool failed_ = false;
  size_t max_pending_ = 0;
  StartTag tag_;  // reused: its attribute vector keeps its capacity
};

// ASCII case-insensitive equality (tag and attribute names).
bool equalsIgnoreCase(std::string_view a, std::string_view b);
// `s` with ASCII A–Z lowercased (names as HTML compares them).
std::string asciiLowercase(std::string_view s);

}  // namespace verge::html
