#include "edge/asset_rules.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace verge::edge {

namespace {

constexpr size_t kMaxSubject = 16 * 1024;
// The reachability table of one match: (tokens + 1) x (subject + 1) bytes.
constexpr size_t kMaxMatchTable = 4u << 20;

bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isWordChar(char c) { return isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_'; }

// JavaScript's String.prototype.trim for the bytes that can occur here:
// ASCII whitespace (a UTF-8 no-break space stays, as it is not one byte).
std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A header field name must be an RFC 9110 token: anything else could not be
// sent (and CR or LF would split the response).
bool isFieldName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (isWordChar(c) && c != '_') continue;
    if (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c)) continue;
    return false;
  }
  return true;
}

// A field value may hold visible bytes, spaces and tabs, not controls.
bool isFieldValue(std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

// Fields the server decides from the response itself.
bool isFramingHeader(std::string_view name) {
  for (std::string_view f : {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
                             "trailer", "proxy-connection"}) {
    if (name == f) return true;
  }
  return false;
}

// Splits `text` into lines (on "\n", as Cloudflare does) and calls
// `line(number, trimmed)` for each that is not blank or a comment; stops when
// it returns false.
template <typename Fn>
void forEachRuleLine(std::string_view text, Fn line) {
  size_t number = 0;
  size_t total = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  while (true) {
    ++number;
    size_t end = text.find('\n');
    std::string_view raw = text.substr(0, end);
    std::string_view l = trim(raw);
    if (!l.empty() && l.front() != '#' && !line(number, l, total)) return;
    if (end == std::string_view::npos) return;
    text.remove_prefix(end + 1);
  }
}

std::string tooLong(size_t number) {
  return "ignored: longer than the maximum of " + std::to_string(kMaxRuleLineLength) + " characters (line " +
         std::to_string(number) + ")";
}

// "https://host/rest" → host and rest; nullopt for anything else.
std::optional<std::pair<std::string_view, std::string_view>> splitHttpsUrl(std::string_view token) {
  if (token.substr(0, 8) != "https://") return std::nullopt;
  std::string_view rest = token.substr(8);
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);  // "https:///x" as URL does
  size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  if (host.empty()) return std::nullopt;
  return std::make_pair(host, slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash));
}

bool hostHasPort(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == host.size()) return false;
  return std::all_of(host.begin() + static_cast<long>(colon) + 1, host.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A path without its query and fragment (a rule's source matches paths only).
std::string_view pathOnly(std::string_view token) { return token.substr(0, token.find_first_of("?#")); }

// Runs of "/" in the path of a relative destination made one: "//host"
// would be a protocol-relative URL, leaving the site (a splat that captured
// a leading "/" must not make one).
std::string collapseSlashes(std::string_view to) {
  size_t end = to.find_first_of("?#");
  std::string out;
  for (size_t i = 0; i < to.size(); ++i) {
    if (i < end && to[i] == '/' && !out.empty() && out.back() == '/') continue;
    out += to[i];
  }
  return out;
}

}  // namespace

// ---- PathPattern -----------------------------------------------------------

PathPattern::PathPattern(std::string_view pattern) : text_(pattern) {
  size_t host_end = 0;
  if (pattern.substr(0, 8) == "https://") {
    absolute_ = true;
    size_t slash = pattern.find('/', 8);
    host_end = slash == std::string_view::npos ? pattern.size() : slash;
  }
  std::set<std::string> names;
  auto addCapture = [&](Token::Kind kind, std::string name, bool host) {
    dynamic_ = true;
    if (!names.insert(name).second) valid_ = false;
    tokens_.push_back({kind, std::move(name), host});
  };
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '*') {
      addCapture(Token::Kind::kSplat, "splat", false);
      ++i;
    } else if (c == ':' && i + 1 < pattern.size() && isAsciiLetter(pattern[i + 1])) {
      size_t end = i + 1;
      while (end < pattern.size() && isWordChar(pattern[end])) ++end;
      addCapture(Token::Kind::kPlaceholder, std::string(pattern.substr(i + 1, end - i - 1)), i < host_end);
      i = end;
    } else {
      if (tokens_.empty() || tokens_.back().kind != Token::Kind::kLiteral) {
        tokens_.push_back({Token::Kind::kLiteral, {}, false});
      }
      tokens_.back().text += c;
      ++i;
    }
  }
}

bool PathPattern::matches(std::string_view subject, Captures* captures) const {
  if (!valid_) return false;
  if (!dynamic_) return subject == text_;
  if (subject.size() > kMaxSubject) return false;
  const size_t m = tokens_.size();
  const size_t n = subject.size();
  if ((m + 1) * (n + 1) > kMaxMatchTable) return false;
  // Cheap rejections first: most patterns start (and many end) with text.
  if (tokens_.front().kind == Token::Kind::kLiteral && subject.substr(0, tokens_.front().text.size()) != tokens_.front().text) {
    return false;
  }
  if (const auto& last = tokens_.back(); last.kind == Token::Kind::kLiteral &&
                                         (n < last.text.size() || subject.substr(n - last.text.size()) != last.text)) {
    return false;
  }

  // reach[i][p]: tokens i.. match subject[p..n) exactly. Filled from the
  // last token back, each row in O(n), so the whole match is O(m x n)
  // however the pattern and the subject are built.
  thread_local std::vector<uint8_t> table;
  thread_local std::vector<size_t> next;  // per row: the first reachable q >= p
  table.assign((m + 1) * (n + 1), 0);
  next.resize(n + 2);
  auto reach = [&](size_t i, size_t p) -> uint8_t& { return table[i * (n + 1) + p]; };
  // stop(p) for placeholders: the first separator at or after p.
  auto stopAt = [&](size_t p, bool host) {
    size_t s = p;
    while (s < n && subject[s] != '/' && !(host && subject[s] == '.')) ++s;
    return s;
  };
  reach(m, n) = 1;
  for (size_t i = m; i-- > 0;) {
    const Token& t = tokens_[i];
    switch (t.kind) {
      case Token::Kind::kLiteral:
        for (size_t p = 0; p + t.text.size() <= n; ++p) {
          reach(i, p) = reach(i + 1, p + t.text.size()) && subject.compare(p, t.text.size(), t.text) == 0;
        }
        break;
      case Token::Kind::kSplat: {
        uint8_t any = 0;
        for (size_t p = n + 1; p-- > 0;) reach(i, p) = any |= reach(i + 1, p);
        break;
      }
      case Token::Kind::kPlaceholder: {
        next[n + 1] = n + 1;
        for (size_t q = n + 1; q-- > 0;) next[q] = reach(i + 1, q) ? q : next[q + 1];
        // One or more non-separator characters: q in [p + 1, stop(p)].
        size_t stop = n;
        for (size_t p = n; p-- > 0;) {
          if (subject[p] == '/' || (t.host && subject[p] == '.')) stop = p;
          reach(i, p) = stop > p && next[p + 1] <= stop;
        }
        break;
      }
    }
  }
  if (!reach(0, 0)) return false;
  if (!captures) return true;
  // Greedy, like the regex Cloudflare builds: each capture takes the longest
  // text that still lets the rest match.
  captures->clear();
  size_t p = 0;
  for (size_t i = 0; i < m; ++i) {
    const Token& t = tokens_[i];
    if (t.kind == Token::Kind::kLiteral) {
      p += t.text.size();
      continue;
    }
    size_t q = t.kind == Token::Kind::kSplat ? n : stopAt(p, t.host);
    while (!reach(i + 1, q)) --q;  // reach(i, p) guarantees one exists
    captures->emplace_back(t.text, std::string(subject.substr(p, q - p)));
    p = q;
  }
  return true;
}

std::string substituteCaptures(std::string_view text, const PathPattern::Captures& captures) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] == ':' && i + 1 < text.size() && isAsciiLetter(text[i + 1])) {
      size_t end = i + 1;
      while (end < text.size() && isWordChar(text[end])) ++end;
      std::string_view name = text.substr(i + 1, end - i - 1);
      auto found = std::find_if(captures.begin(), captures.end(), [&](const auto& c) { return c.first == name; });
      if (found != captures.end()) out += found->second;
      else out += text.substr(i, end - i);
      i = end;
    } else {
      out += text[i++];
    }
  }
  return out;
}

// ---- _headers --------------------------------------------------------------

ParsedHeaders parseHeadersFile(std::string_view text) {
  ParsedHeaders out;
  struct Open {
    HeaderRule rule;
    size_t line;
  };
  std::optional<Open> open;
  auto close = [&] {
    if (!open) return;
    if (open->rule.set.empty() && open->rule.unset.empty()) {
      out.issues.push_back({open->line, "no headers specified for " + open->rule.pattern.text()});
    } else {
      out.rules.push_back(std::move(open->rule));
    }
    open.reset();
  };
  forEachRuleLine(text, [&](size_t number, std::string_view line, size_t total) {
    if (line.size() > kMaxRuleLineLength) {
      out.issues.push_back({number, tooLong(number)});
      return true;
    }
    size_t scheme = line.find("://");
    bool path_line = line.front() == '/' ||
                     (scheme != std::string_view::npos && scheme > 0 &&
                      line.substr(0, scheme).find_first_of(" \t") == std::string_view::npos);
    if (path_line) {
      if (out.rules.size() + (open ? 1 : 0) >= kMaxHeaderRules) {
        out.issues.push_back({number, "the maximum number of rules is " + std::to_string(kMaxHeaderRules) +
                                          "; ignoring the remaining " + std::to_string(total - number + 1) +
                                          " lines of the file"});
        return false;
      }
      close();
      std::string_view path = line;
      if (line.front() != '/') {
        auto url = splitHttpsUrl(line);
        if (!url) {
          out.issues.push_back({number, "URLs should either be relative (begin with a forward-slash), or use "
                                        "HTTPS (begin with \"https://\")"});
          return true;
        }
        if (hostHasPort(url->first)) {
          out.issues.push_back({number, "specifying ports is not supported: " + std::string(line)});
          return true;
        }
      }
      open = Open{HeaderRule{PathPattern(pathOnly(path)), {}, {}}, number};
      return true;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (!open) {
        out.issues.push_back({number, "expected a path beginning with at least one forward-slash"});
      } else if (line.substr(0, 2) == "! ") {
        std::string name = lower(trim(line.substr(2)));
        if (isFieldName(name)) open->rule.unset.push_back(std::move(name));
        else out.issues.push_back({number, "not a valid header name: " + name});
      } else {
        out.issues.push_back({number, "expected a colon-separated header pair (e.g. name: value)"});
      }
      return true;
    }
    std::string name = lower(trim(line.substr(0, colon)));
    std::string_view value = trim(line.substr(colon + 1));
    if (name.find(' ') != std::string::npos) {
      out.issues.push_back({number, "header name cannot include spaces"});
    } else if (name.empty()) {
      out.issues.push_back({number, "no header name specified"});
    } else if (value.empty()) {
      out.issues.push_back({number, "no header value specified"});
    } else if (!isFieldName(name) || !isFieldValue(value)) {
      out.issues.push_back({number, "not a valid header: control characters or separators in " + name});
    } else if (isFramingHeader(name)) {
      out.issues.push_back({number, name + " describes the connection or the body's framing; _headers cannot set it"});
    } else if (!open) {
      out.issues.push_back({number, "path should come before header (" + name + ": " + std::string(value) + ")"});
    } else {
      auto& set = open->rule.set;
      auto found = std::find_if(set.begin(), set.end(), [&](const auto& h) { return h.first == name; });
      if (found != set.end()) found->second += ", " + std::string(value);
      else set.emplace_back(std::move(name), std::string(value));
    }
    return true;
  });
  close();
  return out;
}

// ---- _redirects ------------------------------------------------------------

ParsedRedirects parseRedirectsFile(std::string_view text, bool html_handling_none) {
  ParsedRedirects out;
  size_t static_count = 0, dynamic_count = 0;
  bool static_allowed = true;  // until the first dynamic rule
  std::set<std::string> seen;
  forEachRuleLine(text, [&](size_t number, std::string_view line, size_t total) {
    if (line.size() > kMaxRuleLineLength) {
      out.issues.push_back({number, tooLong(number)});
      return true;
    }
    std::vector<std::string_view> tokens;
    for (size_t i = 0; i < line.size();) {
      size_t start = line.find_first_not_of(" \t\r\f\v", i);
      if (start == std::string_view::npos) break;
      size_t end = line.find_first_of(" \t\r\f\v", start);
      std::string_view token = line.substr(start, end == std::string_view::npos ? end : end - start);
      // An inline comment: a token starting with "#" after the source and
      // the destination ("/a /b#frag" keeps its fragment).
      if (tokens.size() >= 2 && token.front() == '#') break;
      tokens.push_back(token);
      if (end == std::string_view::npos) break;
      i = end;
    }
    if (tokens.size() < 2 || tokens.size() > 3) {
      out.issues.push_back({number, "expected exactly 2 or 3 whitespace-separated tokens, got " +
                                        std::to_string(tokens.size())});
      return true;
    }
    if (splitHttpsUrl(tokens[0])) {
      out.issues.push_back({number, "only relative URLs are allowed as a source: " + std::string(tokens[0])});
      return true;
    }
    std::string from = std::string(tokens[0].front() == '/' ? "" : "/") + std::string(pathOnly(tokens[0]));
    PathPattern pattern(from);
    if (static_allowed && !pattern.dynamic()) {
      if (++static_count > kMaxStaticRedirects) {
        out.issues.push_back({number, "the maximum number of static rules is " +
                                          std::to_string(kMaxStaticRedirects) + "; skipping this line"});
        return true;
      }
    } else {
      static_allowed = false;
      if (++dynamic_count > kMaxDynamicRedirects) {
        out.issues.push_back({number, "the maximum number of dynamic rules is " +
                                          std::to_string(kMaxDynamicRedirects) + "; skipping the remaining " +
                                          std::to_string(total - number + 1) + " lines of the file"});
        return false;
      }
    }
    std::string_view to = tokens[1];
    auto absolute = splitHttpsUrl(to);
    if (!absolute && to.front() != '/') {
      out.issues.push_back({number, "the destination should either be relative (begin with a forward-slash), "
                                    "or use HTTPS (begin with \"https://\"): " + std::string(to)});
      return true;
    }
    int status = 0;
    std::string_view code = tokens.size() == 3 ? tokens[2] : "302";
    if (code == "200" || code == "301" || code == "302" || code == "303" || code == "307" || code == "308") {
      status = (code[0] - '0') * 100 + (code[2] - '0');
    } else {
      out.issues.push_back({number, "valid status codes are 200, 301, 302 (default), 303, 307, or 308; got " +
                                        std::string(code)});
      return true;
    }
    // "/* /index.html" (always) and "/ /index.html" (with html_handling)
    // would loop against the redirects that drop "/index.html".
    auto endsWith = [](std::string_view s, std::string_view t) {
      return s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
    };
    bool to_index = endsWith(pathOnly(to), "/index") || endsWith(pathOnly(to), "/index.html");
    if (!absolute && to_index && (endsWith(from, "/*") || (endsWith(from, "/") && !html_handling_none))) {
      out.issues.push_back({number, "infinite loop: this rule would redirect to a path that html_handling "
                                    "redirects back to " + from + "; ignored"});
      return true;
    }
    if (!seen.insert(from).second) {
      out.issues.push_back({number, "ignoring duplicate rule for path " + from});
      return true;
    }
    if (status == 200 && absolute) {
      out.issues.push_back({number, "rewrites (200) can only point to relative paths, got " + std::string(to)});
      return true;
    }
    std::string destination(to);
    if (!absolute) destination = collapseSlashes(destination);
    RedirectRule rule{std::move(pattern), std::move(destination), status, number};
    if (static_allowed) out.static_rules.emplace(from, std::move(rule));
    else out.dynamic_rules.push_back(std::move(rule));
    return true;
  });
  return out;
}

std::optional<RedirectMatch> matchRedirect(const ParsedRedirects& redirects, std::string_view path) {
  if (auto it = redirects.static_rules.find(std::string(path)); it != redirects.static_rules.end()) {
    return RedirectMatch{it->second.status, it->second.to};
  }
  PathPattern::Captures captures;
  for (const auto& rule : redirects.dynamic_rules) {
    if (!rule.from.matches(path, &captures)) continue;
    RedirectMatch match{rule.status, substituteCaptures(rule.to, captures)};
    if (!splitHttpsUrl(match.to)) match.to = collapseSlashes(match.to);
    return match;
  }
  return std::nullopt;
}

// ---- run_worker_first ------------------------------------------------------

bool globMatch(std::string_view glob, std::string_view text) {
  // The two-pointer wildcard walk: on a mismatch, let the last `*` take one
  // more character.
  size_t g = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = t;
    } else if (g < glob.size() && glob[g] == text[t]) {
      ++g;
      ++t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

std::string WorkerFirstRules::parse(const std::vector<std::string>& rules, WorkerFirstRules& out) {
  out = {};
  if (rules.empty()) return "no rules were given; give at least one, or use true / false";
  if (rules.size() > kMaxRunWorkerFirstRules) {
    return std::to_string(rules.size()) + " rules exceed the maximum of " + std::to_string(kMaxRunWorkerFirstRules);
  }
  std::vector<std::string> problems;
  std::vector<std::string> raw_negative;
  for (const auto& rule : rules) {
    if (rule.rfind("!/", 0) == 0) {
      out.assets.push_back(rule.substr(1));
      raw_negative.push_back(rule);
    } else if (rule.rfind("/", 0) == 0) {
      out.worker.push_back(rule);
    } else if (rule.rfind("!", 0) == 0) {
      problems.push_back("'" + rule + "': negative rules must start with '!/'");
    } else {
      problems.push_back("'" + rule + "': rules must start with '/' or '!/'");
    }
  }
  if (!out.assets.empty() && out.worker.empty()) {
    return "only negative rules were given; give at least one rule that is not negated";
  }
  for (const auto* list : {&out.worker, &raw_negative}) {
    std::set<std::string> seen;
    for (const auto& rule : *list) {
      if (rule.size() >= kMaxRunWorkerFirstRuleLength) {
        problems.push_back("'" + rule + "': rules must be shorter than " +
                           std::to_string(kMaxRunWorkerFirstRuleLength) + " characters");
      }
      if (!seen.insert(rule).second) problems.push_back("'" + rule + "': duplicate rule");
      if (rule.back() == '*') {
        std::string_view prefix(rule.data(), rule.size() - 1);
        for (const auto& other : *list) {
          if (other != rule && std::string_view(other).substr(0, prefix.size()) == prefix) {
            problems.push_back("'" + other + "': rule '" + rule + "' makes it redundant");
          }
        }
      }
    }
  }
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
  return message;
}

bool WorkerFirstRules::workerFirst(std::string_view path) const {
  for (const auto& rule : assets) {
    if (globMatch(rule, path)) return false;
  }
  for (const auto& rule : worker) {
    if (globMatch(rule, path)) return true;
  }
  return false;
}

}  // namespace verge::edge
