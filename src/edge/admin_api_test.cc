#include "edge/admin_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cache/store.h"

namespace verge::edge {
namespace {

using json = nlohmann::json;

AdminZone testZone() {
  AdminZone zone;
  zone.name = "site";
  zone.hosts = {"example.com", "*.cdn.test", "paths.test/static/*"};
  cache::CacheRule ignore;
  ignore.path = "/search*";
  ignore.cache_key.emplace().ignore_query = true;
  cache::CacheRule sort;
  sort.path = "/list*";
  sort.cache_key.emplace().sort_query = true;
  zone.cache_rules = {ignore, sort};
  return zone;
}

PurgeRequest parseOk(std::string_view body) {
  auto r = parsePurgeRequest(testZone(), body);
  if (auto* e = std::get_if<ApiError>(&r)) {
    ADD_FAILURE() << body << " → " << e->message;
    return {};
  }
  return std::get<PurgeRequest>(r);
}

ApiError parseError(std::string_view body) {
  auto r = parsePurgeRequest(testZone(), body);
  if (auto* e = std::get_if<ApiError>(&r)) return *e;
  ADD_FAILURE() << body << " was accepted";
  return {};
}

TEST(PurgeRequest, FilesAreKeyedLikeRequests) {
  auto r = parseOk(R"({"files": ["https://Example.COM:443/a.css?v=1#frag",
                                  {"url": "http://example.com/search?q=x", "headers": {"X-Device": "m"}},
                                  "http://x.cdn.test/list?b=2&a=1", "http://example.com"]})");
  EXPECT_EQ(r.kind, "files");
  ASSERT_EQ(r.ops.size(), 4u);
  EXPECT_EQ(r.ops[0].kind, PurgeOp::Kind::kUrl);
  EXPECT_EQ(r.ops[0].host, "example.com");
  EXPECT_EQ(r.ops[0].value, "/a.css?v=1");
  EXPECT_EQ(r.ops[1].value, "/search");  // ignore_query rule
  EXPECT_EQ(r.ops[2].host, "x.cdn.test");
  EXPECT_EQ(r.ops[2].value, "/list?a=1&b=2");  // sort_query rule
  EXPECT_EQ(r.ops[3].value, "/");
}

TEST(PurgeRequest, PrefixesTagsHostsEverything) {
  auto p =
      parseOk(R"({"prefixes": ["example.com/static/", "example.com", "paths.test/static/x"]})");
  ASSERT_EQ(p.ops.size(), 3u);
  EXPECT_EQ(p.ops[0].kind, PurgeOp::Kind::kPrefix);
  EXPECT_EQ(p.ops[0].value, "/static/");
  EXPECT_EQ(p.ops[1].value, "/");          // a bare host: all of it
  EXPECT_EQ(p.ops[2].host, "paths.test");  // a pattern's path does not limit the host

  auto t = parseOk(R"({"tags": ["Product-1", "x"]})");
  ASSERT_EQ(t.ops.size(), 2u);
  EXPECT_EQ(t.ops[0].kind, PurgeOp::Kind::kTag);
  EXPECT_EQ(t.ops[0].value, "product-1");

  auto h = parseOk(R"({"hosts": ["EXAMPLE.com"]})");
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_EQ(h.ops[0].kind, PurgeOp::Kind::kHost);
  EXPECT_EQ(h.ops[0].host, "example.com");

  auto e = parseOk(R"({"purge_everything": true})");
  ASSERT_EQ(e.ops.size(), 1u);
  EXPECT_EQ(e.ops[0].kind, PurgeOp::Kind::kZone);
}

TEST(PurgeRequest, RejectsWhatCloudflareRejects) {
  EXPECT_EQ(parseError("{nope").code, admin_error::kMalformedJson);
  EXPECT_EQ(parseError("").code, admin_error::kMalformedJson);
  for (const char* body : {R"([])",
                           R"({})",
                           R"({"files": []})",
                           R"({"files": "http://example.com/"})",
                           R"({"files": [5]})",
                           R"({"files": [{"url": 5}]})",
                           R"({"files": [{"headers": {}}]})",
                           R"({"files": [{"url": "http://example.com/", "extra": 1}]})",
                           R"({"files": ["example.com/a"]})",
                           R"({"files": ["ftp://example.com/a"]})",
                           R"({"files": ["http://other.test/a"]})",
                           R"({"files": ["http://cdn.test/a"]})",
                           R"({"files": ["http://u:p@example.com/a"]})",
                           R"({"prefixes": ["http://example.com/a"]})",
                           R"({"prefixes": ["other.test/a"]})",
                           R"({"prefixes": ["example.com/a?x"]})",
                           R"({"hosts": ["example.com/a"]})",
                           R"({"hosts": ["nope.test"]})",
                           R"({"tags": [""]})",
                           R"({"tags": ["a,b"]})",
                           R"({"purge_everything": false})",
                           R"({"purge_everything": "true"})",
                           R"({"files": ["http://example.com/"], "tags": ["x"]})",
                           R"({"bogus": [1]})"}) {
    ApiError e = parseError(body);
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_EQ(e.code, admin_error::kBadPurgeRequest) << body;
    EXPECT_FALSE(e.message.empty()) << body;
  }
  json many = {{"tags", json::array()}};
  for (int i = 0; i < 101; ++i) many["tags"].push_back("t" + std::to_string(i));
  EXPECT_NE(parseError(many.dump()).message.find("at most 100"), std::string::npos);
  many["tags"].erase(many["tags"].begin());
  EXPECT_EQ(parseOk(many.dump()).ops.size(), 100u);
}

TEST(PurgeRequest, HostNotInZoneNamesTheZoneHosts) {
  ApiError e = parseError(R"({"hosts": ["other.test"]})");
  EXPECT_NE(e.message.find("other.test"), std::string::npos);
  EXPECT_NE(e.message.find("example.com"), std::string::npos);
}

// Untrusted bytes: mutated bodies never crash the parser, and every answer
// is either a request or a 400 with a message.
TEST(PurgeRequest, SurvivesMutatedBodies) {
  const std::vector<std::string> seeds = {
      R"({"files": ["https://example.com/a?b=1", {"url": "http://x.cdn.test/list?b&a"}]})",
      R"({"prefixes": ["example.com/static/"]})", R"({"tags": ["a", "b"]})",
      R"({"hosts": ["[::1]:80", "example.com"]})", R"({"purge_everything": true})"};
  uint32_t state = 12345;
  auto next = [&] { return state = state * 1103515245u + 12345u; };
  for (int round = 0; round < 20000; ++round) {
    std::string body = seeds[next() % seeds.size()];
    for (int edits = 1 + next() % 4; edits > 0; --edits) {
      size_t at = next() % (body.size() + 1);
      switch (next() % 3) {
        case 0:
          body.insert(at, 1, static_cast<char>(next() % 256));
          break;
        case 1:
          if (at < body.size()) body.erase(at, 1);
          break;
        default:
          if (at < body.size()) body[at] = static_cast<char>(next() % 256);
          break;
      }
    }
    auto r = parsePurgeRequest(testZone(), body);
    if (auto* e = std::get_if<ApiError>(&r)) {
      EXPECT_EQ(e->status, 400);
      EXPECT_FALSE(e->message.empty());
      EXPECT_NO_THROW(json::parse(errorEnvelope(e->code, e->message)));
    }
  }
}

TEST(Envelope, MatchesCloudflare) {
  json ok = json::parse(successEnvelope(R"({"id":"site"})"));
  EXPECT_EQ(ok,
            json::parse(R"({"success":true,"errors":[],"messages":[],"result":{"id":"site"}})"));
  json err = json::parse(errorEnvelope(1012, "bad \"thing\""));
  EXPECT_EQ(err, json::parse(R"({"success":false,"errors":[{"code":1012,"message":"bad \"thing\""}],
                                 "messages":[],"result":null})"));
}

class AdminApiTest : public ::testing::Test {
 protected:
  AdminApiTest() : store_(cache::StoreOptions{}), api_({testZone()}, "s3cret", store_) {}

  AdminResponse call(std::string_view method, std::string_view target, std::string_view body = "",
                     std::string auth = "Bearer s3cret") {
    headers_.clear();
    if (!auth.empty()) headers_.push_back({"Authorization", auth});
    return api_.respond({method, target, &headers_, body, false});
  }

  static json parse(const AdminResponse& r) { return json::parse(r.body); }

  cache::Store store_;
  AdminApi api_;
  net::HeaderList headers_;
};

TEST_F(AdminApiTest, Authentication) {
  EXPECT_EQ(call("GET", "/client/v4/zones", "", "").status, 401);
  EXPECT_EQ(call("GET", "/client/v4/zones", "", "Basic s3cret").status, 401);
  EXPECT_EQ(call("GET", "/client/v4/zones", "", "Bearer ").status, 401);
  AdminResponse wrong = call("GET", "/client/v4/zones", "", "Bearer s3cre");
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(parse(wrong)["errors"][0]["code"], admin_error::kAuthentication);
  EXPECT_EQ(call("GET", "/client/v4/zones", "", "bearer s3cret").status, 200);
}

TEST_F(AdminApiTest, RoutesAndMethods) {
  AdminResponse list = call("GET", "/client/v4/zones");
  EXPECT_EQ(list.status, 200);
  json j = parse(list);
  EXPECT_EQ(j["success"], true);
  EXPECT_EQ(j["result"][0]["id"], "site");
  EXPECT_EQ(j["result"][0]["hosts"][0], "example.com");

  EXPECT_EQ(call("POST", "/client/v4/zones").status, 405);
  AdminResponse get_purge = call("GET", "/client/v4/zones/site/purge_cache");
  EXPECT_EQ(get_purge.status, 405);
  EXPECT_EQ(parse(get_purge)["errors"][0]["code"], admin_error::kMethodNotAllowed);
  AdminResponse unknown =
      call("POST", "/client/v4/zones/nope/purge_cache", R"({"purge_everything":true})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(parse(unknown)["errors"][0]["code"], admin_error::kUnknownZone);
  EXPECT_EQ(call("GET", "/client/v4/other").status, 404);
  EXPECT_EQ(call("GET", "/").status, 404);

  AdminResponse ok =
      call("POST", "/client/v4/zones/site/purge_cache?x=1", R"({"purge_everything":true})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(parse(ok),
            json::parse(R"({"success":true,"errors":[],"messages":[],"result":{"id":"site"}})"));
  EXPECT_EQ(ok.headers[0].value, "application/json");

  headers_ = {{"authorization", "Bearer s3cret"}};
  AdminResponse big =
      api_.respond({"POST", "/client/v4/zones/site/purge_cache", &headers_, "", true});
  EXPECT_EQ(big.status, 413);
}

TEST_F(AdminApiTest, PurgeRemovesFromTheStore) {
  auto put = [&](std::string host, std::string path, std::vector<std::string> tags = {}) {
    cache::ObjectMeta meta;
    meta.url_key = "site " + host + " " + path;
    meta.zone = "site";
    meta.host = host;
    meta.path = path;
    meta.tags = std::move(tags);
    store_.insert(std::move(meta), "body");
  };
  put("example.com", "/a.css");
  put("example.com", "/search");
  put("example.com", "/static/x", {"t1"});
  put("x.cdn.test", "/static/x");
  EXPECT_EQ(call("POST", "/client/v4/zones/site/purge_cache",
                 R"({"files": ["http://example.com/a.css", "http://example.com/search?q=1"]})")
                .status,
            200);
  EXPECT_TRUE(store_.lookup("site example.com /a.css").empty());
  EXPECT_TRUE(store_.lookup("site example.com /search").empty());
  EXPECT_FALSE(store_.lookup("site example.com /static/x").empty());
  EXPECT_EQ(call("POST", "/client/v4/zones/site/purge_cache", R"({"tags": ["T1"]})").status, 200);
  EXPECT_TRUE(store_.lookup("site example.com /static/x").empty());
  EXPECT_FALSE(store_.lookup("site x.cdn.test /static/x").empty());
  EXPECT_EQ(
      call("POST", "/client/v4/zones/site/purge_cache", R"({"prefixes": ["x.cdn.test/static"]})")
          .status,
      200);
  EXPECT_TRUE(store_.lookup("site x.cdn.test /static/x").empty());
}

TEST(AdminApiThrottle, WrongTokensLockOutTheAddressNotOthers) {
  cache::Store store{cache::StoreOptions{}};
  auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  AdminApi api({testZone()}, "s3cret", store, AuthThrottle({}, [&now] { return now; }));
  net::HeaderList headers;
  auto call = [&](std::string auth, std::string_view client) {
    headers.clear();
    if (!auth.empty()) headers.push_back({"authorization", auth});
    return api.respond({"GET", "/client/v4/zones", &headers, "", false, client});
  };
  auto header = [](const AdminResponse& r, std::string_view name) -> std::string {
    auto v = net::findHeader(r.headers, name);
    return v ? std::string(*v) : "";
  };

  // A missing or malformed header is no guess: it does not count.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(call("", "192.0.2.1").status, 401);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(call("Bearer a b", "192.0.2.1").status, 401);
  // Wrong tokens of every length are 403 until the fifth locks the address out.
  for (std::string guess : {"s", "s3cre", "s3cres", "s3cret0", "S3CRET"}) {
    AdminResponse r = call("Bearer " + guess, "192.0.2.1");
    EXPECT_EQ(r.status, 403) << guess;
    EXPECT_EQ(json::parse(r.body)["errors"][0]["code"], admin_error::kAuthentication);
  }
  AdminResponse locked = call("Bearer nope", "192.0.2.1");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(header(locked, "retry-after"), "2");
  json body = json::parse(locked.body);
  EXPECT_EQ(body["success"], false);
  EXPECT_EQ(body["errors"][0]["code"], admin_error::kThrottled);
  // The right token waits too; another address does not.
  EXPECT_EQ(call("Bearer s3cret", "192.0.2.1").status, 429);
  EXPECT_EQ(call("Bearer s3cret", "192.0.2.2").status, 200);

  now += std::chrono::seconds(2);
  EXPECT_EQ(call("Bearer s3cret", "192.0.2.1").status, 200);
  // The success forgot the failures: the next wrong token is a first one.
  EXPECT_EQ(call("Bearer nope", "192.0.2.1").status, 403);
  EXPECT_EQ(call("Bearer s3cret", "192.0.2.1").status, 200);
}

}  // namespace
}  // namespace verge::edge
