#include "edge/origin_proxy.h"

#include <gtest/gtest.h>

#include "net/http_client.h"

namespace verge::edge {
namespace {

std::string value(const net::HeaderList& headers, std::string_view name) {
  std::string out;
  int n = 0;
  for (const auto& h : headers) {
    if (net::iequals(h.name, name)) {
      out += (n++ ? "|" : "") + h.value;
    }
  }
  return out;
}

TEST(OriginRequestHeaders, UnkeyedRewriteHeadersAreNeverForwarded) {
  net::HeaderList in = {
      {"Host", "evil.example"},          {"X-Forwarded-Host", "evil.example"},
      {"x-forwarded-server", "evil"},    {"X-Forwarded-Scheme", "nothttps"},
      {"X-Forwarded-Proto", "https"},    {"X-Forwarded-Port", "1337"},
      {"X-Forwarded-Prefix", "/evil"},   {"X-Forwarded-SSL", "on"},
      {"Forwarded", "host=evil.example"}, {"X-Host", "evil.example"},
      {"X-Original-URL", "/admin"},      {"X-Rewrite-URL", "/admin"},
      {"X-Original-Host", "evil"},       {"X-HTTP-Host-Override", "evil"},
      {"X-HTTP-Method-Override", "POST"}, {"X-HTTP-Method", "DELETE"},
      {"X-Method-Override", "PUT"},      {"X-Real-IP", "1.2.3.4"},
      {"True-Client-IP", "1.2.3.4"},     {"CF-Connecting-IP", "1.2.3.4"},
      {"CF-Visitor", "{\"scheme\":\"https\"}"}, {"CF-IPCountry", "XX"},
      {"X-Envoy-Original-Path", "/admin"}, {"Front-End-Https", "on"},
      {"Accept", "text/html"},           {"X-Custom", "kept"},
  };
  net::HeaderList out = originRequestHeaders(in, "site.test:8080", "192.0.2.1");
  EXPECT_EQ(value(out, "host"), "site.test:8080");
  EXPECT_EQ(out.front().name, "host");
  EXPECT_EQ(value(out, "x-forwarded-proto"), "http");
  EXPECT_EQ(value(out, "cf-connecting-ip"), "192.0.2.1");
  EXPECT_EQ(value(out, "x-forwarded-for"), "192.0.2.1");
  EXPECT_EQ(value(out, "accept"), "text/html");
  EXPECT_EQ(value(out, "x-custom"), "kept");
  for (const auto& h : out) {
    EXPECT_TRUE(net::iequals(h.name, "host") || net::iequals(h.name, "x-forwarded-proto") ||
                net::iequals(h.name, "cf-connecting-ip") || net::iequals(h.name, "x-forwarded-for") ||
                net::iequals(h.name, "accept") || net::iequals(h.name, "x-custom"))
        << h.name << " was forwarded";
  }
  EXPECT_EQ(out.size(), 6u);
}

TEST(OriginRequestHeaders, ForwardedForIsAppendedTo) {
  net::HeaderList out =
      originRequestHeaders({{"X-Forwarded-For", "10.0.0.1"}, {"x-forwarded-for", "10.0.0.2, 10.0.0.3"}}, "a.test",
                           "192.0.2.1");
  EXPECT_EQ(value(out, "x-forwarded-for"), "10.0.0.1, 10.0.0.2, 10.0.0.3, 192.0.2.1");
  // No authority (an HTTP/1.0 request without Host): the client leaves it to the origin URL.
  EXPECT_EQ(value(originRequestHeaders({{"host", "x"}}, "", "192.0.2.1"), "host"), "");
}

TEST(OriginRequestHeaders, RewriteHeaderNames) {
  for (const char* name : {"x-forwarded-host", "X-FORWARDED-PROTO", "x-forwarded-", "forwarded", "cf-ray",
                           "x-original-url", "X-Rewrite-Url", "x-http-method-override"}) {
    EXPECT_TRUE(isUnkeyedRewriteHeader(name)) << name;
  }
  for (const char* name : {"x-forwarded-for", "X-Forwarded-For", "x-forwarded", "accept-encoding", "cookie",
                           "x-hostname", "cfx-thing", "forwarded-for"}) {
    EXPECT_FALSE(isUnkeyedRewriteHeader(name)) << name;
  }
}

TEST(OriginErrorStatus, CloudflaresCodesPerFailure) {
  EXPECT_EQ(originErrorStatus("connection refused by 127.0.0.1:9 (127.0.0.1:9)"), 521);
  EXPECT_EQ(originErrorStatus("connect timeout: no TCP connection to a.test within 15000 ms"), 522);
  EXPECT_EQ(originErrorStatus("cannot resolve nowhere.invalid: Host not found"), 523);
  EXPECT_EQ(originErrorStatus("cannot reach a.test: No route to host"), 523);
  EXPECT_EQ(originErrorStatus("response timeout: a.test accepted the connection but sent no response head"), 524);
  EXPECT_EQ(originErrorStatus("malformed response: a.test sent status 999 (outside 100-599)"), 502);
  EXPECT_EQ(originErrorStatus("connection closed: a.test closed the connection without a response"), 502);
  EXPECT_EQ(originErrorStatus("something else timed out"), 502);
  EXPECT_EQ(net::fetchErrorKind("egress to 127.0.0.1:8081 refused: loopback address"),
            net::FetchErrorKind::kEgressRefused);
  EXPECT_EQ(net::fetchErrorKind("TLS handshake with a.test failed"), net::FetchErrorKind::kTls);
  EXPECT_EQ(net::fetchErrorKind(""), net::FetchErrorKind::kOther);
}

}  // namespace
}  // namespace verge::edge
