#include "net/websocket_handshake.h"

#include <gtest/gtest.h>

namespace verge::net {
namespace {

constexpr std::string_view kRfcKey = "dGhlIHNhbXBsZSBub25jZQ==";

// A valid upgrade request, as a browser sends it; each test changes one thing.
struct Request {
  std::string method = "GET";
  int version = 11;
  HeaderList headers = {{"Host", "example.com"},
                        {"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Key", std::string(kRfcKey)},
                        {"Sec-WebSocket-Version", "13"}};

  std::optional<WebSocketHandshakeError> check(WebSocketOffer* out = nullptr) const {
    WebSocketOffer offer;
    auto e = checkWebSocketRequest(method, version, headers, offer);
    if (out) *out = offer;
    return e;
  }
  int status() const {
    auto e = check();
    return e ? e->status : 0;
  }
  void set(std::string_view name, std::string value) {
    std::erase_if(headers, [&](const HeaderPair& h) { return iequals(h.name, name); });
    headers.push_back({std::string(name), std::move(value)});
  }
  void remove(std::string_view name) {
    std::erase_if(headers, [&](const HeaderPair& h) { return iequals(h.name, name); });
  }
};

bool hasHeader(const HeaderList& headers, std::string_view name, std::string_view value) {
  for (const auto& h : headers) {
    if (iequals(h.name, name) && h.value == value) return true;
  }
  return false;
}

TEST(WebSocketHandshake, AcceptKnownAnswer) {
  // RFC 6455 §1.3.
  EXPECT_EQ(webSocketAccept(kRfcKey), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshake, ValidRequestGivesTheOffer) {
  Request r;
  WebSocketOffer offer;
  EXPECT_FALSE(r.check(&offer));
  EXPECT_EQ(offer.key, kRfcKey);
  EXPECT_TRUE(offer.protocols.empty());

  // Case, lists and several field lines, as real clients send them.
  Request firefox;
  firefox.set("Upgrade", "WebSocket");
  firefox.set("Connection", "keep-alive, Upgrade");
  firefox.set("Sec-WebSocket-Key", " " + std::string(kRfcKey) + " ");
  firefox.headers.push_back({"Sec-WebSocket-Protocol", "chat, superchat"});
  firefox.headers.push_back({"sec-websocket-protocol", "v2.json,,"});
  firefox.headers.push_back({"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"});
  EXPECT_FALSE(firefox.check(&offer));
  EXPECT_EQ(offer.key, kRfcKey);
  EXPECT_EQ(offer.protocols, (std::vector<std::string>{"chat", "superchat", "v2.json"}));

  Request upgrade_list;
  upgrade_list.set("Upgrade", "h2c, websocket");
  upgrade_list.set("connection", "upgrade");
  EXPECT_EQ(upgrade_list.status(), 0);
}

TEST(WebSocketHandshake, MethodAndVersion) {
  Request post;
  post.method = "POST";
  EXPECT_EQ(post.status(), 400);
  EXPECT_NE(post.check()->message.find("GET"), std::string::npos);
  Request http10;
  http10.version = 10;
  EXPECT_EQ(http10.status(), 400);
}

TEST(WebSocketHandshake, UpgradeAndConnection) {
  Request none;
  none.remove("Upgrade");
  auto e = none.check();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 426);
  EXPECT_TRUE(hasHeader(e->headers, "Upgrade", "websocket"));
  EXPECT_TRUE(hasHeader(e->headers, "Connection", "Upgrade"));
  EXPECT_FALSE(isWebSocketUpgrade(none.headers));

  Request h2c;
  h2c.set("Upgrade", "h2c");
  EXPECT_EQ(h2c.status(), 426);
  Request near;
  near.set("Upgrade", "websockets");
  EXPECT_EQ(near.status(), 426);

  Request keep_alive;
  keep_alive.set("Connection", "keep-alive");
  EXPECT_EQ(keep_alive.status(), 400);
  Request no_connection;
  no_connection.remove("Connection");
  EXPECT_EQ(no_connection.status(), 400);
  EXPECT_TRUE(isWebSocketUpgrade(no_connection.headers));
}

TEST(WebSocketHandshake, VersionOtherThan13Is426Naming13) {
  for (const char* v : {"8", "12", "14", "", "13, 8", "thirteen"}) {
    Request r;
    r.set("Sec-WebSocket-Version", v);
    auto e = r.check();
    ASSERT_TRUE(e) << v;
    EXPECT_EQ(e->status, 426) << v;
    EXPECT_TRUE(hasHeader(e->headers, "Sec-WebSocket-Version", "13")) << v;
  }
  Request missing;
  missing.remove("Sec-WebSocket-Version");
  EXPECT_EQ(missing.status(), 426);
  Request twice;
  twice.headers.push_back({"Sec-WebSocket-Version", "13"});
  EXPECT_EQ(twice.status(), 426);
  Request spaced;
  spaced.set("Sec-WebSocket-Version", " 13 ");
  EXPECT_EQ(spaced.status(), 0);
}

TEST(WebSocketHandshake, KeyMustBeBase64Of16Bytes) {
  for (const char* bad : {"", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ===",
                          "dGhlIHNhbXBsZSBub25j", "dGhlIHNhbXBsZSBub25jZ===", "dGhlIHNhbXBsZS*ub25jZQ==",
                          "dGhlIHNhbXBsZSBub25jZQAA", "ZGhlIHNhbXBsZSBub25jZQ1==extra"}) {
    Request r;
    r.set("Sec-WebSocket-Key", bad);
    EXPECT_EQ(r.status(), 400) << bad;
  }
  Request missing;
  missing.remove("Sec-WebSocket-Key");
  EXPECT_EQ(missing.status(), 400);
  Request twice;
  twice.headers.push_back({"Sec-WebSocket-Key", std::string(kRfcKey)});
  EXPECT_EQ(twice.status(), 400);
}

TEST(WebSocketHandshake, ProtocolsMustBeTokens) {
  for (const char* bad : {"a b", "chat/1", "\"chat\"", "a;b"}) {
    Request r;
    r.headers.push_back({"Sec-WebSocket-Protocol", bad});
    EXPECT_EQ(r.status(), 400) << bad;
  }
}

TEST(WebSocketHandshake, ResponseHeaders) {
  HeaderList h = webSocketResponseHeaders(kRfcKey);
  EXPECT_TRUE(hasHeader(h, "Upgrade", "websocket"));
  EXPECT_TRUE(hasHeader(h, "Connection", "Upgrade"));
  EXPECT_TRUE(hasHeader(h, "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  EXPECT_FALSE(findHeader(h, "Sec-WebSocket-Protocol"));
  EXPECT_FALSE(findHeader(h, "Sec-WebSocket-Extensions"));
  h = webSocketResponseHeaders(kRfcKey, "chat");
  EXPECT_TRUE(hasHeader(h, "Sec-WebSocket-Protocol", "chat"));
}

TEST(WebSocketHandshake, ClientKeysAreFreshAndValid) {
  const std::string a = makeWebSocketKey();
  const std::string b = makeWebSocketKey();
  EXPECT_NE(a, b);
  // What the client sends passes the server's checks.
  HeaderList request = webSocketRequestHeaders(a, {"chat", "superchat"});
  request.push_back({"Host", "example.com"});
  WebSocketOffer offer;
  EXPECT_FALSE(checkWebSocketRequest("GET", 11, request, offer));
  EXPECT_EQ(offer.key, a);
  EXPECT_EQ(offer.protocols, (std::vector<std::string>{"chat", "superchat"}));
  EXPECT_FALSE(findHeader(webSocketRequestHeaders(a), "Sec-WebSocket-Protocol"));
}

TEST(WebSocketHandshake, ClientChecksTheServersAnswer) {
  const std::string key = makeWebSocketKey();
  const std::vector<std::string> offered = {"chat", "superchat"};
  std::string protocol = "stale";

  // The server's own answer is accepted, with and without a subprotocol.
  EXPECT_FALSE(checkWebSocketResponse(101, webSocketResponseHeaders(key), key, offered, protocol));
  EXPECT_EQ(protocol, "");
  EXPECT_FALSE(checkWebSocketResponse(101, webSocketResponseHeaders(key, "superchat"), key, offered, protocol));
  EXPECT_EQ(protocol, "superchat");

  // Case-insensitive Upgrade and Connection lists.
  HeaderList loose = {{"upgrade", "WebSocket"},
                      {"connection", "keep-alive, upgrade"},
                      {"sec-websocket-accept", webSocketAccept(key)}};
  EXPECT_FALSE(checkWebSocketResponse(101, loose, key, {}, protocol));

  auto fails = [&](int status, HeaderList h, const std::vector<std::string>& offer = {}) {
    std::string p;
    return checkWebSocketResponse(status, h, key, offer, p).has_value();
  };
  EXPECT_TRUE(fails(200, webSocketResponseHeaders(key)));
  EXPECT_TRUE(fails(101, webSocketResponseHeaders(makeWebSocketKey())));  // another key's accept
  HeaderList h = webSocketResponseHeaders(key);
  h[0].value = "h2c";
  EXPECT_TRUE(fails(101, h));
  h = webSocketResponseHeaders(key);
  h[1].value = "keep-alive";
  EXPECT_TRUE(fails(101, h));
  h = webSocketResponseHeaders(key);
  h.erase(h.begin() + 2);
  EXPECT_TRUE(fails(101, h));
  h = webSocketResponseHeaders(key);
  h.push_back({"Sec-WebSocket-Extensions", "permessage-deflate"});
  EXPECT_TRUE(fails(101, h));
  EXPECT_TRUE(fails(101, webSocketResponseHeaders(key, "other"), offered));
  EXPECT_TRUE(fails(101, webSocketResponseHeaders(key, "chat"), {}));
  h = webSocketResponseHeaders(key, "chat");
  h.push_back({"Sec-WebSocket-Protocol", "superchat"});
  EXPECT_TRUE(fails(101, h, offered));
}

}  // namespace
}  // namespace verge::net
