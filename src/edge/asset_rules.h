// The rule files of Workers Static Assets, as Cloudflare reads them:
// `_headers` (headers to set or remove on asset responses, by path pattern)
// and `_redirects` (redirects and rewrites, by path pattern), plus the path
// patterns both use and the glob patterns of `run_worker_first`.
//
// Pure functions: no I/O. The files come from the project, the paths from
// clients; neither is trusted. A line that breaks a rule is skipped and
// reported (file and line number), as Cloudflare does, never fatal. Matching a
// request path against a pattern costs O(pattern tokens x path length) time
// whatever the input (no backtracking blow-up), and memory is bounded by the
// limits below.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace verge::edge {

// Cloudflare's limits (workers-shared constants).
inline constexpr size_t kMaxRuleLineLength = 2000;     // characters per line, both files
inline constexpr size_t kMaxHeaderRules = 100;         // _headers path rules
inline constexpr size_t kMaxStaticRedirects = 2000;    // _redirects rules without * or :name
inline constexpr size_t kMaxDynamicRedirects = 100;    // _redirects rules with them
inline constexpr size_t kMaxRunWorkerFirstRules = 100;
inline constexpr size_t kMaxRunWorkerFirstRuleLength = 100;

// A path pattern of _headers / _redirects: literal text, `*` (the splat:
// any characters, "/" included) and `:name` placeholders (a letter, then
// letters, digits or "_"; one or more characters other than "/", and other
// than "." too in the host part of an https:// pattern). Anchored at both
// ends. Captures are named "splat" and the placeholder names.
class PathPattern {
 public:
  // Any text is a valid pattern; `https://host/path` patterns match against
  // "https://" + host + path (see matches()).
  explicit PathPattern(std::string_view pattern);

  const std::string& text() const { return text_; }
  bool absolute() const { return absolute_; }
  // Whether the pattern has a splat or a placeholder.
  bool dynamic() const { return dynamic_; }
  // False when two captures share a name (e.g. two splats): Cloudflare
  // compiles rules to a regex, which then fails, so the rule never matches.
  bool valid() const { return valid_; }

  using Captures = std::vector<std::pair<std::string, std::string>>;
  // Matches `subject` (a path, or "https://host/path" for absolute patterns)
  // with JavaScript-regex semantics (greedy, first match); fills `captures`
  // when given. Subjects longer than 16 KiB (Cloudflare's URL limit) never
  // match a dynamic pattern.
  bool matches(std::string_view subject, Captures* captures = nullptr) const;

 private:
  struct Token {
    enum class Kind { kLiteral, kSplat, kPlaceholder } kind;
    std::string text;   // literal text, or the capture name
    bool host = false;  // a placeholder in the host part: stops at "." too
  };
  std::string text_;
  bool absolute_ = false;
  bool dynamic_ = false;
  bool valid_ = true;
  std::vector<Token> tokens_;
};

// Replaces every `:name` in `text` (the name is the whole run of letters,
// digits and "_", so `:id` never eats the start of `:id_2`) whose name was
// captured with its value; other placeholders are left as they are.
std::string substituteCaptures(std::string_view text, const PathPattern::Captures& captures);

// A problem found in a rule file: its 1-based line (0 when it is about the
// file as a whole) and what is wrong.
struct RuleIssue {
  size_t line = 0;
  std::string message;
};

// ---- _headers --------------------------------------------------------------

struct HeaderRule {
  PathPattern pattern;
  // Header name (lowercase) → value; several lines with one name are joined
  // with ", " as Cloudflare does.
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::string> unset;  // "! name" lines, lowercase
};

struct ParsedHeaders {
  std::vector<HeaderRule> rules;
  std::vector<RuleIssue> issues;
};

// The format: a line starting with "/" or "https://" opens a rule; the lines
// after it are "Name: value" or "! Name" (remove a default header). "#"
// starts a comment line; blank lines are ignored.
ParsedHeaders parseHeadersFile(std::string_view text);

// ---- _redirects ------------------------------------------------------------

struct RedirectRule {
  PathPattern from;
  std::string to;  // relative path (with query / fragment) or an https:// URL
  int status = 302;  // 301, 302, 303, 307, 308, or 200 (a rewrite: serve `to`'s asset)
  size_t line = 0;
};

struct ParsedRedirects {
  // Static rules (no splat, no placeholder, before the first dynamic rule)
  // are looked up by exact path; dynamic ones are tried in order.
  std::unordered_map<std::string, RedirectRule> static_rules;
  std::vector<RedirectRule> dynamic_rules;
  std::vector<RuleIssue> issues;
};

// `html_handling_none`: with html_handling "none" a rule "/ /index.html" is
// fine; otherwise it would loop against the trailing-slash redirects and is
// refused, as Cloudflare refuses it.
ParsedRedirects parseRedirectsFile(std::string_view text, bool html_handling_none = false);

// Where a matched redirect goes.
struct RedirectMatch {
  int status = 302;
  std::string to;  // captures substituted
};
// Looks up `path` (the request's normalized path): static rules first, then
// dynamic rules in file order.
std::optional<RedirectMatch> matchRedirect(const ParsedRedirects& redirects, std::string_view path);

// ---- run_worker_first ------------------------------------------------------

// The glob patterns of `run_worker_first = [...]`: "/api/*" sends matching
// paths to the worker first, "!/api/docs/*" sends them to the assets first
// (negative rules win). `*` matches any characters, "/" included.
struct WorkerFirstRules {
  std::vector<std::string> worker;  // positive patterns
  std::vector<std::string> assets;  // negative patterns, without the "!"

  // Returns an error message (empty when valid) for these rules, as
  // Cloudflare validates them: at most 100, each starting with "/" or "!/",
  // under 100 characters, no duplicates, no rule made redundant by a
  // wildcard one, and at least one positive rule.
  static std::string parse(const std::vector<std::string>& rules, WorkerFirstRules& out);

  // Whether the worker runs first for `path`.
  bool workerFirst(std::string_view path) const;
};

// Whether `glob` (only `*` is special, matching any run of characters)
// matches all of `text`. Linear in practice, O(len(glob) x len(text)) worst.
bool globMatch(std::string_view glob, std::string_view text);

}  // namespace verge::edge
