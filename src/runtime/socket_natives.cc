#include "runtime/socket_natives.h"

#include <string>
#include <unordered_map>

#include "net/tcp_client.h"
#include "runtime/limited_allocator.h"
#include "runtime/v8_util.h"
#include "runtime/worker_isolate.h"

namespace verge::runtime {

// The sockets of one isolate, by the id JS holds. Touched only inside the
// isolate; each TcpClient is used on the home loop (home().run()).
class SocketTable {
 public:
  struct Entry {
    std::shared_ptr<net::TcpClient> client;
    uint32_t rid = 0;         // the request that opened it
    bool holds_slot = false;  // one of the request's open-connection slots
  };
  std::unordered_map<uint32_t, Entry> entries;
  uint32_t next_id = 1;

  Entry* find(uint32_t id) {
    auto it = entries.find(id);
    return it == entries.end() ? nullptr : &it->second;
  }
};

SocketTable& WorkerIsolate::sockets() {
  if (!sockets_) sockets_ = std::make_shared<SocketTable>();
  return *sockets_;
}

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;

// workerd's message for a connection that could not be made; what failed
// follows it.
constexpr std::string_view kConnectFailed = "proxy request failed, cannot connect to the specified address";

WorkerIsolate* self(Args info) { return static_cast<WorkerIsolate*>(info.Data().As<v8::External>()->Value()); }

uint32_t u32Arg(Args info, int i) {
  return info[i]->Uint32Value(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}

v8::Local<v8::Value> makeError(v8::Isolate* isolate, std::string_view message) {
  return v8::Exception::Error(v8str(isolate, message));
}

// Closes socket `id` and forgets it; its slot goes to the next waiting
// subrequest of its request. Idempotent.
void forget(WorkerIsolate* w, uint32_t id) {
  SocketTable& table = w->sockets();
  auto it = table.entries.find(id);
  if (it == table.entries.end()) return;
  SocketTable::Entry entry = std::move(it->second);
  table.entries.erase(it);
  // The closure holds the last reference, so the client is destroyed on
  // its loop.
  w->home().run([client = std::move(entry.client)] { client->close(); });
  if (entry.holds_slot) w->subrequestDone(entry.rid);
}

// A promise for the result of an operation on socket `id`, or null (the
// promise already rejected) when there is no such socket.
struct Op {
  WorkerIsolate* w;
  SocketTable::Entry* entry;
  uint32_t pid;
};
bool beginOp(Args info, Op& op) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  info.GetReturnValue().Set(resolver->GetPromise());
  op.w = self(info);
  op.entry = op.w->sockets().find(u32Arg(info, 0));
  if (!op.entry) {
    resolver->Reject(context, makeError(isolate, "The socket is closed.")).Check();
    return false;
  }
  op.pid = op.w->addPending(resolver);
  return true;
}

// From the loop: settles pending promise `pid` of request `rid` with
// `error` (rejects) or what `ok` makes (resolves).
template <class MakeValue>
void settle(const std::weak_ptr<WorkerIsolate>& weak, uint32_t rid, uint32_t pid, std::string_view error,
            MakeValue ok) {
  WorkerIsolate::deliver(weak, rid, [pid, error = std::string(error), ok = std::move(ok)](
                                        WorkerIsolate& w, v8::Local<v8::Context> context) mutable {
    auto r = w.takePending(pid);
    if (r.IsEmpty()) return;
    if (!error.empty()) {
      r->Reject(context, makeError(w.isolate(), error)).Check();
      return;
    }
    v8::Local<v8::Value> value;
    if (!ok(w).ToLocal(&value)) return;  // an exception is pending (memory limit)
    r->Resolve(context, value).Check();
  });
}

v8::MaybeLocal<v8::Value> undefinedValue(WorkerIsolate& w) { return v8::Undefined(w.isolate()); }

void socketConnect(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  WorkerIsolate* w = self(info);
  const uint32_t rid = w->currentRequest();
  WorkerIsolate::RequestState* r = w->request(rid);
  if (!r) {
    // As in workerd: I/O belongs to a request.
    throwError(isolate, "Error",
               "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or "
               "connect()), setting a timeout, and generating random values are not allowed within "
               "global scope. To fix this error, perform this operation within a handler.");
    return;
  }
  std::string host = toStdString(isolate, info[0]);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const uint32_t port = u32Arg(info, 1);
  const uint32_t secure = u32Arg(info, 2);
  if (host.empty() || port == 0 || port > 65535 || secure > 2) {
    throwError(isolate, "TypeError", "connect() needs a host name and a port between 1 and 65535");
    return;
  }
  r = w->request(rid);  // toStdString may have run JS
  if (!r) return;
  if (++r->subrequests > RequestLimits::kMaxSubrequests) {
    throwError(isolate, "Error",
               "Too many subrequests. A request may make at most " +
                   std::to_string(RequestLimits::kMaxSubrequests) + " fetch() and connect() calls.");
    return;
  }
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  SocketTable& table = w->sockets();
  const uint32_t id = table.next_id++;
  if (table.next_id == 0) table.next_id = 1;
  table.entries[id] = {std::make_shared<net::TcpClient>(w->home().context()), rid, false};
  r->on_end.push_back([w, id] { forget(w, id); });
  v8::Local<v8::Value> result[] = {v8::Integer::NewFromUnsigned(isolate, id), resolver->GetPromise()};
  info.GetReturnValue().Set(v8::Array::New(isolate, result, 2));

  if (port == 25) {
    // As on Cloudflare: no mail from workers straight to SMTP servers.
    forget(w, id);
    resolver->Reject(context, makeError(isolate, std::string(kConnectFailed) +
                                                     ": connections to port 25 (SMTP) are not allowed"))
        .Check();
    return;
  }

  net::TcpClient::Options options;
  options.host = std::move(host);
  options.port = static_cast<uint16_t>(port);
  options.tls = secure == 1;
  options.egress = w->script().egress;
  const uint32_t pid = w->addPending(resolver);
  // Runs when the socket has an open-connection slot (at once, or when
  // another subrequest of the request ends).
  auto start = [w, id, rid, pid, options = std::move(options)]() mutable {
    SocketTable::Entry* entry = w->sockets().find(id);
    if (!entry) {
      w->subrequestDone(rid);  // closed while it waited: the slot goes on
      return;
    }
    entry->holds_slot = true;
    auto done = [weak = w->weak_from_this(), rid, pid, id](std::string_view error, std::string remote,
                                                            std::string local) {
      WorkerIsolate::deliver(weak, rid, [pid, id, error = std::string(error), remote = std::move(remote),
                                         local = std::move(local)](WorkerIsolate& w,
                                                                   v8::Local<v8::Context> context) {
        v8::Isolate* iso = w.isolate();
        if (!error.empty()) forget(&w, id);
        auto r = w.takePending(pid);
        if (r.IsEmpty()) return;
        if (!error.empty()) {
          r->Reject(context, makeError(iso, std::string(kConnectFailed) + ": " + error)).Check();
          return;
        }
        v8::Local<v8::Value> parts[] = {v8str(iso, remote), v8str(iso, local)};
        r->Resolve(context, v8::Array::New(iso, parts, 2)).Check();
      });
    };
    w->home().run([client = entry->client, options = std::move(options), done = std::move(done)]() mutable {
      client->connect(std::move(options), std::move(done));
    });
  };
  if (r->open_subrequests >= RequestLimits::kMaxOpenSubrequests) {
    r->waiting_subrequests.push_back({pid, std::move(start)});
  } else {
    ++r->open_subrequests;
    start();
  }
}

void socketRead(Args info) {
  Op op;
  if (!beginOp(info, op)) return;
  op.w->home().run([client = op.entry->client, weak = op.w->weak_from_this(), rid = op.entry->rid, pid = op.pid] {
    client->read([weak, rid, pid](std::string_view data, std::string_view error) {
      // Copied: the isolate may be busy when the chunk arrives, and the
      // client reuses its buffer for the next read.
      settle(weak, rid, pid, error, [bytes = std::string(data)](WorkerIsolate& w) -> v8::MaybeLocal<v8::Value> {
        if (bytes.empty()) return v8::Null(w.isolate());
        v8::Local<v8::Uint8Array> out;
        if (!newBytes(w.isolate(), bytes).ToLocal(&out)) return {};
        return out;
      });
    });
  });
}

void socketWrite(Args info) {
  Op op;
  if (!beginOp(info, op)) return;
  op.w->home().run([client = op.entry->client, weak = op.w->weak_from_this(), rid = op.entry->rid, pid = op.pid,
                    bytes = std::string(bytesOf(info[1]))]() mutable {
    client->write(std::move(bytes), [weak, rid, pid](std::string_view error) {
      settle(weak, rid, pid, error, undefinedValue);
    });
  });
}

void socketShutdown(Args info) {
  Op op;
  if (!beginOp(info, op)) return;
  op.w->home().run([client = op.entry->client, weak = op.w->weak_from_this(), rid = op.entry->rid, pid = op.pid] {
    client->shutdownWrite([weak, rid, pid](std::string_view error) { settle(weak, rid, pid, error, undefinedValue); });
  });
}

void socketStartTls(Args info) {
  Op op;
  if (!beginOp(info, op)) return;
  std::string host = toStdString(info.GetIsolate(), info[1]);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  op.w->home().run([client = op.entry->client, weak = op.w->weak_from_this(), rid = op.entry->rid, pid = op.pid,
                    host = std::move(host)]() mutable {
    client->startTls(std::move(host), [weak, rid, pid](std::string_view error) {
      settle(weak, rid, pid, error, undefinedValue);
    });
  });
}

void socketClose(Args info) { forget(self(info), u32Arg(info, 0)); }

}  // namespace

void installSocketNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native,
                          v8::Local<v8::Value> data) {
  struct Entry {
    const char* name;
    v8::FunctionCallback fn;
  };
  static constexpr Entry kNatives[] = {
      {"socketConnect", socketConnect},   {"socketRead", socketRead},         {"socketWrite", socketWrite},
      {"socketShutdown", socketShutdown}, {"socketStartTls", socketStartTls}, {"socketClose", socketClose},
  };
  for (const auto& e : kNatives) {
    native->Set(context, v8str(isolate, e.name), v8::Function::New(context, e.fn, data).ToLocalChecked()).Check();
  }
}

}  // namespace verge::runtime
