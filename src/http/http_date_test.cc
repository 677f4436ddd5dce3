#include "http/http_date.h"

#include <gtest/gtest.h>

namespace verge::http {
namespace {

// RFC 9110 §5.6.7's example instant in all three formats.
constexpr int64_t kRfcExample = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(HttpDate, ParsesTheThreeRfcFormats) {
  EXPECT_EQ(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(parseHttpDate("Sun Nov  6 08:49:37 1994"), kRfcExample);
  EXPECT_EQ(parseHttpDate("Sun Nov 16 08:49:37 1994"), kRfcExample + 10 * 86400);
}

TEST(HttpDate, EpochAndTrimming) {
  EXPECT_EQ(parseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(parseHttpDate("  Thu, 01 Jan 1970 00:00:01 GMT\t"), 1);
  EXPECT_EQ(parseHttpDate("Wed, 31 Dec 1969 23:59:59 GMT"), -1);
}

TEST(HttpDate, Rfc850TwoDigitYearPivot) {
  EXPECT_EQ(parseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT"), 0);
  EXPECT_EQ(parseHttpDate("Saturday, 01-Jan-00 00:00:00 GMT"), 946684800);  // 2000
  EXPECT_EQ(parseHttpDate("Friday, 31-Dec-69 23:59:59 GMT"), 3155759999);   // 2069
}

TEST(HttpDate, CalendarIsChecked) {
  EXPECT_EQ(parseHttpDate("Thu, 29 Feb 2024 00:00:00 GMT"), 1709164800);
  EXPECT_EQ(parseHttpDate("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);  // 400-year leap
  EXPECT_FALSE(parseHttpDate("Mon, 29 Feb 2021 00:00:00 GMT"));
  EXPECT_FALSE(parseHttpDate("Thu, 29 Feb 1900 00:00:00 GMT"));  // 100-year non-leap
  EXPECT_FALSE(parseHttpDate("Thu, 31 Apr 2024 00:00:00 GMT"));
  EXPECT_FALSE(parseHttpDate("Thu, 00 Jan 2024 00:00:00 GMT"));
  EXPECT_FALSE(parseHttpDate("Thu, 01 Jan 2024 24:00:00 GMT"));
  EXPECT_FALSE(parseHttpDate("Thu, 01 Jan 2024 00:60:00 GMT"));
  EXPECT_FALSE(parseHttpDate("Thu, 01 Jan 2024 00:00:61 GMT"));
}

TEST(HttpDate, LeapSecondRollsOver) {
  EXPECT_EQ(parseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT"),
            parseHttpDate("Sun, 01 Jan 2017 00:00:00 GMT"));
}

TEST(HttpDate, RejectsInvalid) {
  for (const char* bad : {
           "", "0", "-1", "tomorrow", "Sun, 06 Nov 1994 08:49:37",  // no GMT
           "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 GMT+1",
           "Sun, 6 Nov 1994 08:49:37 GMT",      // 1-digit day in IMF-fixdate
           "Sun, 06 nov 1994 08:49:37 GMT",     // names are case-sensitive
           "sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
           "Sun,06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
           "Sun, 06 Foo 1994 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
           "Sun Nov 6 08:49:37 1994",           // asctime needs SP before 1 digit
           "Sun Nov  6 08:49:37 94", "Sun, 06 Nov 1994 08:49:37 GMT x",
           "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(parseHttpDate(bad)) << bad;
  }
}

TEST(HttpDate, DayNameNotCrossChecked) {
  // The date fields carry the value; a wrong weekday is tolerated.
  EXPECT_EQ(parseHttpDate("Mon, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
}

TEST(HttpDate, Formats) {
  EXPECT_EQ(formatHttpDate(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(formatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(formatHttpDate(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(formatHttpDate(1709164800), "Thu, 29 Feb 2024 00:00:00 GMT");
}

TEST(HttpDate, FormatClampsToFourDigitYears) {
  EXPECT_EQ(formatHttpDate(INT64_MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(formatHttpDate(INT64_MIN), "Sat, 01 Jan 0000 00:00:00 GMT");
  EXPECT_EQ(parseHttpDate("Fri, 31 Dec 9999 23:59:60 GMT"), 253402300799);
}

TEST(HttpDate, RoundTrips) {
  for (int64_t t : {int64_t{0}, int64_t{kRfcExample}, int64_t{951782400}, int64_t{-2208988800},
                    int64_t{4102444799}, int64_t{253402300799}, int64_t{-62167219200}}) {
    EXPECT_EQ(parseHttpDate(formatHttpDate(t)), t) << t;
  }
  for (int64_t t = -400LL * 366 * 86400; t < 400LL * 366 * 86400; t += 86400 * 7 + 3601) {
    ASSERT_EQ(parseHttpDate(formatHttpDate(t)), t) << t;
  }
}

}  // namespace
}  // namespace verge::http
