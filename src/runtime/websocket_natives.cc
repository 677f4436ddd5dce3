// WebSockets between a client and a worker (src/js/websocket.js): when a
// worker answers an upgrade request with `new Response(null, { status: 101,
// webSocket })`, the client's connection becomes the other end of the
// worker's WebSocketPair. A Bridge carries it: frames the client sends
// (net/websocket.h) become events in the worker's isolate, one at a time
// (the next read waits until the isolate has taken the last message), and
// what the worker sends is framed and written. Each event is an entry of
// the request with a CPU budget of its own; the request ends when the
// connection does.
#include "runtime/websocket_natives.h"

#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

#include "net/websocket.h"
#include "net/websocket_handshake.h"
#include "runtime/v8_util.h"
#include "runtime/worker_isolate.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;

WorkerIsolate* self(Args info) { return static_cast<WorkerIsolate*>(info.Data().As<v8::External>()->Value()); }

// One client connection bridged to a worker's WebSocket. Lives on the
// connection's loop; the isolate reaches it by id through home().run().
class Bridge : public std::enable_shared_from_this<Bridge> {
 public:
  Bridge(std::shared_ptr<net::DuplexStream> stream, std::weak_ptr<WorkerIsolate> isolate, uint32_t rid, uint32_t id)
      : stream_(std::move(stream)),
        isolate_(std::move(isolate)),
        rid_(rid),
        id_(id),
        parser_({net::WebSocketRole::kServer, net::kDefaultMaxMessageBytes}),
        writer_({net::WebSocketRole::kServer}) {}

  void start() {
    auto weak = weak_from_this();
    stream_->onServerStop([weak] {
      if (auto self = weak.lock()) self->closeWith(1001, "The server is shutting down.", true);
    });
    readMore();
  }

  // From the worker (on the loop).
  void send(bool text, const std::string& data) {
    if (close_sent_) return;
    std::string out;
    writer_.writeMessage(text, data, out);
    stream_->write(std::move(out), nullptr);
  }
  void close(uint16_t code, const std::string& reason) {
    if (close_sent_) return;
    close_sent_ = true;
    std::string out;
    if (!writer_.writeClose(code, reason, out)) writer_.writeClose(net::kCloseNoStatus, {}, out);
    stream_->write(std::move(out), nullptr);
    if (close_received_) finish(code, reason, true);
  }

 private:
  // One read at a time, and none while a message waits for the isolate.
  void readMore() {
    if (ended_ || reading_ || in_flight_ > 0) return;
    reading_ = true;
    stream_->read([self = shared_from_this()](std::string_view data, bool end) {
      self->reading_ = false;
      self->onBytes(data, end);
    });
  }

  void onBytes(std::string_view data, bool end) {
    if (ended_) return;
    if (end) {
      // The client went away without a close handshake.
      finish(1006, "", false);
      return;
    }
    pending_.append(data);
    size_t offset = 0;
    while (offset < pending_.size() && !ended_) {
      net::WebSocketEvent event;
      size_t used = parser_.parse(std::span<char>(pending_.data() + offset, pending_.size() - offset), event);
      offset += used;
      if (event.type == net::WebSocketEventType::kNone) break;
      handle(event);
    }
    pending_.erase(0, offset);
    readMore();
  }

  void handle(const net::WebSocketEvent& event) {
    using T = net::WebSocketEventType;
    switch (event.type) {
      case T::kText:
      case T::kBinary:
        toWorker(event.type == T::kText ? "text" : "binary", std::string(event.data), 0, false);
        return;
      case T::kPing: {
        std::string out;
        writer_.writePong(event.data, out);
        stream_->write(std::move(out), nullptr);
        return;
      }
      case T::kPong:
      case T::kNone:
        return;
      case T::kClose:
        close_received_ = true;
        if (close_sent_) {
          finish(event.code, std::string(event.data), true);
        } else {
          // As workerd does by default: the close is answered with the same code.
          uint16_t code = event.code == net::kCloseNoStatus ? 1000 : event.code;
          close_sent_ = true;
          std::string out;
          writer_.writeClose(event.code == net::kCloseNoStatus ? net::kCloseNoStatus : code, {}, out);
          stream_->write(std::move(out), nullptr);
          finish(event.code, std::string(event.data), true);
        }
        return;
      case T::kError:
        closeWith(event.code, std::string(event.data), false);
        return;
    }
  }

  // A protocol error or shutdown: tell the client why, then end.
  void closeWith(uint16_t code, const std::string& reason, bool clean) {
    if (ended_) return;
    if (!close_sent_) {
      close_sent_ = true;
      std::string out;
      writer_.writeClose(code, reason, out);
      stream_->write(std::move(out), nullptr);
    }
    finish(code, reason, clean);
  }

  // The connection is over: the worker hears the close, the request ends.
  void finish(uint16_t code, const std::string& reason, bool clean) {
    if (ended_) return;
    ended_ = true;
    stream_->close();
    toWorker("close", reason, code == net::kCloseNoStatus ? 1005 : code, clean);
  }

  void toWorker(const char* type, std::string data, uint16_t code, bool clean) {
    ++in_flight_;
    auto self = shared_from_this();
    WorkerIsolate::deliver(isolate_, rid_, [self, type, data = std::move(data), code, clean](
                                               WorkerIsolate& w, v8::Local<v8::Context> context) {
      w.webSocketEvent(self->id_, type, data, code, clean);
      // Back on the loop: the next message may be read.
      w.home().run([self] {
        --self->in_flight_;
        self->readMore();
      });
    });
  }

  std::shared_ptr<net::DuplexStream> stream_;
  std::weak_ptr<WorkerIsolate> isolate_;
  uint32_t rid_;
  uint32_t id_;
  net::WebSocketParser parser_;
  net::WebSocketWriter writer_;
  std::string pending_;
  int in_flight_ = 0;
  bool reading_ = false;
  bool close_sent_ = false, close_received_ = false, ended_ = false;
};

}  // namespace

// The isolate's bridges, by id; touched on the home loop only.
struct WebSocketTable {
  std::unordered_map<uint32_t, std::shared_ptr<Bridge>> bridges;
  uint32_t next_id = 1;
};

void WorkerIsolate::webSocketEvent(uint32_t id, const char* type, const std::string& data, uint16_t code, bool clean) {
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Local<v8::Value> payload;
  if (std::string_view(type) == "binary") {
    auto store = v8::ArrayBuffer::NewBackingStore(isolate_, data.size());
    std::memcpy(store->Data(), data.data(), data.size());
    payload = v8::ArrayBuffer::New(isolate_, std::move(store));
  } else {
    payload = v8str(isolate_, data);
  }
  v8::Local<v8::Value> args[] = {v8::Integer::NewFromUnsigned(isolate_, id), v8str(isolate_, type), payload,
                                 v8::Integer::New(isolate_, code), v8::Boolean::New(isolate_, clean)};
  (void)ws_event_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 5, args);
  if (std::string_view(type) == "close") {
    home_->run([weak = weak_from_this(), id] {
      if (auto self = weak.lock()) self->websockets_->bridges.erase(id);
    });
    finishRequest(current_rid_);
  }
}

namespace {

// wsUpgrade(rid, headerPairs) → id: answers the request `rid` with 101 and
// makes its connection a WebSocket. Throws a TypeError when the request
// was no WebSocket handshake.
void wsUpgrade(Args info) {
  auto* isolate = info.GetIsolate();
  WorkerIsolate* w = self(info);
  uint32_t rid = info[0]->Uint32Value(isolate->GetCurrentContext()).FromMaybe(0);
  WorkerIsolate::RequestState* r = w->request(rid);
  if (!r || r->head_written) {
    throwError(isolate, "TypeError", "This request has already been answered.");
    return;
  }
  const auto& head = r->exchange->head();
  net::WebSocketOffer offer;
  if (!net::isWebSocketUpgrade(head.headers)) {
    throwError(isolate, "TypeError",
               "Worker tried to return a WebSocket in a response to a request which did not contain the header "
               "\"Upgrade: websocket\".");
    return;
  }
  if (auto error = net::checkWebSocketRequest(head.method, head.version, head.headers, offer)) {
    throwError(isolate, "TypeError", "The request is not a valid WebSocket handshake: " + error->message);
    return;
  }
  net::HeaderList extra = headerPairs(isolate, info[1]);
  std::string protocol;
  for (const auto& h : extra) {
    if (net::iequals(h.name, "sec-websocket-protocol")) protocol = h.value;
  }
  net::HeaderList headers = net::webSocketResponseHeaders(offer.key, protocol);
  for (auto& h : extra) {
    if (net::iequals(h.name, "sec-websocket-protocol") || net::iequals(h.name, "upgrade") ||
        net::iequals(h.name, "connection") || net::iequals(h.name, "sec-websocket-accept")) {
      continue;
    }
    headers.push_back(std::move(h));
  }
  r->head_written = true;
  r->per_event_cpu = true;
  uint32_t id = w->webSockets().next_id++;
  auto weak = w->weak_from_this();
  w->home().run([weak, rid, id, ex = r->exchange, headers = std::move(headers)] {
    auto iso = weak.lock();
    if (!iso) return;
    auto stream = ex->upgrade(headers);
    if (!stream) {
      ex->abort();
      return;
    }
    auto bridge = std::make_shared<Bridge>(std::move(stream), weak, rid, id);
    iso->webSockets().bridges[id] = bridge;
    bridge->start();
  });
  info.GetReturnValue().Set(id);
}

template <class F>
void withBridge(WorkerIsolate* w, uint32_t id, F&& fn) {
  w->home().run([weak = w->weak_from_this(), id, fn = std::forward<F>(fn)]() mutable {
    auto iso = weak.lock();
    if (!iso) return;
    auto& bridges = iso->webSockets().bridges;
    auto it = bridges.find(id);
    if (it != bridges.end()) fn(*it->second);
  });
}

// wsSend(id, data, isText): data a string (text) or bytes.
void wsSend(Args info) {
  auto* isolate = info.GetIsolate();
  uint32_t id = info[0]->Uint32Value(isolate->GetCurrentContext()).FromMaybe(0);
  bool text = info[2]->BooleanValue(isolate);
  std::string data = text ? toStdString(isolate, info[1]) : std::string(bytesOf(info[1]));
  withBridge(self(info), id, [text, data = std::move(data)](Bridge& b) { b.send(text, data); });
}

// wsClose(id, code, reason)
void wsClose(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  uint32_t id = info[0]->Uint32Value(context).FromMaybe(0);
  auto code = static_cast<uint16_t>(info[1]->Uint32Value(context).FromMaybe(1000));
  std::string reason = toStdString(isolate, info[2]);
  withBridge(self(info), id, [code, reason = std::move(reason)](Bridge& b) { b.close(code, reason); });
}

}  // namespace

WebSocketTable& WorkerIsolate::webSockets() {
  if (!websockets_) websockets_ = std::make_shared<WebSocketTable>();
  return *websockets_;
}

void installWebSocketNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native,
                             v8::Local<v8::Value> data) {
  const std::pair<const char*, v8::FunctionCallback> natives[] = {
      {"wsUpgrade", wsUpgrade}, {"wsSend", wsSend}, {"wsClose", wsClose}};
  for (const auto& [name, fn] : natives) {
    native->Set(context, v8str(isolate, name), v8::Function::New(context, fn, data).ToLocalChecked()).Check();
  }
}

}  // namespace verge::runtime
