#include "edge/host.h"

#include <gtest/gtest.h>

namespace verge::edge {
namespace {

std::string norm(std::string_view text, uint16_t default_port = 80) {
  return normalizeAuthority(text, default_port).value_or("<invalid>");
}

TEST(NormalizeAuthority, LowercasesAndDropsTheTrailingDot) {
  EXPECT_EQ(norm("Example.COM"), "example.com");
  EXPECT_EQ(norm("example.com."), "example.com");
  EXPECT_EQ(norm("EXAMPLE.com.:80"), "example.com");
  EXPECT_EQ(norm("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(norm("my_host-1.internal"), "my_host-1.internal");
  EXPECT_EQ(norm(""), "");
}

TEST(NormalizeAuthority, DefaultPortIsDroppedOthersStay) {
  EXPECT_EQ(norm("example.com:80"), "example.com");
  EXPECT_EQ(norm("example.com:080"), "example.com");
  EXPECT_EQ(norm("example.com:"), "example.com");
  EXPECT_EQ(norm("example.com:6666"), "example.com:6666");
  EXPECT_EQ(norm("example.com:06666"), "example.com:6666");
  EXPECT_EQ(norm("example.com:443"), "example.com:443");
  EXPECT_EQ(norm("example.com:443", 443), "example.com");
  EXPECT_EQ(norm("example.com:80", 443), "example.com:80");
  EXPECT_EQ(norm("[::1]"), "[::1]");
  EXPECT_EQ(norm("[::1]:80"), "[::1]");
  EXPECT_EQ(norm("[FD00::A]:8080"), "[fd00::a]:8080");
  EXPECT_EQ(norm("[::ffff:127.0.0.1]:"), "[::ffff:127.0.0.1]");
}

TEST(NormalizeAuthority, RejectsWhatIsNotAnAuthority) {
  for (const char* bad : {"exa mple.com", "example.com:0", "example.com:65536", "example.com:8o", "a@example.com",
                          "example..com", ".example.com", ".", "example.com..", "ex/ample", "example.com:80:80",
                          "[::1", "[::1]x", "[zz::1]", "[1]", "[]", "exa\tmple", "ex%41mple", ":80",
                          "example.com\r\nx: y"}) {
    EXPECT_FALSE(normalizeAuthority(bad)) << bad;
  }
  EXPECT_FALSE(normalizeAuthority(std::string(254, 'a')));
  EXPECT_TRUE(normalizeAuthority(std::string(253, 'a')));
}

TEST(NormalizeAuthority, HostOfAuthority) {
  EXPECT_EQ(hostOfAuthority("example.com:6666"), "example.com");
  EXPECT_EQ(hostOfAuthority("example.com"), "example.com");
  EXPECT_EQ(hostOfAuthority("[::1]:8080"), "[::1]");
  EXPECT_EQ(hostOfAuthority("[::1]"), "[::1]");
  EXPECT_EQ(hostOfAuthority(""), "");
}

}  // namespace
}  // namespace verge::edge
