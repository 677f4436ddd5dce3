# workerd config for bench/html_rewriter.sh: one service running worker.js (the same
# file verge serves) as an ES module, exposed on one HTTP socket.
#
# The address below is a placeholder: bench/html_rewriter.sh overrides it with
#   workerd serve workerd.capnp config --socket-addr http=127.0.0.1:PORT
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "rewriter", worker = .rewriterWorker),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8080", http = (), service = "rewriter"),
  ],
);

const rewriterWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
  ],
  compatibilityDate = "2024-09-23",
);
