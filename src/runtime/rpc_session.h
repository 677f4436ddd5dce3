// RPC between two workers of the node (Workers RPC over a service binding:
// `env.SVC.method(args)`). A session joins the caller's isolate and the
// callee's: each side sends messages (bytes that src/js/rpc.js writes and
// reads with V8's serializer), delivered in order into the other isolate on
// its home loop, never nested inside the sender's entry. The session ends
// when either side closes it (the caller when its call and every stub it
// holds are done or its request ends; the callee when its request fails);
// the other side then hears why.
//
// The callee side runs as a request of the target worker (a service
// exchange whose response only says how the session ended), so the CPU
// limit, waitUntil() and the invocation limit apply as to fetch().
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace verge::net {
class EventLoop;
}

namespace verge::runtime {

class WorkerIsolate;

class RpcSession {
 public:
  enum Side { kCaller = 0, kCallee = 1 };

  // Binds `side` to session `id` of request `rid` in `isolate`, whose home
  // loop is `loop`; messages sent to it before are delivered now.
  void attach(Side side, std::weak_ptr<WorkerIsolate> isolate, net::EventLoop& loop, uint32_t rid, uint32_t id);
  // Sends `message` to the other side; dropped once the session is closed.
  void send(Side from, std::string message);
  // Ends the session (once; later calls do nothing). The other side hears
  // `reason`, empty for a normal end.
  void close(Side from, std::string reason);

 private:
  struct End {
    std::weak_ptr<WorkerIsolate> isolate;
    net::EventLoop* loop = nullptr;
    uint32_t rid = 0;
    uint32_t id = 0;
    std::vector<std::string> queued;  // sent before this side attached
  };
  void deliverLocked(End& to, std::string message);
  void closeLocked(End& to, std::string reason);

  std::mutex mu_;
  End ends_[2];
  bool closed_ = false;
  bool close_pending_[2] = {false, false};  // closed before this side attached
  std::string close_reason_[2];
};

}  // namespace verge::runtime
