# workerd config for bench/crypto.sh: one service running worker.js (the same
# file verge serves) as an ES module. bench/crypto.sh sets the address with
#   workerd serve workerd.capnp config --socket-addr http=127.0.0.1:PORT
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "crypto", worker = .cryptoWorker),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8080", http = (), service = "crypto"),
  ],
);

const cryptoWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
  ],
  compatibilityDate = "2024-09-23",
);
