// The verge command line. main() only calls runCli; every command lives here
// so tests can drive the same code.
#pragma once

namespace verge::cli {

// Parses argv and runs the command. Returns the process exit code.
int runCli(int argc, char** argv);

}  // namespace verge::cli
