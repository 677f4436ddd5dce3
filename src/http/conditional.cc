#include "http/conditional.h"

#include <algorithm>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "http/http_date.h"
#include "http/text.h"

namespace verge::http {
namespace {

using text::equalsIgnoreCase;
using text::isOws;
using text::lowered;
using text::trimOws;

std::span<const Header> linesOf(HeaderView view) { return view.lines(); }

// etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3).
bool isEtagc(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c != 0x7F);
}

// Parses an entity-tag at the start of `s`; returns its length, or 0.
size_t parseTagPrefix(std::string_view s, EntityTag& tag) {
  size_t i = 0;
  tag.weak = s.starts_with("W/");
  if (tag.weak) i = 2;
  if (i >= s.size() || s[i] != '"') return 0;
  const size_t open = ++i;
  while (i < s.size() && isEtagc(s[i])) ++i;
  if (i >= s.size() || s[i] != '"') return 0;
  tag.opaque = s.substr(open, i - open);
  return i + 1;
}

// Walks a #entity-tag list (or "*"), calling on_tag for each well-formed
// member. Returns whether a "*" member was seen. A malformed member is skipped
// up to the next comma; commas inside a tag's quotes belong to the tag.
template <typename OnTag>
bool forEachEntityTag(std::string_view s, OnTag&& on_tag) {
  bool wildcard = false;
  size_t i = 0;
  while (i < s.size()) {
    if (isOws(s[i]) || s[i] == ',') {
      ++i;
      continue;
    }
    // A member ends at OWS then ',' or the end; anything else makes it junk.
    auto memberEnds = [&](size_t j) {
      while (j < s.size() && isOws(s[j])) ++j;
      return j >= s.size() || s[j] == ',';
    };
    EntityTag tag;
    if (s[i] == '*' && memberEnds(i + 1)) {
      wildcard = true;
      ++i;
    } else if (const size_t len = parseTagPrefix(s.substr(i), tag);
               len > 0 && memberEnds(i + len)) {
      on_tag(tag);
      i += len;
    } else {
      const size_t comma = s.find(',', i);
      i = comma == std::string_view::npos ? s.size() : comma + 1;
    }
  }
  return wildcard;
}

// Whether some tag of `a` matches some tag of `b`. Small lists compare
// pairwise; big ones sort the opaque-tags of `b` so that two huge client lists
// cost O(n log n), not O(n * m).
bool etagListsMatch(std::string_view a, std::string_view b, bool strong) {
  std::vector<std::string_view> tags_b;
  forEachEntityTag(b, [&](const EntityTag& t) {
    if (!strong || !t.weak) tags_b.push_back(t.opaque);
  });
  if (tags_b.empty()) return false;
  const bool sorted = tags_b.size() > 8;
  if (sorted) std::sort(tags_b.begin(), tags_b.end());
  bool found = false;
  forEachEntityTag(a, [&](const EntityTag& t) {
    if (found || (strong && t.weak)) return;
    found = sorted ? std::binary_search(tags_b.begin(), tags_b.end(), t.opaque)
                   : std::find(tags_b.begin(), tags_b.end(), t.opaque) != tags_b.end();
  });
  return found;
}

// A response's entity-tag: its first ETag line, when well-formed.
std::optional<EntityTag> etagOf(HeaderView headers) {
  const std::optional<std::string_view> v = headers.first("ETag");
  return v ? parseEntityTag(*v) : std::nullopt;
}

std::optional<int64_t> dateField(HeaderView headers, std::string_view name) {
  const std::optional<std::string_view> v = headers.first(name);
  return v ? parseHttpDate(*v) : std::nullopt;
}

// Whether any member of an If-Match / If-None-Match list matches the stored
// tag, "*" matching whenever there is a stored response (there always is).
bool listMatches(std::string_view list, const std::optional<EntityTag>& stored, bool strong) {
  bool matched = false;
  const bool wildcard = forEachEntityTag(list, [&](const EntityTag& t) {
    if (!stored) return;
    if (strong && (t.weak || stored->weak)) return;
    if (t.opaque == stored->opaque) matched = true;
  });
  return wildcard || matched;
}

// Fields freshening never copies from the update (see freshenHeaders()).
bool neverFreshened(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "content-length", "content-range",      "content-encoding",          "transfer-encoding",
      "connection",     "keep-alive",         "proxy-connection",          "te",
      "upgrade",        "proxy-authenticate", "proxy-authentication-info", "proxy-authorization",
      "content-md5",  // describes the stored body, like Content-Length
  };
  for (std::string_view n : kNames) {
    if (equalsIgnoreCase(name, n)) return true;
  }
  return false;
}

}  // namespace

std::optional<EntityTag> parseEntityTag(std::string_view value) {
  const std::string_view v = trimOws(value);
  EntityTag tag;
  const size_t len = parseTagPrefix(v, tag);
  if (len == 0 || len != v.size()) return std::nullopt;
  return tag;
}

bool etagStrongMatch(std::string_view a, std::string_view b) { return etagListsMatch(a, b, true); }

bool etagWeakMatch(std::string_view a, std::string_view b) { return etagListsMatch(a, b, false); }

ConditionalResult evaluateConditionals(std::string_view method, HeaderView request_headers,
                                       int stored_status, HeaderView stored_headers) {
  // §13.2.1: preconditions apply only where the unconditional answer would be
  // 2xx, and not to methods that select no representation.
  if (stored_status < 200 || stored_status > 299) return ConditionalResult::kProceed;
  if (method == "CONNECT" || method == "OPTIONS" || method == "TRACE") {
    return ConditionalResult::kProceed;
  }
  const bool get_or_head = method == "GET" || method == "HEAD";
  const std::optional<EntityTag> etag = etagOf(stored_headers);
  const std::optional<int64_t> last_modified = dateField(stored_headers, "Last-Modified");

  // Step 1 / 2 (§13.1.1, §13.1.4): If-Match, or failing that
  // If-Unmodified-Since. Lines are combined, so two IUS lines become a list,
  // which is not a valid date and is ignored as §13.1.4 requires.
  if (const std::optional<std::string> im = request_headers.combined("If-Match")) {
    if (!listMatches(*im, etag, /*strong=*/true)) return ConditionalResult::kPreconditionFailed;
  } else if (const std::optional<std::string> ius =
                 request_headers.combined("If-Unmodified-Since")) {
    const std::optional<int64_t> date = parseHttpDate(*ius);
    if (date && last_modified && *last_modified > *date) {
      return ConditionalResult::kPreconditionFailed;
    }
  }

  // Step 3 (§13.1.2): If-None-Match, weak comparison.
  if (const std::optional<std::string> inm = request_headers.combined("If-None-Match")) {
    if (listMatches(*inm, etag, /*strong=*/false)) {
      return get_or_head ? ConditionalResult::kNotModified : ConditionalResult::kPreconditionFailed;
    }
    return ConditionalResult::kProceed;  // and If-Modified-Since is ignored
  }

  // Step 4 (§13.1.3, RFC 9111 §4.3.2): If-Modified-Since, GET / HEAD only.
  if (!get_or_head) return ConditionalResult::kProceed;
  const std::optional<std::string> ims = request_headers.combined("If-Modified-Since");
  if (!ims) return ConditionalResult::kProceed;
  const std::optional<int64_t> since = parseHttpDate(*ims);
  if (!since) return ConditionalResult::kProceed;
  const std::optional<int64_t> modified =
      last_modified ? last_modified : dateField(stored_headers, "Date");
  if (modified && *modified <= *since) return ConditionalResult::kNotModified;
  return ConditionalResult::kProceed;
}

HeaderList notModifiedHeaders(HeaderView stored_headers) {
  static constexpr std::string_view kKept[] = {"cache-control", "content-location", "date", "etag",
                                               "expires",       "last-modified",    "vary"};
  HeaderList out;
  for (const Header& h : linesOf(stored_headers)) {
    for (std::string_view name : kKept) {
      if (equalsIgnoreCase(h.first, name)) {
        out.push_back(h);
        break;
      }
    }
  }
  return out;
}

HeaderList revalidationHeaders(HeaderView stored_headers) {
  HeaderList out;
  if (const std::optional<std::string> etags = stored_headers.combined("ETag")) {
    // Re-serialised from the parse, so a malformed ETag line is left out
    // instead of being sent upstream as a list member.
    std::string inm;
    forEachEntityTag(*etags, [&](const EntityTag& t) {
      if (!inm.empty()) inm += ", ";
      if (t.weak) inm += "W/";
      inm += '"';
      inm.append(t.opaque);
      inm += '"';
    });
    if (!inm.empty()) out.emplace_back("If-None-Match", std::move(inm));
  }
  if (const std::optional<std::string_view> lm = stored_headers.first("Last-Modified")) {
    if (parseHttpDate(*lm)) out.emplace_back("If-Modified-Since", std::string(trimOws(*lm)));
  }
  return out;
}

bool updateSelects(HeaderView stored_headers, HeaderView update) {
  const std::optional<EntityTag> stored_etag = etagOf(stored_headers);
  const std::optional<EntityTag> update_etag = etagOf(update);
  const std::optional<int64_t> stored_lm = dateField(stored_headers, "Last-Modified");
  const std::optional<int64_t> update_lm = dateField(update, "Last-Modified");

  // A different entity-tag is a different representation (our conservative
  // addition to §4.3.4, see the header).
  if (stored_etag && update_etag && stored_etag->opaque != update_etag->opaque) return false;

  // §8.8.2.2: a Last-Modified is strong when the Date of its message is at
  // least a second later.
  std::optional<int64_t> update_date = dateField(update, "Date");
  if (!update_date) update_date = dateField(stored_headers, "Date");
  const bool update_lm_strong = update_lm && update_date && *update_date > *update_lm;
  const bool lm_equal = update_lm && stored_lm && *update_lm == *stored_lm;

  // Rule 1: the update's strong validators select a stored response holding
  // one of the same strong validators.
  const bool update_etag_strong = update_etag && !update_etag->weak;
  if (update_etag_strong || update_lm_strong) {
    const bool etag_same = update_etag_strong && stored_etag && !stored_etag->weak;  // opaque equal
    return etag_same || (update_lm_strong && lm_equal);
  }
  // Rule 2: weak validators select the stored response they correspond to.
  if (update_etag || update_lm) return (update_etag && stored_etag) || lm_equal;
  // Rule 3: no validator on either side, and a single stored response.
  return !stored_headers.has("ETag") && !stored_headers.has("Last-Modified");
}

HeaderList freshenHeaders(HeaderView stored_headers, HeaderView update) {
  const std::span<const Header> stored = linesOf(stored_headers);
  const std::span<const Header> fresh = linesOf(update);

  // Fields named by the update's Connection are hop-by-hop (RFC 9110 §7.6.1).
  std::unordered_set<std::string> connection_named;
  if (const std::optional<std::string> conn = update.combined("Connection")) {
    std::string_view list = *conn;
    while (!list.empty()) {
      const size_t comma = list.find(',');
      const std::string_view token = trimOws(list.substr(0, comma));
      if (!token.empty()) connection_named.insert(lowered(token));
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  // An ETag that does not describe the stored body is not taken over.
  const std::optional<std::string_view> stored_etag = stored_headers.first("ETag");
  const std::optional<std::string_view> update_etag = update.first("ETag");
  const bool etag_applies =
      !stored_etag || (update_etag && etagWeakMatch(*stored_etag, *update_etag));

  // The update's applicable lines, grouped by lower-cased name in update order.
  std::unordered_map<std::string, std::vector<const Header*>> replacing;
  std::vector<std::string> new_names;  // first-seen order, for appending
  for (const Header& h : fresh) {
    std::string name = lowered(h.first);
    if (neverFreshened(name) || connection_named.contains(name)) continue;
    if (name == "etag" && !etag_applies) continue;
    auto [it, inserted] = replacing.try_emplace(name);
    if (inserted) new_names.push_back(name);
    it->second.push_back(&h);
  }
  // Age always comes from the update, even when it has none (see header).
  replacing.try_emplace("age");

  HeaderList out;
  out.reserve(stored.size() + fresh.size());
  std::unordered_set<std::string> placed;  // replaced names already written
  for (const Header& h : stored) {
    std::string name = lowered(h.first);
    const auto it = replacing.find(name);
    if (it == replacing.end()) {
      out.push_back(h);
      continue;
    }
    if (!placed.insert(std::move(name)).second) continue;
    for (const Header* u : it->second) out.push_back(*u);
  }
  for (const std::string& name : new_names) {
    if (placed.contains(name)) continue;
    for (const Header* u : replacing[name]) out.push_back(*u);
  }
  return out;
}

}  // namespace verge::http
