#include "cli/purge_command.h"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "edge/config.h"
#include "net/http_client.h"

using json = nlohmann::json;

namespace verge::cli {

namespace {

struct PurgeArgs {
  std::string config;
  std::string zone;
  std::vector<std::string> urls, prefixes, tags, hosts;
  bool everything = false;
  std::string admin;  // base URL of the admin API
  std::string token;
};

// A usage problem: says what is wrong and what to do; exit status 2.
int usage(const std::string& message) {
  std::cerr << "verge purge: " << message << std::endl;
  return 2;
}

std::string percentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The admin API's base URL from [admin] listen: a wildcard address is
// reached on loopback.
std::string adminUrlFromConfig(const edge::NodeAdmin& admin) {
  std::string host = admin.host;
  if (host.empty() || host == "0.0.0.0")
    host = "127.0.0.1";
  else if (host == "::")
    host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(admin.port);
}

struct HttpResult {
  std::string error;  // non-empty when there was no answer
  int status = 0;
  std::string body;
};

// One blocking request on a private event loop.
HttpResult postJson(const std::string& url, const std::string& token, const std::string& body) {
  boost::asio::io_context ioc;
  net::ClientRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"authorization", "Bearer " + token}, {"content-type", "application/json"}};
  request.body = body;
  request.connect_timeout = std::chrono::seconds(10);
  request.response_timeout = std::chrono::seconds(300);  // a purge of many objects may take a while
  auto result = std::make_shared<HttpResult>();
  boost::asio::post(ioc, [&ioc, &request, result] {
    net::httpFetch(ioc, std::move(request),
                   [result](std::string_view error, std::shared_ptr<net::ClientResponse> response) {
                     if (!error.empty()) {
                       result->error = std::string(error);
                       return;
                     }
                     result->status = response->status;
                     auto source = response->body;
                     auto read = std::make_shared<std::function<void()>>();
                     *read = [result, source, read] {
                       source->read([result, read](std::string_view data, std::string_view error) {
                         if (!error.empty()) {
                           result->error = "reading the answer failed: " + std::string(error);
                         } else if (!data.empty()) {
                           result->body.append(data);
                           (*read)();
                           return;
                         }
                         *read = nullptr;  // done: break the reference cycle
                       });
                     };
                     (*read)();
                   });
  });
  ioc.run();
  return *result;
}

int runPurge(const PurgeArgs& args) {
  // What to purge: exactly one kind, as the API requires.
  std::vector<std::string> kinds;
  if (!args.urls.empty()) kinds.push_back("--url");
  if (!args.prefixes.empty()) kinds.push_back("--prefix");
  if (!args.tags.empty()) kinds.push_back("--tag");
  if (!args.hosts.empty()) kinds.push_back("--host");
  if (args.everything) kinds.push_back("--everything");
  if (kinds.empty())
    return usage("say what to purge: --url, --prefix, --tag, --host or --everything");
  if (kinds.size() > 1) {
    return usage("purge one kind at a time (got " + kinds[0] + " and " + kinds[1] +
                 "); run verge purge once per kind");
  }

  // Where the API is, and with which token: flags first, then the config.
  std::optional<edge::NodeConfig> config;
  if (!args.config.empty()) config = edge::loadNodeConfig(args.config, /*resolve_token_env=*/false);
  std::string zone = args.zone;
  if (zone.empty()) {
    if (!config || config->zones.size() != 1) {
      std::string known;
      if (config) {
        for (const auto& z : config->zones) known += (known.empty() ? "" : ", ") + z.name;
      }
      return usage("which zone? pass --zone NAME" +
                   (known.empty() ? "" : " (zones in the config: " + known + ")"));
    }
    zone = config->zones.front().name;
  } else if (config) {
    bool found = false;
    std::string known;
    for (const auto& z : config->zones) {
      found = found || z.name == zone;
      known += (known.empty() ? "" : ", ") + z.name;
    }
    if (!found) {
      return usage("no zone named \"" + zone + "\" in " + args.config +
                   (known.empty() ? " (it has none)" : " (zones: " + known + ")"));
    }
  }

  std::string admin = args.admin;
  if (admin.empty()) {
    if (!config || !config->admin.enabled) {
      return usage(
          "where is the admin API? pass --admin http://HOST:PORT, or --config with a node "
          "config that has an [admin] section");
    }
    if (config->admin.port == 0) {
      return usage(
          "[admin] listen in " + args.config +
          " uses port 0, so the port is only known at start-up: pass --admin with the address "
          "`verge serve` printed");
    }
    admin = adminUrlFromConfig(config->admin);
  }
  if (admin.find("://") == std::string::npos) admin = "http://" + admin;
  while (!admin.empty() && admin.back() == '/') admin.pop_back();

  std::string token = args.token;
  if (token.empty()) {
    if (const char* env = std::getenv("VERGE_ADMIN_TOKEN"); env && *env) token = env;
  }
  if (token.empty() && config) token = config->admin.token;
  if (token.empty()) {
    std::string hint =
        config && !config->admin.token_env.empty()
            ? " (the config reads it from $" + config->admin.token_env + ", which is not set)"
            : "";
    return usage(
        "no admin token: pass --token, set VERGE_ADMIN_TOKEN, or use --config with an [admin] "
        "token" +
        hint);
  }

  // The request body, in Cloudflare's shape.
  json body;
  std::string what;
  auto list = [&](const char* key, const std::vector<std::string>& items, const char* noun) {
    body[key] = items;
    what = std::to_string(items.size()) + " " + noun;
  };
  if (!args.urls.empty()) {
    std::vector<std::string> urls;
    // The scheme does not matter to the cache; accept "example.com/a.css".
    for (const auto& u : args.urls)
      urls.push_back(u.find("://") == std::string::npos ? "http://" + u : u);
    list("files", urls, "URL(s)");
  } else if (!args.prefixes.empty()) {
    list("prefixes", args.prefixes, "prefix(es)");
  } else if (!args.tags.empty()) {
    list("tags", args.tags, "tag(s)");
  } else if (!args.hosts.empty()) {
    list("hosts", args.hosts, "host(s)");
  } else {
    body["purge_everything"] = true;
    what = "everything";
  }

  std::string url = admin + "/client/v4/zones/" + percentEncode(zone) + "/purge_cache";
  HttpResult result =
      postJson(url, token, body.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!result.error.empty()) {
    std::cerr << "verge purge: cannot reach the admin API at " << admin << " (" << result.error
              << "): is `verge serve` running with an [admin] section?" << std::endl;
    return 1;
  }
  json answer = json::parse(result.body, nullptr, /*allow_exceptions=*/false);
  bool success = answer.is_object() && answer.value("success", false) == true;
  if (result.status == 200 && success) {
    std::cout << "purged " << what << " from zone " << zone << std::endl;
    return 0;
  }
  // The API's own words when it gave them, else what came back.
  std::string message;
  if (answer.is_object() && answer.contains("errors") && answer["errors"].is_array()) {
    for (const auto& e : answer["errors"]) {
      if (!e.is_object()) continue;
      if (!message.empty()) message += "; ";
      if (e.contains("message") && e["message"].is_string())
        message += e["message"].get<std::string>();
      if (e.contains("code") && e["code"].is_number_integer()) {
        message += " (code " + std::to_string(e["code"].get<int>()) + ")";
      }
    }
  }
  if (message.empty()) {
    message = "unexpected answer from " + admin + ": HTTP " + std::to_string(result.status) +
              " (is that address really verge's admin API?)";
  }
  std::cerr << "verge purge: " << message << std::endl;
  return 1;
}

}  // namespace

void addPurgeCommand(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<PurgeArgs>();
  auto* cmd = app.add_subcommand(
      "purge", "Purge cached objects of a zone through a running node's admin API");
  cmd->add_option("--config,-c", args->config,
                  "Node config: the admin API's address and token, and the zone names");
  cmd->add_option("--zone", args->zone, "The zone's name (default: the config's only zone)");
  cmd->add_option("--url", args->urls, "Purge a URL (repeatable)");
  cmd->add_option("--prefix", args->prefixes,
                  "Purge a prefix, host/path without scheme (repeatable)");
  cmd->add_option("--tag", args->tags, "Purge objects with a Cache-Tag (repeatable)");
  cmd->add_option("--host", args->hosts, "Purge every object of a host (repeatable)");
  cmd->add_flag("--everything", args->everything, "Purge the whole zone");
  cmd->add_option(
      "--admin", args->admin,
      "Admin API base URL, e.g. http://127.0.0.1:8081 (default: [admin] listen of the config)");
  cmd->add_option("--token", args->token,
                  "Admin token (default: $VERGE_ADMIN_TOKEN, else [admin] token of the config)");
  cmd->callback([args, &run] { run = [args] { return runPurge(*args); }; });
}

}  // namespace verge::cli
