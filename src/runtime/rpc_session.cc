// RPC sessions between two isolates of the node, and the natives behind
// src/js/rpc.js: rpcOpen, rpcSend, rpcClose.
#include "runtime/rpc_session.h"

#include <cstring>

#include "net/event_loop.h"
#include "net/http_client.h"
#include "runtime/isolate_storage.h"
#include "runtime/v8_util.h"
#include "runtime/worker_isolate.h"

namespace verge::runtime {

// ---- the session ----

void RpcSession::attach(Side side, std::weak_ptr<WorkerIsolate> isolate, net::EventLoop& loop, uint32_t rid,
                        uint32_t id) {
  std::lock_guard lock(mu_);
  End& end = ends_[side];
  end.isolate = std::move(isolate);
  end.loop = &loop;
  end.rid = rid;
  end.id = id;
  std::vector<std::string> queued = std::move(end.queued);
  for (auto& message : queued) deliverLocked(end, std::move(message));
  if (close_pending_[side]) closeLocked(end, close_reason_[side]);
}

void RpcSession::send(Side from, std::string message) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  deliverLocked(ends_[1 - from], std::move(message));
}

void RpcSession::close(Side from, std::string reason) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  int to = 1 - from;
  if (!ends_[to].loop) {
    close_pending_[to] = true;
    close_reason_[to] = std::move(reason);
    return;
  }
  closeLocked(ends_[to], std::move(reason));
}

// Posted, never run in place: the receiver runs after the sender's entry,
// not nested inside it (both may share a thread).
void RpcSession::deliverLocked(End& to, std::string message) {
  if (!to.loop) {
    to.queued.push_back(std::move(message));
    return;
  }
  to.loop->post([weak = to.isolate, rid = to.rid, id = to.id, message = std::move(message)]() mutable {
    WorkerIsolate::deliver(weak, rid, [id, message = std::move(message)](WorkerIsolate& w, v8::Local<v8::Context>) {
      w.rpcMessage(id, message);
    });
  });
}

void RpcSession::closeLocked(End& to, std::string reason) {
  to.loop->post([weak = to.isolate, rid = to.rid, id = to.id, reason = std::move(reason)]() mutable {
    WorkerIsolate::deliver(weak, rid, [id, reason = std::move(reason)](WorkerIsolate& w, v8::Local<v8::Context>) {
      w.rpcEnded(id, reason);
    });
  });
}

// ---- the isolate's sessions ----

uint32_t WorkerIsolate::addRpcSession(std::shared_ptr<RpcSession> session, int side, uint32_t rid) {
  uint32_t id = next_rpc_session_++;
  if (next_rpc_session_ == 0) next_rpc_session_ = 1;
  rpc_sessions_[id] = {std::move(session), side, rid};
  return id;
}

RpcSession* WorkerIsolate::rpcSession(uint32_t id, int* side) {
  auto it = rpc_sessions_.find(id);
  if (it == rpc_sessions_.end()) return nullptr;
  if (side) *side = it->second.side;
  return it->second.session.get();
}

void WorkerIsolate::closeRpcSession(uint32_t id, const std::string& reason) {
  auto it = rpc_sessions_.find(id);
  if (it == rpc_sessions_.end()) return;
  it->second.session->close(static_cast<RpcSession::Side>(it->second.side), reason);
  rpc_sessions_.erase(it);
}

void WorkerIsolate::closeRpcSessionsOf(uint32_t rid, const std::string& reason) {
  std::vector<uint32_t> ids;
  for (const auto& [id, entry] : rpc_sessions_) {
    if (entry.rid == rid) ids.push_back(id);
  }
  for (uint32_t id : ids) {
    closeRpcSession(id, reason);
    // This side's JS hears of it too (its stubs stop working), when it can.
    if (entry_depth_ > 0) {
      v8::Local<v8::Value> args[] = {v8::Integer::NewFromUnsigned(isolate_, id), v8str(isolate_, reason)};
      (void)rpc_closed_fn_.Get(isolate_)->Call(context_.Get(isolate_), v8::Undefined(isolate_), 2, args);
    }
  }
}

void WorkerIsolate::rpcMessage(uint32_t id, const std::string& message) {
  if (!rpc_sessions_.count(id)) return;
  v8::Local<v8::Context> context = context_.Get(isolate_);
  auto store = v8::ArrayBuffer::NewBackingStore(isolate_, message.size());
  std::memcpy(store->Data(), message.data(), message.size());
  auto buffer = v8::ArrayBuffer::New(isolate_, std::move(store));
  v8::Local<v8::Value> args[] = {v8::Integer::NewFromUnsigned(isolate_, id),
                                 v8::Uint8Array::New(buffer, 0, message.size())};
  (void)rpc_receive_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 2, args);
}

void WorkerIsolate::rpcEnded(uint32_t id, const std::string& reason) {
  if (!rpc_sessions_.erase(id)) return;
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Local<v8::Value> args[] = {v8::Integer::NewFromUnsigned(isolate_, id), v8str(isolate_, reason)};
  (void)rpc_closed_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 2, args);
}

ServiceCall serviceCallArg(v8::Isolate* isolate, v8::Local<v8::Array> value) {
  auto context = isolate->GetCurrentContext();
  auto item = [&](uint32_t i) {
    v8::Local<v8::Value> v;
    if (i >= value->Length() || !value->Get(context, i).ToLocal(&v) || !v->IsString()) return std::string();
    return toStdString(isolate, v);
  };
  ServiceCall call;
  call.service = item(0);
  call.entrypoint = item(1);
  call.props_json = item(2);
  return call;
}

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;

WorkerIsolate* self(Args info) { return static_cast<WorkerIsolate*>(info.Data().As<v8::External>()->Value()); }

// How the callee's side ended, from the status its request got.
std::string endReason(std::string_view error, const net::ClientResponse* response) {
  if (!error.empty()) return std::string(error);
  if (!response || response->status < 500) return {};
  if (response->status == 503) return "Worker exceeded resource limits (the worker called over RPC used more CPU time or memory than it is allowed).";
  if (response->status == 508) return "Worker hit loop limit: this call went through workers more than 16 times.";
  return "The worker called over RPC threw an exception outside any method call, or its session failed; the edge node's log has the stack trace.";
}

// rpcOpen([service, entrypoint, propsJson]) → session id: starts an RPC
// session with the service binding's worker, as one of the request's
// subrequests. Its end (or that it could not start) arrives as
// internals.rpcClosed.
void rpcOpen(Args info) {
  v8::Isolate* isolate = info.GetIsolate();
  WorkerIsolate* w = self(info);
  if (!info[0]->IsArray()) {
    throwError(isolate, "TypeError", "rpcOpen: bad arguments");
    return;
  }
  ServiceCall call = serviceCallArg(isolate, info[0].As<v8::Array>());
  uint32_t rid = w->currentRequest();
  if (!w->countSubrequest(rid)) return;
  WorkerIsolate::RequestState* r = w->request(rid);
  auto session = std::make_shared<RpcSession>();
  uint32_t id = w->addRpcSession(session, RpcSession::kCaller, rid);
  session->attach(RpcSession::kCaller, w->weak_from_this(), w->home(), rid, id);
  call.rpc = session;
  net::ClientRequest request;
  request.method = "POST";
  request.url = "http://" + call.service + "/";
  request.headers.push_back({"cf-ew-via", std::to_string(r ? r->info.invocations_left : kMaxWorkerInvocations - 1)});
  net::FetchCallback done = [session](std::string_view error, std::shared_ptr<net::ClientResponse> response) {
    if (response && response->body) response->body->cancel();
    session->close(RpcSession::kCallee, endReason(error, response.get()));
  };
  net::EventLoop* home = &w->home();
  const StorageConfig* config = &w->storage().config();
  home->post([home, config, call = std::move(call), request = std::move(request), done = std::move(done)]() mutable {
    const auto& to_service = config->service_fetch;
    if (to_service && to_service(home->context(), call, request, done)) return;
    done("No worker named \"" + call.service + "\" runs on this node (service binding).", nullptr);
  });
  info.GetReturnValue().Set(id);
}

// rpcSend(id, bytes): a message to the other side; false once the session
// is gone.
void rpcSend(Args info) {
  WorkerIsolate* w = self(info);
  int side = 0;
  uint32_t id = info[0]->Uint32Value(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
  RpcSession* session = w->rpcSession(id, &side);
  if (!session || !info[1]->IsArrayBufferView()) {
    info.GetReturnValue().Set(false);
    return;
  }
  auto view = info[1].As<v8::ArrayBufferView>();
  std::string message(view->ByteLength(), '\0');
  view->CopyContents(message.data(), message.size());
  session->send(static_cast<RpcSession::Side>(side), std::move(message));
  info.GetReturnValue().Set(true);
}

// rpcClose(id, reason): ends the session from this side.
void rpcClose(Args info) {
  v8::Isolate* isolate = info.GetIsolate();
  uint32_t id = info[0]->Uint32Value(isolate->GetCurrentContext()).FromMaybe(0);
  self(info)->closeRpcSession(id, info[1]->IsString() ? toStdString(isolate, info[1]) : std::string());
}

}  // namespace

void installRpcNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native,
                       v8::Local<v8::Value> data) {
  const std::pair<const char*, v8::FunctionCallback> natives[] = {
      {"rpcOpen", rpcOpen}, {"rpcSend", rpcSend}, {"rpcClose", rpcClose}};
  for (const auto& [name, fn] : natives) {
    native->Set(context, v8str(isolate, name), v8::Function::New(context, fn, data).ToLocalChecked()).Check();
  }
}

}  // namespace verge::runtime
