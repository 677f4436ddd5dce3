// The HTTP/1.1 request parse path the server uses, shared with the request
// parser fuzzer (request_parser_fuzz.cc) so the fuzzer runs exactly what the
// server runs: Beast's request_parser with the server's limits, then
// checkRequestHead (request_head.h), the absolute-form rewrite and the
// Expect rules. Private to net: it includes Beast, so only the server and
// the fuzzer include it.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>

#include "net/http_server.h"
#include "net/request_head.h"

namespace verge::net {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

// Applies the server's header and body limits to a fresh parser.
void configureParser(RequestParser& parser, const ServerLimits& limits);

// The answer to a head Beast could not parse (`ec` is a parse error, not an
// I/O one): 431 for headers over the limit, 413 for a Content-Length over the
// body limit, 400 for everything else.
HeadError headParseError(const boost::system::error_code& ec);

// A request head that passed every check.
struct ParsedHead {
  RequestHead head;  // origin-form target; an absolute-form target's authority as the Host
  bool expect_continue = false;
  bool keep_alive = true;  // what the client asked for (Connection, version)
};

// Turns a parser whose header is complete into the head the handler sees,
// or the error to answer with (then the connection is closed): the header
// count limit (431), checkRequestHead, and Expect (only "100-continue" on
// HTTP/1.1; anything else 417).
struct HeadResult {
  std::optional<HeadError> error;
  ParsedHead parsed;
};
HeadResult readRequestHead(const RequestParser& parser, const ServerLimits& limits,
                           std::string remote_addr);

// What a failed read of the request body means.
enum class BodyFailure {
  kClientGone,  // the peer closed or reset the connection: nobody to answer
  kTooLarge,    // over max_body_bytes: 413
  kMalformed,   // broken chunked framing (bad size, missing CRLF, bad trailer): 400
};
BodyFailure classifyBodyError(const boost::system::error_code& ec);

}  // namespace verge::net
