// Plain HTTP message pieces shared by the server and the client. Kept free of
// Boost so that higher layers can include it cheaply.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace verge::net {

struct HeaderPair {
  std::string name;  // as received; compare case-insensitively
  std::string value;
};
using HeaderList = std::vector<HeaderPair>;

// Case-insensitive ASCII comparison for header names.
bool iequals(std::string_view a, std::string_view b);

// Returns the first value of `name`, or nullopt.
std::optional<std::string_view> findHeader(const HeaderList& headers, std::string_view name);

// Standard reason phrase for a status code ("" when unknown).
std::string_view reasonPhrase(int status);

// Hop-by-hop headers (RFC 9110 §7.6.1) that a proxy must not forward.
bool isHopByHopHeader(std::string_view name);

// Callback for body reads: `data` is the next chunk (valid only during the
// call); an empty `data` with an empty `error` means the body is complete.
using BodyReadCallback = std::function<void(std::string_view data, std::string_view error)>;

// Source of a body that arrives over time (a request body on the server, a
// response body on the client). Reads are one at a time.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual void read(BodyReadCallback cb) = 0;
  // Stops reading; later reads complete with an error. Idempotent.
  virtual void cancel() = 0;
};

}  // namespace verge::net
