// The streaming HTML rewriter behind HTMLRewriter: the tokenizer's tokens,
// matched against the registered selectors, go out unchanged unless a
// handler changed them. It is pull-driven, so that handlers may be
// asynchronous (JavaScript promises) without the rewriter buffering more
// than the tokens of the input chunk in hand:
//
//   rewriter.write(chunk);                 // or end()
//   while (rewriter.next(event)) {         // a handler is due
//     ... call it; it reads and changes the current token through the
//     rewriter's accessors (tagName(), setAttribute(), before(), …) ...
//   }
//   send(rewriter.takeOutput());
//
// Content may also be a stream the caller reads (HTMLRewriter's
// ReadableStream and Response content): the output stops where it goes,
// next() says so with a kStream event, and the caller passes the stream's
// bytes through streamWrite() before the rewriter goes on.
//
// Tokens no handler looks at are copied to the output as they were, byte
// for byte; a changed tag is written anew. Text and comments are not
// decoded: handlers see them as written, as with lol-html.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "html/selector.h"
#include "html/tokenizer.h"

namespace verge::html {

// HTMLRewriter.on(selector, { element, comments, text }).
struct ElementHandlers {
  SelectorList selector;
  bool element = false, comments = false, text = false;
};
// HTMLRewriter.onDocument({ doctype, comments, text, end }).
struct DocumentHandlers {
  bool doctype = false, comments = false, text = false, end = false;
};

// Content a handler inserts: HTML as it is, or text (escaped). A `stream`
// other than 0 names content the caller streams in when the output reaches
// it (a kStream event with that id); `text` is then unused.
struct Content {
  std::string text;
  bool html = false;
  uint64_t stream = 0;
};

class Rewriter {
 public:
  enum class EventKind : uint8_t { kElement, kComment, kText, kDoctype, kEndTag, kDocumentEnd, kStream };
  struct Event {
    EventKind kind;
    // Which registration: an index into the ElementHandlers (for element,
    // and for comments and text inside a matched element), or into the
    // DocumentHandlers when `document` is true.
    uint32_t handler = 0;
    bool document = false;
    // kEndTag: the element whose end tag handlers run (addEndTagHandler).
    uint64_t element = 0;
    // kStream: the Content::stream whose bytes are due now.
    uint64_t stream = 0;
  };

  Rewriter(std::vector<ElementHandlers> elements, std::vector<DocumentHandlers> documents);
  ~Rewriter();
  Rewriter(const Rewriter&) = delete;
  Rewriter& operator=(const Rewriter&) = delete;

  void write(std::string_view chunk);
  void end();
  // Whether the document is UTF-8 (the default): then a character cut by
  // the end of an input chunk is held back so that text handlers see whole
  // characters. Other charsets' text goes as it comes.
  void setUtf8(bool utf8) { utf8_ = utf8; }
  // The next handler to call, or false once the input written so far is
  // done (its output ready). After end(), the last false means the
  // document is done.
  bool next(Event& event);
  // The output so far; while streamed content is due, only what comes
  // before it.
  std::string takeOutput();
  // After a kStream event: the output for the next bytes of that stream
  // (UTF-8, escaped unless it is HTML), and at its end streamEnd(); then
  // next() goes on. A character cut by the end of a chunk waits for the
  // next; one the stream leaves unfinished is U+FFFD. Bytes that are not
  // UTF-8 throw std::runtime_error("Invalid UTF-8") (lol-html's words).
  std::string streamWrite(std::string_view bytes);
  std::string streamEnd();
  // The longest token held (memory bound, for tests).
  size_t maxPending() const { return tokenizer_.maxPending(); }

  // ---- the current token (the one the last event is about) ----
  // Element (kElement):
  std::string_view tagName() const;
  void setTagName(std::string name);
  const std::vector<std::pair<std::string, std::optional<std::string>>>& attributes() const;
  std::optional<std::string_view> getAttribute(std::string_view name) const;
  void setAttribute(std::string_view name, std::string value);
  void removeAttribute(std::string_view name);
  std::string_view namespaceURI() const;
  bool canHaveEndTag() const;
  // The id that kEndTag events for this element carry; 0 when it can have
  // no end tag. The caller keeps its handlers under that id.
  uint64_t endTagHandlerId();
  void prepend(Content c);
  void append(Content c);
  void setInnerContent(Content c);
  void removeAndKeepContent();
  // Element, text, comment and end tag:
  void before(Content c);
  void after(Content c);
  void replace(Content c);
  void remove();
  bool removed() const;
  // Text (kText): the chunk, and whether it is the node's last (empty).
  std::string_view text() const;
  bool lastInTextNode() const;
  // Comment (kComment):
  std::string_view commentText() const;
  void setCommentText(std::string text);
  // Doctype (kDoctype): empty views for what it lacks (`has` says).
  const Doctype& doctype() const { return current_doctype_; }
  // End tag (kEndTag):
  std::string_view endTagName() const;
  void setEndTagName(std::string name);
  // Document end (kDocumentEnd):
  void appendToDocument(Content c);

 private:
  class Sink;
  struct Element;
  struct Token;
  void onStartTag(const StartTag& tag);
  void onEndTag(const EndTag& tag);
  void onText(std::string_view raw, TextKind kind);
  void onTextPiece(std::string_view raw);
  void onComment(const Comment& comment);
  void onDoctype(const Doctype& doctype);
  void onOther(std::string_view raw);
  void closeTextNode();
  void queue(std::unique_ptr<Token> token);
  void emit(std::string_view bytes);  // unless suppressed
  void emitContent(const std::vector<Content>& contents);
  void serialize(Token& token);
  void removeContentOf(Token& start_tag);
  Token& current();
  const Token& current() const;

  std::vector<ElementHandlers> elements_;
  std::vector<DocumentHandlers> documents_;
  std::unique_ptr<Sink> sink_;
  Tokenizer tokenizer_;
  // Matching (at tokenization time).
  struct OpenElement;
  std::vector<OpenElement> stack_;
  size_t positions_ = 0;  // compounds over all selectors (bitset width)
  std::vector<int> inside_;  // per ElementHandlers: open elements it matched
  bool text_open_ = false;   // the last token was text some handler saw
  std::vector<Event> text_events_;  // its handlers, for its last chunk
  std::string text_carry_;  // the first bytes of a character the last chunk cut
  bool utf8_ = true;
  // Serialization.
  std::deque<std::unique_ptr<Token>> queue_;
  size_t event_ = 0;  // next event of queue_.front()
  std::string output_;
  // Streamed content in output_: where it goes, in order.
  struct StreamMark {
    size_t offset;
    uint64_t id;
    bool html;
  };
  std::deque<StreamMark> marks_;
  bool streaming_ = false;     // the first mark's kStream event was given
  std::string stream_carry_;   // the first bytes of a character a chunk cut
  // Open elements whose content is being removed: output is dropped while
  // there is one (lol-html's matched_elements_with_removed_content).
  int removed_content_ = 0;
  bool ended_ = false, end_done_ = false;
  std::vector<Content> document_end_;
  Doctype current_doctype_;
  uint64_t next_element_id_ = 1;
};

}  // namespace verge::html
