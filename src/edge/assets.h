// Workers Static Assets served by C++: a project's `assets` folder, answered
// as Cloudflare answers it, without a JavaScript isolate.
//
// At load the folder is scanned once into a manifest (path → file, size,
// content type, strong ETag from a SHA-256 of the content). Small files are
// kept in memory and written from shared buffers; large ones stay open and
// are streamed. Requests are answered from the manifest only: no path from a
// request ever reaches the file system, so nothing outside the folder can be
// served ("/../", "%2e%2e" and symlinks that leave the folder are all
// outside the manifest). The manifest is a snapshot: files changed after
// load are not seen (restart to pick them up), as a deployment on
// Cloudflare is immutable.
//
// How a request is answered (Cloudflare's asset worker, in order):
//  1. `_redirects`: a matching rule redirects (301/302/303/307/308), or with
//     200 rewrites the path that is looked up;
//  2. html_handling finds the asset for the path (`/about` → about.html,
//     `/blog/` → blog/index.html) or redirects (307) to the canonical URL;
//  3. not_found_handling: `404-page` serves the nearest 404.html (status
//     404), `single-page-application` serves /index.html (200); with a
//     worker only for browser navigations (Sec-Fetch-Mode: navigate) when
//     the compatibility date is 2025-04-01 or later, else the worker runs;
//  4. methods other than GET and HEAD get 405 for a path that has an asset;
//  5. the asset: 200 with Content-Type, ETag and Cache-Control, 304 for a
//     matching If-None-Match, 206/416 for Range;
//  6. `_headers` rules for the request's path are applied to every answer.
// A path that is no asset goes to the worker when the project has one, else
// gets an empty 404.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "edge/asset_rules.h"
#include "net/http_server.h"

namespace verge::edge {

enum class HtmlHandling { kAutoTrailingSlash, kForceTrailingSlash, kDropTrailingSlash, kNone };
enum class NotFoundHandling { kNone, k404Page, kSinglePageApplication };

// The wrangler `assets` key.
struct AssetsConfig {
  std::filesystem::path directory;  // absolute
  std::string binding;              // env name of the binding; empty = none
  HtmlHandling html_handling = HtmlHandling::kAutoTrailingSlash;
  NotFoundHandling not_found_handling = NotFoundHandling::kNone;
  // true: the worker runs first for every request (assets only through the
  // binding). Otherwise `run_worker_first_rules` (validated, see
  // WorkerFirstRules::parse) pick the paths where it does.
  bool run_worker_first = false;
  std::vector<std::string> run_worker_first_rules;
  // Cloudflare's assets_navigation_prefers_asset_serving (on from
  // compatibility date 2025-04-01): with a worker, not_found_handling still
  // applies to browser navigations.
  bool navigation_prefers_assets = false;
};

// One file of the manifest. Immutable once loaded; shared by every thread.
class AssetFile {
 public:
  ~AssetFile();
  AssetFile(const AssetFile&) = delete;
  AssetFile& operator=(const AssetFile&) = delete;

  const std::string& path() const { return path_; }  // "/dir/name.ext", not percent-encoded
  uint64_t size() const { return size_; }
  const std::string& contentType() const { return content_type_; }
  const std::string& etag() const { return etag_; }  // quoted: "\"9f86d0…\""
  // The whole content when it is kept in memory, else null.
  const std::shared_ptr<const std::string>& memory() const { return memory_; }
  // Reads up to `n` bytes at `offset` (from memory or the open file) into
  // `out` (replacing it); false on an I/O error.
  bool read(uint64_t offset, size_t n, std::string& out) const;

 private:
  friend class AssetServer;
  AssetFile() = default;
  std::string path_;
  uint64_t size_ = 0;
  std::string content_type_;
  std::string etag_;
  std::shared_ptr<const std::string> memory_;
  int fd_ = -1;  // when not in memory: opened at load, so a later rename or symlink cannot redirect it
};

// A request as the asset server sees it. Views borrow from the caller for
// the duration of respond().
struct AssetRequest {
  std::string_view method;
  std::string_view target;  // origin-form "/path?query", as received
  std::string_view host;    // Host without the port, for https:// _headers rules
  const net::HeaderList* headers = nullptr;
};

// What the asset server answers: a response plan the caller writes, to a
// client (AssetServer::write) or anywhere else (e.g. a Response for the
// ASSETS binding: status, headers, then the body pieces in order).
struct AssetResponse {
  // False: no asset for this request, and the worker should run instead
  // (only when respond() was told there is a worker).
  bool handled = false;
  int status = 0;
  net::HeaderList headers;
  // The body: pieces of `file` and literal text (the boundaries of a
  // multipart/byteranges body), in order. Empty for HEAD, 304, redirects.
  struct Piece {
    std::string literal;  // written as is when non-empty
    uint64_t offset = 0;  // else `length` bytes of `file` from `offset`
    uint64_t length = 0;
  };
  std::shared_ptr<const AssetFile> file;
  std::vector<Piece> body;
  // The Content-Length: of the body (for HEAD, of the body GET would send).
  uint64_t content_length = 0;
};

class AssetServer : public std::enable_shared_from_this<AssetServer> {
 public:
  // Scans `config.directory`. Throws std::runtime_error naming the folder
  // (or file) and the problem: the folder is missing, a file is over 25 MiB,
  // more than 20,000 files. Lines of _headers / _redirects that break a rule
  // are skipped and described in `warnings` ("<file>:<line>: <problem>"),
  // as are symlinks that lead out of the folder (not served).
  static std::shared_ptr<const AssetServer> load(const AssetsConfig& config, std::vector<std::string>& warnings);

  const AssetsConfig& config() const { return config_; }
  size_t fileCount() const { return files_.size(); }

  // Whether the worker runs before the assets for this request target
  // (run_worker_first: true, or a rule that matches its path).
  bool workerFirst(std::string_view target) const;

  // Decides the answer to `request`. With `worker_present`, a path that is
  // not an asset gives handled = false (run the worker) and
  // not_found_handling applies to navigations only (see the header
  // comment); without, every request is answered (404 when nothing fits).
  // This is also what the ASSETS binding (env.ASSETS.fetch) answers, with
  // worker_present = false.
  AssetResponse respond(const AssetRequest& request, bool worker_present) const;

  // Writes a handled response to a client: the head, then the body (shared
  // buffers for files in memory, read and written a chunk at a time for the
  // others, waiting for each chunk to reach the socket), then finish().
  static void write(AssetResponse response, std::shared_ptr<net::Exchange> exchange);

  // respond() + write() for a client request; false (nothing written) when
  // the worker should run instead.
  bool serve(const std::shared_ptr<net::Exchange>& exchange, bool worker_present) const;

  // The manifest entry for a decoded path ("/a b.html"), or null.
  const AssetFile* find(std::string_view path) const;

 private:
  explicit AssetServer(AssetsConfig config) : config_(std::move(config)) {}
  struct Intent;
  Intent intentFor(const std::string& path, bool skip_redirects, NotFoundHandling not_found) const;
  Intent safeRedirect(const std::string& file, const std::string& destination, bool skip,
                      NotFoundHandling not_found) const;
  Intent notFound(const std::string& path, NotFoundHandling not_found) const;
  void applyHeaderRules(const AssetRequest& request, std::string_view path, net::HeaderList& headers) const;

  AssetsConfig config_;
  WorkerFirstRules worker_first_;
  std::vector<std::shared_ptr<const AssetFile>> files_;
  std::unordered_map<std::string, const AssetFile*> by_path_;
  ParsedHeaders headers_;
  ParsedRedirects redirects_;
};

// A request path as WHATWG URL parsing makes it (what `new URL(url).pathname`
// gives the asset worker): "\" becomes "/", dot segments (also "%2e") are
// resolved without ever going above "/", and bytes outside printable ASCII
// are percent-encoded. `target` is origin-form; the query is cut off.
std::string normalizeRequestPath(std::string_view target);

// The Content-Type Cloudflare (wrangler) gives a file name: by extension,
// "; charset=utf-8" for text/*, application/octet-stream when unknown.
std::string assetContentType(std::string_view filename);

}  // namespace verge::edge
