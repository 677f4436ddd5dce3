// Fuzz target for the server's HTTP/1.1 request parse path: arbitrary bytes
// go through exactly what net::HttpServer runs on a connection
// (request_reader.h): Beast's request_parser with the server's limits, the
// head checks of request_head.h, the absolute-form rewrite, the Expect
// rules, and the body (chunked or Content-Length) read piece by piece into
// a bounded buffer, then the next pipelined request while the connection
// would be kept alive.
//
// The first input byte sets how many bytes each simulated socket read
// delivers (1..64), so a head or a chunk line split across reads is
// exercised as well as a whole one. Beyond "never crashes", it checks what
// the server relies on for any accepted head: a version of 1.0 or 1.1, an
// origin-form target (or "*"), exactly one Host on HTTP/1.1, and a body
// framing that is one of none, one Content-Length, or a final chunked
// without Content-Length; a refused head gets one of the statuses the
// server answers with; a complete Content-Length body has exactly that
// many bytes.
//
// Built into verge_unit_tests, where fuzz_replay_test.cc replays the seed
// corpus of tests/fuzz/http_request/; with -DVERGE_FUZZ=ON (clang) it is
// also a libFuzzer binary, verge_request_parser_fuzz.
#include <boost/asio/buffer.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/request_reader.h"

namespace verge::net {
namespace {

namespace http = boost::beast::http;

void check(bool ok) {
  if (!ok) std::abort();
}

size_t countHeader(const HeaderList& headers, std::string_view name) {
  size_t n = 0;
  for (const auto& h : headers) n += iequals(h.name, name) ? 1 : 0;
  return n;
}

// The bytes of one connection, delivered `step` at a time: the parser sees
// [pos, pos + avail), as it would see the server's read buffer.
struct Wire {
  std::string_view bytes;
  size_t step;
  size_t pos = 0;
  size_t avail = 0;

  bool more() const { return pos + avail < bytes.size(); }
  void receive() { avail += std::min(step, bytes.size() - pos - avail); }
  boost::asio::const_buffer window() const { return {bytes.data() + pos, avail}; }
  void consume(size_t n) {
    pos += n;
    avail -= n;
  }
};

// Feeds the parser until `done` says so; false when the connection ends
// (a parse error, or the input ran out). `error` gets a parse error.
template <typename Done>
bool feed(RequestParser& parser, Wire& wire, Done done, boost::system::error_code& error) {
  while (!done()) {
    if (wire.avail == 0) {
      if (!wire.more()) {
        parser.put_eof(error);
        return false;
      }
      wire.receive();
    }
    boost::system::error_code ec;
    size_t n = parser.put(wire.window(), ec);
    wire.consume(n);
    if (ec == http::error::need_buffer) return true;  // the caller gives the body room
    if (ec && ec != http::error::need_more) {
      error = ec;
      return false;
    }
    if (ec == http::error::need_more || (n == 0 && !done())) {
      // The parser wants more than the window holds: the next read.
      if (!wire.more()) {
        parser.put_eof(error);
        return false;
      }
      wire.receive();
    }
  }
  return true;
}

}  // namespace

int fuzzHttpRequest(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ServerLimits limits;
  limits.max_header_bytes = 8 * 1024;
  limits.max_header_count = 50;
  limits.max_body_bytes = 64 * 1024;
  Wire wire{std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
            static_cast<size_t>(data[0] % 64) + 1};

  for (int request = 0; request < 32; ++request) {
    if (wire.avail == 0 && !wire.more()) return 0;  // the client sent nothing more
    RequestParser parser;
    configureParser(parser, limits);

    // The head.
    boost::system::error_code ec;
    if (!feed(parser, wire, [&] { return parser.is_header_done(); }, ec)) {
      if (ec && ec != http::error::partial_message && ec != http::error::end_of_stream) {
        const int status = headParseError(ec).status;
        check(status == 400 || status == 413 || status == 431);
      }
      return 0;
    }
    HeadResult result = readRequestHead(parser, limits, "192.0.2.1");
    if (result.error) {
      const int s = result.error->status;
      check(s == 400 || s == 417 || s == 431 || s == 501 || s == 505);
      check(!result.error->message.empty());
      return 0;  // answered, then the connection is closed
    }

    // What the server hands to a handler.
    const RequestHead& head = result.parsed.head;
    check(head.version == 10 || head.version == 11);
    check(head.target == "*" || (!head.target.empty() && head.target[0] == '/'));
    check(head.target.find('#') == std::string::npos);
    const size_t hosts = countHeader(head.headers, "host");
    check(hosts <= 1);
    if (head.version == 11) check(hosts == 1);
    const bool te = countHeader(head.headers, "transfer-encoding") > 0;
    const bool cl = countHeader(head.headers, "content-length") > 0;
    check(!(te && cl));
    check(parser.chunked() == te);
    check(head.has_body == (te || (head.content_length && *head.content_length > 0)));
    if (te) check(head.version == 11 && !head.content_length);

    // The body, read into a small buffer as RequestBody does.
    uint64_t body_bytes = 0;
    char sink[512];
    while (!parser.is_done()) {
      parser.get().body().data = sink;
      parser.get().body().size = 1 + (body_bytes + wire.pos) % sizeof sink;
      const size_t room = parser.get().body().size;
      if (!feed(parser, wire, [&] { return parser.is_done() || parser.get().body().size == 0; }, ec)) {
        if (ec) (void)classifyBodyError(ec);
        return 0;
      }
      body_bytes += room - parser.get().body().size;
      check(body_bytes <= limits.max_body_bytes);
    }
    if (head.content_length) check(body_bytes == *head.content_length);
    if (!result.parsed.keep_alive) return 0;
  }
  return 0;
}

}  // namespace verge::net

// The libFuzzer entry point. Weak, so that a test binary that links other
// fuzzers as well can choose its own.
extern "C" __attribute__((weak)) int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::net::fuzzHttpRequest(data, size);
}
