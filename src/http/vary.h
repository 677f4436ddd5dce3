// Vary (RFC 9110 §12.5.5) and the secondary cache key it defines (RFC 9111
// §4.1): which request fields a stored response was selected by, and a
// canonical string of a request's values for those fields, so that a lookup
// compares one string instead of re-reading both requests.
//
// Pure functions: no I/O, no clock. Vary comes from origins and the request
// fields from clients; junk is handled without crashing, and the output is
// never larger than a small multiple of the input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/freshness.h"

namespace verge::http {

// The field names listed in every Vary line of a response, lower-cased,
// deduplicated, in first-seen order; empty list members are skipped. "*"
// anywhere gives exactly {"*"}: the response never matches a later request
// (§4.1). A member that is not a field-name token ("a b", "x/y", quotes) also
// gives {"*"}: we cannot tell which request field it meant, and treating the
// response as unmatchable is always safe, whereas ignoring the member could
// serve one client's variant to another.
std::vector<std::string> varyFieldNames(HeaderView response_headers);

// The secondary key of a request for `names` (as varyFieldNames() returns
// them, "*" excluded: a caller that got {"*"} must not reuse the response).
// For each name, in order:
//   absent field:  name "\n"
//   present field: name ":" normalised-value "\n"
// where the value is that of all lines of the field combined (RFC 9110
// §5.3), then normalised as §4.1 allows for any field: whitespace around
// commas removed, runs of spaces / tabs collapsed to one space, leading and
// trailing whitespace trimmed. Inside a quoted-string nothing is changed (its
// spaces and commas are content). CR, LF and NUL are replaced by SP first
// (RFC 9110 §5.5), so a value cannot forge the next record: for the same
// `names`, two requests get the same key iff their normalised values are
// equal, and an absent field differs from an empty one. Values are compared
// case-sensitively and members are not reordered: that would need per-field
// knowledge, and a false mismatch only costs a cache miss.
std::string secondaryKey(const std::vector<std::string>& names, HeaderView request_headers);

}  // namespace verge::http
