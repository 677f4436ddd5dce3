#include "edge/assets.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "http/conditional.h"
#include "http/range.h"

namespace fs = std::filesystem;

namespace verge::edge {

namespace {

// Cloudflare's limits for one Worker's assets.
constexpr uint64_t kMaxFileBytes = 25ull << 20;
constexpr size_t kMaxFiles = 20'000;
// Files up to this size are kept in memory (and written without a copy),
// up to kMemoryBudget in all; the rest are streamed from the open file.
constexpr uint64_t kMemoryFileBytes = 1ull << 20;
constexpr uint64_t kMemoryBudget = 256ull << 20;
// The piece of a streamed file read and written at a time.
constexpr size_t kStreamChunk = 256 * 1024;

constexpr std::string_view kCacheControl = "public, max-age=0, must-revalidate";

// ---- content types -----------------------------------------------------------

// By lowercase extension, as the `mime` package wrangler uses maps them.
struct TypeEntry {
  std::string_view ext;
  std::string_view type;
};
constexpr TypeEntry kTypes[] = {
    {"html", "text/html"}, {"htm", "text/html"}, {"shtml", "text/html"}, {"css", "text/css"},
    {"js", "application/javascript"}, {"mjs", "application/javascript"}, {"cjs", "application/node"},
    {"json", "application/json"}, {"map", "application/json"}, {"jsonld", "application/ld+json"},
    {"webmanifest", "application/manifest+json"}, {"xml", "application/xml"}, {"rss", "application/rss+xml"},
    {"atom", "application/atom+xml"}, {"txt", "text/plain"}, {"text", "text/plain"}, {"md", "text/markdown"},
    {"markdown", "text/markdown"}, {"csv", "text/csv"}, {"ics", "text/calendar"}, {"vtt", "text/vtt"},
    {"yaml", "text/yaml"}, {"yml", "text/yaml"}, {"wasm", "application/wasm"}, {"pdf", "application/pdf"},
    {"zip", "application/zip"}, {"gz", "application/gzip"}, {"tar", "application/x-tar"},
    {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
    {"webp", "image/webp"}, {"avif", "image/avif"}, {"svg", "image/svg+xml"}, {"ico", "image/vnd.microsoft.icon"},
    {"bmp", "image/bmp"}, {"tif", "image/tiff"}, {"tiff", "image/tiff"}, {"apng", "image/apng"},
    {"woff", "font/woff"}, {"woff2", "font/woff2"}, {"ttf", "font/ttf"}, {"otf", "font/otf"},
    {"eot", "application/vnd.ms-fontobject"}, {"mp3", "audio/mpeg"}, {"wav", "audio/wav"}, {"ogg", "audio/ogg"},
    {"oga", "audio/ogg"}, {"m4a", "audio/mp4"}, {"flac", "audio/x-flac"}, {"aac", "audio/x-aac"},
    {"mp4", "video/mp4"}, {"m4v", "video/x-m4v"}, {"webm", "video/webm"}, {"ogv", "video/ogg"},
    {"mov", "video/quicktime"}, {"m3u8", "application/vnd.apple.mpegurl"}, {"ts", "video/mp2t"},
    {"wgsl", "text/wgsl"}, {"glb", "model/gltf-binary"}, {"gltf", "model/gltf+json"},
};

// ---- paths -------------------------------------------------------------------

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHex[] = "0123456789ABCDEF";

void appendPercent(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

bool validUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and values beyond Unicode are invalid.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// decodeURIComponent of one segment; the segment unchanged when that would
// throw (a stray "%", or bytes that are not UTF-8).
std::string decodeSegment(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::string(s);
    int hi = hexValue(s[i + 1]);
    int lo = hexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::string(s);
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return validUtf8(out) ? out : std::string(s);
}

// Cloudflare's decodePath: each segment decoded, then runs of "/" made one.
std::string decodePath(std::string_view path) {
  std::string joined;
  joined.reserve(path.size());
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    joined += decodeSegment(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    joined += '/';
    start = slash + 1;
  }
  std::string out;
  out.reserve(joined.size());
  for (char c : joined) {
    if (c != '/' || out.empty() || out.back() != '/') out += c;
  }
  return out;
}

// encodeURIComponent of each segment: the canonical form of a path.
std::string encodePath(std::string_view path) {
  std::string out;
  out.reserve(path.size() + 8);
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                (c != 0 && std::strchr("-_.!~*'()/", c));
    if (keep) out += ch;
    else appendPercent(out, c);
  }
  return out;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view queryOf(std::string_view target) {
  size_t q = target.find('?');
  // URL.search is "" for a bare "?".
  return q == std::string_view::npos || q + 1 == target.size() ? std::string_view() : target.substr(q);
}

// ---- .assetsignore -----------------------------------------------------------

// A .gitignore-style glob: `*` and `?` within one segment, `**` across
// segments, `[...]` classes.
bool gitGlob(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  if (p.substr(0, 2) == "**") {
    std::string_view rest = p.substr(2);
    if (rest.substr(0, 1) == "/") rest.remove_prefix(1);
    for (size_t i = 0; i <= s.size(); ++i) {
      if ((i == 0 || s[i - 1] == '/') && gitGlob(rest, s.substr(i))) return true;
    }
    return rest.empty();
  }
  if (p[0] == '*') {
    for (size_t i = 0; i <= s.size(); ++i) {
      if (gitGlob(p.substr(1), s.substr(i))) return true;
      if (i < s.size() && s[i] == '/') break;
    }
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '?') return s[0] != '/' && gitGlob(p.substr(1), s.substr(1));
  if (p[0] == '[') {
    size_t close = p.find(']', 2);
    if (close != std::string_view::npos) {
      std::string_view set = p.substr(1, close - 1);
      bool negate = !set.empty() && (set[0] == '!' || set[0] == '^');
      if (negate) set.remove_prefix(1);
      bool in = false;
      for (size_t i = 0; i < set.size(); ++i) {
        if (i + 2 < set.size() && set[i + 1] == '-') {
          in |= s[0] >= set[i] && s[0] <= set[i + 2];
          i += 2;
        } else {
          in |= s[0] == set[i];
        }
      }
      return in != negate && s[0] != '/' && gitGlob(p.substr(close + 1), s.substr(1));
    }
  }
  if (p[0] == '\\' && p.size() > 1) return p[1] == s[0] && gitGlob(p.substr(2), s.substr(1));
  return p[0] == s[0] && gitGlob(p.substr(1), s.substr(1));
}

class IgnoreRules {
 public:
  void add(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') return;
    Rule r;
    if (line[0] == '!') {
      r.negate = true;
      line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
      r.dir_only = true;
      line.remove_suffix(1);
    }
    // A slash at the start or in the middle anchors the pattern to the root.
    r.anchored = line.find('/') != std::string_view::npos;
    if (!line.empty() && line[0] == '/') line.remove_prefix(1);
    if (line.empty()) return;
    r.glob = std::string(line);
    rules_.push_back(std::move(r));
  }

  // `rel` is "a/b/c.txt"; a rule that matches a folder on the way ignores
  // everything in it. The last matching rule decides.
  bool ignored(std::string_view rel) const {
    bool out = false;
    for (size_t end = 0; end != std::string_view::npos;) {
      end = rel.find('/', end + 1);
      std::string_view prefix = rel.substr(0, end);
      bool is_dir = end != std::string_view::npos;
      for (const auto& r : rules_) {
        if (r.dir_only && !is_dir) continue;
        std::string_view subject = prefix;
        if (!r.anchored) {
          size_t slash = prefix.rfind('/');
          subject = slash == std::string_view::npos ? prefix : prefix.substr(slash + 1);
        }
        if (gitGlob(r.glob, subject)) out = !r.negate;
      }
      if (out && is_dir) return true;
    }
    return out;
  }

 private:
  struct Rule {
    std::string glob;
    bool negate = false, dir_only = false, anchored = false;
  };
  std::vector<Rule> rules_;
};

std::string sha256Hex32(const std::string& data, int fd, uint64_t size) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  if (fd < 0) {
    EVP_DigestUpdate(ctx, data.data(), data.size());
  } else {
    std::string buf(kStreamChunk, '\0');
    for (uint64_t at = 0; at < size;) {
      ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(at));
      if (n <= 0) break;
      EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(n));
      at += static_cast<uint64_t>(n);
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned i = 0; i < 16 && i < len; ++i) {
    hex += "0123456789abcdef"[digest[i] >> 4];
    hex += "0123456789abcdef"[digest[i] & 15];
  }
  return hex;
}

std::string readSmallFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string randomBoundary() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string b;
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int k = 0; k < 16; ++k) b += "0123456789abcdef"[(v >> (k * 4)) & 15];
  }
  return b;
}

}  // namespace

// ---- public helpers ----------------------------------------------------------

std::string assetContentType(std::string_view filename) {
  size_t slash = filename.rfind('/');
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  size_t dot = filename.rfind('.');
  std::string type = "application/octet-stream";
  if (dot != std::string_view::npos) {
    std::string ext(filename.substr(dot + 1));
    for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const auto& t : kTypes) {
      if (t.ext == ext) {
        type = t.type;
        break;
      }
    }
  }
  if (type.rfind("text/", 0) == 0) type += "; charset=utf-8";
  return type;
}

std::string normalizeRequestPath(std::string_view target) {
  std::string_view raw = target.substr(0, target.find('?'));
  std::vector<std::string> segments;
  bool trailing = false;  // the path ends with "/" (or a dot segment)
  size_t start = raw.empty() || (raw[0] != '/' && raw[0] != '\\') ? 0 : 1;
  while (start <= raw.size()) {
    size_t end = raw.find_first_of("/\\", start);
    std::string_view seg = raw.substr(start, end == std::string_view::npos ? end : end - start);
    std::string lower(seg);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    bool last = end == std::string_view::npos;
    if (lower == "." || lower == "%2e") {
      trailing = last;
    } else if (lower == ".." || lower == ".%2e" || lower == "%2e." || lower == "%2e%2e") {
      if (!segments.empty()) segments.pop_back();
      trailing = last;
    } else {
      std::string out;
      for (char ch : seg) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' || c == '}') {
          appendPercent(out, c);
        } else {
          out += ch;
        }
      }
      segments.push_back(std::move(out));
      trailing = false;
    }
    if (last) break;
    start = end + 1;
  }
  std::string path;
  for (const auto& s : segments) path += "/" + s;
  if (path.empty() || trailing) path += "/";
  return path;
}

// ---- AssetFile -----------------------------------------------------------------

AssetFile::~AssetFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool AssetFile::read(uint64_t offset, size_t n, std::string& out) const {
  out.clear();
  if (offset >= size_) return offset == size_;
  n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
  if (memory_) {
    out.assign(*memory_, static_cast<size_t>(offset), n);
    return true;
  }
  out.resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;  // an error, or the file shrank since load
    got += static_cast<size_t>(r);
  }
  return true;
}

// ---- loading -------------------------------------------------------------------

std::shared_ptr<const AssetServer> AssetServer::load(const AssetsConfig& config, std::vector<std::string>& warnings) {
  std::shared_ptr<AssetServer> server(new AssetServer(config));
  std::error_code ec;
  fs::path root = fs::canonical(config.directory, ec);
  if (ec || !fs::is_directory(root)) {
    throw std::runtime_error(config.directory.string() + ": the assets directory does not exist (or is not a folder)");
  }
  if (!config.run_worker_first_rules.empty()) {
    std::string error = WorkerFirstRules::parse(config.run_worker_first_rules, server->worker_first_);
    if (!error.empty()) throw std::runtime_error("run_worker_first: " + error);
  }

  IgnoreRules ignore;
  // Never served: the rule files, and the ignore file itself.
  ignore.add(".assetsignore");
  ignore.add("_headers");
  ignore.add("_redirects");
  if (fs::is_regular_file(root / ".assetsignore")) {
    std::istringstream lines(readSmallFile(root / ".assetsignore"));
    for (std::string line; std::getline(lines, line);) ignore.add(line);
  }

  uint64_t in_memory = 0;
  const std::string root_prefix = root.string() + "/";
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& entry = it->path();
    std::string rel = entry.lexically_relative(root).generic_string();
    if (ignore.ignored(rel)) {
      if (it->is_directory() && !it->is_symlink()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink()) {
      // Followed only when it leads to a file inside the folder; a folder
      // symlink is never followed (it could loop or lead anywhere).
      std::error_code rc;
      fs::path target = fs::canonical(entry, rc);
      if (rc || target.string().rfind(root_prefix, 0) != 0 || !fs::is_regular_file(target)) {
        warnings.push_back(entry.string() + ": symlink to " + (rc ? "nowhere" : target.string()) +
                           " is outside the assets directory or not a file; not served");
        continue;
      }
    } else if (!it->is_regular_file()) {
      continue;
    }
    if (server->files_.size() >= kMaxFiles) {
      throw std::runtime_error(config.directory.string() + ": more than " + std::to_string(kMaxFiles) +
                               " files (Cloudflare's limit per Worker)");
    }
    fs::path real = fs::canonical(entry, ec);
    if (ec) continue;
    int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      if (fd >= 0) ::close(fd);
      warnings.push_back(entry.string() + ": cannot be read; not served");
      continue;
    }
    auto size = static_cast<uint64_t>(st.st_size);
    if (size > kMaxFileBytes) {
      ::close(fd);
      throw std::runtime_error(entry.string() + ": " + std::to_string(size) +
                               " bytes; an asset may be at most 25 MiB (Cloudflare's limit)");
    }
    std::shared_ptr<AssetFile> file(new AssetFile());
    file->path_ = "/" + rel;
    file->size_ = size;
    file->content_type_ = assetContentType(rel);
    if (size <= kMemoryFileBytes && in_memory + size <= kMemoryBudget) {
      auto data = std::make_shared<std::string>(size, '\0');
      size_t got = 0;
      while (got < size) {
        ssize_t n = ::pread(fd, data->data() + got, size - got, static_cast<off_t>(got));
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      data->resize(got);
      file->size_ = got;
      ::close(fd);
      file->etag_ = "\"" + sha256Hex32(*data, -1, 0) + "\"";
      in_memory += got;
      file->memory_ = std::move(data);
    } else {
      file->fd_ = fd;
      file->etag_ = "\"" + sha256Hex32({}, fd, size) + "\"";
    }
    server->by_path_.emplace(file->path_, file.get());
    server->files_.push_back(std::move(file));
  }
  if (ec) throw std::runtime_error(config.directory.string() + ": " + ec.message());

  auto report = [&](const char* name, const std::vector<RuleIssue>& issues) {
    for (const auto& issue : issues) {
      warnings.push_back((root / name).string() + (issue.line ? ":" + std::to_string(issue.line) : "") + ": " +
                         issue.message);
    }
  };
  if (fs::is_regular_file(root / "_headers")) {
    server->headers_ = parseHeadersFile(readSmallFile(root / "_headers"));
    report("_headers", server->headers_.issues);
  }
  if (fs::is_regular_file(root / "_redirects")) {
    server->redirects_ =
        parseRedirectsFile(readSmallFile(root / "_redirects"), config.html_handling == HtmlHandling::kNone);
    report("_redirects", server->redirects_.issues);
  }
  return server;
}

const AssetFile* AssetServer::find(std::string_view path) const {
  auto it = by_path_.find(std::string(path));
  return it == by_path_.end() ? nullptr : it->second;
}

bool AssetServer::workerFirst(std::string_view target) const {
  if (config_.run_worker_first) return true;
  if (worker_first_.worker.empty()) return false;
  return worker_first_.workerFirst(normalizeRequestPath(target));
}

// ---- html_handling and not_found_handling ----------------------------------------
//
// A transcription of Cloudflare's asset worker (workers-shared handler.ts):
// for each mode, which file a path serves and which paths redirect to the
// canonical one. safeRedirect only redirects when the destination would
// serve the very same content, so a redirect never leads to a different
// asset or a 404.

struct AssetServer::Intent {
  const AssetFile* asset = nullptr;
  int status = 200;      // 404 for a 404.html
  std::string redirect;  // the canonical path to redirect to
  bool any() const { return asset || !redirect.empty(); }
  static Intent serve(const AssetFile* f, int status = 200) { return Intent{f, status, {}}; }
};

AssetServer::Intent AssetServer::safeRedirect(const std::string& file, const std::string& destination, bool skip,
                                              NotFoundHandling not_found) const {
  if (skip || find(destination)) return {};
  Intent there = intentFor(destination, true, not_found);
  const AssetFile* source = find(file);
  if (there.asset && source && there.asset->etag() == source->etag()) return Intent{nullptr, 200, destination};
  return {};
}

AssetServer::Intent AssetServer::notFound(const std::string& path, NotFoundHandling not_found) const {
  switch (not_found) {
    case NotFoundHandling::kSinglePageApplication:
      if (const AssetFile* f = find("/index.html")) return Intent::serve(f);
      return {};
    case NotFoundHandling::k404Page: {
      std::string_view cwd = path;
      while (!cwd.empty()) {
        size_t slash = cwd.rfind('/');
        cwd = cwd.substr(0, slash == std::string_view::npos ? cwd.size() - 1 : slash);
        if (const AssetFile* f = find(std::string(cwd) + "/404.html")) return Intent::serve(f, 404);
      }
      return {};
    }
    case NotFoundHandling::kNone:
      break;
  }
  return {};
}

AssetServer::Intent AssetServer::intentFor(const std::string& p, bool skip, NotFoundHandling not_found) const {
  const AssetFile* exact = find(p);
  auto cut = [&](size_t n) { return p.substr(0, p.size() - n); };
  auto redirect = [&](const std::string& file, const std::string& destination) {
    return safeRedirect(file, destination, skip, not_found);
  };
  Intent r;
  switch (config_.html_handling) {
    case HtmlHandling::kAutoTrailingSlash:
      if (endsWith(p, "/index")) {
        if (exact) return Intent::serve(exact);
        if ((r = redirect(p + ".html", cut(5))).any()) return r;           // /a/index.html → /a/
        if ((r = redirect(cut(6) + ".html", cut(6))).any()) return r;      // /a.html → /a
      } else if (endsWith(p, "/index.html")) {
        if ((r = redirect(p, cut(10))).any()) return r;
        if ((r = redirect(cut(11) + ".html", cut(11))).any()) return r;
      } else if (endsWith(p, "/")) {
        if (const AssetFile* f = find(p + "index.html")) return Intent::serve(f);
        if ((r = redirect(cut(1) + ".html", cut(1))).any()) return r;
      } else if (endsWith(p, ".html")) {
        if ((r = redirect(p, cut(5))).any()) return r;
        if ((r = redirect(cut(5) + "/index.html", cut(5) + "/")).any()) return r;
      }
      if (exact) return Intent::serve(exact);
      if (const AssetFile* f = find(p + ".html")) return Intent::serve(f);
      if ((r = redirect(p + "/index.html", p + "/")).any()) return r;
      break;
    case HtmlHandling::kForceTrailingSlash:
      if (endsWith(p, "/index")) {
        if (exact) return Intent::serve(exact);
        if ((r = redirect(p + ".html", cut(5))).any()) return r;
        if ((r = redirect(cut(6) + ".html", cut(5))).any()) return r;
      } else if (endsWith(p, "/index.html")) {
        if ((r = redirect(p, cut(10))).any()) return r;
        if ((r = redirect(cut(11) + ".html", cut(10))).any()) return r;
      } else if (endsWith(p, "/")) {
        if (const AssetFile* f = find(p + "index.html")) return Intent::serve(f);
        if (const AssetFile* f = find(cut(1) + ".html")) return Intent::serve(f);
      } else if (endsWith(p, ".html")) {
        if ((r = redirect(p, cut(5) + "/")).any()) return r;
        if (exact) return Intent::serve(exact);
        if ((r = redirect(cut(5) + "/index.html", cut(5) + "/")).any()) return r;
      }
      if (exact) return Intent::serve(exact);
      if ((r = redirect(p + ".html", p + "/")).any()) return r;
      if ((r = redirect(p + "/index.html", p + "/")).any()) return r;
      break;
    case HtmlHandling::kDropTrailingSlash:
      if (endsWith(p, "/index")) {
        if (exact) return Intent::serve(exact);
        if (p == "/index") {
          if ((r = redirect("/index.html", "/")).any()) return r;
        } else if ((r = redirect(cut(6) + ".html", cut(6))).any()) {
          return r;
        } else if ((r = redirect(p + ".html", cut(6))).any()) {
          return r;
        }
      } else if (endsWith(p, "/index.html")) {
        if (p == "/index.html") {
          if ((r = redirect("/index.html", "/")).any()) return r;
        } else if ((r = redirect(p, cut(11))).any()) {
          return r;
        } else if (exact) {
          return Intent::serve(exact);
        } else if ((r = redirect(cut(11) + ".html", cut(11))).any()) {
          return r;
        }
      } else if (endsWith(p, "/")) {
        if (p == "/") {
          if (const AssetFile* f = find("/index.html")) return Intent::serve(f);
        } else if ((r = redirect(cut(1) + ".html", cut(1))).any()) {
          return r;
        } else if ((r = redirect(cut(1) + "/index.html", cut(1))).any()) {
          return r;
        }
      } else if (endsWith(p, ".html")) {
        if ((r = redirect(p, cut(5))).any()) return r;
        if ((r = redirect(cut(5) + "/index.html", cut(5))).any()) return r;
      }
      if (exact) return Intent::serve(exact);
      if (const AssetFile* f = find(p + ".html")) return Intent::serve(f);
      if (const AssetFile* f = find(p + "/index.html")) return Intent::serve(f);
      break;
    case HtmlHandling::kNone:
      if (exact) return Intent::serve(exact);
      break;
  }
  return notFound(p, not_found);
}

// ---- answering -----------------------------------------------------------------

void AssetServer::applyHeaderRules(const AssetRequest& request, std::string_view path,
                                   net::HeaderList& headers) const {
  if (headers_.rules.empty()) return;
  std::string absolute;
  PathPattern::Captures captures;
  std::vector<std::string> set_by_rules;
  for (const auto& rule : headers_.rules) {
    bool hit;
    if (rule.pattern.absolute()) {
      if (absolute.empty()) absolute = "https://" + std::string(request.host) + std::string(path);
      hit = rule.pattern.matches(absolute, &captures);
    } else {
      hit = rule.pattern.matches(path, &captures);
    }
    if (!hit) continue;
    for (const auto& name : rule.unset) {
      std::erase_if(headers, [&](const net::HeaderPair& h) { return net::iequals(h.name, name); });
    }
    for (const auto& [name, value] : rule.set) {
      std::string v = substituteCaptures(value, captures);
      // The first rule that sets a header replaces the default; later
      // matching rules add to it.
      if (std::find(set_by_rules.begin(), set_by_rules.end(), name) == set_by_rules.end()) {
        std::erase_if(headers, [&](const net::HeaderPair& h) { return net::iequals(h.name, name); });
        set_by_rules.push_back(name);
      }
      headers.push_back({name, std::move(v)});
    }
  }
}

AssetResponse AssetServer::respond(const AssetRequest& request, bool worker_present) const {
  static const net::HeaderList kNoHeaders;
  const net::HeaderList& req_headers = request.headers ? *request.headers : kNoHeaders;
  AssetResponse out;
  out.handled = true;
  const std::string request_path = normalizeRequestPath(request.target);
  const std::string_view search = queryOf(request.target);
  auto finish = [&](int status) -> AssetResponse {
    out.status = status;
    applyHeaderRules(request, request_path, out.headers);
    return std::move(out);
  };

  // 1. _redirects: redirect, or rewrite the path that is looked up.
  std::string pathname = request_path;
  bool rewritten = false;
  if (auto match = matchRedirect(redirects_, request_path)) {
    std::string_view to = match->to;
    size_t hash = to.find('#');
    std::string_view fragment = hash == std::string_view::npos ? std::string_view() : to.substr(hash);
    std::string_view before_hash = to.substr(0, hash);
    std::string_view to_search = queryOf(before_hash);
    std::string_view to_path = before_hash.substr(0, before_hash.find('?'));
    if (match->status == 200) {
      pathname = normalizeRequestPath(to_path);
      rewritten = true;
    } else {
      // The request's query is kept unless the destination has its own.
      std::string location = to_path.substr(0, 1) == "/" ? normalizeRequestPath(to_path) : std::string(to_path);
      // Never "//host" (a protocol-relative URL: another site).
      while (location.size() > 1 && location[0] == '/' && location[1] == '/') location.erase(0, 1);
      location += to_search.empty() ? search : to_search;
      location += fragment;
      out.headers.push_back({"location", std::move(location)});
      return finish(match->status);
    }
  }

  // 2-3. The file for the path (html_handling), or not_found_handling.
  NotFoundHandling not_found = config_.not_found_handling;
  if (worker_present) {
    bool navigation = config_.navigation_prefers_assets &&
                      net::findHeader(req_headers, "sec-fetch-mode").value_or("") == "navigate";
    if (!navigation) not_found = NotFoundHandling::kNone;
  }
  const std::string decoded = decodePath(pathname);
  Intent intent = intentFor(decoded, false, not_found);
  if (!intent.any()) {
    // Nothing here: the worker's turn, or an empty 404 (always for a
    // rewrite whose target is missing).
    if (worker_present && !rewritten) return AssetResponse{};
    return finish(404);
  }

  // 4. Assets answer GET and HEAD only.
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) return finish(405);

  // The canonical URL of an asset is its encoded path; redirect to it
  // (merged with html_handling's redirect, so there is only one hop).
  std::string destination = encodePath(intent.redirect.empty() ? decoded : intent.redirect);
  if (!intent.redirect.empty() || destination != pathname) {
    out.headers.push_back({"location", destination + std::string(search)});
    return finish(307);
  }

  // 5. The asset: validators and caching as Cloudflare sends them.
  const AssetFile& file = *intent.asset;
  out.headers.push_back({"content-type", file.contentType()});
  out.headers.push_back({"etag", file.etag()});
  const auto range = net::findHeader(req_headers, "range");
  if (!range && !net::findHeader(req_headers, "authorization")) {
    out.headers.push_back({"cache-control", std::string(kCacheControl)});
  }
  if (auto inm = net::findHeader(req_headers, "if-none-match"); inm && http::etagWeakMatch(*inm, file.etag())) {
    return finish(304);
  }
  // Keeps the server (and so the file) alive while the body is written.
  out.file = std::shared_ptr<const AssetFile>(shared_from_this(), &file);
  const uint64_t size = file.size();
  int status = intent.status;
  out.content_length = size;
  if (range && status == 200) {
    const http::HeaderList validators{{"etag", file.etag()}};
    auto if_range = net::findHeader(req_headers, "if-range");
    auto result = http::evaluateRange(*range, size);
    if (if_range && !http::ifRangeMatches(*if_range, validators)) result.outcome = http::RangeOutcome::kIgnore;
    if (result.outcome == http::RangeOutcome::kUnsatisfiable) {
      out.file.reset();
      out.content_length = 0;
      out.headers.push_back({"content-range", http::unsatisfiedContentRange(size)});
      return finish(416);
    }
    if (result.outcome == http::RangeOutcome::kSatisfiable) {
      status = 206;
      if (result.ranges.size() == 1) {
        const http::ByteRange& r = result.ranges.front();
        out.headers.push_back({"content-range", http::contentRange(r, size)});
        out.body.push_back({{}, r.first, r.size()});
        out.content_length = r.size();
      } else {
        auto layout = http::multipartLayout(result.ranges, file.contentType(), size, randomBoundary());
        out.headers[0].value = layout.content_type;
        for (size_t i = 0; i < result.ranges.size(); ++i) {
          out.body.push_back({layout.part_headers[i], 0, 0});
          out.body.push_back({{}, result.ranges[i].first, result.ranges[i].size()});
        }
        out.body.push_back({layout.trailer, 0, 0});
        out.content_length = layout.total_length;
      }
    }
  }
  if (out.body.empty()) out.body.push_back({{}, 0, size});
  if (head) out.body.clear();
  return finish(status);
}

namespace {

// Writes body pieces [index, end) of `response`, a file chunk at a time,
// each after the previous one reached the socket; then finishes.
struct BodyWriter : std::enable_shared_from_this<BodyWriter> {
  AssetResponse response;
  std::shared_ptr<net::Exchange> exchange;
  size_t index = 0;
  uint64_t done_in_piece = 0;
  std::string buffer;

  void next() {
    while (index < response.body.size()) {
      const auto& piece = response.body[index];
      if (!piece.literal.empty()) {
        exchange->writeBody(piece.literal, nullptr);
        ++index;
        continue;
      }
      const auto& memory = response.file->memory();
      if (memory) {
        // In memory: referenced, not copied.
        exchange->writeBodyShared(std::string_view(*memory).substr(piece.offset, piece.length), memory);
        ++index;
        continue;
      }
      if (done_in_piece == piece.length) {
        ++index;
        done_in_piece = 0;
        continue;
      }
      size_t n = static_cast<size_t>(std::min<uint64_t>(kStreamChunk, piece.length - done_in_piece));
      if (!response.file->read(piece.offset + done_in_piece, n, buffer) || buffer.size() != n) {
        exchange->abort();  // the file changed or failed under us: never send short
        return;
      }
      done_in_piece += n;
      exchange->writeBody(buffer, [self = shared_from_this()](bool ok) {
        if (ok) self->next();
      });
      return;
    }
    exchange->finish();
  }
};

}  // namespace

void AssetServer::write(AssetResponse response, std::shared_ptr<net::Exchange> exchange) {
  exchange->writeHead(response.status, response.headers, response.content_length);
  if (response.body.empty()) {
    exchange->finish();
    return;
  }
  auto writer = std::make_shared<BodyWriter>();
  writer->response = std::move(response);
  writer->exchange = std::move(exchange);
  writer->next();
}

bool AssetServer::serve(const std::shared_ptr<net::Exchange>& exchange, bool worker_present) const {
  const net::RequestHead& head = exchange->head();
  std::string_view host = net::findHeader(head.headers, "host").value_or("");
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  AssetRequest request{head.method, head.target, host, &head.headers};
  AssetResponse response = respond(request, worker_present);
  if (!response.handled) return false;
  write(std::move(response), exchange);
  return true;
}

}  // namespace verge::edge
