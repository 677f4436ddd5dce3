// The checks a request head must pass before anything acts on it: HTTP/1.1
// message framing (RFC 9112 §6.1-6.3), the Host rules (RFC 9112 §3.2) and
// the forms of the request target (RFC 9112 §3.2.1-3.2.4). Pure functions,
// no I/O and no Boost: the server runs them on every head Beast parsed, the
// request-parser fuzzer runs them on arbitrary bytes, and the unit tests run
// them on their own.
//
// Why the server is strict here: a front end and the thing behind it (a
// worker, an origin) must agree where one request ends and the next begins.
// Every head whose framing could be read two ways (a Transfer-Encoding we do
// not decode, Transfer-Encoding together with Content-Length, two
// Content-Lengths) is refused and the connection closed, because the bytes
// that follow it can no longer be trusted to start a request (request
// smuggling).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.h"

namespace verge::net {

// Why a request is refused: the status to answer with and a one-line
// message for the client. The connection is closed after the answer.
struct HeadError {
  int status = 400;
  std::string message;
};

// A parsed request head, as the HTTP parser saw it. Borrowed: the views and
// `headers` must outlive the call they are passed to.
struct RequestHeadInput {
  std::string_view method;
  std::string_view target;
  int version = 11;                // 10 for HTTP/1.0, 11 for HTTP/1.1
  const HeaderList* headers = nullptr;  // every field line, in order, duplicates kept
  bool chunked = false;            // the parser will decode a chunked body
  std::optional<uint64_t> content_length;  // the parser's body length, if any
};

// Returns nullopt when the head may be served, otherwise why not:
//   505  a version other than HTTP/1.0 or HTTP/1.1
//   501  CONNECT; a Transfer-Encoding whose final chunked follows a coding
//        we do not decode (e.g. "gzip, chunked")
//   400  Transfer-Encoding whose final coding is not chunked ("identity",
//        "xchunked", "chunked, identity"), a malformed or repeated coding,
//        Transfer-Encoding with Content-Length, Transfer-Encoding on
//        HTTP/1.0, several differing or invalid Content-Length values, a
//        missing Host on HTTP/1.1, more than one Host, an invalid Host, a
//        target that is not origin-form ("/..."), absolute-form
//        (http[s]://authority/...) or "*" for OPTIONS, a fragment in the target
std::optional<HeadError> checkRequestHead(const RequestHeadInput& in);

// Transfer-Encoding, all field lines of it joined as one list (RFC 9110
// §5.3): nullopt when it is exactly a final, single "chunked" (empty list
// elements ignored), else the error as above.
std::optional<HeadError> checkTransferEncoding(const HeaderList& headers);

// Content-Length, all field lines of it: the one length they all state, or
// nullopt when any value is not a decimal number or two values differ. A
// line may repeat the same number as a list ("5, 5"), which RFC 9110 §8.6
// lets a recipient accept.
std::optional<uint64_t> agreedContentLength(const HeaderList& headers);

// Whether `value` is a valid Host field value: uri-host [":" port] (RFC 3986
// §3.2.2: an IP literal in brackets, an IPv4 address, or a reg-name of
// unreserved, percent-encoded and sub-delim characters; the port at most
// 65535). No userinfo. An empty value is valid (RFC 9112 §3.2).
bool isValidHost(std::string_view value);

// The form of a request target (RFC 9112 §3.2).
enum class TargetForm { kOrigin, kAbsolute, kAuthority, kAsterisk, kInvalid };
TargetForm targetForm(std::string_view target);

// Splits an absolute-form http(s) target ("http://host:8080/a?b") into its
// authority ("host:8080") and origin-form path ("/a?b"; "/" when empty, "/?b"
// for "http://host?b"). False when `target` is not such a URI.
bool splitAbsoluteForm(std::string_view target, std::string& authority, std::string& path);

// Splits a list-valued field (RFC 9110 §5.6.1) at commas and trims optional
// whitespace around each element, keeping empty elements (the callers decide
// whether those are allowed). Commas inside a quoted string do not split.
// The views point into `s`.
std::vector<std::string_view> splitFieldList(std::string_view s);

// Whether `s` is a non-empty token (RFC 9110 §5.6.2).
bool isToken(std::string_view s);

}  // namespace verge::net
