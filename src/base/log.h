// Minimal process-wide logging: one line per call, written atomically to
// stderr so lines from different threads never interleave.
#pragma once

#include <string_view>

namespace verge::base {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Lines below this level are dropped. Set once at start-up.
void setLogLevel(LogLevel level);
LogLevel logLevel();

// Writes `message` (no trailing newline needed) as one line.
void logLine(LogLevel level, std::string_view message);

// Writes text verbatim to stdout as one write (used for access logs and
// worker console output, which users pipe and parse).
void writeStdout(std::string_view line);

}  // namespace verge::base

#define VERGE_ASSERT(cond)                                                    \
  do {                                                                        \
    if (!(cond)) ::verge::base::assertFailed(#cond, __FILE__, __LINE__);      \
  } while (0)

namespace verge::base {
[[noreturn]] void assertFailed(const char* expr, const char* file, int line);
}
