// `verge kv …`, `verge d1 …` and `verge r2 …`: read and write a project's
// local bindings in its data directory, as wrangler's commands do with
// --local. Safe to use while a server runs on the same data (SQLite WAL).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace verge::cli {

// Registers the commands on `app`. When one of them is selected and parsed,
// `run` is set to the function that executes it (returning the exit code).
void addStorageCommands(CLI::App& app, std::function<int()>& run);

}  // namespace verge::cli
