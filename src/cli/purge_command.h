// `verge purge`: purges a zone's cached objects through a running node's
// admin API (POST /client/v4/zones/{zone}/purge_cache, see
// edge/admin_api.h), reading the API's address and token from the node
// config unless flags say otherwise.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace verge::cli {

// Registers `verge purge` on `app`. When it is selected and parsed, `run` is
// set to the function that executes it (exit code: 0 done, 1 the API refused
// or could not be reached, 2 a usage or config error).
void addPurgeCommand(CLI::App& app, std::function<int()>& run);

}  // namespace verge::cli
