// Fuzz target for the rewriter (a worker's HTMLRewriter gets untrusted
// documents): any bytes, with handlers that use every mutation (streamed
// content too), rewrite without crashing and to the same output however the
// input is cut (whole, in two pieces, byte by byte), or fail (lol-html's
// strict mode) however it is cut; with no handler the output is the input. The unit tests
// replay the seed corpus of tests/fuzz/html/ through it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "html/rewriter.h"

namespace verge::html {

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// The handlers: every mutation, chosen by what the token is (never by how
// the input was cut).
void handle(Rewriter& r, const Rewriter::Event& e) {
  using Kind = Rewriter::EventKind;
  switch (e.kind) {
    case Kind::kElement: {
      std::string name(r.tagName());
      (void)r.attributes();
      (void)r.getAttribute("class");
      (void)r.namespaceURI();
      if (r.canHaveEndTag()) (void)r.endTagHandlerId();
      if (name == "p") r.setTagName("section");
      else if (name == "li") r.remove();
      else if (name == "b") r.removeAndKeepContent();
      else if (name == "div") r.setInnerContent({"<i>inner</i>", true});
      else if (name == "a") r.replace({"<a & b>", false});
      else if (name == "span") r.append({{}, false, 1});  // streamed (drain() writes it)
      else if (e.handler == 1) r.prepend({"<pre>", true});
      r.setAttribute("data-f", "x\"y");
      r.removeAttribute("id");
      r.before({"[b]", false});
      if (e.handler == 1) r.before({{}, true, 2});
      r.after({"<after/>", true});
      r.append({"&app", false});
      return;
    }
    case Kind::kEndTag:
      if (r.endTagName().size() % 2) r.setEndTagName("end");
      r.before({"<e>", true});
      r.after({"</e>", false});
      return;
    case Kind::kComment:
      if (r.commentText().find('x') != std::string_view::npos) r.remove();
      else r.setCommentText("c");
      return;
    case Kind::kText:
      (void)r.text();
      (void)r.lastInTextNode();
      return;
    case Kind::kDoctype:
      (void)r.doctype();
      return;
    case Kind::kDocumentEnd:
      r.appendToDocument({"<!--end-->", true});
      return;
    case Kind::kStream:
      return;  // drain()'s
  }
}

// Rewrites the input fed by `feed`; false when the rewriter gave up.
template <typename Feed>
bool rewrite(bool with_handlers, std::string& out, Feed feed) {
  std::vector<ElementHandlers> on;
  std::vector<DocumentHandlers> docs;
  if (with_handlers) {
    on.push_back({parseSelector("*"), true, true, true});
    on.push_back({parseSelector("ul > li:nth-child(2n+1), div p, [class~=a]"), true, true, true});
    docs.push_back({true, true, true, true});
  }
  Rewriter r(std::move(on), std::move(docs));
  auto drain = [&] {
    Rewriter::Event e;
    while (r.next(e)) {
      if (e.kind != Rewriter::EventKind::kStream) {
        handle(r, e);
        continue;
      }
      // Streamed content, a character cut between its chunks.
      out += r.takeOutput();
      out += r.streamWrite(e.stream == 1 ? "<s>\xc3" : "<u>\xe2\x82");
      out += r.streamWrite(e.stream == 1 ? "\xa9" : "\xac");
      out += r.streamEnd();
    }
    out += r.takeOutput();
  };
  try {
    feed([&](std::string_view chunk) {
      r.write(chunk);
      drain();
    });
    r.end();
    drain();
  } catch (const ParsingAmbiguityError&) {
    return false;
  }
  return true;
}

}  // namespace

int fuzzRewriter(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string plain;
  if (rewrite(false, plain, [&](auto write) { write(input); })) check(plain == input);
  std::string whole;
  const bool ok = rewrite(true, whole, [&](auto write) { write(input); });
  size_t split = size == 0 ? 0 : data[0] % (size + 1);
  std::string pieces;
  check(rewrite(true, pieces, [&](auto write) {
          write(input.substr(0, split));
          write(input.substr(split));
        }) == ok);
  if (ok) check(pieces == whole);
  if (size <= 4096) {
    std::string bytewise;
    check(rewrite(true, bytewise, [&](auto write) {
            for (size_t i = 0; i < size; ++i) write(input.substr(i, 1));
          }) == ok);
    if (ok) check(bytewise == whole);
  }
  return 0;
}

}  // namespace verge::html

#ifdef VERGE_REWRITER_FUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::html::fuzzRewriter(data, size);
}
#endif
