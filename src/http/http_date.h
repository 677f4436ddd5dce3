// HTTP dates (RFC 9110 §5.6.7): the three formats a recipient must accept,
// and the one (IMF-fixdate) a sender must generate. Times are seconds since
// the Unix epoch, UTC; HTTP dates carry no time zone other than GMT.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace verge::http {

// Parses an HTTP-date from untrusted input. Accepts, after trimming
// surrounding spaces and tabs:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"   (obsolete)
//   asctime      "Sun Nov  6 08:49:37 1994"         (obsolete)
// Names are matched case-sensitively as the grammar says. The calendar is
// checked (no 31 Apr, 29 Feb only in leap years, hour <= 23, minute <= 59);
// second 60 is accepted for a leap second and rolls into the next minute. The
// day name is not checked against the date: the date fields carry the value.
// A two-digit RFC 850 year is 20yy when yy < 70 and 19yy otherwise (a fixed
// pivot rather than RFC 9110's "50 years from now", so the function stays
// pure). Anything else, including the value "0", returns nullopt; callers
// decide what an invalid date means (for Expires it means "already expired").
std::optional<int64_t> parseHttpDate(std::string_view value);

// Formats seconds since the epoch as an IMF-fixdate, e.g.
// "Sun, 06 Nov 1994 08:49:37 GMT". Values outside years 0000..9999 are clamped
// into that range so the output always has the fixed format and parses back.
std::string formatHttpDate(int64_t seconds);

}  // namespace verge::http
