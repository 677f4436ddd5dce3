// Fuzz target for the selector parser (a worker's HTMLRewriter.on()
// argument is untrusted): any bytes parse or throw SelectorError, and a
// parsed selector can be matched. The unit tests replay the seed corpus in
// tests/fuzz/html_selector/.
#include <cstdint>
#include <string_view>

#include "html/selector.h"

namespace verge::html {

int fuzzSelector(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    SelectorList list = parseSelector(input);
    std::vector<Attribute> attrs = {{"id", "a", '"', true, {}}, {"class", "x y", '"', true, {}}, {"lang", "en-US", 0, true, {}}};
    for (const auto& alt : list.alternatives) {
      for (const auto& c : alt.compounds) (void)matchesCompound(c, {"div", &attrs, 3, 2});
    }
  } catch (const SelectorError&) {
  }
  return 0;
}

}  // namespace verge::html

#ifdef VERGE_SELECTOR_FUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verge::html::fuzzSelector(data, size);
}
#endif
