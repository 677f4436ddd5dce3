// Fuzz target for the http layer's parsers: parseCacheControl, parseHttpDate,
// and the freshness functions fed with the same bytes as header values. Build
// with clang -fsanitize=fuzzer to fuzz; the unit tests replay the seed corpus
// in tests/fuzz/cache_control/ through it (fuzz_replay_test.cc).
//
// Beyond "does not crash", it checks invariants that must hold for any input:
// a parsed date formats and parses back to itself, delta-seconds never exceed
// 2^31, and ages and lifetimes are never negative.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/cache_control.h"
#include "http/freshness.h"
#include "http/http_date.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void checkDelta(const std::optional<int64_t>& v) {
  check(!v || (*v >= 0 && *v <= verge::http::kMaxDeltaSeconds));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace verge::http;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const CacheControl cc = parseCacheControl(input);
  checkDelta(cc.max_age);
  checkDelta(cc.s_maxage);
  checkDelta(cc.min_fresh);
  checkDelta(cc.max_stale_seconds);
  checkDelta(cc.stale_while_revalidate);
  checkDelta(cc.stale_if_error);
  check(!cc.max_stale_seconds || cc.max_stale);

  if (const std::optional<int64_t> t = parseHttpDate(input)) {
    check(parseHttpDate(formatHttpDate(*t)) == t);
  }

  // The same bytes as every header a freshness decision reads, with clocks
  // derived from the input so extreme values get exercised too.
  const std::string value(input);
  const HeaderList response = {{"Cache-Control", value}, {"CDN-Cache-Control", value},
                               {"Date", value},          {"Expires", value},
                               {"Last-Modified", value}, {"Age", value}};
  const HeaderList request = {{"Cache-Control", value}, {"Authorization", value}};
  // Built unsigned: the bytes may spell any int64_t, INT64_MIN included.
  uint64_t bits = 0;
  for (size_t i = 0; i < size && i < 8; ++i) bits = (bits << 8) | data[i];
  const int64_t clock = static_cast<int64_t>(bits);
  StoredResponse stored;
  stored.status = size > 0 ? 100 + data[0] * 2 : 200;
  stored.headers = response;
  stored.request_time = clock;
  stored.response_time = clock ^ 0x5a5a;
  for (const int64_t now : {clock, static_cast<int64_t>(~bits), int64_t{0}}) {
    const LookupDecision d = evaluateLookup(request, stored, now);
    check(d.age >= 0 && d.freshness_lifetime >= 0);
  }
  (void)checkStorable("GET", stored.status, request, response);
  formatHttpDate(clock);
  return 0;
}
