// Accept-Encoding as the edge cache keys it and forwards it.
//
// Browsers spell the same capability in many ways ("gzip, deflate, br",
// "br;q=1.0, gzip;q=0.8, *;q=0.1", "gzip,br" ...). Behind `Vary:
// Accept-Encoding` each spelling would be a variant of its own, which
// wastes the cache and lets a client push the popular variants out by
// sending spellings nobody else uses. Like Fastly and CloudFront, verge
// reduces the header to the codings that matter for caching before it keys
// the request, and sends the origin that reduced value, so the stored
// response is exactly the one that value selects.
#pragma once

#include <string>
#include <string_view>

namespace verge::cache {

// The codings among gzip, br and zstd that an Accept-Encoding value accepts
// (q > 0; "*" stands for those it does not name; x-gzip is gzip), in that
// fixed order, comma-separated: "gzip, br". "" when none of them (the
// origin then gets no Accept-Encoding: identity).
std::string normalizeAcceptEncoding(std::string_view value);

}  // namespace verge::cache
