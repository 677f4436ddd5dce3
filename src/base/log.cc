#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace verge::base {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};

void writeAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n <= 0) return;  // nowhere to report a failing log sink
    s.remove_prefix(static_cast<size_t>(n));
  }
}
}  // namespace

void setLogLevel(LogLevel level) { g_level.store(level); }
LogLevel logLevel() { return g_level.load(); }

void logLine(LogLevel level, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};
  std::string line;
  line.reserve(message.size() + 16);
  line += "verge ";
  line += kNames[static_cast<int>(level)];
  line += ": ";
  line += message;
  line += '\n';
  writeAll(STDERR_FILENO, line);
}

void writeStdout(std::string_view line) { writeAll(STDOUT_FILENO, line); }

void assertFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "verge: internal assertion failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace verge::base
