// Fuzz target for the HTML tokenizer. Build with clang -fsanitize=fuzzer
// to fuzz; the unit tests replay the seed corpus in tests/fuzz/html/.
//
// Beyond "does not crash", it checks what must hold for any input: the
// bytes of the tokens put back together are the input (a rewriter that
// changes nothing changes nothing), and feeding the input in two pieces
// split anywhere gives the same tokens as feeding it whole.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "html/tokenizer.h"

namespace verge::html {

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Records the tokens: their bytes (to rebuild the input) and a transcript
// in which a text node's pieces are joined (the split of text may differ).
class Recorder : public TokenSink {
 public:
  std::string bytes, transcript;
  void startTag(const StartTag& t) override {
    flush();
    bytes += t.raw;
    transcript += "<" + std::string(t.name);
    for (const auto& a : t.attributes) {
      transcript += " " + std::string(a.name) + (a.has_value ? "=" + std::string(a.value) : "");
    }
    transcript += t.self_closing ? "/>" : ">";
  }
  void endTag(const EndTag& t) override {
    flush();
    bytes += t.raw;
    transcript += "</" + std::string(t.name) + ">";
  }
  void text(std::string_view raw, TextKind kind) override {
    bytes += raw;
    text_ += raw;
    kind_ = static_cast<int>(kind);
  }
  void comment(const Comment& c) override {
    flush();
    bytes += c.raw;
    transcript += "<!--" + std::string(c.text) + "-->";
  }
  void doctype(const Doctype& d) override {
    flush();
    bytes += d.raw;
    transcript += "<!DOCTYPE " + std::string(d.name) + ">";
  }
  void other(std::string_view raw) override {
    flush();
    bytes += raw;
    transcript += "[" + std::string(raw) + "]";
  }
  void flush() {
    if (!text_.empty()) transcript += "#" + std::to_string(kind_) + "(" + text_ + ")";
    text_.clear();
  }

 private:
  std::string text_;
  int kind_ = 0;
};

}  // namespace

// The transcript of `input` tokenized whole (for the unit tests):
// <tag a=v>, </tag>, <!--comment-->, <!DOCTYPE name>, [other bytes], and
// #kind(text) for a text node (kind: TextKind's number).
std::string tokenTranscript(std::string_view input) {
  Recorder r;
  Tokenizer t(r);
  t.write(input);
  t.end();
  r.flush();
  return r.transcript;
}

// Runs `feed` on a fresh tokenizer; false when it gave up on the input
// (ParsingAmbiguityError, lol-html's strict mode), which must then happen
// however the input is cut.
template <typename Feed>
bool tokenize(Recorder& r, Feed feed) {
  Tokenizer t(r);
  try {
    feed(t);
    t.end();
  } catch (const ParsingAmbiguityError&) {
    return false;
  }
  r.flush();
  return true;
}

int fuzzTokenizer(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Recorder whole;
  const bool ok = tokenize(whole, [&](Tokenizer& t) { t.write(input); });
  if (ok) check(whole.bytes == input);
  // Two pieces, split where the first byte says; and byte by byte.
  size_t split = size == 0 ? 0 : data[0] % (size + 1);
  Recorder pieces;
  check(tokenize(pieces, [&](Tokenizer& t) {
          t.write(input.substr(0, split));
          t.write(input.substr(split));
        }) == ok);
  if (ok) {
    check(pieces.bytes == input);
    check(pieces.transcript == whole.transcript);
  }
  if (size <= 4096) {
    Recorder bytewise;
    check(tokenize(bytewise, [&](Tokenizer& t) {
            for (size_t i = 0; i < size; ++i) t.write(input.substr(i, 1));
          }) == ok);
    if (ok) {
      check(bytewise.bytes == input);
      check(bytewise.transcript == whole.transcript);
    }
  }
  return 0;
}

}  // namespace verge::html

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::html::fuzzTokenizer(data, size);
}
