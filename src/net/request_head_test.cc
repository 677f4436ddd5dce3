#include "net/request_head.h"
#include "net/http_types.h"

#include <gtest/gtest.h>

namespace verge::net {
namespace {

// A head as the parser hands it over; the framing flags default to what
// Beast decides for the given headers, so each test states only what differs.
struct Head {
  std::string method = "GET";
  std::string target = "/";
  int version = 11;
  HeaderList headers = {{"Host", "example.com"}};
  bool chunked = false;
  std::optional<uint64_t> content_length;

  std::optional<HeadError> check() const {
    RequestHeadInput in;
    in.method = method;
    in.target = target;
    in.version = version;
    in.headers = &headers;
    in.chunked = chunked;
    in.content_length = content_length;
    return checkRequestHead(in);
  }
  int status() const {
    auto e = check();
    return e ? e->status : 0;
  }
};

TEST(RequestHead, PlainRequestsPass) {
  Head h;
  EXPECT_EQ(h.status(), 0);
  h.version = 10;
  h.headers.clear();  // HTTP/1.0 may omit Host
  EXPECT_EQ(h.status(), 0);
  Head post;
  post.method = "POST";
  post.headers.push_back({"Content-Length", "5"});
  post.content_length = 5;
  EXPECT_EQ(post.status(), 0);
  Head chunked;
  chunked.method = "POST";
  chunked.headers.push_back({"Transfer-Encoding", "chunked"});
  chunked.chunked = true;
  EXPECT_EQ(chunked.status(), 0);
  Head options;
  options.method = "OPTIONS";
  options.target = "*";
  EXPECT_EQ(options.status(), 0);
}

TEST(RequestHead, VersionOtherThan10Or11Is505) {
  Head h;
  h.version = 20;
  EXPECT_EQ(h.status(), 505);
  h.version = 9;
  EXPECT_EQ(h.status(), 505);
}

TEST(RequestHead, HostRules) {
  Head none;
  none.headers.clear();
  EXPECT_EQ(none.status(), 400);
  EXPECT_NE(none.check()->message.find("missing Host"), std::string::npos);

  Head two;
  two.headers.push_back({"host", "example.com"});
  EXPECT_EQ(two.status(), 400);
  Head two_on_10 = two;
  two_on_10.version = 10;
  EXPECT_EQ(two_on_10.status(), 400);

  for (const char* bad : {"a b", "exa\tmple", "user@example.com", "example.com:port", "example.com:123456",
                          "example.com:65536", "[::1", "[::1]x", "[zz::1]", "a:b:c", "%zz.com", "ex/ample"}) {
    Head h;
    h.headers = {{"Host", bad}};
    EXPECT_EQ(h.status(), 400) << bad;
  }
  for (const char* good : {"example.com", "EXAMPLE.com:8080", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:443",
                           "[v1.fe80::a+b]", "a-b_c~d.example", "%41.example", "example.com:", ""}) {
    Head h;
    h.headers = {{"Host", good}};
    EXPECT_EQ(h.status(), 0) << good;
  }
}

TEST(RequestHead, TargetForms) {
  EXPECT_EQ(targetForm("/a?b"), TargetForm::kOrigin);
  EXPECT_EQ(targetForm("*"), TargetForm::kAsterisk);
  EXPECT_EQ(targetForm("http://a/b"), TargetForm::kAbsolute);
  EXPECT_EQ(targetForm("HTTPS://a"), TargetForm::kAbsolute);
  EXPECT_EQ(targetForm("example.com:443"), TargetForm::kAuthority);
  EXPECT_EQ(targetForm("foo"), TargetForm::kInvalid);
  EXPECT_EQ(targetForm(""), TargetForm::kInvalid);

  Head h;
  h.target = "@evil.example/";  // would make "http://example.com@evil.example/"
  EXPECT_EQ(h.status(), 400);
  h.target = "*";
  EXPECT_EQ(h.status(), 400);  // only for OPTIONS
  h.target = "/a#frag";
  EXPECT_EQ(h.status(), 400);
  h.target = "ftp://example.com/";
  EXPECT_EQ(h.status(), 400);
  h.target = "http:///path";  // empty host
  EXPECT_EQ(h.status(), 400);
  h.target = "http://user@example.com/";
  EXPECT_EQ(h.status(), 400);
  h.target = "http://other.example:8080/x?y";
  EXPECT_EQ(h.status(), 0);
  h.method = "CONNECT";
  h.target = "example.com:443";
  EXPECT_EQ(h.status(), 501);
}

TEST(RequestHead, SplitAbsoluteForm) {
  std::string authority, path;
  ASSERT_TRUE(splitAbsoluteForm("http://abs.test:81/a/b?c=d", authority, path));
  EXPECT_EQ(authority, "abs.test:81");
  EXPECT_EQ(path, "/a/b?c=d");
  ASSERT_TRUE(splitAbsoluteForm("HTTPS://abs.test", authority, path));
  EXPECT_EQ(authority, "abs.test");
  EXPECT_EQ(path, "/");
  ASSERT_TRUE(splitAbsoluteForm("http://abs.test?q", authority, path));
  EXPECT_EQ(path, "/?q");
  EXPECT_FALSE(splitAbsoluteForm("/relative", authority, path));
  EXPECT_FALSE(splitAbsoluteForm("ws://abs.test/", authority, path));
}

// The values the attacker of issue 8 used to hide a second request in a
// body the server did not see: every one is refused and closes.
TEST(RequestHead, TransferEncodingOtherThanFinalChunked) {
  struct Case {
    HeaderList te;
    int status;
  };
  const std::vector<Case> cases = {
      {{{"Transfer-Encoding", "identity"}}, 400},
      {{{"Transfer-Encoding", "xchunked"}}, 400},
      {{{"Transfer-Encoding", "chunked, identity"}}, 400},
      {{{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "identity"}}, 400},
      {{{"Transfer-Encoding", "chunked, chunked"}}, 400},
      {{{"Transfer-Encoding", "chunked;q=1"}}, 400},
      {{{"Transfer-Encoding", ""}}, 400},
      {{{"Transfer-Encoding", " , "}}, 400},
      {{{"Transfer-Encoding", "chun ked"}}, 400},
      {{{"Transfer-Encoding", "gzip;level"}}, 400},
      {{{"Transfer-Encoding", "gzip"}}, 400},
      {{{"Transfer-Encoding", "gzip, chunked"}}, 501},
      {{{"Transfer-Encoding", "identity"}, {"Transfer-Encoding", "chunked"}}, 501},
      {{{"Transfer-Encoding", "gzip;level=\"9,x\", chunked"}}, 501},
  };
  for (const auto& c : cases) {
    Head h;
    h.method = "POST";
    for (const auto& f : c.te) h.headers.push_back(f);
    // Beast marks the body chunked whenever the last coding of a line is
    // chunked; the check must refuse either way.
    for (bool chunked : {false, true}) {
      h.chunked = chunked;
      EXPECT_EQ(h.status(), c.status) << c.te.front().value << " chunked=" << chunked;
    }
  }
  // Empty list elements are ignored (RFC 9110 §5.6.1.2).
  Head ok;
  ok.headers.push_back({"Transfer-Encoding", ", chunked,"});
  ok.chunked = true;
  EXPECT_EQ(ok.status(), 0);
  Head mixed_case;
  mixed_case.headers.push_back({"transfer-encoding", "Chunked"});
  mixed_case.chunked = true;
  EXPECT_EQ(mixed_case.status(), 0);
}

TEST(RequestHead, TransferEncodingWithContentLengthOrOnHttp10) {
  Head both;
  both.headers.push_back({"Transfer-Encoding", "chunked"});
  both.headers.push_back({"Content-Length", "5"});
  both.chunked = true;
  EXPECT_EQ(both.status(), 400);
  Head identity_and_length;
  identity_and_length.headers.push_back({"Transfer-Encoding", "identity"});
  identity_and_length.headers.push_back({"Content-Length", "5"});
  identity_and_length.content_length = 5;
  EXPECT_EQ(identity_and_length.status(), 400);
  Head http10;
  http10.version = 10;
  http10.headers.push_back({"Transfer-Encoding", "chunked"});
  http10.chunked = true;
  EXPECT_EQ(http10.status(), 400);
}

TEST(RequestHead, ContentLength) {
  auto length = [](HeaderList fields) { return agreedContentLength(fields); };
  EXPECT_EQ(length({{"Content-Length", "5"}}), 5u);
  EXPECT_EQ(length({{"Content-Length", "5, 5"}}), 5u);
  EXPECT_EQ(length({{"Content-Length", "5"}, {"content-length", "5"}}), 5u);
  EXPECT_EQ(length({{"Content-Length", "5, 6"}}), std::nullopt);
  EXPECT_EQ(length({{"Content-Length", "5"}, {"Content-Length", "6"}}), std::nullopt);
  EXPECT_EQ(length({{"Content-Length", "-5"}}), std::nullopt);
  EXPECT_EQ(length({{"Content-Length", "+5"}}), std::nullopt);
  EXPECT_EQ(length({{"Content-Length", "0x5"}}), std::nullopt);
  EXPECT_EQ(length({{"Content-Length", ""}}), std::nullopt);
  EXPECT_EQ(length({{"Content-Length", "5,"}}), std::nullopt);
  EXPECT_EQ(length({{"Content-Length", "99999999999999999999"}}), std::nullopt);
  EXPECT_EQ(length({{"Content-Length", "9999999999999999999"}}), 9999999999999999999ull);

  Head differing;
  differing.headers.push_back({"Content-Length", "5"});
  differing.headers.push_back({"Content-Length", "6"});
  EXPECT_EQ(differing.status(), 400);
  Head invalid;
  invalid.headers.push_back({"Content-Length", "abc"});
  EXPECT_EQ(invalid.status(), 400);
  // The parser must have read the same length we did.
  Head disagree;
  disagree.headers.push_back({"Content-Length", "5"});
  disagree.content_length = 6;
  EXPECT_EQ(disagree.status(), 400);
  Head phantom;
  phantom.content_length = 6;
  EXPECT_EQ(phantom.status(), 400);
  Head phantom_chunked;
  phantom_chunked.chunked = true;
  EXPECT_EQ(phantom_chunked.status(), 400);
}

// Header names compare ASCII case-insensitively and nothing else: bytes that
// differ only in bit 0x20 but are not letters are different names.
TEST(IEquals, FoldsAsciiLettersOnly) {
  EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("host", "hosts"));
  EXPECT_FALSE(iequals("a[", "a{"));
  EXPECT_FALSE(iequals("x@", "x`"));
  EXPECT_FALSE(iequals("\xC0", "\xE0"));
  EXPECT_TRUE(iequals("\xC0", "\xC0"));
}

}  // namespace
}  // namespace verge::net
