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
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "net/tcp_client.h"
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
  // `role`: the node's side (server for a client's connection, client for
  // an outgoing one). `ends_request`: the connection is the answer to
  // request `rid`, which ends with it.
  Bridge(std::shared_ptr<net::DuplexStream> stream, std::weak_ptr<WorkerIsolate> isolate, uint32_t rid, uint32_t id,
         net::WebSocketRole role, bool ends_request)
      : stream_(std::move(stream)),
        isolate_(std::move(isolate)),
        rid_(rid),
        id_(id),
        ends_request_(ends_request),
        parser_({role == net::WebSocketRole::kServer ? net::WebSocketRole::kServer : net::WebSocketRole::kClient,
                 net::kDefaultMaxMessageBytes}),
        writer_({role}) {}

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
      w.webSocketEvent(self->id_, type, data, code, clean, self->ends_request_);
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
  bool ends_request_;
  net::WebSocketParser parser_;
  net::WebSocketWriter writer_;
  std::string pending_;
  int in_flight_ = 0;
  bool reading_ = false;
  bool close_sent_ = false, close_received_ = false, ended_ = false;
};

// An outgoing connection (TcpClient) as the DuplexStream a Bridge reads
// and writes; `leftover` are bytes that came behind the handshake answer.
class TcpDuplex : public net::DuplexStream, public std::enable_shared_from_this<TcpDuplex> {
 public:
  TcpDuplex(std::shared_ptr<net::TcpClient> client, net::EventLoop& loop, std::string leftover)
      : client_(std::move(client)), loop_(loop), leftover_(std::move(leftover)) {}
  ~TcpDuplex() override { client_->close(); }

  net::EventLoop& loop() override { return loop_; }
  void read(std::function<void(std::string_view, bool)> callback) override {
    if (!leftover_.empty()) {
      std::string data = std::move(leftover_);
      leftover_.clear();
      callback(data, false);
      return;
    }
    client_->read([callback = std::move(callback)](std::string_view data, std::string_view error) {
      if (!error.empty() || data.empty()) callback({}, true);
      else callback(data, false);
    });
  }
  void write(std::string data, std::function<void(bool)> done) override {
    queue_.push_back({std::move(data), std::move(done)});
    flush();
  }
  void close() override {
    close_requested_ = true;
    if (!writing_ && queue_.empty()) client_->close();
  }
  void onServerStop(std::function<void()>) override {}  // it ends with its request

 private:
  void flush() {
    if (writing_ || queue_.empty()) return;
    writing_ = true;
    auto piece = std::move(queue_.front());
    queue_.pop_front();
    client_->write(std::move(piece.first), [self = shared_from_this(), done = std::move(piece.second)](
                                               std::string_view error) {
      self->writing_ = false;
      if (done) done(error.empty());
      if (self->close_requested_ && self->queue_.empty()) self->client_->close();
      else self->flush();
    });
  }
  std::shared_ptr<net::TcpClient> client_;
  net::EventLoop& loop_;
  std::string leftover_;
  std::deque<std::pair<std::string, std::function<void(bool)>>> queue_;
  bool writing_ = false, close_requested_ = false;
};

// The client's opening handshake on a connected TcpClient: the request,
// then the answer's head (at most 16 KiB), checked as RFC 6455 says.
class Handshake : public std::enable_shared_from_this<Handshake> {
 public:
  using Done = std::function<void(std::string error, std::string protocol, std::string leftover)>;
  // The server answered, but not with 101: its answer, body and all.
  using Refused = std::function<void(net::ResponseHead head, std::string body)>;
  Handshake(std::shared_ptr<net::TcpClient> client, std::vector<std::string> protocols, Done done, Refused refused)
      : client_(std::move(client)), protocols_(std::move(protocols)), done_(std::move(done)),
        refused_(std::move(refused)), key_(net::makeWebSocketKey()) {}

  void start(const std::string& target, const std::string& host, const net::HeaderList& extra) {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto& h : net::webSocketRequestHeaders(key_, protocols_)) request += h.name + ": " + h.value + "\r\n";
    for (const auto& h : extra) request += h.name + ": " + h.value + "\r\n";
    request += "\r\n";
    client_->write(std::move(request), [self = shared_from_this()](std::string_view error) {
      if (!error.empty()) return self->fail(std::string(error));
      self->readHead();
    });
  }

 private:
  void readHead() {
    net::readResponseHead(client_, [self = shared_from_this()](net::HeadFailure failure, std::string_view error,
                                                                net::ResponseHead head, std::string rest) {
      using F = net::HeadFailure;
      switch (failure) {
        case F::kTransport: return self->fail(std::string(error));
        case F::kClosed: return self->fail("the server closed the connection during the handshake");
        case F::kTooLarge: return self->fail("the server's handshake answer is over 16 KiB");
        case F::kNotHttp: return self->fail("the server's answer is not HTTP");
        case F::kNone: break;
      }
      if (head.status != 101) {
        // As workerd: fetch() resolves to the server's answer, which the
        // worker reads like any other response.
        if (head.status < 200) return self->fail("the server answered " + std::to_string(head.status) + ", not 101");
        auto shared_head = std::make_shared<net::ResponseHead>(std::move(head));
        net::readResponseBody(self->client_, *shared_head, std::move(rest),
                              [self, shared_head](std::string error, std::string body) {
                                if (!error.empty()) return self->fail(error);
                                if (auto refused = std::move(self->refused_)) refused(std::move(*shared_head), std::move(body));
                              });
        return;
      }
      std::string protocol;
      if (auto bad = net::checkWebSocketResponse(head.status, head.headers, self->key_, self->protocols_, protocol)) {
        return self->fail(*bad);
      }
      auto done = std::move(self->done_);
      done({}, protocol, std::move(rest));
    });
  }

  void fail(std::string error) {
    if (auto done = std::move(done_)) done(std::move(error), {}, {});
  }

  std::shared_ptr<net::TcpClient> client_;
  std::vector<std::string> protocols_;
  Done done_;
  Refused refused_;
  std::string key_;
};

}  // namespace

// The isolate's bridges, by id; touched on the home loop only.
struct WebSocketTable {
  std::unordered_map<uint32_t, std::shared_ptr<Bridge>> bridges;
  uint32_t next_id = 1;
};

void WorkerIsolate::webSocketEvent(uint32_t id, const char* type, const std::string& data, uint16_t code, bool clean,
                                   bool ends_request, const net::ResponseHead* answer) {
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Local<v8::Value> payload;
  if (std::string_view(type) == "binary" || answer) {
    auto store = v8::ArrayBuffer::NewBackingStore(isolate_, data.size());
    std::memcpy(store->Data(), data.data(), data.size());
    payload = v8::ArrayBuffer::New(isolate_, std::move(store));
  } else {
    payload = v8str(isolate_, data);
  }
  v8::Local<v8::Value> args[] = {v8::Integer::NewFromUnsigned(isolate_, id), v8str(isolate_, type), payload,
                                 v8::Integer::New(isolate_, code), v8::Boolean::New(isolate_, clean),
                                 v8::Undefined(isolate_), v8::Undefined(isolate_)};
  if (answer) {
    // A refused handshake: the answer's header pairs and reason phrase.
    v8::Local<v8::Array> pairs = v8::Array::New(isolate_, static_cast<int>(answer->headers.size() * 2));
    uint32_t i = 0;
    for (const auto& h : answer->headers) {
      if (pairs->Set(context, i++, v8str(isolate_, h.name)).IsNothing() ||
          pairs->Set(context, i++, v8str(isolate_, h.value)).IsNothing()) {
        break;
      }
    }
    args[5] = pairs;
    args[6] = v8str(isolate_, answer->reason);
    webSocketGone(id);
  }
  (void)ws_event_fn_.Get(isolate_)->Call(context, v8::Undefined(isolate_), 7, args);
  if (std::string_view(type) == "close") {
    open_websockets_.erase(id);
    home_->run([weak = weak_from_this(), id] {
      if (auto self = weak.lock()) self->websockets_->bridges.erase(id);
    });
    if (ends_request) finishRequest(current_rid_);
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
  w->webSocketOpened(id);
  auto weak = w->weak_from_this();
  w->home().run([weak, rid, id, ex = r->exchange, headers = std::move(headers)] {
    auto iso = weak.lock();
    if (!iso) return;
    auto stream = ex->upgrade(headers);
    if (!stream) {
      ex->abort();
      return;
    }
    auto bridge = std::make_shared<Bridge>(std::move(stream), weak, rid, id, net::WebSocketRole::kServer, true);
    iso->webSockets().bridges[id] = bridge;
    bridge->start();
  });
  info.GetReturnValue().Set(id);
}

std::vector<std::string> stringArray(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  std::vector<std::string> out;
  if (!value->IsArray()) return out;
  auto context = isolate->GetCurrentContext();
  auto a = value.As<v8::Array>();
  for (uint32_t i = 0; i < a->Length(); ++i) {
    v8::Local<v8::Value> v;
    if (a->Get(context, i).ToLocal(&v)) out.push_back(toStdString(isolate, v));
  }
  return out;
}

// wsConnect(host, port, tls, target, hostHeader, protocols, headerPairs) → id:
// an outgoing WebSocket (new WebSocket(url)), one of the request's
// subrequests, under the worker's egress policy; closed when the request
// ends. Its "open" event carries the protocol the server chose; a failed
// connection or handshake gives "error" and then "close" (1006).
void wsConnect(Args info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  WorkerIsolate* w = self(info);
  uint32_t rid = w->currentRequest();
  WorkerIsolate::RequestState* r = w->request(rid);
  if (!r) {
    throwError(isolate, "Error", "A WebSocket can only be opened while a request is being handled.");
    return;
  }
  if (!w->countSubrequest(rid)) return;
  net::TcpClient::Options options;
  options.host = toStdString(isolate, info[0]);
  options.port = static_cast<uint16_t>(info[1]->Uint32Value(context).FromMaybe(0));
  options.tls = info[2]->BooleanValue(isolate);
  options.egress = w->script().egress;
  std::string target = toStdString(isolate, info[3]);
  std::string host_header = toStdString(isolate, info[4]);
  std::vector<std::string> protocols = stringArray(isolate, info[5]);
  net::HeaderList extra = headerPairs(isolate, info[6]);
  uint32_t id = w->webSockets().next_id++;
  w->webSocketOpened(id);
  auto weak = w->weak_from_this();
  r->on_end.push_back([w, id] {
    // As on Cloudflare, a request's outgoing WebSockets end with it.
    w->webSocketGone(id);
    w->home().run([weak = w->weak_from_this(), id] {
      if (auto iso = weak.lock()) iso->webSockets().bridges.erase(id);
    });
  });
  net::EventLoop* home = &w->home();
  home->run([weak, rid, id, home, options = std::move(options), target = std::move(target),
             host_header = std::move(host_header), protocols = std::move(protocols), extra = std::move(extra)]() mutable {
    auto client = std::make_shared<net::TcpClient>(home->context());
    auto failed = [weak, rid, id](std::string error) {
      WorkerIsolate::deliver(weak, rid, [id, error](WorkerIsolate& iso, v8::Local<v8::Context>) {
        iso.webSocketEvent(id, "error", "WebSocket connection failed: " + error, 0, false, false);
        iso.webSocketEvent(id, "close", "", 1006, false, false);
      });
    };
    client->connect(options, [weak, rid, id, home, client, failed, target = std::move(target),
                              host_header = std::move(host_header), protocols = std::move(protocols),
                              extra = std::move(extra)](std::string_view error, std::string, std::string) mutable {
      if (!error.empty()) return failed(std::string(error));
      auto handshake = std::make_shared<Handshake>(
          client, protocols, [weak, rid, id, home, client, failed](std::string error, std::string protocol, std::string leftover) {
            if (!error.empty()) return failed(error);
            auto iso = weak.lock();
            if (!iso) return;
            auto stream = std::make_shared<TcpDuplex>(client, *home, std::move(leftover));
            auto bridge = std::make_shared<Bridge>(stream, weak, rid, id, net::WebSocketRole::kClient, false);
            iso->webSockets().bridges[id] = bridge;
            WorkerIsolate::deliver(weak, rid, [id, protocol](WorkerIsolate& w, v8::Local<v8::Context>) {
              w.webSocketEvent(id, "open", protocol, 0, true, false);
            });
            bridge->start();
          },
          [weak, rid, id](net::ResponseHead head, std::string body) {
            WorkerIsolate::deliver(weak, rid, [id, head = std::move(head), body = std::move(body)](
                                                  WorkerIsolate& w, v8::Local<v8::Context>) {
              w.webSocketEvent(id, "response", body, static_cast<uint16_t>(head.status), false, false, &head);
            });
          });
      handshake->start(target, host_header, extra);
    });
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
      {"wsUpgrade", wsUpgrade}, {"wsConnect", wsConnect}, {"wsSend", wsSend}, {"wsClose", wsClose}};
  for (const auto& [name, fn] : natives) {
    native->Set(context, v8str(isolate, name), v8::Function::New(context, fn, data).ToLocalChecked()).Check();
  }
}

}  // namespace verge::runtime
