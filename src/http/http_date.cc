#include "http/http_date.h"

#include <array>
#include <cstdio>

#include "http/text.h"

namespace verge::http {
namespace {

using text::isDigit;
using text::trimOws;

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonthNames = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range a 4-digit year holds.
constexpr int64_t kMinFormattable = -62167219200;
constexpr int64_t kMaxFormattable = 253402300799;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil), exact for any year we can parse.
int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// Inverse of daysFromCivil.
Civil civilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

bool isLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// A cursor over the input; every read checks bounds, so no input can make it
// read past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool done() const { return pos_ == s_.size(); }

  bool literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }

  // Exactly n ASCII digits.
  bool digits(size_t n, int64_t& out) {
    if (s_.size() - pos_ < n) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      const char c = s_[pos_ + i];
      if (!isDigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    out = v;
    return true;
  }

  // One of `names`; returns its index.
  template <size_t N>
  bool oneOf(const std::array<std::string_view, N>& names, int& index) {
    for (size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

struct Fields {
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// time-of-day = hour ":" minute ":" second
bool timeOfDay(Cursor& c, Fields& f) {
  return c.digits(2, f.hour) && c.literal(":") && c.digits(2, f.minute) && c.literal(":") &&
         c.digits(2, f.second);
}

bool month(Cursor& c, Fields& f) {
  int m = 0;
  if (!c.oneOf(kMonthNames, m)) return false;
  f.month = m + 1;
  return true;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool parseImfFixdate(std::string_view s, Fields& f) {
  Cursor c(s);
  int dn = 0;
  return c.oneOf(kDayNames, dn) && c.literal(", ") && c.digits(2, f.day) && c.literal(" ") &&
         month(c, f) && c.literal(" ") && c.digits(4, f.year) && c.literal(" ") &&
         timeOfDay(c, f) && c.literal(" GMT") && c.done();
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
bool parseRfc850(std::string_view s, Fields& f) {
  Cursor c(s);
  int dn = 0;
  int64_t yy = 0;
  if (!(c.oneOf(kLongDayNames, dn) && c.literal(", ") && c.digits(2, f.day) && c.literal("-") &&
        month(c, f) && c.literal("-") && c.digits(2, yy) && c.literal(" ") && timeOfDay(c, f) &&
        c.literal(" GMT") && c.done())) {
    return false;
  }
  f.year = yy < 70 ? 2000 + yy : 1900 + yy;
  return true;
}

// "Sun Nov  6 08:49:37 1994" (day is 2DIGIT or SP 1DIGIT)
bool parseAsctime(std::string_view s, Fields& f) {
  Cursor c(s);
  int dn = 0;
  if (!(c.oneOf(kDayNames, dn) && c.literal(" ") && month(c, f) && c.literal(" "))) return false;
  if (c.literal(" ")) {
    if (!c.digits(1, f.day)) return false;
  } else if (!c.digits(2, f.day)) {
    return false;
  }
  return c.literal(" ") && timeOfDay(c, f) && c.literal(" ") && c.digits(4, f.year) && c.done();
}

}  // namespace

std::optional<int64_t> parseHttpDate(std::string_view value) {
  value = trimOws(value);
  Fields f;
  // The three forms differ from the fourth character on (',' after a short
  // day name, a letter for a long one, ' ' for asctime), so at most one can
  // match; try them in order of how often they are seen.
  if (!parseImfFixdate(value, f) && !parseRfc850(value, f) && !parseAsctime(value, f)) {
    return std::nullopt;
  }
  if (f.month < 1 || f.month > 12 || f.day < 1 ||
      f.day > daysInMonth(f.year, static_cast<int>(f.month)) || f.hour > 23 || f.minute > 59 ||
      f.second > 60) {
    return std::nullopt;
  }
  const int64_t t =
      daysFromCivil(f.year, f.month, f.day) * 86400 + f.hour * 3600 + f.minute * 60 + f.second;
  // A leap second at the very end of 9999 would leave the formattable range;
  // keep every parsed value one formatHttpDate can round-trip.
  return t < kMaxFormattable ? t : kMaxFormattable;
}

std::string formatHttpDate(int64_t seconds) {
  if (seconds < kMinFormattable) seconds = kMinFormattable;
  if (seconds > kMaxFormattable) seconds = kMaxFormattable;
  // Floor division so times before 1970 land on the right day.
  int64_t days = seconds / 86400;
  int64_t secs = seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  const Civil date = civilFromDays(days);
  // 1970-01-01 was a Thursday (index 4).
  const int64_t weekday = ((days % 7) + 7 + 4) % 7;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04lld %02lld:%02lld:%02lld GMT",
                kDayNames[weekday].data(), date.day, kMonthNames[date.month - 1].data(),
                static_cast<long long>(date.year), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

}  // namespace verge::http
