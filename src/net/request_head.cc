#include "net/request_head.h"

#include <arpa/inet.h>

#include <vector>

namespace verge::net {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// tchar (RFC 9110 §5.6.2).
bool isTchar(char c) {
  if (isDigit(c) || isAlpha(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool isUnreserved(char c) { return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

bool isSubDelim(char c) {
  switch (c) {
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+':
    case ',': case ';': case '=':
      return true;
    default:
      return false;
  }
}

bool isOws(char c) { return c == ' ' || c == '\t'; }

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

// transfer-parameter = token BWS "=" BWS ( token / quoted-string ), after a
// ";" (RFC 9112 §7). Returns false when `params` ("; a=b; c=d") is malformed.
bool validParameters(std::string_view params) {
  size_t i = 0;
  auto skipOws = [&] {
    while (i < params.size() && isOws(params[i])) ++i;
  };
  while (true) {
    skipOws();
    if (i == params.size()) return true;
    if (params[i] != ';') return false;
    ++i;
    skipOws();
    size_t name = i;
    while (i < params.size() && isTchar(params[i])) ++i;
    if (i == name) return false;
    skipOws();
    if (i == params.size() || params[i] != '=') return false;
    ++i;
    skipOws();
    if (i < params.size() && params[i] == '"') {
      ++i;
      bool closed = false;
      while (i < params.size()) {
        char c = params[i++];
        if (c == '\\') {
          if (i == params.size()) return false;
          ++i;
        } else if (c == '"') {
          closed = true;
          break;
        }
      }
      if (!closed) return false;
    } else {
      size_t value = i;
      while (i < params.size() && isTchar(params[i])) ++i;
      if (i == value) return false;
    }
  }
}

// A decimal number of at most 19 digits (fits in uint64_t without overflow).
std::optional<uint64_t> parseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!isDigit(c)) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

size_t countFields(const HeaderList& headers, std::string_view name) {
  size_t n = 0;
  for (const auto& h : headers) n += iequals(h.name, name) ? 1 : 0;
  return n;
}

HeadError error(int status, std::string message) { return HeadError{status, std::move(message)}; }

bool validRegName(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !isHex(s[i + 1]) || !isHex(s[i + 2])) return false;
      i += 2;
    } else if (!isUnreserved(c) && !isSubDelim(c)) {
      return false;
    }
  }
  return true;
}

// IP-literal = "[" ( IPv6address / IPvFuture ) "]", without the brackets.
bool validIpLiteral(std::string_view s) {
  if (s.empty()) return false;
  if (s[0] == 'v' || s[0] == 'V') {
    // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
    size_t i = 1;
    while (i < s.size() && isHex(s[i])) ++i;
    if (i == 1 || i >= s.size() || s[i] != '.') return false;
    ++i;
    if (i == s.size()) return false;
    for (; i < s.size(); ++i) {
      if (!isUnreserved(s[i]) && !isSubDelim(s[i]) && s[i] != ':') return false;
    }
    return true;
  }
  if (s.size() > 45) return false;
  char buf[64];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET6, buf, addr) == 1;
}

}  // namespace

std::vector<std::string_view> splitFieldList(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (quoted) {
      if (s[i] == '\\') ++i;
      else if (s[i] == '"') quoted = false;
    } else if (s[i] == '"') {
      quoted = true;
    } else if (s[i] == ',') {
      out.push_back(trimOws(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trimOws(s.substr(start)));
  return out;
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTchar(c)) return false;
  }
  return true;
}

bool isValidHost(std::string_view value) {
  std::string_view host = value;
  std::string_view port;
  bool has_port = false;
  if (!value.empty() && value[0] == '[') {
    size_t close = value.find(']');
    if (close == std::string_view::npos) return false;
    if (!validIpLiteral(value.substr(1, close - 1))) return false;
    std::string_view rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      has_port = true;
      port = rest.substr(1);
    }
    host = {};
  } else {
    size_t colon = value.rfind(':');
    if (colon != std::string_view::npos) {
      has_port = true;
      host = value.substr(0, colon);
      port = value.substr(colon + 1);
    }
    // An IPv4 address is a reg-name as far as characters go.
    if (!validRegName(host)) return false;
  }
  if (has_port && !port.empty()) {
    if (port.size() > 5) return false;
    auto n = parseDecimal(port);
    if (!n || *n > 65535) return false;
  }
  return true;
}

TargetForm targetForm(std::string_view target) {
  if (target.empty()) return TargetForm::kInvalid;
  if (target == "*") return TargetForm::kAsterisk;
  if (target[0] == '/') return TargetForm::kOrigin;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":".
  size_t i = 0;
  if (isAlpha(target[0])) {
    while (i < target.size() &&
           (isAlpha(target[i]) || isDigit(target[i]) || target[i] == '+' || target[i] == '-' ||
            target[i] == '.')) {
      ++i;
    }
    if (i + 2 < target.size() && target[i] == ':' && target[i + 1] == '/' && target[i + 2] == '/') {
      return TargetForm::kAbsolute;
    }
  }
  // authority-form (CONNECT): host ":" port.
  if (isValidHost(target) && target.find(':') != std::string_view::npos) return TargetForm::kAuthority;
  return TargetForm::kInvalid;
}

bool splitAbsoluteForm(std::string_view target, std::string& authority, std::string& path) {
  size_t colon = target.find("://");
  if (colon == std::string_view::npos) return false;
  std::string_view scheme = target.substr(0, colon);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return false;
  std::string_view rest = target.substr(colon + 3);
  size_t end = rest.find_first_of("/?");
  std::string_view auth = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  authority.assign(auth);
  if (tail.empty()) {
    path = "/";
  } else if (tail[0] == '?') {
    path = "/";
    path.append(tail);
  } else {
    path.assign(tail);
  }
  return true;
}

std::optional<HeadError> checkTransferEncoding(const HeaderList& headers) {
  // All field lines of Transfer-Encoding form one list, in order.
  std::vector<std::string_view> codings;
  size_t chunked = 0;
  for (const auto& h : headers) {
    if (!iequals(h.name, "transfer-encoding")) continue;
    for (std::string_view element : splitFieldList(h.value)) {
      // RFC 9110 §5.6.1.2: empty list elements are ignored.
      if (element.empty()) continue;
      size_t name_end = 0;
      while (name_end < element.size() && isTchar(element[name_end])) ++name_end;
      std::string_view name = element.substr(0, name_end);
      std::string_view params = element.substr(name_end);
      if (name.empty() || !validParameters(params)) {
        return error(400, "malformed Transfer-Encoding");
      }
      if (iequals(name, "chunked")) {
        // chunked takes no parameters (RFC 9112 §7.1).
        if (!trimOws(params).empty()) return error(400, "chunked transfer coding with parameters");
        ++chunked;
      }
      codings.push_back(name);
    }
  }
  if (codings.empty()) return error(400, "Transfer-Encoding names no transfer coding");
  if (chunked > 1) return error(400, "chunked transfer coding applied more than once");
  // RFC 9112 §6.3 (4): unless chunked is the final coding, the body length
  // cannot be determined, and the server MUST answer 400 and close.
  if (!iequals(codings.back(), "chunked")) {
    return error(400, "Transfer-Encoding must end with chunked (got \"" + std::string(codings.back()) + "\")");
  }
  // RFC 9112 §6.1: a coding we do not decode is 501.
  if (codings.size() > 1) {
    return error(501, "transfer coding \"" + std::string(codings.front()) + "\" is not supported");
  }
  return std::nullopt;
}

std::optional<uint64_t> agreedContentLength(const HeaderList& headers) {
  std::optional<uint64_t> agreed;
  bool any = false;
  for (const auto& h : headers) {
    if (!iequals(h.name, "content-length")) continue;
    any = true;
    for (std::string_view element : splitFieldList(h.value)) {
      auto n = parseDecimal(element);
      if (!n) return std::nullopt;
      if (agreed && *agreed != *n) return std::nullopt;
      agreed = n;
    }
  }
  return any ? agreed : std::nullopt;
}

std::optional<HeadError> checkRequestHead(const RequestHeadInput& in) {
  static const HeaderList kNone;
  const HeaderList& headers = in.headers ? *in.headers : kNone;

  if (in.version != 10 && in.version != 11) return error(505, "HTTP version not supported");

  // The target (RFC 9112 §3.2): origin-form everywhere, absolute-form as
  // proxies send it, "*" only for OPTIONS; a fragment is never sent.
  if (in.method == "CONNECT") return error(501, "CONNECT is not supported");
  if (in.target.find('#') != std::string_view::npos) {
    return error(400, "request target contains a fragment ('#')");
  }
  switch (targetForm(in.target)) {
    case TargetForm::kOrigin:
      break;
    case TargetForm::kAsterisk:
      if (in.method != "OPTIONS") return error(400, "request target \"*\" is only for OPTIONS");
      break;
    case TargetForm::kAbsolute: {
      std::string authority, path;
      if (!splitAbsoluteForm(in.target, authority, path)) {
        return error(400, "absolute request target must be an http or https URI");
      }
      // RFC 9110 §4.2.1: an http URI with an empty host is invalid.
      if (authority.empty() || authority[0] == ':' || !isValidHost(authority)) {
        return error(400, "invalid authority in the request target");
      }
      break;
    }
    case TargetForm::kAuthority:
    case TargetForm::kInvalid:
      return error(400, "request target must start with '/'");
  }

  // Host (RFC 9112 §3.2): exactly one on HTTP/1.1, at most one on
  // HTTP/1.0, and a valid one. An absolute-form target still decides the
  // host; the field must be there and well-formed anyway.
  size_t hosts = 0;
  for (const auto& h : headers) {
    if (!iequals(h.name, "host")) continue;
    if (++hosts > 1) return error(400, "more than one Host header field");
    if (!isValidHost(h.value)) return error(400, "invalid Host header field");
  }
  if (hosts == 0 && in.version == 11) return error(400, "missing Host header field (required in HTTP/1.1)");

  // Framing (RFC 9112 §6.1-6.3).
  const bool has_te = countFields(headers, "transfer-encoding") > 0;
  const bool has_cl = countFields(headers, "content-length") > 0;
  if (has_te) {
    if (in.version == 10) return error(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (has_cl) return error(400, "both Transfer-Encoding and Content-Length");
    if (auto e = checkTransferEncoding(headers)) return e;
    // Beast decided on its own reading; anything but agreement is a
    // framing the two of us could read differently.
    if (!in.chunked || in.content_length) return error(400, "ambiguous Transfer-Encoding");
    return std::nullopt;
  }
  if (in.chunked) return error(400, "ambiguous Transfer-Encoding");
  if (has_cl) {
    auto agreed = agreedContentLength(headers);
    if (!agreed) return error(400, "invalid or conflicting Content-Length");
    if (in.content_length != agreed) return error(400, "ambiguous Content-Length");
  } else if (in.content_length) {
    return error(400, "ambiguous Content-Length");
  }
  return std::nullopt;
}

}  // namespace verge::net
