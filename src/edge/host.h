// The one normal form of a request's host, shared by routing, the cache key
// and the Host header sent to an origin. When these three disagree, a client
// can make the origin answer for one host while the cache stores the answer
// under another (web cache poisoning with `Host: site:6666`), so every one
// of them goes through normalizeAuthority().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace verge::edge {

// Normalises an authority (a Host header value, or the host[:port] of an
// absolute URL): ASCII lowercase, one trailing dot of the name removed, and
// the port dropped when it is `default_port` (80 for http, 443 for https)
// or empty ("site:"). A port that is not the default stays, written without
// leading zeros, and so is part of the cache key and of the Host the origin
// sees. "" stays "" (no Host). nullopt when it is not a valid authority: a
// name with characters other than letters, digits, '-', '_' and '.', an
// empty label, a bad IPv6 literal, a port that is not 1..65535, a userinfo
// ("a@b"), or more than 255 characters.
std::optional<std::string> normalizeAuthority(std::string_view authority, uint16_t default_port = 80);

// The host of a normalised authority, without its port ("[::1]" keeps its
// brackets).
std::string_view hostOfAuthority(std::string_view normalized);

}  // namespace verge::edge
