// Conditional requests (RFC 9110 §13) evaluated against a stored response, so
// the cache can answer its clients' If-None-Match / If-Modified-Since with a
// 304 (RFC 9111 §4.3.2); the conditional request the cache itself sends to
// revalidate (RFC 9111 §4.3.1); and freshening a stored response with the
// 304 that answers it (RFC 9111 §3.2, §4.3.4). Also the entity-tag syntax and
// comparison functions (RFC 9110 §8.8.3) that all of these share.
//
// Pure functions: no I/O, no clock. Request fields come from clients and
// stored / update fields from origins; none is trusted. Junk never crashes or
// allocates more than a small multiple of its own size: a malformed
// entity-tag is skipped, an invalid date makes its field be ignored, as the
// RFC says for each field.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/freshness.h"

namespace verge::http {

// ---- Entity tags (RFC 9110 §8.8.3) ----------------------------------------

// One entity-tag: [ "W/" ] DQUOTE *etagc DQUOTE. `opaque` is the text between
// the quotes and borrows from the parsed value.
struct EntityTag {
  bool weak = false;
  std::string_view opaque;
};

// Parses a value that must be exactly one entity-tag, OWS around it allowed
// (an ETag or If-Range value). "W/" is case-sensitive; etagc is %x21 / %x23-7E
// / obs-text, so spaces, controls and a second quote are invalid. Unquoted
// tags (`abc`), lists and anything else → nullopt.
std::optional<EntityTag> parseEntityTag(std::string_view value);

// Comparison of two field values, each a single entity-tag or a
// comma-separated list of them (`"a", W/"b"`): true when some tag of `a`
// matches some tag of `b`. Strong: both tags strong and the opaque-tags equal;
// weak: the opaque-tags equal, whatever the W/ (§8.8.3.2). Malformed list
// members and "*" are skipped (they are not entity-tags; the wildcard is
// handled by evaluateConditionals). A comma inside the quotes of a tag is part
// of the tag. Symmetric; cost O(n log n) in the number of tags.
bool etagStrongMatch(std::string_view a, std::string_view b);
bool etagWeakMatch(std::string_view a, std::string_view b);

// ---- Answering conditional requests from the cache ------------------------

enum class ConditionalResult {
  kProceed,             // no precondition applies or all passed: serve normally
  kNotModified,         // answer 304 with notModifiedHeaders()
  kPreconditionFailed,  // answer 412
};

// Evaluates the preconditions of a request for which the cache will use
// `stored` (status and headers), in the order of RFC 9110 §13.2.2:
//   1. If-Match present: false → 412. "*" is true (we hold a current
//      representation); otherwise true iff a listed tag strongly matches the
//      stored ETag (no stored ETag → false).
//   2. Else If-Unmodified-Since present with a valid HTTP-date and the stored
//      Last-Modified valid: Last-Modified later than the date → 412. An
//      invalid date (a list of dates included) or no Last-Modified: ignored.
//   3. If-None-Match present: "*", or a listed tag weakly matching the stored
//      ETag, is a failed condition → 304 for GET / HEAD, 412 for any other
//      method (so "If-None-Match: *" on a PUT gives 412).
//   4. Else, for GET / HEAD only, If-Modified-Since with a valid HTTP-date:
//      304 when the stored Last-Modified is earlier than or equal to it. With
//      no valid Last-Modified the stored Date is compared instead (RFC 9111
//      §4.3.2, cases 1 and 2; case 3, the time of receipt, is the caller's).
//      Neither valid → no 304. More than one IMS line → ignored (§13.1.3).
//   5. Otherwise kProceed (If-Range is ifRangeMatches(), in http/range.h).
// Preconditions are ignored (kProceed) when the stored status is not 2xx
// (§13.2.1) and for CONNECT, OPTIONS and TRACE. Methods are case-sensitive.
// A "*" anywhere in an If-Match / If-None-Match list counts as the wildcard.
//
// Note: RFC 9111 §4.3.2 calls If-Match and If-Unmodified-Since "not
// applicable to a cache"; we evaluate them against the stored response
// anyway, as nginx does, because a GET / HEAD the cache answers is decided on
// that stored response. A caller that forwards other methods to the origin
// should not call this for them.
ConditionalResult evaluateConditionals(std::string_view method, HeaderView request_headers,
                                       int stored_status, HeaderView stored_headers);

// The header fields of a 304 answered from a stored response (RFC 9110
// §15.4.5): every line of Cache-Control, Content-Location, Date, ETag,
// Expires, Last-Modified and Vary, in stored order with the stored names;
// nothing else. The caller adds Age, as for any response served from cache.
HeaderList notModifiedHeaders(HeaderView stored_headers);

// ---- Revalidating with the origin ----------------------------------------

// The validators to add to the request that revalidates a stored response
// (RFC 9111 §4.3.1): If-None-Match with every well-formed entity-tag of the
// stored ETag field (joined with ", "), and If-Modified-Since with the stored
// Last-Modified value verbatim (trimmed) when it is a valid HTTP-date; origins
// often compare that field as a string, so it is not reformatted. A malformed
// ETag is not sent. Empty when the stored response has neither validator.
HeaderList revalidationHeaders(HeaderView stored_headers);

// Whether a 304 (or a HEAD response) `update` selects the single stored
// response `stored` for freshening (RFC 9111 §4.3.4), given one stored
// response:
//  - if `update` carries a strong validator (a strong ETag, or a
//    Last-Modified that is strong because its Date is at least a second
//    later, §8.8.2.2; the stored Date stands in when the update has none),
//    it is selected iff the stored response has one of the same strong
//    validators;
//  - else if it carries weak validators, iff one corresponds (weak ETag
//    comparison, or equal Last-Modified instants);
//  - else (no validator at all), iff the stored response has none either.
// One conservative addition: when both carry an ETag and the two do not match
// even weakly, it is never selected, whatever Last-Modified says, because a
// different entity-tag means a different representation. Not selecting is
// always safe: the cache then fetches the response again.
bool updateSelects(HeaderView stored_headers, HeaderView update);

// The stored header fields freshened with those of `update`, a 304 or HEAD
// response that updateSelects() the stored one (RFC 9111 §3.2, §4.3.4).
//
// Every field of `update` replaces all stored lines of that name (matched
// case-insensitively): its lines take the place of the first stored line of
// that name, in update order; fields the stored response lacks are appended
// in update order; other stored lines keep their order. Fields of `update`
// that are NOT applied:
//  - Content-Length (§3.2: MUST NOT), and Content-Range, Content-Encoding,
//    Transfer-Encoding and Content-MD5, which describe the stored bytes rather than the
//    representation's metadata (§3.2 lets a cache keep fields that assure the
//    integrity of what it stored);
//  - Connection, every field it names, and the hop-by-hop fields Keep-Alive,
//    Proxy-Connection, TE, Upgrade (RFC 9110 §7.6.1; §3.1: not stored);
//  - Proxy-Authenticate, Proxy-Authentication-Info, Proxy-Authorization
//    (§3.1: specific to the proxy, never stored);
//  - ETag, when the stored response has an ETag that the update's does not
//    weakly match: the stored body keeps the validator it was sent with.
// Age is special: the update's Age lines replace the stored ones, and when
// the update has none the stored Age lines are dropped. The caller must then
// restart the stored response's clock at the validation exchange (its
// request_time / response_time, see StoredResponse), which is what makes the
// freshened response's age that of the 304 (§4.2.3) rather than the old one.
// An update without Date keeps the stored Date; a caller with a clock should
// add Date to such a 304 first (RFC 9110 §6.6.1).
HeaderList freshenHeaders(HeaderView stored_headers, HeaderView update);

}  // namespace verge::http
