# workerd config for bench/websocket.sh: the echo worker on one HTTP socket
# (the address is overridden with --socket-addr http=127.0.0.1:PORT).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "echo", worker = .echoWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8080", http = (), service = "echo")],
);

const echoWorker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2024-09-23",
);
