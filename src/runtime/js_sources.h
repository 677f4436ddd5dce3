// The runtime's JavaScript (src/js/*.js), compiled into the binary by
// cmake/EmbedJs.cmake, in load order.
#pragma once

#include <cstddef>
#include <string_view>

namespace verge::runtime {

struct JsSource {
  const char* name;
  std::string_view code;
};

extern const JsSource kJsSources[];
extern const size_t kJsSourceCount;

}  // namespace verge::runtime
