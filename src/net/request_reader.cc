#include "net/request_reader.h"

#include <boost/asio/error.hpp>

namespace verge::net {

namespace http = boost::beast::http;

void configureParser(RequestParser& parser, const ServerLimits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
}

HeadError headParseError(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return {431, "Request header fields too large"};
  if (ec == http::error::body_limit) return {413, "Request body too large"};
  return {400, "Bad request: " + ec.message()};
}

HeadResult readRequestHead(const RequestParser& parser, const ServerLimits& limits,
                           std::string remote_addr) {
  HeadResult result;
  const auto& req = parser.get();
  RequestHead& head = result.parsed.head;
  head.method = std::string(req.method_string());
  head.target = std::string(req.target());
  head.version = static_cast<int>(req.version());
  head.remote_addr = std::move(remote_addr);
  size_t count = 0;
  // Room for a usual request's fields at once, not a reallocation (and a
  // move of every string) at 1, 2, 4 and 8.
  head.headers.reserve(16);
  for (const auto& f : req) {
    if (++count > limits.max_header_count) {
      result.error = HeadError{431, "Too many request header fields"};
      return result;
    }
    head.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  }

  RequestHeadInput input;
  input.method = head.method;
  input.target = head.target;
  input.version = head.version;
  input.headers = &head.headers;
  input.chunked = parser.chunked();
  if (auto cl = parser.content_length()) input.content_length = *cl;
  if (auto e = checkRequestHead(input)) {
    result.error = std::move(e);
    return result;
  }

  // absolute-form ("GET http://host/path"): the target's authority is the
  // Host (RFC 9112 §3.2.2), and everything above sees origin-form.
  if (targetForm(head.target) == TargetForm::kAbsolute) {
    std::string authority, path;
    splitAbsoluteForm(head.target, authority, path);
    std::erase_if(head.headers, [](const HeaderPair& h) { return iequals(h.name, "host"); });
    head.headers.push_back({"host", std::move(authority)});
    head.target = std::move(path);
  }

  if (auto cl = parser.content_length()) head.content_length = *cl;
  head.has_body = parser.chunked() || (head.content_length && *head.content_length > 0);
  if (auto e = findHeader(head.headers, "expect")) {
    if (iequals(*e, "100-continue") && head.version >= 11) {
      result.parsed.expect_continue = true;
    } else {
      result.error = HeadError{417, "Unsupported Expect header"};
      return result;
    }
  }
  result.parsed.keep_alive = parser.keep_alive();
  return result;
}

BodyFailure classifyBodyError(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) return BodyFailure::kTooLarge;
  // Beast's own errors other than the end of the input are malformed bytes;
  // everything else (EOF mid-body, resets, a closed socket) is the peer
  // going away.
  if (ec.category() == http::make_error_code(http::error::bad_chunk).category() &&
      ec != http::error::partial_message && ec != http::error::end_of_stream) {
    return BodyFailure::kMalformed;
  }
  return BodyFailure::kClientGone;
}

}  // namespace verge::net
