// The only code not shared with the tests: hand argv to the CLI.
#include "cli/cli.h"

int main(int argc, char** argv) { return verge::cli::runCli(argc, argv); }
