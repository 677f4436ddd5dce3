// Workers Static Assets: the rule-file parsers, path patterns and the asset
// server's answers (html_handling, not_found_handling, redirects, headers,
// validators, ranges, methods, paths that try to leave the folder).
#include "edge/assets.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;

namespace verge::edge {
namespace {

// ---- rule files ------------------------------------------------------------------

TEST(AssetRules, HeadersFileRulesAndIssues) {
  auto parsed = parseHeadersFile(
      "# comment\n"
      "/*\n"
      "  X-Frame-Options: DENY\n"
      "  x-multi: one\n"
      "  X-Multi: two\n"
      "/static/:name/*\n"
      "  ! Cache-Control\n"
      "  X-Name: :name\n"
      "X-Orphan: 1\n"      // line 9: before any path? no, after a rule: still a header of it
      "/empty\n"           // line 10: no headers
      "/next\n"
      "  no colon\n"       // line 12
      "  Bad Name: v\n"    // line 13
      "  Content-Length: 3\n"  // line 14
      "  X-Ctl: a\rb\n"    // line 15: CR inside a value
      "  X-Ok: yes\n"
      "ftp://host/a\n");   // line 17: not https
  ASSERT_EQ(parsed.rules.size(), 3u);
  EXPECT_EQ(parsed.rules[0].pattern.text(), "/*");
  ASSERT_EQ(parsed.rules[0].set.size(), 2u);
  EXPECT_EQ(parsed.rules[0].set[1], (std::pair<std::string, std::string>{"x-multi", "one, two"}));
  EXPECT_EQ(parsed.rules[1].unset, std::vector<std::string>{"cache-control"});
  EXPECT_EQ(parsed.rules[1].set.size(), 2u);  // x-name and the orphan, which belongs to it
  EXPECT_EQ(parsed.rules[2].pattern.text(), "/next");
  std::vector<size_t> lines;
  for (const auto& i : parsed.issues) lines.push_back(i.line);
  EXPECT_EQ(lines, (std::vector<size_t>{10, 12, 13, 14, 15, 17}));
}

TEST(AssetRules, HeadersFileLimits) {
  std::string text;
  for (int i = 0; i < 120; ++i) text += "/r" + std::to_string(i) + "\n  X: y\n";
  auto parsed = parseHeadersFile(text);
  EXPECT_EQ(parsed.rules.size(), kMaxHeaderRules);
  ASSERT_FALSE(parsed.issues.empty());
  EXPECT_EQ(parsed.issues.back().line, 201u);
  auto long_line = parseHeadersFile("/a\n  X: " + std::string(2001, 'v') + "\n  Y: z\n");
  ASSERT_EQ(long_line.rules.size(), 1u);
  EXPECT_EQ(long_line.rules[0].set.size(), 1u);
  EXPECT_EQ(long_line.issues.at(0).line, 2u);
  EXPECT_EQ(parseHeadersFile("https://a.example:8443/x\n  X: y\n").rules.size(), 0u);  // ports refused
}

TEST(AssetRules, RedirectsFile) {
  auto parsed = parseRedirectsFile(
      "/old /new 301\n"
      "/home / \n"
      "/a /b 200\n"
      "/blog/* /posts/:splat 308 # comment\n"
      "/users/:id /u/:id\n"
      "/static-after /x\n"       // static-looking, after a dynamic rule: tried in order
      "/bad /b 999\n"            // 7
      "/one\n"                   // 8
      "https://x.com/a /b\n"     // 9: absolute source
      "/c ftp://x\n"             // 10
      "/* /index.html 200\n"     // 11: loop
      "/old /again\n"            // 12: duplicate
      "/p https://x.com/p 200\n" // 13: rewrite to another host
      "/q //evil.com\n");
  EXPECT_EQ(parsed.static_rules.size(), 3u);
  EXPECT_EQ(parsed.dynamic_rules.size(), 4u);  // static-looking rules after a dynamic one count as dynamic
  std::vector<size_t> lines;
  for (const auto& i : parsed.issues) lines.push_back(i.line);
  EXPECT_EQ(lines, (std::vector<size_t>{7, 8, 9, 10, 11, 12, 13}));
  EXPECT_EQ(matchRedirect(parsed, "/q")->to, "/evil.com");  // never protocol-relative

  auto m = matchRedirect(parsed, "/old");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 301);
  EXPECT_EQ(m->to, "/new");
  m = matchRedirect(parsed, "/blog/2024/a");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 308);
  EXPECT_EQ(m->to, "/posts/2024/a");
  m = matchRedirect(parsed, "/users/42");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to, "/u/42");
  EXPECT_FALSE(matchRedirect(parsed, "/users/42/more"));  // :id stops at "/"
  EXPECT_EQ(matchRedirect(parsed, "/static-after")->to, "/x");
  // "/ /index.html" loops only with html_handling.
  EXPECT_EQ(parseRedirectsFile("/ /index.html\n").static_rules.size(), 0u);
  EXPECT_EQ(parseRedirectsFile("/ /index.html\n", true).static_rules.size(), 1u);
}

TEST(AssetRules, RedirectLimits) {
  std::string text;
  for (int i = 0; i < 2005; ++i) text += "/s" + std::to_string(i) + " /t\n";
  for (int i = 0; i < 105; ++i) text += "/d" + std::to_string(i) + "/* /t\n";
  auto parsed = parseRedirectsFile(text);
  EXPECT_EQ(parsed.static_rules.size(), kMaxStaticRedirects);
  EXPECT_EQ(parsed.dynamic_rules.size(), kMaxDynamicRedirects);
  EXPECT_EQ(parsed.issues.size(), 6u);  // five static lines, then the rest of the file once
}

TEST(AssetRules, PathPatternsMatchLikeCloudflare) {
  PathPattern::Captures c;
  EXPECT_TRUE(PathPattern("/a/*").matches("/a/b/c", &c));
  EXPECT_EQ(c, (PathPattern::Captures{{"splat", "b/c"}}));
  EXPECT_TRUE(PathPattern("/a/*").matches("/a/"));
  EXPECT_FALSE(PathPattern("/a/*").matches("/a"));
  EXPECT_TRUE(PathPattern("/:x/*.js").matches("/lib/a/b.js", &c));
  EXPECT_EQ(c, (PathPattern::Captures{{"x", "lib"}, {"splat", "a/b"}}));
  EXPECT_FALSE(PathPattern("/:x").matches("/"));  // a placeholder needs a character
  EXPECT_FALSE(PathPattern("/*/*").matches("/a/b"));  // two splats: Cloudflare's regex fails
  EXPECT_TRUE(PathPattern("https://:sub.example.com/*").matches("https://www.example.com/x", &c));
  EXPECT_EQ(c[0], (std::pair<std::string, std::string>{"sub", "www"}));
  EXPECT_FALSE(PathPattern("https://:sub.example.com/*").matches("https://a.b.example.com/x"));
  // Greedy: the splat takes as much as it can.
  EXPECT_FALSE(PathPattern("/*-*").matches("/a-b-c", &c));  // two splats: never
  EXPECT_TRUE(PathPattern("/*-:y").matches("/a-b-c", &c));
  EXPECT_EQ(c, (PathPattern::Captures{{"splat", "a-b"}, {"y", "c"}}));
  // No blow-up on a pattern that would backtrack badly as a regex.
  std::string path = "/" + std::string(16000, 'a');
  EXPECT_FALSE(PathPattern("/*a:b").matches(path + "/"));
  EXPECT_TRUE(PathPattern("/*a:b").matches(path));
  EXPECT_EQ(substituteCaptures("/p/:id/:id_2/:other", {{"id", "1"}, {"id_2", "2"}}), "/p/1/2/:other");
}

TEST(AssetRules, RunWorkerFirstRules) {
  WorkerFirstRules rules;
  EXPECT_EQ(WorkerFirstRules::parse({"/api/*", "!/api/docs/*"}, rules), "");
  EXPECT_TRUE(rules.workerFirst("/api/users"));
  EXPECT_FALSE(rules.workerFirst("/api/docs/x"));
  EXPECT_FALSE(rules.workerFirst("/index.html"));
  EXPECT_NE(WorkerFirstRules::parse({"!/a/*"}, rules), "");          // only negative
  EXPECT_NE(WorkerFirstRules::parse({"api/*"}, rules), "");          // no leading slash
  EXPECT_NE(WorkerFirstRules::parse({"/a", "/a"}, rules), "");       // duplicate
  EXPECT_NE(WorkerFirstRules::parse({"/a/*", "/a/b"}, rules), "");   // redundant
  EXPECT_NE(WorkerFirstRules::parse({}, rules), "");
  EXPECT_NE(WorkerFirstRules::parse({"/" + std::string(100, 'x')}, rules), "");
  EXPECT_TRUE(globMatch("/*.js", "/a/b.js"));
  EXPECT_FALSE(globMatch("/*.js", "/a/b.jsx"));
  EXPECT_TRUE(globMatch("*", ""));
}

TEST(AssetPaths, NormalizeAsWhatwgUrl) {
  EXPECT_EQ(normalizeRequestPath("/a/b?x=1"), "/a/b");
  EXPECT_EQ(normalizeRequestPath("/a/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalizeRequestPath("/%2e%2E/x"), "/x");
  EXPECT_EQ(normalizeRequestPath("/a/.%2e/b"), "/b");
  EXPECT_EQ(normalizeRequestPath("/a\\..\\b"), "/b");
  EXPECT_EQ(normalizeRequestPath("/a/."), "/a/");
  EXPECT_EQ(normalizeRequestPath("/a/.."), "/");
  EXPECT_EQ(normalizeRequestPath("/\xc3\xa9"), "/%C3%A9");
  EXPECT_EQ(normalizeRequestPath(""), "/");
}

TEST(AssetPaths, ContentTypes) {
  EXPECT_EQ(assetContentType("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(assetContentType("app.JS"), "application/javascript");
  EXPECT_EQ(assetContentType("s.css"), "text/css; charset=utf-8");
  EXPECT_EQ(assetContentType("d.json"), "application/json");
  EXPECT_EQ(assetContentType("i.svg"), "image/svg+xml");
  EXPECT_EQ(assetContentType("f.woff2"), "font/woff2");
  EXPECT_EQ(assetContentType("m.wasm"), "application/wasm");
  EXPECT_EQ(assetContentType("noext"), "application/octet-stream");
  EXPECT_EQ(assetContentType(".hidden"), "application/octet-stream");
}

// ---- the server --------------------------------------------------------------------

class AssetServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("verge-assets-test-" + std::to_string(rd()));
    dir_ = root_ / "public";
    fs::create_directories(dir_);
    write("index.html", "<h1>home</h1>");
    write("about.html", "about");
    write("blog/index.html", "blog");
    write("docs/404.html", "docs missing");
    write("404.html", "missing");
    write("style.css", "body{}");
    write("a b.txt", "space");
    write("[x].txt", "brackets");
    write("data.bin", "0123456789");
    write(".well-known/security.txt", "contact");
    write("drafts/secret.html", "draft");
    write("notes.tmp", "tmp");
    write(".assetsignore", "drafts/\n*.tmp\n");
    write("_headers", "/*\n  X-Frame-Options: DENY\n/style.css\n  ! Cache-Control\n  X-Style: yes\n"
                      "/blog/:slug\n  X-Slug: :slug\n");
    write("_redirects", "/old /about 301\n/gone/* /new/:splat\n/pretty /about 200\n"
                        "/broken-rewrite /nothing.html 200\n/ext https://example.com/x\n");
    fs::create_directories(root_ / "outside");
    std::ofstream(root_ / "outside" / "secret.txt") << "secret";
    fs::create_symlink(root_ / "outside" / "secret.txt", dir_ / "leak.txt");
    fs::create_symlink(root_ / "outside", dir_ / "leakdir");
    fs::create_symlink(dir_ / "about.html", dir_ / "alias.html");  // inside: served
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& rel, const std::string& content) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel, std::ios::binary) << content;
  }

  std::shared_ptr<const AssetServer> load(HtmlHandling html = HtmlHandling::kAutoTrailingSlash,
                                          NotFoundHandling nf = NotFoundHandling::kNone) {
    AssetsConfig config;
    config.directory = dir_;
    config.html_handling = html;
    config.not_found_handling = nf;
    config.navigation_prefers_assets = true;
    warnings_.clear();
    return AssetServer::load(config, warnings_);
  }

  static std::string header(const AssetResponse& r, std::string_view name) {
    std::string out;
    for (const auto& h : r.headers) {
      if (net::iequals(h.name, name)) out += (out.empty() ? "" : "|") + h.value;
    }
    return out;
  }

  static std::string body(const AssetResponse& r) {
    std::string out, piece;
    for (const auto& p : r.body) {
      if (!p.literal.empty()) {
        out += p.literal;
      } else {
        EXPECT_TRUE(r.file->read(p.offset, p.length, piece));
        out += piece;
      }
    }
    return out;
  }

  AssetResponse get(const AssetServer& s, std::string_view target, net::HeaderList headers = {},
                    bool worker = false, std::string_view method = "GET") {
    headers_ = std::move(headers);
    return s.respond(AssetRequest{method, target, "example.com", &headers_}, worker);
  }

  fs::path root_, dir_;
  std::vector<std::string> warnings_;
  net::HeaderList headers_;
};

TEST_F(AssetServerTest, ServesFilesWithCloudflaresHeaders) {
  auto s = load();
  auto r = get(*s, "/about");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r), "about");
  EXPECT_EQ(header(r, "content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "cache-control"), "public, max-age=0, must-revalidate");
  EXPECT_EQ(header(r, "x-frame-options"), "DENY");
  std::string etag = header(r, "etag");
  ASSERT_EQ(etag.size(), 34u);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(r.content_length, 5u);
  // The same content has the same ETag; other content another one.
  EXPECT_EQ(header(get(*s, "/alias"), "etag"), etag);
  EXPECT_NE(header(get(*s, "/"), "etag"), etag);
  // No Cache-Control with Authorization or Range.
  EXPECT_EQ(header(get(*s, "/about", {{"Authorization", "Bearer x"}}), "cache-control"), "");
  EXPECT_EQ(header(get(*s, "/.well-known/security.txt"), "content-type"), "text/plain; charset=utf-8");
}

TEST_F(AssetServerTest, AutoTrailingSlash) {
  auto s = load();
  EXPECT_EQ(body(get(*s, "/")), "<h1>home</h1>");
  auto r = get(*s, "/about.html?x=1");
  EXPECT_EQ(r.status, 307);
  EXPECT_EQ(header(r, "location"), "/about?x=1");
  EXPECT_EQ(header(get(*s, "/index.html"), "location"), "/");
  EXPECT_EQ(header(get(*s, "/blog"), "location"), "/blog/");
  EXPECT_EQ(body(get(*s, "/blog/")), "blog");
  EXPECT_EQ(header(get(*s, "/blog/index.html"), "location"), "/blog/");
  EXPECT_EQ(header(get(*s, "/blog/index"), "location"), "/blog/");
  EXPECT_EQ(header(get(*s, "/about/"), "location"), "/about");
  EXPECT_EQ(body(get(*s, "/style.css")), "body{}");
}

TEST_F(AssetServerTest, ForceDropAndNone) {
  auto force = load(HtmlHandling::kForceTrailingSlash);
  EXPECT_EQ(header(get(*force, "/about"), "location"), "/about/");
  EXPECT_EQ(body(get(*force, "/about/")), "about");
  EXPECT_EQ(header(get(*force, "/blog"), "location"), "/blog/");
  auto drop = load(HtmlHandling::kDropTrailingSlash);
  EXPECT_EQ(header(get(*drop, "/blog/"), "location"), "/blog");
  EXPECT_EQ(body(get(*drop, "/blog")), "blog");
  EXPECT_EQ(body(get(*drop, "/")), "<h1>home</h1>");
  auto none = load(HtmlHandling::kNone);
  EXPECT_EQ(get(*none, "/about").status, 404);
  EXPECT_EQ(body(get(*none, "/about.html")), "about");
  EXPECT_EQ(body(get(*none, "/index.html")), "<h1>home</h1>");
}

TEST_F(AssetServerTest, NotFoundHandling) {
  auto none = load();
  auto r = get(*none, "/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(get(*none, "/missing", {}, true).handled);  // the worker's turn

  auto page = load(HtmlHandling::kAutoTrailingSlash, NotFoundHandling::k404Page);
  r = get(*page, "/docs/a/b");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body(r), "docs missing");  // the nearest 404.html
  EXPECT_EQ(body(get(*page, "/x/y")), "missing");

  auto spa = load(HtmlHandling::kAutoTrailingSlash, NotFoundHandling::kSinglePageApplication);
  r = get(*spa, "/app/route");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r), "<h1>home</h1>");
  // With a worker, only browser navigations get the SPA shell.
  EXPECT_FALSE(get(*spa, "/api/x", {}, true).handled);
  EXPECT_EQ(body(get(*spa, "/app", {{"Sec-Fetch-Mode", "navigate"}}, true)), "<h1>home</h1>");
}

TEST_F(AssetServerTest, MethodsConditionalsAndHead) {
  auto s = load();
  EXPECT_EQ(get(*s, "/about", {}, true, "POST").status, 405);
  EXPECT_EQ(get(*s, "/about", {}, false, "DELETE").status, 405);
  EXPECT_FALSE(get(*s, "/api", {}, true, "POST").handled);
  std::string etag = header(get(*s, "/about"), "etag");
  auto r = get(*s, "/about", {{"If-None-Match", etag}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(header(r, "etag"), etag);
  EXPECT_EQ(get(*s, "/about", {{"If-None-Match", "W/" + etag}}).status, 304);
  EXPECT_EQ(get(*s, "/about", {{"If-None-Match", "\"other\""}}).status, 200);
  r = get(*s, "/about", {}, false, "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.content_length, 5u);
}

TEST_F(AssetServerTest, Ranges) {
  auto s = load();
  auto r = get(*s, "/data.bin", {{"Range", "bytes=2-4"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(body(r), "234");
  EXPECT_EQ(header(r, "content-range"), "bytes 2-4/10");
  EXPECT_EQ(r.content_length, 3u);
  r = get(*s, "/data.bin", {{"Range", "bytes=20-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(header(r, "content-range"), "bytes */10");
  r = get(*s, "/data.bin", {{"Range", "bytes=0-0,8-"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_NE(header(r, "content-type").find("multipart/byteranges"), std::string::npos);
  EXPECT_EQ(body(r).size(), r.content_length);
  EXPECT_NE(body(r).find("89"), std::string::npos);
  // If-Range with another ETag: the whole file.
  r = get(*s, "/data.bin", {{"Range", "bytes=0-1"}, {"If-Range", "\"stale\""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r), "0123456789");
}

TEST_F(AssetServerTest, HeadersAndRedirectsFiles) {
  auto s = load();
  auto r = get(*s, "/style.css");
  EXPECT_EQ(header(r, "cache-control"), "");
  EXPECT_EQ(header(r, "x-style"), "yes");
  EXPECT_EQ(header(get(*s, "/blog/hello"), "x-slug"), "hello");
  r = get(*s, "/old?q=1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(header(r, "location"), "/about?q=1");
  EXPECT_EQ(header(r, "x-frame-options"), "DENY");  // _headers apply to redirects too
  EXPECT_EQ(header(get(*s, "/gone/a/b"), "location"), "/new/a/b");
  EXPECT_EQ(header(get(*s, "/ext?z"), "location"), "https://example.com/x?z");
  r = get(*s, "/pretty");  // a rewrite: the URL stays, the content is about.html
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r), "about");
  EXPECT_EQ(get(*s, "/broken-rewrite", {}, true).status, 404);  // not the worker's
  // The rule files are not assets.
  EXPECT_EQ(get(*s, "/_headers").status, 404);
  EXPECT_EQ(get(*s, "/_redirects").status, 404);
  EXPECT_EQ(get(*s, "/.assetsignore").status, 404);
}

TEST_F(AssetServerTest, NothingOutsideTheFolder) {
  auto s = load();
  EXPECT_EQ(s->find("/leak.txt"), nullptr);
  EXPECT_EQ(s->find("/leakdir/secret.txt"), nullptr);
  EXPECT_NE(s->find("/alias.html"), nullptr);
  EXPECT_FALSE(warnings_.empty());
  for (const char* target : {"/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/..%2Foutside%2Fsecret.txt",
                             "/leak.txt", "/leakdir/secret.txt", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/a/../../etc/passwd"}) {
    auto r = get(*s, target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_TRUE(r.body.empty()) << target;
  }
  // .assetsignore'd files are not served.
  EXPECT_EQ(get(*s, "/drafts/secret").status, 404);
  EXPECT_EQ(get(*s, "/notes.tmp").status, 404);
}

TEST_F(AssetServerTest, EncodedPaths) {
  auto s = load();
  EXPECT_EQ(body(get(*s, "/a%20b.txt")), "space");
  auto r = get(*s, "/[x].txt");
  EXPECT_EQ(r.status, 307);
  EXPECT_EQ(header(r, "location"), "/%5Bx%5D.txt");
  EXPECT_EQ(body(get(*s, "/%5Bx%5D.txt")), "brackets");
  EXPECT_EQ(header(get(*s, "//about"), "location"), "/about");  // runs of "/" are one
  EXPECT_EQ(get(*s, "/%zz").status, 404);
}

TEST_F(AssetServerTest, RunWorkerFirst) {
  AssetsConfig config;
  config.directory = dir_;
  config.run_worker_first_rules = {"/api/*", "!/api/static/*"};
  auto s = AssetServer::load(config, warnings_);
  EXPECT_TRUE(s->workerFirst("/api/x?y"));
  EXPECT_FALSE(s->workerFirst("/api/static/a"));
  EXPECT_FALSE(s->workerFirst("/about"));
  EXPECT_TRUE(s->workerFirst("/x/../api/z"));  // matched on the normalized path
  config.run_worker_first_rules.clear();
  config.run_worker_first = true;
  EXPECT_TRUE(AssetServer::load(config, warnings_)->workerFirst("/about"));
}

TEST_F(AssetServerTest, LargeFilesAreStreamedFromTheOpenFile) {
  std::string big(3 << 20, 'x');
  big[0] = 'a';
  big.back() = 'z';
  write("big.bin", big);
  auto s = load();
  const AssetFile* f = s->find("/big.bin");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->memory(), nullptr);
  auto r = get(*s, "/big.bin", {{"Range", "bytes=-1"}});
  EXPECT_EQ(body(r), "z");
  // Replacing the file after load changes nothing that is served.
  fs::remove(dir_ / "big.bin");
  write("big.bin", "tiny");
  EXPECT_EQ(body(get(*s, "/big.bin")).size(), big.size());
}

TEST_F(AssetServerTest, LoadErrors) {
  AssetsConfig config;
  config.directory = root_ / "nope";
  EXPECT_THROW(AssetServer::load(config, warnings_), std::runtime_error);
  {
    std::ofstream huge(dir_ / "huge.bin");
  }
  ASSERT_EQ(::truncate((dir_ / "huge.bin").c_str(), (25 << 20) + 1), 0);
  EXPECT_THROW(load(), std::runtime_error);
}

}  // namespace
}  // namespace verge::edge
