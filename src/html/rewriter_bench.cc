// Micro-benchmark of the HTML rewriter on one core, no V8: the page and
// the five rewrites of bench/html_rewriter/worker.js (an attribute on every
// link, an element's inner content, a text replace, a comment removal, an
// injected script), handlers run in C++. Prints MB/s of input rewritten,
// and the same page with no handler registered (the pass-through floor).
// Run by bench/html_rewriter.sh; usage: verge_html_rewriter_bench [seconds]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "html/rewriter.h"

namespace {

using verge::html::Content;
using verge::html::DocumentHandlers;
using verge::html::ElementHandlers;
using verge::html::parseSelector;
using verge::html::Rewriter;
using Kind = Rewriter::EventKind;

// The page of bench/html_rewriter/worker.js, made the same way.
std::string page() {
  std::string p =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Shop: products</title>\n"
      "<link rel=\"stylesheet\" href=\"/static/site.css\">\n<style>body{font-family:sans-serif} "
      ".card{margin:1em}</style>\n<script>window.dataLayer = window.dataLayer || []; if (a < b) { "
      "dataLayer.push(\"x\"); }</script>\n</head>\n<body>\n<header><h1 class=\"title\">Welcome to the Shop</h1><nav><ul>";
  for (int i = 0; i < 8; ++i) {
    p += "<li><a href=\"/section/" + std::to_string(i) + "\">Section " + std::to_string(i) + "</a></li>";
  }
  p += "</ul></nav></header>\n<!-- tracking: begin -->\n<div id=\"banner\">Old banner</div>\n<main>\n";
  for (int i = 0; p.size() < 100 * 1024 - 400; ++i) {
    std::string n = std::to_string(i);
    p += "<article class=\"card\" data-id=\"" + n + "\"><h2>Product " + n +
         "</h2><p>A fine product &amp; a fair price. It ships in " + std::to_string(i % 5 + 1) +
         " days; rated " + std::to_string(i % 10) + "/10.</p><a href=\"/product/" + n +
         "\" class=\"buy\">Buy now</a> <img src=\"/img/" + n + ".jpg\" alt=\"Product " + n + "\"></article>\n";
  }
  p += "</main>\n<!-- tracking: end -->\n<footer><p>&copy; Shop</p></footer>\n</body>\n</html>\n";
  return p;
}

size_t rewriteOnce(const std::string& input, bool with_handlers) {
  std::vector<ElementHandlers> on;
  std::vector<DocumentHandlers> docs;
  if (with_handlers) {
    on.push_back({parseSelector("a[href]"), true, false, false});
    on.push_back({parseSelector("#banner"), true, false, false});
    on.push_back({parseSelector("h1.title"), false, false, true});
    on.push_back({parseSelector("head"), true, false, false});
    docs.push_back({false, true, false, false});
  }
  Rewriter r(std::move(on), std::move(docs));
  size_t out = 0;
  auto drain = [&] {
    Rewriter::Event e;
    while (r.next(e)) {
      if (e.document) {
        if (r.commentText().find("tracking") != std::string_view::npos) r.remove();
        continue;
      }
      switch (e.handler) {
        case 0: r.setAttribute("rel", "noopener"); break;
        case 1: r.setInnerContent({"<strong>Sale today</strong>", true}); break;
        case 2:
          if (!r.text().empty()) {
            std::string t(r.text());
            if (auto k = t.find("Shop"); k != std::string::npos) t.replace(k, 4, "Edge Shop");
            r.replace({t, false});
          }
          break;
        case 3: r.append({"<script src=\"/static/analytics.js\" defer></script>", true}); break;
      }
    }
    out += r.takeOutput().size();
  };
  // 16 KiB chunks, as a body streams.
  for (size_t at = 0; at < input.size(); at += 16384) {
    r.write(std::string_view(input).substr(at, 16384));
    drain();
  }
  r.end();
  drain();
  return out;
}

double measure(const std::string& input, bool with_handlers, double seconds) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  size_t bytes = 0, sink = 0;
  for (;;) {
    sink += rewriteOnce(input, with_handlers);
    bytes += input.size();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s >= seconds) {
      if (sink == 0) std::abort();  // keeps the work observable
      return static_cast<double>(bytes) / s / 1e6;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  std::string input = page();
  std::printf("page: %zu bytes, 16 KiB chunks, %.1f s per figure\n", input.size(), seconds);
  std::printf("rewriter, 5 rewrites:        %8.1f MB/s\n", measure(input, true, seconds));
  std::printf("rewriter, no handler:        %8.1f MB/s\n", measure(input, false, seconds));
  return 0;
}
